// episode.hpp — what every episode program shares: its narrative, its flags, its layout.
//
// An episode program embeds episodes/NN-slug.md (front matter + narrative) and gets from here:
// the common flags (--seed, --numbers-only, --narrative-only, --help naming the episode), the
// narrative printed wrapped under the episode's title, then a "numbers" callback that prints
// the live computation. Errors from the library end the program with a one-line message.
//   aib::episode::Program ep(aib_embedded::episode_markdown);
//   ep.option("--order", order, "context length", 1, 10);  // or ep.cli() for any other flag
//   return ep.run(argc, argv, [&](aib::episode::Context& ctx) { ... });
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/core/reproducible.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/terminal.hpp"

namespace aib::episode {

// The front matter and narrative of an episode file.
struct Info {
  int number = 0;
  std::string title;
  std::string summary;
  std::string example;    // the program's name, NN-slug
  std::string narrative;  // plain paragraphs, ready to wrap
};

inline Info parse_info(std::string_view markdown) {
  const show::Document doc = show::parse_front_matter(markdown, "episode file");
  const auto field = [&](std::string_view key) {
    const std::string* value = doc.get(key);
    if (value == nullptr) fail("episode file: front matter has no '{}'", key);
    return *value;
  };
  Info info;
  info.number = std::stoi(field("number"));
  info.title = field("title");
  info.summary = field("summary");
  info.example = field("example");
  info.narrative = show::markdown_to_text(doc.body);
  return info;
}

// What the numbers callback gets: the output style, the seed and a generator seeded with it.
struct Context {
  show::Style style;
  std::uint64_t seed = 0;
  Rng rng;

  // A heading between blocks of numbers.
  void section(std::string_view heading) const { show::print(show::section(heading, style)); }
};

class Program {
 public:
  explicit Program(std::string_view markdown, std::uint64_t default_seed = 42)
      : info_(parse_info(markdown)),
        seed_(default_seed),
        app_(fmt::format("AI Basics, episode {:02d}: {} ({})", info_.number, info_.title,
                         info_.summary),
             info_.example) {
    app_.add_option("--seed", seed_, "Seed of the random generator")->capture_default_str();
    auto* numbers = app_.add_flag("--numbers-only", numbers_only_, "Print only the numbers");
    auto* narrative =
        app_.add_flag("--narrative-only", narrative_only_, "Print only the narrative");
    numbers->excludes(narrative);
  }

  CLI::App& cli() { return app_; }

  // A flag whose value must lie in [lo, hi], its default shown by --help:
  //   ep.option("--steps", steps, "Adam steps", 1, 5000);
  template <class T, class Bound>
  CLI::Option* option(const std::string& name, T& value, const std::string& help, Bound lo,
                      Bound hi) {
    return app_.add_option(name, value, help)->check(CLI::Range(lo, hi))->capture_default_str();
  }
  const Info& info() const { return info_; }

  // Parse the command line, print the narrative and the numbers. Returns the exit code.
  template <class Numbers>
  int run(int argc, char** argv, Numbers&& numbers) {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app_.exit(e);  // --help prints and returns 0; a bad flag prints why and returns != 0
    }
    fix_product_blocking();  // the saved outputs' digits on any CPU (aib/core/reproducible.hpp)
    Context ctx{show::terminal_style(stdout), seed_, Rng(seed_)};
    // Prose reads best at most 80 columns wide, even on a wide terminal.
    show::Style prose = ctx.style;
    prose.width = std::min(prose.width, 80);
    try {
      if (!numbers_only_) {
        const std::string body = show::wrap(info_.narrative, prose.width);
        show::print(title(prose) + (body.empty() ? "" : "\n") + body);
      }
      if (!narrative_only_) numbers(ctx);
    } catch (const std::exception& e) {
      std::fflush(stdout);
      fmt::print(stderr, "{}: error: {}\n", info_.example, e.what());
      return 1;
    }
    return 0;
  }

 private:
  // "Episode NN · title — summary" over a ═ rule. When that does not fit one line it breaks after
  // the dash, so the summary stays whole (show::title_line wraps word by word, which left "AI"
  // alone on the second line of episode 02).
  std::string title(const show::Style& style) const {
    const std::string head = fmt::format("Episode {:02d} · {} —", info_.number, info_.title);
    const std::string whole = head + ' ' + info_.summary;
    if (show::display_width(whole) <= style.width) return show::title_line(whole, style);
    const std::string lines =
        show::wrap(head, style.width) + show::wrap(info_.summary, style.width);
    std::string out;
    for (std::size_t start = 0, end; start < lines.size(); start = end + 1) {
      end = lines.find('\n', start);  // wrap() ends every line with '\n'
      out += show::bold(std::string_view(lines).substr(start, end - start), style) + '\n';
    }
    return out + show::dim(show::repeat("═", style.width), style) + '\n';
  }

  Info info_;
  std::uint64_t seed_;
  bool numbers_only_ = false;
  bool narrative_only_ = false;
  CLI::App app_;
};

}  // namespace aib::episode
