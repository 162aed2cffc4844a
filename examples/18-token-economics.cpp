// Episode 18 — Token economics: why every token has a price.
// Long because the support reply it prices is written out in three languages (40 lines).
//
// The same support-bot reply, written in English, German and Russian, and the same logic written
// as code, are counted in tokens with Encoding::encode_ordinary (aib/tokenizer/encoding.hpp) under
// the real gpt2, cl100k_base and o200k_base (aib/tokenizer/tiktoken.hpp) when --encodings DIR or
// $AIB_ENCODINGS has their rank files; otherwise under a byte-level BPE vocabulary trained on the
// course sentences with train_bpe (aib/tokenizer/bpe_train.hpp), and the output says so. Prices
// come from a small CSV (examples/data/token-prices.csv, embedded; --prices FILE for your own),
// read by the strict parser of examples/common/token_prices.hpp, which names the file and line of
// a bad row. Cost = tokens × price per million; a month of a support bot = requests per day × 30 ×
// cost per request, with each day's traffic drawn around --requests-per-day with the episode's
// seeded generator.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/text.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "course_data.hpp"
#include "encodings.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "token_prices.hpp"

namespace {

namespace tok = aib::tokenizer;

using aib::episode::kPriceHeader;
using aib::episode::Price;
using aib::show::grouped;

// 1234.5 -> "$1,234.50"
std::string dollars(double v) {
  const auto cents = static_cast<std::uint64_t>(std::llround(v * 100));
  return fmt::format("${}.{:02d}", grouped(cents / 100), cents % 100);
}

// ---- The texts: one support reply, three languages, and the same rule as code -----------------

struct Sample {
  std::string kind, user, reply;  // what the customer writes, what the bot answers
};

const std::vector<Sample> kSamples = {
    {"English",
     "Hello, I ordered two books last week and the tracking page has not changed since Monday. "
     "Where is my parcel?",
     "Thanks for your message! Your order shipped on Monday and should arrive within three "
     "business days. If anything is damaged, reply with a photo and we will send a replacement "
     "or a full refund."},
    {"German",
     "Hallo, ich habe letzte Woche zwei Bücher bestellt, und die Sendungsverfolgung hat sich seit "
     "Montag nicht geändert. Wo ist mein Paket?",
     "Danke für Ihre Nachricht! Ihre Bestellung wurde am Montag verschickt und sollte innerhalb "
     "von drei Werktagen ankommen. Falls etwas beschädigt ist, antworten Sie mit einem Foto, und "
     "wir schicken Ihnen Ersatz oder erstatten den vollen Betrag."},
    {"Russian",
     "Здравствуйте! На прошлой неделе я заказал две книги, а статус отслеживания не меняется с "
     "понедельника. Где моя посылка?",
     "Спасибо за ваше сообщение! Ваш заказ был отправлен в понедельник и должен прибыть в "
     "течение трёх рабочих дней. Если что-то повреждено, пришлите в ответ фотографию, и мы "
     "отправим замену или полностью вернём деньги."},
};

const std::string kCode =
    "def reply(order):\n"
    "    if order.damaged:\n"
    "        return offer(order, replacement=True, refund=order.total)\n"
    "    return eta(order.shipped, business_days=3)\n";

const std::string kSystem =
    "You are the support assistant of Nordlicht Books, an online bookshop. Answer in the "
    "customer's language, in at most three sentences. Be friendly and precise, and never promise "
    "a delivery date that the order data does not support.";

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  std::string prices_file;
  int requests_per_day = 2000;
  const aib::episode::Encodings encodings(ep.flags());
  ep.option("--requests-per-day", requests_per_day, "Support requests the bot answers per day", 1,
            100000000);
  ep.flags()
      .add("--prices", prices_file,
           "CSV of prices: model,input_per_million,output_per_million,date,source "
           "(default: the table built in, examples/data/token-prices.csv)")
      .type_name("FILE");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- Tokenizers -----------------------------------------------------------------------------
    ctx.section("The tokenizers");
    tok::TrainOptions options;
    options.vocab_size = 1000;
    options.pattern = tok::SplitPattern::cl100k;
    const aib::episode::Tokenizers found = encodings.real_or_trained(
        {"gpt2", "cl100k_base", "o200k_base"}, options, aib_embedded::course_sentences);
    const std::vector<aib::episode::NamedEncoding>& encs = found.all;
    if (!found.trained) {
      fmt::print("Real encodings read from {}:\n", *encodings.dir());
      for (const auto& [name, e] : encs)
        fmt::print("  {:<12} {:>8} tokens  ({})\n", name, grouped(e.n_ranks()),
                   name == "gpt2"          ? "GPT-2, GPT-3"
                   : name == "cl100k_base" ? "GPT-4, GPT-3.5"
                                           : "GPT-4o");
    } else {
      std::size_t fewest = SIZE_MAX, most = 0;  // pieces in the real encodings
      for (const auto& k : tok::known_encodings()) {
        fewest = std::min(fewest, k.n_ranks);
        most = std::max(most, k.n_ranks);
      }
      const std::size_t n = encs[0].encoding.n_ranks();
      fmt::print(
          "So this episode trains its own: a byte-level BPE vocabulary of {} tokens,\n"
          "learned by train_bpe from the {} English course sentences. Real tokenizers\n"
          "know {} to {} times more pieces, in many languages: expect smaller gaps there.\n",
          grouped(n), found.sentences, (fewest + n / 2) / n, (most + n / 2) / n);
    }
    const std::string used =
        found.trained ? "with the trained vocabulary" : "with " + encs.back().name;
    const auto count = [](const tok::Encoding& e, const std::string& s) {
      return e.encode_ordinary(s).size();
    };

    // ---- The same content, counted --------------------------------------------------------------
    ctx.section("The same reply in three languages, and as code");
    for (const Sample& s : kSamples)
      fmt::print("{:<8} {}", s.kind, show::wrap(s.reply, 80, "         ").substr(9));
    for (std::size_t a = 0, k = 0; a < kCode.size(); ++k) {  // the code, line by line
      const std::size_t eol = kCode.find('\n', a);
      fmt::print("{:<8} {}\n", k == 0 ? "code" : "", kCode.substr(a, eol - a));
      a = eol + 1;
    }
    fmt::print("\n");
    std::vector<std::string> header = {"text", "chars", "bytes"};
    for (const auto& [name, e] : encs) header.push_back(name);
    show::Table table(header);
    std::vector<std::pair<std::string, std::string>> rows;
    for (const Sample& s : kSamples) rows.emplace_back(s.kind, s.reply);
    rows.emplace_back("code", kCode);
    const std::size_t english = count(encs.back().encoding, kSamples[0].reply);
    std::vector<std::string> labels;
    std::vector<double> ratios;
    for (const auto& [kind, text] : rows) {
      std::vector<std::string> row = {kind, std::to_string(aib::utf8_chars(text).size()),
                                      std::to_string(text.size())};
      for (const auto& [name, e] : encs) row.push_back(std::to_string(count(e, text)));
      const double r =
          static_cast<double>(count(encs.back().encoding, text)) / static_cast<double>(english);
      table.add_row(row);
      labels.push_back(kind);
      ratios.push_back(r);
    }
    show::print(table.render(ctx.style));
    fmt::print("\nTokens relative to English, {}:\n", used);
    show::print(show::bar_chart(labels, ratios, ctx.style, 40, 2));

    // ---- Prices ---------------------------------------------------------------------------------
    ctx.section("Prices per million tokens");
    const std::string price_name =
        prices_file.empty() ? "token-prices.csv (built in)" : prices_file;
    const std::vector<Price> prices = aib::episode::parse_prices(
        prices_file.empty() ? std::string(aib_embedded::token_prices)
                            : aib::episode::read_file(prices_file, "--prices"),
        price_name);
    show::Table pt({"model", "input", "output", "read on", "source"});
    for (std::size_t c = 1; c <= 2; ++c) pt.align(c, show::Align::right);
    std::vector<std::string> sources;
    for (const Price& p : prices) {  // each distinct source page gets a number
      auto it = std::find(sources.begin(), sources.end(), p.source);
      if (it == sources.end()) it = sources.insert(sources.end(), p.source);
      pt.add_row({p.model, dollars(p.input), dollars(p.output), p.date,
                  fmt::format("[{}]", it - sources.begin() + 1)});
    }
    show::print(pt.render(ctx.style));
    for (std::size_t k = 0; k < sources.size(); ++k) fmt::print("[{}] {}\n", k + 1, sources[k]);
    std::vector<double> ratio;  // output price / input price
    for (const Price& p : prices) ratio.push_back(p.output / p.input);
    fmt::print("Read from {}.\nOutput tokens cost {} to {} times as much as input tokens.\n",
               price_name, show::fixed(*std::min_element(ratio.begin(), ratio.end()), 0),
               show::fixed(*std::max_element(ratio.begin(), ratio.end()), 0));
    try {
      aib::episode::parse_prices(
          std::string(kPriceHeader) + "\nGPT-X,0.15,,2026-02-30,https://example.com\n", "mine.csv");
    } catch (const aib::IoError& e) {
      fmt::print("The reader is strict; a row with a missing price is refused:\n  {}\n", e.what());
    }

    // ---- A month of a support bot ---------------------------------------------------------------
    ctx.section("A month of a support bot");
    const tok::Encoding& E = encs.back().encoding;
    const std::size_t sys = count(E, kSystem);
    fmt::print(
        "Each request sends the system prompt ({} tokens) and the customer's message,\n"
        "and gets the reply back. Counted {}:\n\n",
        sys, used);
    show::Table bt({"language", "in/request", "out/request"});
    std::vector<std::pair<std::size_t, std::size_t>> io;  // (input, output) tokens per request
    for (const Sample& s : kSamples) {
      io.emplace_back(sys + count(E, s.user), count(E, s.reply));
      bt.add_row({s.kind, std::to_string(io.back().first), std::to_string(io.back().second)});
    }
    show::print(bt.render(ctx.style));

    // Daily traffic varies: each day's requests are drawn around the mean (±20%, seeded).
    std::vector<double> day_requests(30);
    double month_requests = 0;
    for (double& d : day_requests) {
      d = std::max(0.0, std::round(requests_per_day * (1.0 + 0.2 * ctx.rng.normal_double())));
      month_requests += d;
    }
    fmt::print(
        "\n{} requests a day on average; a simulated 30-day month (--seed) has\n"
        "{} requests, the busiest day {}.\n\n",
        grouped(static_cast<std::uint64_t>(requests_per_day)),
        grouped(static_cast<std::uint64_t>(month_requests)),
        grouped(static_cast<std::uint64_t>(
            *std::max_element(day_requests.begin(), day_requests.end()))));
    std::vector<std::string> bh = {"model"};
    for (const Sample& s : kSamples) bh.push_back(s.kind);
    bh.push_back("output share");
    show::Table month(bh);
    for (std::size_t c = 1; c < bh.size(); ++c) month.align(c, show::Align::right);
    for (const Price& p : prices) {
      std::vector<std::string> row = {p.model};
      for (const auto& [in, out] : io)
        row.push_back(dollars(
            month_requests *
            (static_cast<double>(in) * p.input + static_cast<double>(out) * p.output) / 1e6));
      const double out_cost = static_cast<double>(io[0].second) * p.output;
      row.push_back(
          show::fixed(100.0 * out_cost / (static_cast<double>(io[0].first) * p.input + out_cost),
                      0) +
          "%");
      month.add_row(row);
    }
    show::print(month.render(ctx.style));
    const Price& cheapest = *std::min_element(
        prices.begin(), prices.end(),
        [](const Price& a, const Price& b) { return a.input + a.output < b.input + b.output; });
    std::vector<double> daily;
    for (const double d : day_requests)
      daily.push_back(d *
                      (static_cast<double>(io[0].first) * cheapest.input +
                       static_cast<double>(io[0].second) * cheapest.output) /
                      1e6);
    fmt::print("\nDaily cost of the English bot on {}: {}\n", cheapest.model,
               show::sparkline(daily));
    fmt::print(
        "Monthly = requests × (input tokens × input price + output tokens × output\n"
        "price) / 1,000,000. The output share is that of the English bot.\n");
    if (found.trained)
      fmt::print(
          "Counted with the small trained vocabulary, every row is a rough, high\n"
          "estimate: run with --encodings DIR for GPT-4o's own tokenizer.\n");
    else
      fmt::print("Claude counts with its own tokenizer, so its rows are estimates.\n");
  });
}
