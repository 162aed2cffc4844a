// Episode 14 — Vocabulary size tradeoffs: a bigger vocabulary means fewer tokens per text, but a
// bigger embedding table, and the savings shrink with every doubling.
// Long because it measures trained and real vocabularies, with a table and a summary for each.
//
// train_bpe (aib/tokenizer/bpe_train.hpp) learns byte-level BPE vocabularies of several sizes on
// the same course sentences, minus a held-out part chosen with --seed; Encoding::encode_ordinary
// (aib/tokenizer/encoding.hpp) counts the tokens per KB of the training part and of the held-out
// part. The embedding table of a vocabulary is V × d numbers. The real gpt2, cl100k_base and
// o200k_base rank files (aib/tokenizer/tiktoken.hpp) are measured on the same text when
// --encodings DIR or $AIB_ENCODINGS has them; otherwise their sizes come from known_encodings().
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/nn/param_count.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/tiktoken.hpp"
#include "course_data.hpp"
#include "encodings.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

namespace tok = aib::tokenizer;

using aib::show::grouped;

// Tokens per 1,000 bytes of text.
double per_kb(std::size_t tokens, std::size_t bytes) {
  return 1000.0 * static_cast<double>(tokens) / static_cast<double>(bytes);
}

// The embedding table of one vocabulary: V × d numbers for each width d, in millions.
std::vector<std::string> embedding_cells(std::size_t vocab,
                                         const std::vector<std::uint64_t>& dims) {
  std::vector<std::string> cells;
  for (const std::uint64_t d : dims) {
    const std::uint64_t hundredths = (vocab * d + 5000) / 10000;  // of a million, rounded
    cells.push_back(fmt::format("{}.{:02d}", grouped(hundredths / 100), hundredths % 100));
  }
  return cells;
}

// One vocabulary measured on the training and held-out texts.
struct Measured {
  std::string name;
  std::size_t vocab;                  // V: ids the model must embed (ordinary + special)
  std::optional<double> train, held;  // tokens per KB; empty when the rank file is missing
};

// Rows: name, V, tokens/KB (train, held-out), held-out over train, held-out saving per doubling of
// V, then V × d for each width.
aib::show::Table measure_table(const std::vector<Measured>& rows,
                               const std::vector<std::uint64_t>& dims) {
  std::vector<std::string> header = {"vocabulary", "V", "train", "held-out", "gap", "saved/2×"};
  for (const std::uint64_t d : dims) header.push_back(fmt::format("V×{}", d));
  aib::show::Table table(header);
  for (std::size_t c = 1; c < header.size(); ++c) table.align(c, aib::show::Align::right);
  const auto cell = [](const std::optional<double>& v) {
    return v ? aib::show::fixed(*v, 1) : std::string("-");
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string gap, gain;
    if (rows[i].held && rows[i].train) {  // extra held-out tokens: how much worse unseen text does
      const long pct = std::lround(100 * (*rows[i].held / *rows[i].train - 1));
      gap = pct == 0 ? std::string("0%") : fmt::format("{:+}%", pct);
    }
    if (i > 0 && rows[i].held && rows[i - 1].held) {
      // Saving in held-out tokens per KB, per doubling: Δ(tokens/KB) / log2(V_i / V_{i-1}).
      const double doublings =
          std::log2(static_cast<double>(rows[i].vocab) / static_cast<double>(rows[i - 1].vocab));
      gain = aib::show::fixed((*rows[i - 1].held - *rows[i].held) / doublings, 1);
    }
    std::vector<std::string> row = {
        rows[i].name, grouped(rows[i].vocab), cell(rows[i].train), cell(rows[i].held), gap, gain};
    for (const std::string& c : embedding_cells(rows[i].vocab, dims)) row.push_back(c);
    table.add_row(row);
  }
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::uint64_t extra_dim = 0;
  int holdout = 20;
  const aib::episode::Encodings encodings(
      ep.flags(),
      "Directory with gpt2/cl100k_base/o200k_base .tiktoken files (default: $AIB_ENCODINGS)");
  ep.option("--dim", extra_dim, "Also show the embedding table at this width d (0: none)", 0,
            32768);
  ep.option("--holdout", holdout, "Percent of the sentences held out of training, chosen by --seed",
            5, 50);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    std::vector<std::uint64_t> dims = {768, 4096};
    if (extra_dim > 0 && std::find(dims.begin(), dims.end(), extra_dim) == dims.end())
      dims.push_back(extra_dim);

    // ---- The text: course sentences, some held out -------------------------------------------
    const auto sentences =
        aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
    const auto n = static_cast<aib::Index>(sentences.size());
    const aib::Index n_held = std::max<aib::Index>(1, n * holdout / 100);
    std::vector<bool> is_held(sentences.size(), false);
    for (const aib::Index i : ctx.rng.choice(n, n_held))
      is_held[static_cast<std::size_t>(i)] = true;
    std::string train_text, held_text;
    for (std::size_t i = 0; i < sentences.size(); ++i)
      (is_held[i] ? held_text : train_text) += sentences[i].text + "\n";

    ctx.section("The text");
    fmt::print(
        "course-sentences.txt: {} sentences. BPE trains on {} of them ({} bytes);\n"
        "{} sentences ({} bytes), picked with seed {}, are held out: never trained on.\n",
        n, n - n_held, grouped(train_text.size()), n_held, grouped(held_text.size()), ctx.seed);

    // ---- Vocabularies of several sizes, trained on the same text -----------------------------
    tok::TrainOptions options;
    options.vocab_size = std::size_t{1} << 28;  // as large as allowed: train until no pair is left
    const std::size_t v_max = tok::train_bpe({train_text}, options).encoding.n_ranks();
    std::vector<std::size_t> sizes;  // powers of two (and 384) well below v_max, then v_max
    for (const std::size_t v : {256, 384, 512, 1024, 2048, 4096, 8192, 16384, 32768})
      if (v == 256 || 5 * v <= 4 * v_max) sizes.push_back(v);
    if (sizes.back() != v_max) sizes.push_back(v_max);

    std::vector<Measured> trained;
    std::vector<tok::Rank> held_ids;  // the held-out text in the largest vocabulary
    for (const std::size_t v : sizes) {
      options.vocab_size = v;
      const tok::Encoding enc = tok::train_bpe({train_text}, options).encoding;
      const std::string name = v == 256 ? "bytes only" : v == v_max ? "all pairs" : "BPE";
      held_ids = enc.encode_ordinary(held_text);
      trained.push_back({name, enc.n_vocab(),
                         per_kb(enc.encode_ordinary(train_text).size(), train_text.size()),
                         per_kb(held_ids.size(), held_text.size())});
    }
    // Which of the ids learned last does the held-out text use at all?
    const std::size_t late_from = trained[trained.size() - 2].vocab;
    std::set<tok::Rank> late_used;
    for (const tok::Rank id : held_ids)
      if (id >= late_from) late_used.insert(id);
    ctx.section("Vocabularies trained on the same text");
    fmt::print(
        "train_bpe (gpt2 split pattern) on the training sentences. Tokens per KB\n"
        "(1,000 bytes) of the training text and of the held-out text; gap: how many\n"
        "more the held-out text needs; saved/2×: held-out tokens/KB saved per doubling\n"
        "of V since the row above; V×d: millions of numbers in the embedding table.\n\n");
    show::print(measure_table(trained, dims).render(ctx.style));
    const Measured& bytes = trained.front();
    const Measured& all = trained.back();
    fmt::print(
        "\nAt V = {} the training text runs out of pairs: each of its words is one\n"
        "token. From {} to {} ids, the training text shrinks by {:.0f}%, the held-out\n"
        "text by {:.0f}%. Of the {} ids learned after {}, the held-out text uses\n"
        "{} ({:.0f}%); the rest fit only the training text. On a small corpus, a big\n"
        "vocabulary overfits.\n",
        grouped(v_max), grouped(bytes.vocab), grouped(all.vocab),
        100 * (1 - *all.train / *bytes.train), 100 * (1 - *all.held / *bytes.held),
        grouped(all.vocab - late_from), grouped(late_from), late_used.size(),
        100.0 * static_cast<double>(late_used.size()) / static_cast<double>(all.vocab - late_from));

    // Where returns diminish: the held-out saving of each step, per doubling.
    std::vector<std::string> labels;
    std::vector<double> gains;
    for (std::size_t i = 1; i < trained.size(); ++i) {
      labels.push_back(
          fmt::format("{} -> {}", grouped(trained[i - 1].vocab), grouped(trained[i].vocab)));
      const double doublings = std::log2(static_cast<double>(trained[i].vocab) /
                                         static_cast<double>(trained[i - 1].vocab));
      gains.push_back(std::max(0.0, (*trained[i - 1].held - *trained[i].held) / doublings));
    }
    fmt::print("\nHeld-out tokens/KB saved per doubling of the vocabulary:\n");
    show::print(show::bar_chart(labels, gains, ctx.style, 40, 1));

    // ---- The real vocabularies: gpt2, cl100k_base, o200k_base ---------------------------------
    const aib::TransformerConfig llama = aib::llama_7b();  // a 32K SentencePiece vocabulary
    std::vector<Measured> real = {
        {llama.name, static_cast<std::size_t>(llama.vocab_size), std::nullopt, std::nullopt}};
    std::vector<std::string> missing;
    for (const tok::KnownEncoding& k : tok::known_encodings()) {
      if (encodings.has(k.name)) {
        const tok::Encoding enc = encodings.load(k.name);
        real.push_back({k.name, enc.n_vocab(),
                        per_kb(enc.encode_ordinary(train_text).size(), train_text.size()),
                        per_kb(enc.encode_ordinary(held_text).size(), held_text.size())});
      } else {
        missing.push_back(k.name);
        std::size_t v = k.n_ranks;  // n_vocab: one more than the largest id, specials included
        for (const auto& [name, id] : k.specials) v = std::max<std::size_t>(v, std::size_t{id} + 1);
        real.push_back({k.name, v, std::nullopt, std::nullopt});
      }
    }

    ctx.section("Real vocabularies: 32K, 50K, 100K, 200K");
    const std::optional<std::string> dir = encodings.dir();
    if (missing.size() < tok::known_encodings().size())
      fmt::print("Rank files from {}, measured on the same text.\n", *dir);
    if (!missing.empty()) {
      std::string names = missing[0];
      for (std::size_t i = 1; i < missing.size(); ++i)
        names += (i + 1 == missing.size() ? " and " : ", ") + missing[i];
      fmt::print(
          "No rank file for {}\n({}): no token counts without them\n"
          "(tools/get-encodings downloads them). The embedding table needs only V.\n",
          names, dir ? "not in " + *dir : "no --encodings DIR, no AIB_ENCODINGS set");
    }
    fmt::print("{}: a 32K SentencePiece vocabulary, size from aib::llama_7b(), no counts.\n\n",
               llama.name);
    show::print(measure_table(real, dims).render(ctx.style));
    std::vector<const Measured*> counted;
    for (const Measured& m : real)
      if (m.held) counted.push_back(&m);
    if (counted.size() >= 2) {
      const Measured& a = *counted.front();
      const Measured& b = *counted.back();
      fmt::print("\n{} against {}: {:.1f}× the ids, {:.1f}% fewer tokens on the held-out text.\n",
                 b.name, a.name, static_cast<double>(b.vocab) / static_cast<double>(a.vocab),
                 100 * (1 - *b.held / *a.held));
    }
    const Measured& big = real.back();
    fmt::print(
        "\n{}: {} ids × d = 4,096 is {} numbers: {:.2f} B parameters\n"
        "in the embedding alone, and as many again in an output head not tied to it.\n",
        big.name, grouped(big.vocab), grouped(big.vocab * 4096),
        static_cast<double>(big.vocab * 4096) / 1e9);
  });
}
