// Episode 12 — Byte-Pair Encoding: how a tokenizer learns its vocabulary, one merge at a time.
// Long because it runs three trainings (merge by merge, a few sentences, the course), each shown.
//
// train_bpe (aib/tokenizer/bpe_train.hpp) starts from the 256 bytes and repeatedly merges the most
// frequent adjacent pair into a new token; its Merge list (left, right, new id, count) is printed
// step by step for the classic `aaabdaaabac`, then for a few sentences, and train_bpe_plain (the
// recount-everything version) is checked to learn the very same merges. Encoding::encode_ordinary
// (aib/tokenizer/encoding.hpp) then measures how much shorter the course sentences get as the
// vocabulary grows. The pair counts shown before each merge of the tiny example are recounted here
// from the encoded text (the library keeps them internal).
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/show/format.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/pieces.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "course_data.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "token_pieces.hpp"

namespace {

namespace tok = aib::tokenizer;

using aib::episode::piece_of;
using aib::episode::pieces_of;
using aib::show::grouped;
using aib::show::id_list;

// Adjacent pairs of the encoded text with their counts, most frequent first and, among equals,
// in order of first appearance (train_bpe's tie-break). Pairs never span two split pieces.
struct PairCount {
  tok::Rank left, right;
  std::uint64_t count;
};
std::vector<PairCount> count_pairs(const tok::Encoding& enc, const std::string& text) {
  std::vector<PairCount> pairs;
  std::map<std::pair<tok::Rank, tok::Rank>, std::size_t> where;
  tok::split(text, enc.pattern(), [&](std::string_view part) {
    const std::vector<tok::Rank> ids = enc.encode_ordinary(part);
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
      const auto [it, added] = where.emplace(std::make_pair(ids[i], ids[i + 1]), pairs.size());
      if (added) pairs.push_back({ids[i], ids[i + 1], 0});
      ++pairs[it->second].count;
    }
  });
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const PairCount& a, const PairCount& b) { return a.count > b.count; });
  return pairs;
}

tok::TrainOptions with_vocab(std::size_t vocab_size) {
  tok::TrainOptions o;
  o.vocab_size = vocab_size;
  o.pattern = tok::SplitPattern::cl100k;
  return o;
}

// A few sentences about this very algorithm, written for this episode.
const char* const kSmallCorpus =
    "The tokenizer counts every pair of neighbouring tokens in the text.\n"
    "The most frequent pair becomes a new token, and the tokenizer counts the pairs again.\n"
    "Then the new token joins the vocabulary, and the text gets a little shorter.\n"
    "The vocabulary grows one token at a time, until it reaches the size we asked for.\n";

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string tiny = "aaabdaaabac";
  int n_merges = 10;
  std::vector<std::size_t> sizes = {256, 300, 500, 1000, 2000};
  ep.flags()
      .add("--tiny", tiny, "The tiny corpus trained step by step (merges while a pair repeats)")
      .check([](const std::string& v) { return v.size() >= 2 && v.size() <= 40; },
             "must be 2 to 40 bytes");
  ep.option("--merges", n_merges, "Merges learned from the small corpus of sentences", 1, 100);
  ep.flags()
      .add("--sizes", sizes, "Vocabulary sizes trained on the course sentences")
      .range(256, 20000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const int width = std::min(ctx.style.width, 80);

    // ---- 1. The tiny corpus, merge by merge
    // ---------------------------------------------------------
    ctx.section(fmt::format("Training on \"{}\", step by step", show::visible(tiny)));
    // Learn until no pair occurs twice: merging a pair seen once saves nothing worth a new token.
    const tok::TrainResult full = tok::train_bpe({tiny}, with_vocab(256 + tiny.size()));
    std::size_t steps = 0;
    while (steps < full.merges.size() && full.merges[steps].count >= 2) ++steps;
    const tok::TrainResult tiny_fast = tok::train_bpe({tiny}, with_vocab(256 + steps));
    const tok::TrainResult tiny_plain = tok::train_bpe_plain({tiny}, with_vocab(256 + steps));

    for (std::size_t k = 0; k <= steps; ++k) {
      // The vocabulary after k merges: the text's tokens, and the pairs that compete next.
      const tok::Encoding enc = tok::train_bpe({tiny}, with_vocab(256 + k)).encoding;
      const std::vector<tok::Rank> ids = enc.encode_ordinary(tiny);  // (T)
      if (k == 0)
        fmt::print("Start: every byte is a token, id = byte value.\n");
      else {
        const tok::Merge& m = tiny_fast.merges[k - 1];
        fmt::print("Merge {}: {} + {} -> {} \"{}\"  ({} times)\n", k, piece_of(enc, m.left),
                   piece_of(enc, m.right), m.id, piece_of(enc, m.id), m.count);
      }
      const std::string state = fmt::format("  {:>2} tokens  {:<24}  {}", ids.size(),
                                            show::joined(pieces_of(enc, ids), "|"), id_list(ids));
      if (show::display_width(state) <= width)
        fmt::print("{}\n", state);
      else  // too long for one line: the pieces, then the ids below them
        fmt::print("  {} tokens:\n    {}{}", ids.size(),
                   show::wrapped(pieces_of(enc, ids), "|", width, 4),
                   show::wrap(id_list(ids), width, "    "));
      const std::vector<PairCount> pairs = count_pairs(enc, tiny);
      if (k == steps || pairs.empty()) continue;
      std::string line = "  pair counts:";
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        const PairCount& p = pairs[i];
        const std::string entry =
            fmt::format("{} {}+{}:{}", i > 0 ? "," : "", piece_of(enc, p.left),
                        piece_of(enc, p.right), p.count);
        if (show::display_width(line + entry) > width - 4) {
          line += ", ...";
          break;
        }
        line += entry;
      }
      fmt::print("{}\n", line);
      const tok::Merge& next = tiny_fast.merges[k];
      if (pairs.size() > 1 && pairs[1].count == pairs[0].count && next.left == pairs[0].left &&
          next.right == pairs[0].right)
        fmt::print("  A tie at {}: {}+{} occurs first in the text, so it wins.\n", pairs[0].count,
                   piece_of(enc, pairs[0].left), piece_of(enc, pairs[0].right));
    }
    const std::vector<tok::Rank> final_ids = tiny_fast.encoding.encode_ordinary(tiny);
    fmt::print("\n{} bytes -> {} tokens with a vocabulary of {}. No pair occurs twice any more.\n",
               tiny.size(), final_ids.size(), tiny_fast.encoding.n_ranks());
    if (steps > 0) {
      fmt::print("train_bpe_plain (it recounts all pairs after each merge) learns {}:\n",
                 tiny_plain.merges == tiny_fast.merges ? "the same merges" : "DIFFERENT merges");
      for (const auto* r : {&tiny_fast, &tiny_plain}) {
        std::string list;  // (left,right)->id xcount
        for (const tok::Merge& m : r->merges)
          list += fmt::format("({},{})->{} x{} ", m.left, m.right, m.id, m.count);
        const std::string name = r == &tiny_fast ? "train_bpe" : "train_bpe_plain";
        const std::string text = show::wrap(list, width, std::string(18, ' '));
        fmt::print("  {:<16}{}", name, text.substr(18));
      }
    }

    // ---- 2. A few sentences
    // ------------------------------------------------------------------------
    ctx.section("A few sentences, the first merges");
    const std::string small(kSmallCorpus);
    const tok::TrainResult learned =
        tok::train_bpe({small}, with_vocab(256 + static_cast<std::size_t>(n_merges)));
    const tok::TrainResult learned_plain =
        tok::train_bpe_plain({small}, with_vocab(256 + static_cast<std::size_t>(n_merges)));
    const tok::Encoding& E = learned.encoding;
    const std::vector<tok::Rank> bytes_only =
        tok::train_bpe({small}, with_vocab(256)).encoding.encode_ordinary(small);
    fmt::print("{} sentences, {} bytes, about how BPE itself works.\n\n",
               std::count(small.begin(), small.end(), '\n'), grouped(small.size()));
    show::Table merges({"merge", "left", "right", "new token", "id", "count"});
    merges.align(1, show::Align::left).align(2, show::Align::left).align(3, show::Align::left);
    for (std::size_t k = 0; k < learned.merges.size(); ++k) {
      const tok::Merge& m = learned.merges[k];
      merges.add_row({std::to_string(k + 1), "\"" + piece_of(E, m.left) + "\"",
                      "\"" + piece_of(E, m.right) + "\"", "\"" + piece_of(E, m.id) + "\"",
                      std::to_string(m.id), std::to_string(m.count)});
    }
    show::print(merges.render(ctx.style));
    const std::string first_line = small.substr(0, small.find('\n'));
    const std::vector<tok::Rank> first_ids = E.encode_ordinary(first_line);
    fmt::print("\nThe first sentence after {} merges, {} tokens instead of {} bytes:\n  {}",
               learned.merges.size(), first_ids.size(), first_line.size(),
               show::wrapped(pieces_of(E, first_ids), "|", width, 2));
    fmt::print("The whole text: {} bytes -> {} tokens. train_bpe_plain learns {}.\n",
               grouped(bytes_only.size()), grouped(E.encode_ordinary(small).size()),
               learned_plain.merges == learned.merges ? "the same merges" : "DIFFERENT merges");

    // ---- 3. Compression against the number of merges
    // -----------------------------------------------
    ctx.section("More merges, fewer tokens: the course sentences");
    const auto sentences =
        aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
    std::vector<std::string> texts;  // one per sentence, each ending in a line break
    std::size_t n_bytes = 0;
    for (const auto& s : sentences) {
      texts.push_back(s.text + "\n");
      n_bytes += texts.back().size();
    }
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    // Asked for "everything", train_bpe stops when no piece has two tokens left to merge.
    const auto count_tokens = [&](const tok::Encoding& enc) {
      std::size_t tokens = 0;
      for (const std::string& t : texts) tokens += enc.encode_ordinary(t).size();
      return tokens;
    };
    const tok::TrainResult all = tok::train_bpe(texts, with_vocab(std::size_t{1} << 20));
    const std::size_t max_vocab = all.encoding.n_ranks();

    show::Table table({"vocabulary", "merges", "tokens", "bytes/token", "tokens saved per merge"});
    std::vector<std::string> labels;
    std::vector<double> per_token;
    std::vector<std::size_t> vocabs, counts;  // per row: V, tokens of the whole text
    for (const std::size_t V : sizes) {
      if (!vocabs.empty() && vocabs.back() == max_vocab) break;  // nothing more to learn
      const tok::TrainResult r = tok::train_bpe(texts, with_vocab(V));
      const std::size_t tokens = count_tokens(r.encoding);
      const std::size_t vocab = r.encoding.n_ranks();
      const double bpt = static_cast<double>(n_bytes) / static_cast<double>(tokens);
      const std::string saved = vocabs.empty()
                                    ? "-"
                                    : show::fixed(static_cast<double>(counts.back() - tokens) /
                                                      static_cast<double>(vocab - vocabs.back()),
                                                  1);
      table.add_row(
          {grouped(vocab), grouped(r.merges.size()), grouped(tokens), show::fixed(bpt, 2), saved});
      labels.push_back(fmt::format("V = {}", grouped(vocab)));
      per_token.push_back(bpt);
      vocabs.push_back(vocab);
      counts.push_back(tokens);
    }
    fmt::print(
        "{} sentences, {} bytes. Each vocabulary is trained on them, then used to\n"
        "encode them.\n\n",
        sentences.size(), grouped(n_bytes));
    show::print(table.render(ctx.style));
    fmt::print("\nbytes per token:\n");
    show::print(show::bar_chart(labels, per_token, ctx.style, 40, 2));
    const auto saved_per_merge = [&](std::size_t i) {  // rows i-1 -> i
      return show::fixed(static_cast<double>(counts[i - 1] - counts[i]) /
                             static_cast<double>(vocabs[i] - vocabs[i - 1]),
                         1);
    };
    std::string summary;
    if (vocabs.size() >= 3)
      summary = fmt::format(
          "Diminishing returns: each merge from V = {} to {} saves {} tokens, each one from {} "
          "to {} only {}. ",
          grouped(vocabs[0]), grouped(vocabs[1]), saved_per_merge(1),
          grouped(vocabs[vocabs.size() - 2]), grouped(vocabs.back()),
          saved_per_merge(vocabs.size() - 1));
    summary += fmt::format(
        "Past V = {} ({} merges) train_bpe finds no pair left: every piece of these sentences (a "
        "word "
        "with its leading space, a run of punctuation) is a single token, {} bytes per token. That "
        "is "
        "on the very text it learned from; on new text, big vocabularies gain less (episode 14).",
        grouped(max_vocab), grouped(all.merges.size()),
        show::fixed(static_cast<double>(n_bytes) / static_cast<double>(count_tokens(all.encoding)),
                    2));
    fmt::print("\n{}", show::wrap(summary, width));
  });
}
