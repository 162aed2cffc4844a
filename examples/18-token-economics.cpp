// Episode 18 — Token economics: why every token has a price.
//
// The same support-bot reply, written in English, German and Russian, and the same logic written
// as code, are counted in tokens with Encoding::encode_ordinary (aib/tokenizer/encoding.hpp) under
// the real gpt2, cl100k_base and o200k_base (aib/tokenizer/tiktoken.hpp) when --encodings DIR or
// $AIB_ENCODINGS has their rank files; otherwise under a byte-level BPE vocabulary trained on the
// course sentences with train_bpe (aib/tokenizer/bpe_train.hpp), and the output says so. Prices
// come from a small CSV (examples/data/token-prices.csv, embedded; --prices FILE for your own),
// read by a strict parser in this file that names the file and line of a bad row. Cost = tokens ×
// price per million; a month of a support bot = requests per day × 30 × cost per request, with
// each day's traffic drawn around --requests-per-day with the episode's seeded generator.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/text.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/tiktoken.hpp"
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

// 1234.5 -> "$1,234.50"
std::string dollars(double v) {
  const auto cents = static_cast<std::uint64_t>(std::llround(v * 100));
  return fmt::format("${}.{:02d}", grouped(cents / 100), cents % 100);
}

// ---- The price table: a strict CSV reader ------------------------------------------------------
// Format: '#' comment lines and blank lines anywhere; the first other line is the header
// `model,input_per_million,output_per_million,date,source`; then one row per model: a name
// (unique, no comma), two prices in US dollars per million tokens (digits with an optional
// decimal point), the date the price was read (YYYY-MM-DD) and the https:// page it was read on.
// No quoting: a field cannot contain a comma. Any other line is an error naming file and line.

struct Price {
  std::string model;
  double input = 0, output = 0;  // US dollars per million tokens
  std::string date, source;
};

inline constexpr std::string_view kPriceHeader =
    "model,input_per_million,output_per_million,date,source";

std::optional<double> parse_price(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  double whole = 0, scale = 0;  // scale: 0 before the point, then 0.1, 0.01, ...
  int digits = 0;
  for (const char c : s) {
    if (c == '.' && scale == 0) {
      scale = 1;
    } else if (c >= '0' && c <= '9') {
      if (scale == 0)
        whole = whole * 10 + (c - '0');
      else
        whole += (c - '0') * (scale /= 10);
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || s.back() == '.') return std::nullopt;
  return whole;
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const std::size_t start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = start[k]; i < start[k] + len[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  const bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
  const int days[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return v[0] >= 2000 && v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= days[v[1] - 1];
}

std::vector<Price> parse_prices(std::string_view text, const std::string& name) {
  std::vector<Price> out;
  std::set<std::string> seen;
  bool header = false;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto bad = [&](const std::string& what) {
      return aib::IoError(fmt::format("{}:{}: {}", name, line_no, what));
    };
    if (!header) {
      if (line != kPriceHeader) throw bad(fmt::format("expected the header '{}'", kPriceHeader));
      header = true;
      continue;
    }
    std::vector<std::string_view> f;
    for (std::size_t a = 0;;) {
      const std::size_t comma = line.find(',', a);
      f.push_back(
          line.substr(a, comma == std::string_view::npos ? std::string_view::npos : comma - a));
      if (comma == std::string_view::npos) break;
      a = comma + 1;
    }
    if (f.size() != 5)
      throw bad(fmt::format(
          "expected 5 comma-separated fields (model,input,output,date,source), got {}", f.size()));
    Price p;
    p.model = std::string(f[0]);
    if (p.model.empty() || p.model.front() == ' ' || p.model.back() == ' ')
      throw bad("the model name is empty or has spaces around it");
    if (!seen.insert(p.model).second) throw bad(fmt::format("model '{}' is listed twice", p.model));
    const std::optional<double> in = parse_price(f[1]), outp = parse_price(f[2]);
    if (!in || *in <= 0)
      throw bad(fmt::format("input price '{}' is not a positive number like 2.50", f[1]));
    if (!outp || *outp <= 0)
      throw bad(fmt::format("output price '{}' is not a positive number like 10.00", f[2]));
    p.input = *in;
    p.output = *outp;
    if (!valid_date(f[3]))
      throw bad(fmt::format("date '{}' is not a real date written YYYY-MM-DD", f[3]));
    p.date = std::string(f[3]);
    if (f[4].substr(0, 8) != "https://" || f[4].size() <= 8 ||
        f[4].find(' ') != std::string_view::npos)
      throw bad(fmt::format("source '{}' is not an https:// address", f[4]));
    p.source = std::string(f[4]);
    out.push_back(std::move(p));
  }
  if (!header) throw aib::IoError(fmt::format("{}: no header line '{}'", name, kPriceHeader));
  if (out.empty())
    throw aib::IoError(fmt::format("{}: the header has no price rows under it", name));
  return out;
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
  std::string encodings, prices_file;
  int requests_per_day = 2000;
  auto& cli = ep.cli();
  cli.add_option("--encodings", encodings,
                 "Directory of the real .tiktoken rank files (default: $AIB_ENCODINGS)")
      ->type_name("DIR");
  cli.add_option("--requests-per-day", requests_per_day, "Support requests the bot answers per day")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  cli.add_option("--prices", prices_file,
                 "CSV of prices: model,input_per_million,output_per_million,date,source "
                 "(default: the table built in, examples/data/token-prices.csv)")
      ->type_name("FILE");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;

    // ---- Tokenizers -----------------------------------------------------------------------------
    ctx.section("The tokenizers");
    const std::optional<std::string> dir = tok::encodings_dir(encodings);
    std::vector<std::pair<std::string, tok::Encoding>> encs;  // (name, encoding)
    if (dir)
      for (const auto& k : tok::known_encodings())
        if (tok::has_encoding(k.name, *dir))
          encs.emplace_back(k.name, tok::load_encoding(k.name, *dir));
    if (!encs.empty()) {
      fmt::print("Real encodings read from {}:\n", *dir);
      for (const auto& [name, e] : encs)
        fmt::print("  {:<12} {:>8} tokens  ({})\n", name, grouped(e.n_ranks()),
                   name == "gpt2"          ? "GPT-2, GPT-3"
                   : name == "cl100k_base" ? "GPT-4, GPT-3.5"
                                           : "GPT-4o");
    } else {
      const auto sentences =
          aib::episode::parse_sentences(aib_embedded::course_sentences, "course-sentences.txt");
      std::vector<std::string> texts;
      for (const auto& s : sentences) texts.push_back(s.text + "\n");
      tok::TrainOptions options;
      options.vocab_size = 1000;
      options.pattern = tok::SplitPattern::cl100k;
      encs.emplace_back("trained", tok::train_bpe(texts, options).encoding);
      if (dir)
        fmt::print("No gpt2/cl100k_base/o200k_base rank files in {}.\n", *dir);
      else
        fmt::print("No real rank files here (pass --encodings DIR or set AIB_ENCODINGS).\n");
      std::size_t fewest = SIZE_MAX, most = 0;  // pieces in the real encodings
      for (const auto& k : tok::known_encodings()) {
        fewest = std::min(fewest, k.n_ranks);
        most = std::max(most, k.n_ranks);
      }
      const std::size_t n = encs[0].second.n_ranks();
      fmt::print(
          "So this episode trains its own: a byte-level BPE vocabulary of {} tokens,\n"
          "learned by train_bpe from the {} English course sentences. Real tokenizers\n"
          "know {} to {} times more pieces, in many languages: expect smaller gaps there.\n",
          grouped(n), sentences.size(), (fewest + n / 2) / n, (most + n / 2) / n);
    }
    const std::string used = encs.back().first == "trained" ? "with the trained vocabulary"
                                                            : "with " + encs.back().first;
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
    const std::size_t english = count(encs.back().second, kSamples[0].reply);
    std::vector<std::string> labels;
    std::vector<double> ratios;
    for (const auto& [kind, text] : rows) {
      std::vector<std::string> row = {kind, std::to_string(aib::utf8_chars(text).size()),
                                      std::to_string(text.size())};
      for (const auto& [name, e] : encs) row.push_back(std::to_string(count(e, text)));
      const double r =
          static_cast<double>(count(encs.back().second, text)) / static_cast<double>(english);
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
    const std::vector<Price> prices =
        parse_prices(prices_file.empty() ? std::string(aib_embedded::token_prices)
                                         : aib::episode::read_file(prices_file),
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
      parse_prices(std::string(kPriceHeader) + "\nGPT-X,0.15,,2026-02-30,https://example.com\n",
                   "mine.csv");
    } catch (const aib::IoError& e) {
      fmt::print("The reader is strict; a row with a missing price is refused:\n  {}\n", e.what());
    }

    // ---- A month of a support bot ---------------------------------------------------------------
    ctx.section("A month of a support bot");
    const tok::Encoding& E = encs.back().second;
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
    if (encs.back().first == "trained")
      fmt::print(
          "Counted with the small trained vocabulary, every row is a rough, high\n"
          "estimate: run with --encodings DIR for GPT-4o's own tokenizer.\n");
    else
      fmt::print("Claude counts with its own tokenizer, so its rows are estimates.\n");
  });
}
