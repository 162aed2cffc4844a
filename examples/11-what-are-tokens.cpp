// Episode 11 — What are tokens: the pieces a language model actually reads, and their ids.
//
// One sentence is cut three ways: into characters (aib::utf8_chars, aib/core/text.hpp), into
// words (runs of non-space characters) and into BPE tokens with their ids
// (Encoding::encode_ordinary and token_bytes, aib/tokenizer/encoding.hpp). Then a rare word is
// split into pieces the vocabulary knows, and a few kinds of text (English, numbers, code,
// Greek, emoji) are compared in tokens per word. The tokenizer is the real cl100k_base (or gpt2 /
// o200k_base) when --encodings DIR or $AIB_ENCODINGS has its rank file
// (aib/tokenizer/tiktoken.hpp); otherwise a byte-level BPE vocabulary is trained on the spot on the
// course sentences with train_bpe (aib/tokenizer/bpe_train.hpp), and the output says so.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/text.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/tiktoken.hpp"
#include "aib/tokenizer/unicode.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

namespace tok = aib::tokenizer;

// 1234567 -> "1,234,567"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Bytes made readable: ␣ for a space, ⏎ for a line end, ⇥ for a tab, and \xNN for a byte that is
// not a whole UTF-8 character (a token may end in the middle of one).
std::string visible(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const tok::Utf8Char c = tok::next_char(bytes, i);
    if (c.cp == tok::kInvalid)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[i]));
    else if (c.cp == ' ')
      out += "␣";
    else if (c.cp == '\n')
      out += "⏎";
    else if (c.cp == '\t')
      out += "⇥";
    else
      out.append(bytes.substr(i, c.len));
    i += c.len;
  }
  return out;
}

// Words: runs of characters that are not spaces.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

// Pieces joined by '|', wrapped at `width` columns between pieces; lines after the first indented.
// With max_lines > 0, at most that many lines, the last ending in "… +N" (N pieces not shown).
std::string joined(const std::vector<std::string>& pieces, int width, int indent,
                   int max_lines = 0) {
  std::string out, line;
  int lines = 1;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const std::string cell = pieces[k] + (k + 1 < pieces.size() ? "|" : "");
    const bool last_line = max_lines > 0 && lines == max_lines;
    const int room = width - indent - (last_line ? 8 : 0);  // the last line keeps room for "… +N"
    if (!line.empty() && aib::show::display_width(line + cell) > room) {
      if (last_line) return out + line + fmt::format("… +{}\n", pieces.size() - k);
      out += line + "\n" + std::string(static_cast<std::size_t>(indent), ' ');
      line.clear();
      ++lines;
    }
    line += cell;
  }
  return out + line + "\n";
}

// Tokens above their ids, each column as wide as the wider of the two, wrapped at `width`:
//   The|␣model|␣reads
//   791|  1646|  16181
std::string tokens_over_ids(const tok::Encoding& enc, const std::vector<tok::Rank>& ids, int width,
                            int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string out, top, bottom;
  int used = indent;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string piece = visible(enc.token_bytes(ids[k]));
    const std::string id = std::to_string(ids[k]);
    const int w = std::max(aib::show::display_width(piece), static_cast<int>(id.size()));
    const std::string sep = k + 1 < ids.size() ? "|" : "";
    if (used > indent && used + w + 1 > width) {
      out += pad + top + "\n" + pad + bottom + "\n";
      top.clear();
      bottom.clear();
      used = indent;
    }
    top += aib::show::pad_right(piece, w) + sep;
    bottom += aib::show::pad_left(id, w) + sep;
    used += w + 1;
  }
  auto trim = [](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  return out + trim(pad + top) + "\n" + trim(pad + bottom) + "\n";
}

std::vector<std::string> token_pieces(const tok::Encoding& enc, const std::vector<tok::Rank>& ids) {
  std::vector<std::string> out;
  for (const tok::Rank id : ids) out.push_back(visible(enc.token_bytes(id)));
  return out;
}

double ratio(std::size_t a, std::size_t b) {
  return static_cast<double>(a) / static_cast<double>(b);
}

// Short texts of different kinds, written for this episode.
const std::vector<std::pair<std::string, std::string>> kSamples = {
    {"English", "The cat slept by the warm window while the rain kept falling."},
    {"numbers", "Invoice 48213: 17 items at $3.75 each, due 2031-09-14."},
    {"code", "for (int i = 0; i < n; ++i) sum += x[i] * w[i];"},
    {"Greek", "Η γάτα κοιμόταν δίπλα στο ζεστό παράθυρο ενώ έβρεχε."},
    {"emoji", "🎉 🙌 👋 😊 🚀 ☕"},
};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string encodings, encoding = "cl100k_base";
  std::string text = "Tokenizers don't see words: they see pieces, each with its own number.";
  std::string rare = "unbelievability";
  std::size_t vocab_size = 1000;
  auto& cli = ep.cli();
  cli.add_option("--encodings", encodings,
                 "Directory of the real .tiktoken rank files (default: $AIB_ENCODINGS)")
      ->type_name("DIR");
  cli.add_option("--encoding", encoding, "Which real encoding to show when its rank file is there")
      ->check(CLI::IsMember({"gpt2", "cl100k_base", "o200k_base"}))
      ->capture_default_str();
  const CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
      },
      "");
  cli.add_option("--text", text, "Your own sentence to cut into characters, words and tokens")
      ->check(non_empty)
      ->capture_default_str();
  cli.add_option("--word", rare, "A rare word to split into known pieces")
      ->check(non_empty)
      ->capture_default_str();
  cli.add_option(
         "--vocab-size", vocab_size,
         "Tokens of the vocabulary trained when no rank files are found (256 bytes + merges)")
      ->check(CLI::Range(256, 20000))
      ->capture_default_str();

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const int width = std::min(ctx.style.width, 80);

    // ---- The tokenizer: a real one if its rank file is there, else one trained right now --------
    ctx.section("The tokenizer");
    const std::optional<std::string> dir = tok::encodings_dir(encodings);
    std::optional<tok::Encoding> enc;
    if (dir && tok::has_encoding(encoding, *dir)) {
      enc = tok::load_encoding(encoding, *dir);
      const char* used_by = encoding == "gpt2"          ? "GPT-2"
                            : encoding == "cl100k_base" ? "GPT-4"
                                                        : "GPT-4o";
      fmt::print(
          "{}, the tokenizer of {}, read from {}:\n{} learned pieces (ids 0 to {}) and {} "
          "special tokens\n(the highest id is {}).\n",
          encoding, used_by, *dir, grouped(enc->n_ranks()), grouped(enc->n_ranks() - 1),
          enc->special_tokens().size(), grouped(enc->n_vocab() - 1));
    } else {
      const auto sentences =
          aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
      std::vector<std::string> texts;
      std::size_t bytes = 0;
      for (const auto& s : sentences) {
        texts.push_back(s.text + "\n");
        bytes += texts.back().size();
      }
      tok::TrainOptions options;
      options.vocab_size = vocab_size;
      options.pattern = tok::SplitPattern::cl100k;
      tok::TrainResult trained = tok::train_bpe(texts, options);
      enc = std::move(trained.encoding);
      if (dir)
        fmt::print("No {}.tiktoken in {}.\n", encoding, *dir);
      else
        fmt::print("No real rank files here (pass --encodings DIR or set AIB_ENCODINGS).\n");
      fmt::print(
          "So this episode trains its own: a byte-level BPE vocabulary of {} tokens\n"
          "(256 single bytes + {} merges), learned by train_bpe from the {} course\n"
          "sentences ({} bytes) with cl100k's split rule. GPT-4's cl100k_base has\n"
          "{}, learned from far more text.\n",
          grouped(enc->n_ranks()), grouped(trained.merges.size()), sentences.size(), grouped(bytes),
          grouped(tok::find_known_encoding("cl100k_base")->n_ranks));
    }
    const tok::Encoding& E = *enc;

    // ---- One sentence, three ways ---------------------------------------------------------------
    ctx.section("One sentence, three ways");
    std::vector<std::string> chars;
    for (const std::string_view c : aib::utf8_chars(text)) chars.push_back(visible(c));
    const std::vector<std::string> words = words_of(text);
    const std::vector<tok::Rank> ids = E.encode_ordinary(text);  // (T)
    fmt::print("\"{}\"\n\n", text);
    fmt::print("characters ({}):\n  {}", chars.size(), joined(chars, width, 2));
    fmt::print("words ({}):\n  {}", words.size(), joined(words, width, 2));
    fmt::print("tokens ({}), each piece above its id:\n{}", ids.size(),
               tokens_over_ids(E, ids, width, 2));
    if (!ids.empty() && !words.empty())
      fmt::print(
          "\n{} characters ({} bytes) -> {} words -> {} tokens: {} characters per token,\n"
          "{} tokens per word. The model never sees the letters, only the ids.\n",
          chars.size(), text.size(), words.size(), ids.size(),
          show::fixed(ratio(chars.size(), ids.size()), 1),
          show::fixed(ratio(ids.size(), words.size()), 2));

    // ---- Common words are one token; rare ones are split
    // ------------------------------------------
    ctx.section("Common words are one token, rare words are split");
    show::Table split_table({"word", "tokens", "pieces"});
    for (const std::string& w :
         std::vector<std::string>{"the", "model", "token", "vocabulary", rare}) {
      const std::vector<tok::Rank> w_ids = E.encode_ordinary(" " + w);  // as inside a sentence
      split_table.add_row(
          {w, std::to_string(w_ids.size()), joined(token_pieces(E, w_ids), 1000, 0)});
    }
    show::print(split_table.render(ctx.style));
    const std::vector<tok::Rank> rare_ids = E.encode_ordinary(" " + rare);
    fmt::print("\n\"{}\" as it would appear mid-sentence, with a leading space:\n{}", rare,
               tokens_over_ids(E, rare_ids, width, 2));
    fmt::print(
        "Every piece is an entry of the vocabulary, down to single bytes if need be,\n"
        "so no word is ever unknown: it just costs more tokens.\n");

    // ---- Tokens per word, by kind of text
    // ---------------------------------------------------------
    ctx.section("Tokens per word depend on the kind of text");
    show::Table kinds({"text", "chars", "bytes", "words", "tokens", "tokens/word"});
    std::vector<std::string> labels;
    std::vector<double> per_word;
    for (const auto& [kind, sample] : kSamples) {
      const std::vector<tok::Rank> s_ids = E.encode_ordinary(sample);
      const std::size_t n_words = words_of(sample).size();
      fmt::print("{:<8}  {}", kind, joined(token_pieces(E, s_ids), width, 10, 2));
      kinds.add_row({kind, std::to_string(aib::utf8_chars(sample).size()),
                     std::to_string(sample.size()), std::to_string(n_words),
                     std::to_string(s_ids.size()), show::fixed(ratio(s_ids.size(), n_words), 2)});
      labels.push_back(kind);
      per_word.push_back(ratio(s_ids.size(), n_words));
    }
    fmt::print("\n");
    show::print(kinds.render(ctx.style));
    fmt::print(
        "\n\\xNN marks a token that is only part of a character: UTF-8 spells Greek letters\n"
        "and emoji with several bytes, and a vocabulary that rarely saw them spends a\n"
        "token on almost every byte.\n");
    fmt::print("\ntokens per word:\n");
    show::print(show::bar_chart(labels, per_word, ctx.style, 40, 2));

    // ---- The other real encodings, when they are there too
    // -----------------------------------------
    std::vector<std::string> others;
    if (dir && tok::has_encoding(encoding, *dir))
      for (const auto& k : tok::known_encodings())
        if (tok::has_encoding(k.name, *dir)) others.push_back(k.name);
    if (others.size() > 1) {
      ctx.section("The same texts in each real encoding (tokens)");
      std::vector<std::string> header = {"text"};
      for (const std::string& name : others) header.push_back(name);
      show::Table cmp(header);
      std::vector<tok::Encoding> encs;
      for (const std::string& name : others) encs.push_back(tok::load_encoding(name, *dir));
      std::vector<std::pair<std::string, std::string>> rows = kSamples;
      rows.insert(rows.begin(), {"sentence", text});
      for (const auto& [kind, sample] : rows) {
        std::vector<std::string> row = {kind};
        for (const tok::Encoding& e : encs)
          row.push_back(std::to_string(e.encode_ordinary(sample).size()));
        cmp.add_row(row);
      }
      show::print(cmp.render(ctx.style));
    }
  });
}
