// episode.hpp — what every episode program shares: its narrative, its flags, its layout.
//
// An episode program embeds episodes/NN-slug.md (front matter + narrative) and gets from here:
// the common flags (--seed, --numbers-only, --narrative-only, --help naming the episode), the
// narrative printed wrapped under the episode's title, then a "numbers" callback that prints
// the live computation. Errors from the library end the program with a one-line message.
//   aib::episode::Program ep(aib_embedded::episode_markdown);
//   ep.option("--order", order, "context length", 1, 10);  // a number in [1, 10]
//   ep.flags().add("--corpus", corpus, "Train on this file instead").existing_file();
//   return ep.run(argc, argv, [&](aib::episode::Context& ctx) { ... });
//
// Flags (flags.hpp, compiled once into aib_episode_flags) binds each flag to a variable and
// checks it: ep.option(name, value, help, lo, hi) for a number in [lo, hi] (int, Index,
// std::uint64_t, std::size_t or double), and ep.flags().add(name, value, help) for anything else
// (text, lists, numbers without a range), refined by .range(lo, hi), .one_of({...}),
// .existing_file(), .non_empty(), .check(predicate, "must ..."), .count(n), .type_name("DIR"),
// .no_default(); ep.flags().flag(name, on, help) for a switch. --help shows each value's default.
// Exit codes: 0 success, 1 an error in the input or the run (one line on stderr), 2 a usage error
// (bad or unknown flag, a value out of range; one line naming the flag). A failure to write
// standard output (a full disk, `> /dev/full`) is an error of the run: exit 1 and one line.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/core/reproducible.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/terminal.hpp"
#include "flags.hpp"
#include "stdout_check.hpp"

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

// The memory a program may take on this machine, and what --help and refusals call it: MemAvailable
// from /proc/meminfo (Linux), else MemTotal, else a fixed 4 GB where neither can be read; the
// environment variable AIB_MEMORY_LIMIT (bytes) may lower it.
struct MemoryLimit {
  double bytes = 4e9;
  std::string what = "this program allows at most 4.0 GB here (no /proc/meminfo)";
};

inline MemoryLimit memory_limit() {
  std::ifstream meminfo("/proc/meminfo");
  double available = -1, total = -1;
  std::string key, unit;
  double kb = 0;
  while (meminfo >> key >> kb) {
    std::getline(meminfo, unit);  // " kB"
    if (key == "MemAvailable:") available = kb * 1024;
    if (key == "MemTotal:") total = kb * 1024;
  }
  MemoryLimit limit;
  if (available > 0)
    limit = {available, fmt::format("this machine has {:.1f} GB available", available / 1e9)};
  else if (total > 0)
    limit = {total, fmt::format("this machine has {:.1f} GB", total / 1e9)};
  // AIB_MEMORY_LIMIT=2e9 (bytes) lowers the limit, for a shared machine (and the tests).
  if (const char* env = std::getenv("AIB_MEMORY_LIMIT")) {
    char* end = nullptr;
    const double bytes = std::strtod(env, &end);
    if (end != env && *end == '\0' && bytes > 0 && bytes < limit.bytes)
      limit = {bytes, fmt::format("AIB_MEMORY_LIMIT allows {:.1f} GB", bytes / 1e9)};
  }
  return limit;
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
        flags_(info_.example, fmt::format("AI Basics, episode {:02d}: {} ({})", info_.number,
                                          info_.title, info_.summary)) {
    flags_.add("--seed", seed_, "Seed of the random generator");
    flags_.flag("--numbers-only", numbers_only_,
                "Print only the numbers (not with --narrative-only)");
    flags_.flag("--narrative-only", narrative_only_, "Print only the narrative");
  }

  // Every other flag: ep.flags().add("--corpus", corpus, "...").existing_file() (flags.hpp).
  Flags& flags() { return flags_; }

  // A number whose value must lie in [lo, hi], its default shown by --help:
  //   ep.option("--steps", steps, "Adam steps", 1, 5000);
  template <class T>
  Flags::Option option(const std::string& name, T& value, const std::string& help, double lo,
                       double hi) {
    return flags_.add(name, value, help).range(lo, hi);
  }
  const Info& info() const { return info_; }

  // A rule between flags, checked after parsing: a non-empty message is a usage error (exit 2).
  //   ep.usage_rule([&] { return a && b ? "--a and --b exclude each other" : ""; });
  void usage_rule(std::function<std::string()> rule) { rules_.push_back(std::move(rule)); }

  // A flag whose allowed range could exceed this machine's memory: after parsing, `bytes()`
  // estimates what the run needs with the flags as given; more than memory_limit() is a usage
  // error, "--max-tokens 65536 would need about 17.2 GB; this machine has 21.3 GB available".
  //   ep.needs_memory("--max-tokens", max_tokens, [&] { return 4.0 * T * T; });
  template <class T>
  void needs_memory(const std::string& flag, const T& value, std::function<double()> bytes) {
    needs_.push_back({flag, [&value] { return fmt::format("{}", value); }, std::move(bytes)});
  }

  // Parse the command line, print the narrative and the numbers. Returns the exit code: 0, 1 when
  // the run failed (one line on stderr), 2 for a usage error (--help prints and returns 0).
  template <class Numbers>
  int run(int argc, char** argv, Numbers&& numbers) {
    int status = kSuccess;
    if (!flags_.parse(argc, argv, status)) return finish_stdout(info_.example, status);  // --help
    if (numbers_only_ && narrative_only_)
      return flags_.usage_error("--numbers-only and --narrative-only exclude each other");
    for (const auto& rule : rules_)
      if (const std::string message = rule(); !message.empty()) return flags_.usage_error(message);
    if (!needs_.empty()) {
      const MemoryLimit limit = memory_limit();
      for (const MemoryNeed& need : needs_) {
        const double bytes = need.bytes();
        if (bytes > limit.bytes)
          return flags_.usage_error(fmt::format("{} {} would need about {:.1f} GB; {}", need.flag,
                                                need.value(), bytes / 1e9, limit.what));
      }
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
      // fmt::print throws when a write fails: then the one line names standard output.
      if (finish_stdout(info_.example, kSuccess) != kSuccess) return kRuntimeError;
      fmt::print(stderr, "{}: error: {}\n", info_.example, e.what());
      return kRuntimeError;
    }
    return finish_stdout(info_.example, kSuccess);  // `> /dev/full`: exit 1, one line
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

  struct MemoryNeed {
    std::string flag;
    std::function<std::string()> value;
    std::function<double()> bytes;
  };

  Info info_;
  std::uint64_t seed_;
  std::vector<MemoryNeed> needs_;
  std::vector<std::function<std::string()>> rules_;
  bool numbers_only_ = false;
  bool narrative_only_ = false;
  Flags flags_;
};

}  // namespace aib::episode
