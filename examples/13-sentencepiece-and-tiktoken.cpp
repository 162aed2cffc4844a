// Episode 13 — SentencePiece & tiktoken: two ways to build a tokenizer, run on the same text.
// Long because six sections compare SentencePiece and byte-level BPE on the same texts.
//
// The SentencePiece side is SentencePieceBpe (aib/tokenizer/sentencepiece.hpp) reading the
// vocabulary that spm_train learned from the course sentences (tests/fixtures/sentencepiece/
// course-bpe.vocab, 1,000 pieces, embedded): spaces become "▁", no pre-split, characters it never
// saw fall back to <0xNN> byte pieces. The tiktoken side is a byte-level BPE vocabulary of the same
// size trained right here on the same sentences by train_bpe (aib/tokenizer/bpe_train.hpp) with
// GPT-2's split rule, encoded by Encoding (aib/tokenizer/encoding.hpp): spaces are bytes glued to
// the next word, every byte is a token. With --encodings DIR or $AIB_ENCODINGS holding the rank
// files (aib/tokenizer/tiktoken.hpp), the real gpt2 and cl100k_base pieces and ids are added.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/text.hpp"
#include "aib/show/format.hpp"
#include "aib/show/pieces.hpp"
#include "aib/show/table.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/sentencepiece.hpp"
#include "aib/tokenizer/unicode.hpp"
#include "course_data.hpp"
#include "encodings.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "token_pieces.hpp"

namespace {

namespace tok = aib::tokenizer;

using aib::show::by_word;
using aib::show::grouped;
using aib::show::id_list;
using aib::show::joined;
using aib::show::quoted;
using aib::show::visible;

// One tokenizer's view of a text: its pieces as it names them, and their ids.
struct Cut {
  std::vector<std::string> pieces;
  std::vector<std::uint32_t> ids;  // (T)
  std::vector<int> ids_int() const { return std::vector<int>(ids.begin(), ids.end()); }
};

Cut cut_sp(const tok::SentencePieceBpe& sp, std::string_view text) {
  Cut c;
  c.pieces = sp.encode_pieces(text);  // "▁model", "<0xF0>": spm's own names
  for (const int id : sp.encode(text)) c.ids.push_back(static_cast<std::uint32_t>(id));
  return c;
}

Cut cut_bpe(const tok::Encoding& enc, std::string_view text) {
  Cut c;
  c.ids = enc.encode_ordinary(text);
  c.pieces = aib::episode::pieces_of(enc, c.ids);
  return c;
}

// Columns a terminal gives to s: 2 for East Asian wide characters and most emoji, else 1.
// Texts of different kinds, written for this episode.
const std::vector<std::pair<std::string, std::string>> kSamples = {
    {"in-domain", "The model reads tokens, not words, and predicts the next one."},
    {"out-of-domain", "Grandma bakes rye bread with walnuts every Sunday."},
    {"Greek", "Τα μοντέλα διαβάζουν κομμάτια κειμένου."},
    {"Chinese", "模型一次读一个词元。"},
};

// Characters the SentencePiece vocabulary never saw (Q is absent from the course sentences too).
const std::vector<std::string> kUnknown = {"Q", "词", "🙂"};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string text = "A tokenizer's vocabulary decides where every sentence gets cut.";
  const aib::episode::Encodings encodings(ep.flags());
  ep.flags()
      .add("--text", text, "Your own sentence to cut both ways")
      .check([](const std::string& v) { return v.find_first_not_of(' ') != std::string::npos; },
             "must not be blank");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const int width = std::min(ctx.style.width, 80);

    // ---- The two tokenizers ---------------------------------------------------------------
    ctx.section("Two tokenizers, one training text");
    const auto sentences =
        aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
    std::vector<std::string> texts;
    std::size_t n_bytes = 0;
    for (const auto& s : sentences) {
      texts.push_back(s.text);
      n_bytes += s.text.size();
    }
    const tok::SentencePieceBpe sp =
        tok::SentencePieceBpe::from_vocab_text(aib_embedded::spm_vocab, "course-bpe.vocab");
    int sp_chars = 0, sp_merged = 0, sp_bytes = 0, sp_control = 0, sp_word_start = 0;
    for (int id = 0; id < sp.size(); ++id) {
      const tok::SentencePieceBpe::Kind k = sp.kind(id);
      if (k == tok::SentencePieceBpe::Kind::byte)
        ++sp_bytes;
      else if (k != tok::SentencePieceBpe::Kind::normal)
        ++sp_control;
      else if (aib::utf8_chars(sp.piece(id)).size() == 1)
        ++sp_chars;
      else
        ++sp_merged;
      if (k == tok::SentencePieceBpe::Kind::normal && sp.piece(id).rfind(tok::kSpaceSymbol, 0) == 0)
        ++sp_word_start;
    }
    tok::TrainOptions options;
    options.vocab_size = static_cast<std::size_t>(sp.size());  // the same size: 1,000
    options.pattern = tok::SplitPattern::gpt2;
    const tok::TrainResult trained = tok::train_bpe(texts, options);
    const tok::Encoding& bpe = trained.encoding;
    std::size_t bpe_word_start = 0;
    for (tok::Rank r = 0; r < bpe.n_ranks(); ++r)
      bpe_word_start += bpe.token_bytes(r).front() == ' ';

    fmt::print("Both learned from the same {} course sentences ({} bytes):\n\n", sentences.size(),
               grouped(n_bytes));
    fmt::print(
        "SentencePiece  course-bpe.vocab, written by spm_train (BPE, byte fallback):\n"
        "               {} pieces = {} control + {} byte pieces <0xNN> + {} characters\n"
        "               + {} merged pieces. \"▁\" stands for a space.\n",
        grouped(static_cast<std::uint64_t>(sp.size())), sp_control, sp_bytes, sp_chars, sp_merged);
    fmt::print(
        "byte-level BPE trained here by train_bpe, GPT-2's split rule (tiktoken's kind):\n"
        "               {} tokens = 256 bytes + {} merges. \"␣\" is a space.\n",
        grouped(bpe.n_ranks()), trained.merges.size());

    const std::vector<std::string> real_names = {"gpt2", "cl100k_base"};
    const std::vector<aib::episode::NamedEncoding> real = encodings.find(real_names);
    if (!real.empty()) {
      std::vector<std::string> found;
      for (const auto& [name, e] : real)
        found.push_back(fmt::format("{} ({} tokens)", name, grouped(e.n_vocab())));
      fmt::print("real encodings from {}:\n               {}.\n", *encodings.dir(),
                 joined(found, ", "));
    } else {
      fmt::print("{}{}", encodings.none_found(real_names),
                 encodings.dir() ? ", so no real ids below.\n"
                                 : ", so the\ntiktoken side is only the vocabulary trained above: "
                                   "no real GPT ids below.\n");
    }

    // ---- One sentence, both ways ----------------------------------------------------------
    ctx.section("One sentence, cut both ways");
    const Cut s_sp = cut_sp(sp, text), s_bpe = cut_bpe(bpe, text);
    fmt::print("{}\n", quoted(text, width));
    const auto sp_words = by_word(s_sp.pieces, tok::kSpaceSymbol);
    const auto bpe_words = by_word(s_bpe.pieces, "␣");
    const std::vector<std::string> words = aib::episode::words_of(text);
    if (sp_words.size() == words.size() && bpe_words.size() == words.size()) {
      show::Table side({"word", "SentencePiece", "byte-level BPE"});
      for (std::size_t w = 0; w < words.size(); ++w)
        side.add_row({words[w], joined(sp_words[w], "|"), joined(bpe_words[w], "|")});
      side.add_row({"tokens", std::to_string(s_sp.ids.size()), std::to_string(s_bpe.ids.size())});
      side.align(1, show::Align::left).align(2, show::Align::left);
      show::print(side.render(ctx.style));
    } else {  // spaces in odd places: the words do not line up, show the two rows
      fmt::print("SentencePiece ({})\n  {}", s_sp.ids.size(),
                 show::wrapped(s_sp.pieces, "|", width, 2, 0));
      fmt::print("byte-level BPE ({})\n  {}", s_bpe.ids.size(),
                 show::wrapped(s_bpe.pieces, "|", width, 2, 0));
    }
    fmt::print("\nids, SentencePiece:\n  {}",
               show::wrapped(aib::show::id_strings(s_sp.ids), " ", width, 2, 0));
    fmt::print("ids, byte-level BPE:\n  {}",
               show::wrapped(aib::show::id_strings(s_bpe.ids), " ", width, 2, 0));
    const auto same = [&](const std::string& back) {
      return back == text ? std::string("yes") : "no, \"" + visible(back) + "\"";
    };
    fmt::print(
        "decode(encode(text)) gives the sentence back?\n  SentencePiece {}, byte-level {}.\n",
        same(sp.decode(s_sp.ids_int())), same(bpe.decode_bytes(s_bpe.ids)));

    // ---- A few kinds of text --------------------------------------------------------------
    ctx.section("In-domain, out-of-domain, non-Latin");
    std::vector<std::string> header = {"text", "chars", "unseen", "SentencePiece", "byte-level"};
    for (const auto& [name, e] : real) header.push_back(name);
    show::Table counts(header);
    for (const auto& [kind, sample] : kSamples) {
      const Cut a = cut_sp(sp, sample), b = cut_bpe(bpe, sample);
      std::size_t unseen = 0, chars = 0;
      for (const std::string_view ch : aib::utf8_chars(sample)) {
        ++chars;
        unseen += ch != " " && sp.piece_to_id(ch) < 0;
      }
      fmt::print("{}: \"{}\"\n", kind, sample);
      fmt::print("  {:<14} {}", "SentencePiece", show::wrapped(a.pieces, "|", width, 17, 3));
      fmt::print("  {:<14} {}", "byte-level", show::wrapped(b.pieces, "|", width, 17, 3));
      std::vector<std::string> row = {kind, std::to_string(chars), std::to_string(unseen),
                                      std::to_string(a.ids.size()), std::to_string(b.ids.size())};
      for (const auto& [name, e] : real) {
        const Cut r = cut_bpe(e, sample);
        fmt::print("  {:<14} {}", name, show::wrapped(r.pieces, "|", width, 17, 3));
        row.push_back(std::to_string(r.ids.size()));
      }
      counts.add_row(row);
    }
    fmt::print(
        "\ntokens for each text (\"unseen\": characters SentencePiece's vocabulary lacks):\n");
    show::print(counts.render(ctx.style));

    // ---- An unknown character -------------------------------------------------------------
    ctx.section("A character the vocabulary never saw");
    std::string no_bytes_vocab;  // the same vocabulary without its 256 <0xNN> lines
    for (std::size_t at = 0; at < aib_embedded::spm_vocab.size();) {
      std::size_t end = aib_embedded::spm_vocab.find('\n', at);
      if (end == std::string_view::npos) end = aib_embedded::spm_vocab.size();
      const std::string_view line = aib_embedded::spm_vocab.substr(at, end - at);
      if (line.substr(0, 3) != "<0x") no_bytes_vocab.append(line).append("\n");
      at = end + 1;
    }
    const tok::SentencePieceBpe sp_unk =
        tok::SentencePieceBpe::from_vocab_text(no_bytes_vocab, "no-bytes.vocab");
    fmt::print(
        "\"no byte pieces\" is the same vocabulary with its 256 <0xNN> lines removed\n"
        "(so its later ids are 256 lower), as spm_train makes it without --byte_fallback.\n\n");
    for (const std::string& ch : kUnknown) {
      std::string hex;
      for (const char b : ch) hex += fmt::format(" {:02X}", static_cast<unsigned char>(b));
      const tok::Utf8Char c = tok::next_char(ch, 0);
      fmt::print("\"{}\" U+{:04X}, UTF-8 bytes{}:\n", ch, static_cast<std::uint32_t>(c.cp), hex);
      const Cut a = cut_sp(sp, ch), u = cut_sp(sp_unk, ch), b = cut_bpe(bpe, ch);
      const auto line = [&](std::string_view who, const Cut& c, const std::string& back) {
        fmt::print("  {}{}{}-> \"{}\"\n", show::pad_right(who, 18),
                   show::pad_right(joined(c.pieces, "|"), 30), show::pad_right(id_list(c.ids), 21),
                   back);
      };
      line("SentencePiece", a, sp.decode(a.ids_int()));
      line("  no byte pieces", u, sp_unk.decode(u.ids_int()));
      line("byte-level BPE", b, bpe.decode(b.ids));
      for (const auto& [name, e] : real) {
        const Cut r = cut_bpe(e, ch);
        line(name, r, e.decode(r.ids));
      }
    }
    fmt::print(
        "SentencePiece starts from characters, so it needs {} extra byte pieces (ids\n"
        "{}..{}) for characters it never saw; without them an unseen character is <unk>\n"
        "(id {}) and decodes to \"{}\". A byte-level vocabulary starts from the 256\n"
        "bytes: it has nothing to fall back on, and nothing it cannot spell.\n",
        sp_bytes, sp.byte_id(0), sp.byte_id(255), sp_unk.unk_id(), tok::kUnknownSurface);

    // ---- The design differences, observed -------------------------------------------------
    ctx.section("The differences, observed");
    const auto sp_cell = [&](std::string_view t) { return joined(cut_sp(sp, t).pieces, "|"); };
    const auto bpe_cell = [&](std::string_view t) { return joined(cut_bpe(bpe, t).pieces, "|"); };
    const auto ids_of = [](const Cut& c) {
      return joined(c.pieces, "|") + " (" + id_list(c.ids) + ")";
    };
    const std::string spaced = "  two  spaces ";
    show::Table diff({"", "SentencePiece", "byte-level BPE"});
    diff.align(1, show::Align::left).align(2, show::Align::left);
    diff.add_row(
        {"starts from", fmt::format("{} characters", sp_chars), fmt::format("{} bytes", 256)});
    diff.add_row({"merges learned", grouped(static_cast<std::uint64_t>(sp_merged)),
                  grouped(trained.merges.size())});
    diff.add_row(
        {"reserved ids", fmt::format("{} control + {} bytes", sp_control, sp_bytes), "none"});
    diff.add_row(
        {"pieces starting a word", std::to_string(sp_word_start), std::to_string(bpe_word_start)});
    diff.add_row({"\"a b\"", sp_cell("a b"), bpe_cell("a b")});
    diff.add_row({"unseen symbols: \"1+1=2\"", sp_cell("1+1=2"), bpe_cell("1+1=2")});
    diff.add_row({"a tab: \"a\\tb\"", sp_cell("a\tb"), bpe_cell("a\tb")});
    diff.add_row({"an emoji, U+1F642", sp_cell("🙂"), bpe_cell("🙂")});
    diff.add_row({"\"" + visible(spaced) + "\" decoded", visible(sp.decode(sp.encode(spaced))),
                  visible(bpe.decode(bpe.encode_ordinary(spaced)))});
    for (const char* w : {"model", "token"}) {
      const std::string word = w, spaced_word = " " + word;
      diff.add_row({"\"" + word + "\"", ids_of(cut_sp(sp, word)), ids_of(cut_bpe(bpe, word))});
      diff.add_row({"\"␣" + word + "\"", ids_of(cut_sp(sp, spaced_word)),
                    ids_of(cut_bpe(bpe, spaced_word))});
    }
    show::print(diff.render(ctx.style));
    const bool sp_same = cut_sp(sp, "model").ids == cut_sp(sp, " model").ids;
    const bool bpe_same = cut_bpe(bpe, "model").ids == cut_bpe(bpe, " model").ids;
    const bool bpe_exact = bpe.decode_bytes(bpe.encode_ordinary(spaced)) == spaced;
    fmt::print(
        "SentencePiece puts a \"▁\" before the first word too, so \"model\" and \"␣model\"\n"
        "get {} ids; the byte-level vocabulary gives them {} ids. Its bytes\n"
        "{} every space, tab and byte.\n",
        sp_same ? "the same" : "different", bpe_same ? "the same" : "different",
        bpe_exact ? "give back exactly" : "do NOT give back");

    // ---- The real encodings ---------------------------------------------------------------
    if (!real.empty()) {
      ctx.section("The real tiktoken encodings");
      fmt::print("{}", quoted(text, width));
      for (const auto& [name, e] : real) {
        const Cut r = cut_bpe(e, text);
        fmt::print("{} ({} tokens)\n  {}  ids {}", name, r.ids.size(),
                   show::wrapped(r.pieces, "|", width, 2, 0),
                   show::wrapped(aib::show::id_strings(r.ids), " ", width, 6, 0));
      }
      std::vector<std::string> same_header = {"text", "SentencePiece", "byte-level BPE"};
      for (const auto& [name, e] : real) same_header.push_back(name);
      show::Table same(same_header);
      for (const char* w : {"model", " model", "Model", " Model"}) {
        std::vector<std::string> row = {"\"" + visible(w) + "\"", id_list(cut_sp(sp, w).ids),
                                        id_list(cut_bpe(bpe, w).ids)};
        for (const auto& [name, e] : real) row.push_back(id_list(e.encode_ordinary(w)));
        same.add_row(row);
      }
      fmt::print("\nids of one word, with and without a leading space:\n");
      show::print(same.render(ctx.style));
    }
  });
}
