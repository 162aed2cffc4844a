// flags.cpp — the one implementation of flags.hpp, compiled once for all the episode programs.
//
// A small parser of its own rather than CLI11 behind the interface: the conventions of flags.hpp
// (strict whole-value parsing, nan/inf refused, one-line messages, exit code 2) are a few lines
// each here, and would be fights with a general library's conversions and error types.
#include "flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <fmt/core.h>

namespace aib::episode {

namespace {

// The kind of variable a flag writes.
enum class Kind { i32, i64, ill, u64, ull, f64, text, list_f64, list_size, list_text, toggle };

bool is_list(Kind k) {
  return k == Kind::list_f64 || k == Kind::list_size || k == Kind::list_text;
}
bool is_signed(Kind k) {
  return k == Kind::i32 || k == Kind::i64 || k == Kind::ill;
}
bool is_unsigned(Kind k) {
  return k == Kind::u64 || k == Kind::ull || k == Kind::list_size;
}
bool is_float(Kind k) {
  return k == Kind::f64 || k == Kind::list_f64;
}
bool is_text(Kind k) {
  return k == Kind::text || k == Kind::list_text;
}

// A user's text in a message: control bytes escaped, so no terminal sequence reaches the screen.
std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  return out;
}

std::string in_quotes(std::string_view text) {
  return "'" + shown(text) + "'";
}

// A number's text in a message: as typed, or '' when empty.
std::string number_shown(std::string_view text) {
  return text.empty() ? "''" : shown(text);
}

// 1e-05 -> 1e-5, 1e+06 -> 1e6: bounds as a person writes them.
std::string number_text(double x) {
  std::string s = fmt::format("{}", x);
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const bool negative = !exponent.empty() && exponent[0] == '-';
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.erase(0, 1);
  exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

template <class T>
bool parse_whole(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool parse_real(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty() && std::isfinite(out);
}

bool existing_regular_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// Whether a long long (an unsigned long long) fits in T, without comparisons that are always true
// where T is as wide.
template <class T>
bool fits(long long x) {
  if constexpr (sizeof(T) < sizeof(long long))
    return x >= std::numeric_limits<T>::min() && x <= std::numeric_limits<T>::max();
  return true;
}
template <class T>
bool fits(unsigned long long x) {
  if constexpr (sizeof(T) < sizeof(unsigned long long)) return x <= std::numeric_limits<T>::max();
  return true;
}

}  // namespace

struct Flags::Spec {
  std::string name, help, type;
  Kind kind = Kind::toggle;
  void* target = nullptr;
  std::string default_text;  // shown by --help, empty for none
  bool has_range = false;
  double lo = 0, hi = 0;
  std::vector<std::string> choices;
  bool must_exist = false;
  std::vector<std::pair<bool (*)(const std::string&), std::string>> checks;
  int count = 0;  // a list's exact length, 0 for any
  bool seen = false;

  // The interval a whole number must lie in: the range if any, else what the variable holds.
  std::pair<std::string, std::string> whole_bounds() const {
    if (has_range) return {number_text(lo), number_text(hi)};
    switch (kind) {
      case Kind::i32:
        return {std::to_string(std::numeric_limits<int>::min()),
                std::to_string(std::numeric_limits<int>::max())};
      case Kind::i64:
        return {std::to_string(std::numeric_limits<long>::min()),
                std::to_string(std::numeric_limits<long>::max())};
      case Kind::ill:
        return {std::to_string(std::numeric_limits<long long>::min()),
                std::to_string(std::numeric_limits<long long>::max())};
      case Kind::u64:
        return {"0", std::to_string(std::numeric_limits<unsigned long>::max())};
      case Kind::list_size:
        return {"0", std::to_string(std::numeric_limits<std::size_t>::max())};
      default:
        return {"0", std::to_string(std::numeric_limits<unsigned long long>::max())};
    }
  }

  bool in_range(double x) const { return !has_range || (x >= lo && x <= hi); }

  // Checks one value's text and converts it; returns the problem, or "" when it is fine. `out`
  // gets a whole number as `whole`/`natural`, a real number as `real`.
  std::string read(const std::string& text, long long& whole, unsigned long long& natural,
                   double& real) const {
    if (is_signed(kind)) {
      bool ok = parse_whole(text, whole) && in_range(static_cast<double>(whole));
      if (ok && kind == Kind::i32) ok = fits<int>(whole);
      if (ok && kind == Kind::i64) ok = fits<long>(whole);
      if (ok) return "";
      const auto [a, b] = whole_bounds();
      return fmt::format("{} is not a whole number in [{}, {}]", number_shown(text), a, b);
    }
    if (is_unsigned(kind)) {
      bool ok = parse_whole(text, natural) && in_range(static_cast<double>(natural));
      if (ok && kind == Kind::u64) ok = fits<unsigned long>(natural);
      if (ok && kind == Kind::list_size) ok = fits<std::size_t>(natural);
      if (ok) return "";
      const auto [a, b] = whole_bounds();
      return fmt::format("{} is not a whole number in [{}, {}]", number_shown(text), a, b);
    }
    if (is_float(kind)) {
      if (parse_real(text, real) && in_range(real)) return "";
      if (has_range)
        return fmt::format("{} is not a number in [{}, {}]", number_shown(text), number_text(lo),
                           number_text(hi));
      return fmt::format("{} is not a finite number", number_shown(text));
    }
    // Text.
    if (!choices.empty()) {
      bool found = false;
      for (const std::string& c : choices) found = found || c == text;
      if (!found) {
        std::string list;
        for (std::size_t k = 0; k < choices.size(); ++k)
          list += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + choices[k];
        return fmt::format("{} is not {}", in_quotes(text), list);
      }
    }
    if (must_exist && !existing_regular_file(text))
      return fmt::format("{} is not an existing file", in_quotes(text));
    for (const auto& [ok, message] : checks)
      if (!ok(text)) return fmt::format("{} (got {})", message, in_quotes(text));
    return "";
  }

  // Writes one value (already checked) into the variable; a list is cleared by its first value.
  void store(const std::string& text, long long whole, unsigned long long natural, double real,
             bool first) {
    switch (kind) {
      case Kind::i32:
        *static_cast<int*>(target) = static_cast<int>(whole);
        break;
      case Kind::i64:
        *static_cast<long*>(target) = static_cast<long>(whole);
        break;
      case Kind::ill:
        *static_cast<long long*>(target) = whole;
        break;
      case Kind::u64:
        *static_cast<unsigned long*>(target) = natural;
        break;
      case Kind::ull:
        *static_cast<unsigned long long*>(target) = natural;
        break;
      case Kind::f64:
        *static_cast<double*>(target) = real;
        break;
      case Kind::text:
        *static_cast<std::string*>(target) = text;
        break;
      case Kind::list_f64: {
        auto& v = *static_cast<std::vector<double>*>(target);
        if (first) v.clear();
        v.push_back(real);
        break;
      }
      case Kind::list_size: {
        auto& v = *static_cast<std::vector<std::size_t>*>(target);
        if (first) v.clear();
        v.push_back(static_cast<std::size_t>(natural));
        break;
      }
      case Kind::list_text: {
        auto& v = *static_cast<std::vector<std::string>*>(target);
        if (first) v.clear();
        v.push_back(text);
        break;
      }
      case Kind::toggle:
        *static_cast<bool*>(target) = true;
        break;
    }
  }

  // "--order INT in [1, 10]=5": the left column of --help.
  std::string synopsis() const {
    std::string s = name;
    if (kind == Kind::toggle) return s;
    if (!choices.empty()) {
      s += " {";
      for (std::size_t k = 0; k < choices.size(); ++k) s += (k == 0 ? "" : ",") + choices[k];
      s += "}";
    } else {
      s += " " + type;
    }
    if (is_list(kind)) s += count > 0 ? fmt::format(" x {}", count) : ",...";
    if (has_range) s += fmt::format(" in [{}, {}]", number_text(lo), number_text(hi));
    if (!default_text.empty()) s += "=" + default_text;
    return s;
  }
};

struct Flags::Impl {
  std::string program, description;
  std::vector<std::unique_ptr<Spec>> specs;

  Spec* find(std::string_view name) const {
    for (const auto& s : specs)
      if (s->name == name) return s.get();
    return nullptr;
  }

  Spec* add(const std::string& name, Kind kind, void* target, const std::string& help,
            std::string default_text) {
    if (name.size() < 3 || name.compare(0, 2, "--") != 0 || find(name) != nullptr ||
        name == "--help")
      throw std::logic_error("Flags: '" + name + "' is not a new --long-name");
    auto spec = std::make_unique<Spec>();
    spec->name = name;
    spec->help = help;
    spec->kind = kind;
    spec->target = target;
    spec->default_text = std::move(default_text);
    spec->type = is_signed(kind)     ? "INT"
                 : is_unsigned(kind) ? "UINT"
                 : is_float(kind)    ? "FLOAT"
                                     : "TEXT";
    specs.push_back(std::move(spec));
    return specs.back().get();
  }
};

// --- Option --------------------------------------------------------------------------------------

Flags::Option& Flags::Option::range(double lo, double hi) {
  if (is_text(spec_->kind) || spec_->kind == Kind::toggle || !(lo <= hi))
    throw std::logic_error("Flags: range() of " + spec_->name +
                           " needs a number flag and lo <= hi");
  spec_->has_range = true;
  spec_->lo = lo;
  spec_->hi = hi;
  return *this;
}

Flags::Option& Flags::Option::one_of(std::vector<std::string> choices) {
  if (!is_text(spec_->kind))
    throw std::logic_error("Flags: one_of() of " + spec_->name + " needs text");
  spec_->choices = std::move(choices);
  return *this;
}

Flags::Option& Flags::Option::existing_file() {
  if (!is_text(spec_->kind))
    throw std::logic_error("Flags: existing_file() of " + spec_->name + " needs text");
  spec_->must_exist = true;
  if (spec_->type == "TEXT") spec_->type = "FILE";
  return *this;
}

Flags::Option& Flags::Option::non_empty() {
  return check([](const std::string& v) { return !v.empty(); }, "must not be empty");
}

Flags::Option& Flags::Option::check(bool (*ok)(const std::string& value), std::string message) {
  if (!is_text(spec_->kind))
    throw std::logic_error("Flags: check() of " + spec_->name + " needs text");
  spec_->checks.emplace_back(ok, std::move(message));
  return *this;
}

Flags::Option& Flags::Option::count(int n) {
  if (!is_list(spec_->kind) || n < 1)
    throw std::logic_error("Flags: count() of " + spec_->name + " needs a list and n >= 1");
  spec_->count = n;
  return *this;
}

Flags::Option& Flags::Option::type_name(std::string name) {
  spec_->type = std::move(name);
  return *this;
}

Flags::Option& Flags::Option::no_default() {
  spec_->default_text.clear();
  return *this;
}

// --- Flags ---------------------------------------------------------------------------------------

Flags::Flags(std::string program, std::string description) : impl_(std::make_unique<Impl>()) {
  impl_->program = std::move(program);
  impl_->description = std::move(description);
}

Flags::~Flags() = default;

Flags::Option Flags::add(const std::string& name, int& value, const std::string& help) {
  return Option(impl_->add(name, Kind::i32, &value, help, std::to_string(value)));
}
Flags::Option Flags::add(const std::string& name, long& value, const std::string& help) {
  return Option(impl_->add(name, Kind::i64, &value, help, std::to_string(value)));
}
Flags::Option Flags::add(const std::string& name, long long& value, const std::string& help) {
  return Option(impl_->add(name, Kind::ill, &value, help, std::to_string(value)));
}
Flags::Option Flags::add(const std::string& name, unsigned long& value, const std::string& help) {
  return Option(impl_->add(name, Kind::u64, &value, help, std::to_string(value)));
}
Flags::Option Flags::add(const std::string& name, unsigned long long& value,
                         const std::string& help) {
  return Option(impl_->add(name, Kind::ull, &value, help, std::to_string(value)));
}
Flags::Option Flags::add(const std::string& name, double& value, const std::string& help) {
  return Option(impl_->add(name, Kind::f64, &value, help, fmt::format("{}", value)));
}
Flags::Option Flags::add(const std::string& name, std::string& value, const std::string& help) {
  return Option(impl_->add(name, Kind::text, &value, help, shown(value)));
}
Flags::Option Flags::add(const std::string& name, std::vector<double>& value,
                         const std::string& help) {
  std::string text;
  for (std::size_t k = 0; k < value.size(); ++k)
    text += fmt::format("{}{}", k ? "," : "", value[k]);
  return Option(impl_->add(name, Kind::list_f64, &value, help, text));
}
Flags::Option Flags::add(const std::string& name, std::vector<std::size_t>& value,
                         const std::string& help) {
  std::string text;
  for (std::size_t k = 0; k < value.size(); ++k)
    text += fmt::format("{}{}", k ? "," : "", value[k]);
  return Option(impl_->add(name, Kind::list_size, &value, help, text));
}
Flags::Option Flags::add(const std::string& name, std::vector<std::string>& value,
                         const std::string& help) {
  std::string text;
  for (std::size_t k = 0; k < value.size(); ++k) text += (k ? "," : "") + shown(value[k]);
  return Option(impl_->add(name, Kind::list_text, &value, help, text));
}

Flags::Option Flags::flag(const std::string& name, bool& value, const std::string& help) {
  return Option(impl_->add(name, Kind::toggle, &value, help, ""));
}

int Flags::usage_error(const std::string& what) const {
  std::fflush(stdout);
  fmt::print(stderr, "{}: {} (see {} --help)\n", impl_->program, what, impl_->program);
  return kUsageError;
}

std::string Flags::help() const {
  std::string out = impl_->description + "\nUsage: " + impl_->program + " [OPTIONS]\n\nOptions:\n";
  const auto row = [&out](const std::string& left, const std::string& help) {
    constexpr std::size_t kColumn = 30;  // where the help texts start
    out += "  " + left;
    if (left.size() + 2 < kColumn)
      out += std::string(kColumn - 2 - left.size(), ' ');
    else
      out += "\n" + std::string(kColumn, ' ');
    out += help + "\n";
  };
  row("-h,--help", "Print this help message and exit");
  for (const auto& s : impl_->specs) row(s->synopsis(), s->help);
  out +=
      "\nExit status: 0 success, 1 an error in the input or the run (one line on stderr),\n"
      "2 a usage error (an unknown flag, a missing or bad value).\n";
  return out;
}

bool Flags::parse(int argc, const char* const* argv, int& exit_code) {
  exit_code = kSuccess;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
  }
  for (const auto& s : impl_->specs) s->seen = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      exit_code = usage_error(fmt::format("unexpected argument {}", in_quotes(arg)));
      return false;
    }
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    Spec* spec = impl_->find(name);
    if (spec == nullptr) {
      exit_code = usage_error(fmt::format("unknown flag {}", shown(name)));
      return false;
    }
    if (spec->seen && spec->kind != Kind::toggle) {
      exit_code = usage_error(fmt::format("{} is given twice", name));
      return false;
    }
    spec->seen = true;
    if (spec->kind == Kind::toggle) {
      if (eq != std::string::npos) {
        exit_code = usage_error(fmt::format("{} takes no value", name));
        return false;
      }
      spec->store("", 0, 0, 0, true);
      continue;
    }
    // The words of the value: after '=', or the next argument (which may start with '-', as in
    // `--seed -1`, but not with "--"); a list takes further words up to the next flag.
    std::vector<std::string> words;
    if (eq != std::string::npos) {
      words.push_back(arg.substr(eq + 1));
    } else if (i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--") {
      words.push_back(argv[++i]);
    } else {
      exit_code = usage_error(fmt::format("{} needs a value", name));
      return false;
    }
    if (is_list(spec->kind) && eq == std::string::npos)
      while (i + 1 < argc && argv[i + 1][0] != '-') words.push_back(argv[++i]);
    std::vector<std::string> values;
    for (const std::string& w : words) {
      if (!is_list(spec->kind)) {
        values.push_back(w);
        continue;
      }
      for (std::size_t start = 0;;) {
        const std::size_t comma = w.find(',', start);
        values.push_back(w.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    if (spec->count > 0 && static_cast<int>(values.size()) != spec->count) {
      exit_code =
          usage_error(fmt::format("{} needs {} values, got {}", name, spec->count, values.size()));
      return false;
    }
    // Check every value before writing any, so a refused list leaves the default whole.
    for (const std::string& v : values) {
      long long whole = 0;
      unsigned long long natural = 0;
      double real = 0;
      const std::string problem = spec->read(v, whole, natural, real);
      if (!problem.empty()) {
        exit_code = usage_error(name + ": " + problem);
        return false;
      }
    }
    for (std::size_t k = 0; k < values.size(); ++k) {
      long long whole = 0;
      unsigned long long natural = 0;
      double real = 0;
      spec->read(values[k], whole, natural, real);
      spec->store(values[k], whole, natural, real, k == 0);
    }
  }
  return true;
}

}  // namespace aib::episode
