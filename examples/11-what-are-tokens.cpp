// Episode 11 — What are tokens: the pieces a language model actually reads, and their ids.
//
// One sentence is cut three ways: into characters (aib::utf8_chars, aib/core/text.hpp), into
// words (runs of non-space characters) and into BPE tokens with their ids
// (Encoding::encode_ordinary and token_bytes, aib/tokenizer/encoding.hpp). Then a rare word is
// split into pieces the vocabulary knows, and a few kinds of text (English, numbers, code,
// Greek, emoji) are compared in tokens per word. The tokenizer is the real cl100k_base (or gpt2 /
// o200k_base) when --encodings DIR or $AIB_ENCODINGS has its rank file
// (aib/tokenizer/tiktoken.hpp); otherwise a byte-level BPE vocabulary is trained on the spot on the
// course sentences with train_bpe (aib/tokenizer/bpe_train.hpp), and the output says so
// (examples/common/encodings.hpp). Pieces are drawn by aib/show/pieces.hpp.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/text.hpp"
#include "aib/show/format.hpp"
#include "aib/show/pieces.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "encodings.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "token_pieces.hpp"

namespace {

namespace tok = aib::tokenizer;
using aib::episode::pieces_of;
using aib::episode::tokens_over_ids;
using aib::episode::words_of;
using aib::show::grouped;
using aib::show::wrapped;

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
  std::string encoding = "cl100k_base";
  std::string text = "Tokenizers don't see words: they see pieces, each with its own number.";
  std::string rare = "unbelievability";
  std::size_t vocab_size = 1000;
  auto& flags = ep.flags();
  const aib::episode::Encodings encodings(flags);
  flags.add("--encoding", encoding, "Which real encoding to show when its rank file is there")
      .one_of({"gpt2", "cl100k_base", "o200k_base"});
  flags.add("--text", text, "Your own sentence to cut into characters, words and tokens")
      .non_empty();
  flags.add("--word", rare, "A rare word to split into known pieces").non_empty();
  ep.option("--vocab-size", vocab_size,
            "Tokens of the vocabulary trained when no rank files are found (256 bytes + merges)",
            256, 20000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const int width = std::min(ctx.style.width, 80);

    // ---- The tokenizer: a real one if its rank file is there, else one trained right now --------
    ctx.section("The tokenizer");
    tok::TrainOptions options;
    options.vocab_size = vocab_size;
    options.pattern = tok::SplitPattern::cl100k;
    const aib::episode::Tokenizers found =
        encodings.real_or_trained({encoding}, options, aib_embedded::course_sentences);
    const tok::Encoding& E = found.first();
    if (!found.trained) {
      const char* used_by = encoding == "gpt2"          ? "GPT-2"
                            : encoding == "cl100k_base" ? "GPT-4"
                                                        : "GPT-4o";
      fmt::print(
          "{}, the tokenizer of {}, read from {}:\n{} learned pieces (ids 0 to {}) and {} "
          "special tokens\n(the highest id is {}).\n",
          encoding, used_by, *encodings.dir(), grouped(E.n_ranks()), grouped(E.n_ranks() - 1),
          E.special_tokens().size(), grouped(E.n_vocab() - 1));
    } else {
      fmt::print(
          "So this episode trains its own: a byte-level BPE vocabulary of {} tokens\n"
          "(256 single bytes + {} merges), learned by train_bpe from the {} course\n"
          "sentences ({} bytes) with cl100k's split rule. GPT-4's cl100k_base has\n"
          "{}, learned from far more text.\n",
          grouped(E.n_ranks()), grouped(found.merges), found.sentences, grouped(found.bytes),
          grouped(tok::find_known_encoding("cl100k_base")->n_ranks));
    }

    // ---- One sentence, three ways ---------------------------------------------------------------
    ctx.section("One sentence, three ways");
    std::vector<std::string> chars;
    for (const std::string_view c : aib::utf8_chars(text)) chars.push_back(show::visible(c));
    const std::vector<std::string> words = words_of(text);
    const std::vector<tok::Rank> ids = E.encode_ordinary(text);  // (T)
    fmt::print("\"{}\"\n\n", text);
    fmt::print("characters ({}):\n  {}", chars.size(), wrapped(chars, "|", width, 2));
    fmt::print("words ({}):\n  {}", words.size(), wrapped(words, "|", width, 2));
    fmt::print("tokens ({}), each piece above its id:\n{}", ids.size(),
               tokens_over_ids(E, ids, "|", width, 2));
    if (!ids.empty() && !words.empty())
      fmt::print(
          "\n{} characters ({} bytes) -> {} words -> {} tokens: {} characters per token,\n"
          "{} tokens per word. The model never sees the letters, only the ids.\n",
          chars.size(), text.size(), words.size(), ids.size(),
          show::fixed(ratio(chars.size(), ids.size()), 1),
          show::fixed(ratio(ids.size(), words.size()), 2));

    // ---- Common words are one token; rare ones are split ------------------------------------
    ctx.section("Common words are one token, rare words are split");
    show::Table split_table({"word", "tokens", "pieces"});
    for (const std::string& w :
         std::vector<std::string>{"the", "model", "token", "vocabulary", rare}) {
      const std::vector<tok::Rank> w_ids = E.encode_ordinary(" " + w);  // as inside a sentence
      // One unwrapped line; the table turns its final line end into a space (saved outputs).
      split_table.add_row(
          {w, std::to_string(w_ids.size()), wrapped(pieces_of(E, w_ids), "|", 1000, 0)});
    }
    show::print(split_table.render(ctx.style));
    const std::vector<tok::Rank> rare_ids = E.encode_ordinary(" " + rare);
    fmt::print("\n\"{}\" as it would appear mid-sentence, with a leading space:\n{}", rare,
               tokens_over_ids(E, rare_ids, "|", width, 2));
    fmt::print(
        "Every piece is an entry of the vocabulary, down to single bytes if need be,\n"
        "so no word is ever unknown: it just costs more tokens.\n");

    // ---- Tokens per word, by kind of text ---------------------------------------------------
    ctx.section("Tokens per word depend on the kind of text");
    show::Table kinds({"text", "chars", "bytes", "words", "tokens", "tokens/word"});
    std::vector<std::string> labels;
    std::vector<double> per_word;
    for (const auto& [kind, sample] : kSamples) {
      const std::vector<tok::Rank> s_ids = E.encode_ordinary(sample);
      const std::size_t n_words = words_of(sample).size();
      fmt::print("{:<8}  {}", kind, wrapped(pieces_of(E, s_ids), "|", width, 10, 2));
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

    // ---- The other real encodings, when they are there too ----------------------------------
    std::vector<aib::episode::NamedEncoding> others;
    if (!found.trained) others = encodings.find({"gpt2", "cl100k_base", "o200k_base"});
    if (others.size() > 1) {
      ctx.section("The same texts in each real encoding (tokens)");
      std::vector<std::string> header = {"text"};
      for (const auto& [name, e] : others) header.push_back(name);
      show::Table cmp(header);
      std::vector<std::pair<std::string, std::string>> rows = kSamples;
      rows.insert(rows.begin(), {"sentence", text});
      for (const auto& [kind, sample] : rows) {
        std::vector<std::string> row = {kind};
        for (const auto& [name, e] : others)
          row.push_back(std::to_string(e.encode_ordinary(sample).size()));
        cmp.add_row(row);
      }
      show::print(cmp.render(ctx.style));
    }
  });
}
