// Every number a narrative states must be one its program prints. The narrative opens each saved
// output (examples/expected/NN-slug.txt), so only the part after it counts: from the first
// section heading ("── ...") on. The tokenizer episodes also have an output made with the real
// rank files (examples/expected/real/NN-slug.txt); a number may come from either.
//
// The rules, applied to the narrative as markdown_to_text() flattens it:
//  - Digits are numbers: 1,024  3.5  88%  4×  768. Digits glued to a name are not: GPT-2, GPT-4o,
//    o200k, T5, word2vec, LLaMA-2 (a letter, or a letter and '-', before them, or a letter after).
//  - Spelled numbers are numbers: zero to nineteen, the tens, and compounds with hundred,
//    thousand, million, billion ("a hundred and forty", "two hundred and fifty-six", "thirty-two
//    thousand", "three and a half"). A lone "one" is not (it is mostly a pronoun or an article);
//    "once", "twice", "single", "double", "halve" and ordinals are not.
//  - Fractions are numbers: "half", "a third", "two fifths", "a quarter", "a tenth", and "N in M"
//    ("two in three", "one in ten").
//  - A following scale word multiplies: "3.7 billion", "1.7 million"; "3.15 times ten to the 23" is
//    3.15e23. "percent" or '%' marks a percentage, which may also match a printed fraction (26.1
//    percent ↔ 0.261); "N percent more" / "a third more" may also match the ratio 1 + N/100
//    (seventy percent more ↔ 1.70), "fewer" / "less" the ratio 1 - N/100. "N to M thousand"
//    scales both ends.
//  - Rounding: a number matches a printed value that rounds to it at the precision it is written
//    with. Decimals fix it (3.50 ± 0.005, 0.07 ± 0.005); an integer of 20 or more rounds at its
//    last non-zero digit, by no more than a quarter of itself (2,300 ± 50, "a hundred and forty"
//    ± 5, "forty percent" ± 5, "a hundred" ± 25, 768 ± 0.5); one under 20 is exact (seven ↔ 7,
//    "four times" ↔ 3.5 to 4.5). "about", "roughly" and "around" widen nothing. A fraction
//    matches a value nearer to it than to any other of 0, 1/10, 1/5, 1/4, 1/3, 2/5, 1/2, 3/5,
//    2/3, 3/4, 4/5, 9/10, 1 ("a third" ↔ 0.29 to 0.37). "N decimal places" matches a number
//    printed with N decimals, or the value 10^-N ("< 1e-5").
//  - Bounds: "under", "below", "less than", "fewer than", "at most", "up to" X need a value in
//    [X / 1.5, X]; "over", "above", "more than", "at least" X one in [X, 1.5 X]; "almost" and
//    "nearly" X one in [X - 2 × its rounding, X]. For a fraction, the half of its interval on the
//    side the bound says ("under a tenth" ↔ 0.05 to 0.10).
//  - "episode nineteen" names an episode: not a number.
//  - Printed values count as written, negated when a minus sign precedes them, scaled when a
//    scale word or a K/M/B suffix follows them (175 billion, 131M), divided by 100 after '%',
//    raised to a power after '^' (10^139); spelled numbers of the output count too ("twelve
//    words"), and when the output says its figures are "millions of" something, each value also
//    counts times 10^6.
// AIB_NARRATIVE_NUMBERS=1 prints every claim with the printed value that supports it.
// Numbers that are history or definition rather than measurement are listed per episode in
// `allowed` below, each with its reason.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "catch.hpp"

#include "aib/show/narrative.hpp"

namespace fs = std::filesystem;

namespace {

// Numbers a narrative may state without its program printing them: (episode, the number as the
// narrative writes it, lower case, hyphens as spaces; digits also cover the same value spelled).
// Keep this short: every entry is a claim nothing checks.
struct Allowed {
  int episode;
  std::string_view number;
  std::string_view why;
};
constexpr Allowed allowed[] = {
    {7, "8", "8-bit: the format the table calls int8 (digits in a name are not read there)"},
    {16, "2013", "the year word2vec was published"},
    {17, "2017", "the year the original Transformer was published"},
    {27, "a quarter", "a quarter of a megabyte: printed as 256.0 KiB, and rounded to 0.2 MiB"},
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// ---- Printed numbers
// ------------------------------------------------------------------------------

double scale_of(std::string_view word) {
  if (word == "thousand") return 1e3;
  if (word == "million") return 1e6;
  if (word == "billion") return 1e9;
  if (word == "trillion") return 1e12;
  return 0;
}

// What an output prints: its values in the forms described at the top, and how many decimals
// each of its numbers is written with.
struct Printed {
  std::vector<double> values;
  std::set<int> decimals;
};

// The digits of the output only (the spelled numbers are added by printed()).
Printed printed_digits(const std::string& text) {
  Printed p;
  std::vector<double>& values = p.values;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i]) || (i > 0 && (is_letter(text[i - 1]) || is_digit(text[i - 1])))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    std::string digits;
    while (i < text.size()) {
      if (is_digit(text[i])) {
        digits += text[i++];
      } else if (text[i] == ',' && i + 3 < text.size() && is_digit(text[i + 1]) &&
                 is_digit(text[i + 2]) && is_digit(text[i + 3]) &&
                 (i + 4 >= text.size() || !is_digit(text[i + 4]))) {
        i += 1;  // a thousands separator
      } else if (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1]) &&
                 digits.find('.') == std::string::npos) {
        digits += text[i++];
      } else {
        break;
      }
    }
    if (i + 1 < text.size() && (text[i] == 'e' || text[i] == 'E') &&
        (text[i + 1] == '+' || text[i + 1] == '-' || is_digit(text[i + 1]))) {
      std::size_t j = i + 1;
      std::string exponent = "e";
      if (text[j] == '+' || text[j] == '-') exponent += text[j++];
      if (j < text.size() && is_digit(text[j])) {
        while (j < text.size() && is_digit(text[j])) exponent += text[j++];
        digits += exponent;
        i = j;
      }
    }
    double v = std::stod(digits);
    if (const std::size_t dot = digits.find('.');
        dot != std::string::npos && digits.find('e') == std::string::npos)
      p.decimals.insert(static_cast<int>(digits.size() - dot - 1));
    else if (digits.find('.') == std::string::npos)
      p.decimals.insert(0);
    // A power: 10^139.
    if (i + 1 < text.size() && text[i] == '^' && is_digit(text[i + 1])) {
      std::string exponent;
      std::size_t j = i + 1;
      while (j < text.size() && is_digit(text[j])) exponent += text[j++];
      values.push_back(v);
      v = std::pow(v, std::stod(exponent));
      i = j;
    }
    values.push_back(v);
    const bool minus = (start > 0 && text[start - 1] == '-') ||
                       (start >= 3 && text.compare(start - 3, 3, "\xE2\x88\x92") == 0);
    if (minus) values.push_back(-v);
    if (i < text.size() && text[i] == '%') values.push_back(v / 100);
    // A K/M/B suffix, or a scale word after one space.
    if (i < text.size() && (text[i] == 'K' || text[i] == 'M' || text[i] == 'B') &&
        (i + 1 >= text.size() || !is_letter(text[i + 1]))) {
      values.push_back(v * (text[i] == 'K' ? 1e3 : text[i] == 'M' ? 1e6 : 1e9));
    }
    if (i < text.size() && text[i] == ' ') {
      std::size_t j = i + 1;
      std::string word;
      while (j < text.size() && is_letter(text[j])) word += text[j++];
      if (const double s = scale_of(word); s > 0) values.push_back(v * s);
    }
  }
  return p;
}

// The part of a saved output after its narrative: from the first "── " section heading on.
std::string numbers_part(const std::string& output) {
  const std::string heading = "\n\xE2\x94\x80\xE2\x94\x80 ";  // "\n── "
  const std::size_t at = output.find(heading);
  return at == std::string::npos ? std::string() : output.substr(at);
}

// ---- Stated numbers
// -------------------------------------------------------------------------------

struct Token {
  enum Kind { word, number, mark } kind;
  std::string text;  // lower-case word, the digits as written, or one punctuation character
  double value = 0;  // numbers
  double tol = 0;    // numbers: the rounding their writing implies
};

// Half a unit of the last significant digit: decimals fix it; integers of 20 or more round at
// their last non-zero digit, but by no more than a quarter of themselves ("a hundred" is 75 to
// 125, not 50 to 150); smaller ones are exact.
double rounding_of_integer(double v) {
  if (v < 20) return 0.5;
  double unit = 1;
  while (std::fmod(v, unit * 10) == 0) unit *= 10;
  return std::min(unit / 2, v / 4);
}

std::vector<Token> tokens_of(const std::string& text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_letter(c)) {
      std::string w;
      while (i < text.size() && is_letter(text[i]))
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
      tokens.push_back({Token::word, w});
    } else if (is_digit(c)) {
      const std::size_t start = i;
      std::string digits, written;
      while (i < text.size()) {
        if (is_digit(text[i])) {
          digits += text[i];
          written += text[i++];
        } else if (text[i] == ',' && i + 3 < text.size() && is_digit(text[i + 1]) &&
                   is_digit(text[i + 2]) && is_digit(text[i + 3]) &&
                   (i + 4 >= text.size() || !is_digit(text[i + 4]))) {
          written += text[i++];
        } else if (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1]) &&
                   digits.find('.') == std::string::npos) {
          digits += text[i];
          written += text[i++];
        } else {
          break;
        }
      }
      // A name: GPT-2, GPT-4o, o200k, T5, word2vec.
      const bool after_letter =
          start > 0 && (is_letter(text[start - 1]) ||
                        (text[start - 1] == '-' && start > 1 && is_letter(text[start - 2])));
      const bool before_letter = i < text.size() && is_letter(text[i]);
      if (after_letter || before_letter) {
        while (i < text.size() && (is_letter(text[i]) || is_digit(text[i]))) ++i;
        tokens.push_back({Token::mark, "name"});
        continue;
      }
      Token t{Token::number, written, std::stod(digits)};
      const std::size_t dot = digits.find('.');
      t.tol = dot == std::string::npos
                  ? rounding_of_integer(t.value)
                  : 0.5 * std::pow(10.0, -static_cast<double>(digits.size() - dot - 1));
      tokens.push_back(t);
    } else if (c == '%') {
      tokens.push_back({Token::word, "percent"});
      ++i;
    } else if (text.compare(i, 2, "\xC3\x97") == 0) {  // ×
      tokens.push_back({Token::word, "times"});
      i += 2;
    } else if (c == '-' || c == '\'') {
      ++i;  // joins: sixty-four, 8-bit, model's
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      tokens.push_back({Token::mark, std::string(1, c)});
      ++i;
    }
  }
  return tokens;
}

const std::map<std::string, int> small_numbers = {
    {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
    {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
    {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
    {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
    {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
    {"seventy", 70}, {"eighty", 80},  {"ninety", 90}};
const std::map<std::string, int> denominators = {
    {"half", 2},     {"halves", 2}, {"third", 3},  {"thirds", 3}, {"quarter", 4},
    {"quarters", 4}, {"fifth", 5},  {"fifths", 5}, {"tenth", 10}, {"tenths", 10}};

bool is_word(const std::vector<Token>& t, std::size_t i, std::string_view w) {
  return i < t.size() && t[i].kind == Token::word && t[i].text == w;
}
bool is_cardinal_word(const std::vector<Token>& t, std::size_t i) {
  return i < t.size() && t[i].kind == Token::word &&
         (small_numbers.count(t[i].text) != 0 || t[i].text == "hundred" || scale_of(t[i].text) > 0);
}

// Whether the small-number words from i on end in "hundred" ("nine hundred").
bool hundred_follows(const std::vector<Token>& t, std::size_t i) {
  while (i < t.size() && t[i].kind == Token::word && small_numbers.count(t[i].text) != 0) ++i;
  return is_word(t, i, "hundred");
}

// A spelled cardinal starting at i ("a hundred and forty", "thirty-two thousand"): its value and
// the index after it, or end == i when there is none.
struct Spelled {
  double value = 0;
  std::size_t end = 0;
  std::size_t words = 0;
};
Spelled spelled_at(const std::vector<Token>& t, std::size_t i) {
  Spelled s{0, i, 0};
  double total = 0, current = 0;
  bool any = false;
  std::size_t j = i;
  if (is_word(t, j, "a") && j + 1 < t.size() &&
      (is_word(t, j + 1, "hundred") || scale_of(t[j + 1].text) > 0)) {
    ++j;  // "a hundred", "a thousand"
  }
  if (is_word(t, j, "hundred") || (j < t.size() && scale_of(t[j].text) > 0)) {
    current = 1;  // also a bare "hundred": "the first hundred and twenty-eight"
    any = true;
  }
  while (j < t.size() && t[j].kind == Token::word) {
    const std::string& w = t[j].text;
    if (const auto it = small_numbers.find(w); it != small_numbers.end()) {
      if (any && current != 0 && std::fmod(current, 100) != 0 &&
          !(current >= 20 && it->second < 10 && std::fmod(current, 10) == 0))
        break;  // "two, three" are two numbers; "twenty four" is one
      current += it->second;
    } else if (w == "hundred" && any) {
      current = (current == 0 ? 1 : current) * 100;
    } else if (const double sc = scale_of(w); sc > 0 && any) {
      total += (current == 0 ? 1 : current) * sc;
      current = 0;
    } else if (w == "and" && any && is_cardinal_word(t, j + 1) && j > i &&
               (is_word(t, j - 1, "hundred") || scale_of(t[j - 1].text) > 0) &&
               !hundred_follows(t, j + 1)) {
      // "a hundred and forty"; but "a thousand and nine hundred ninety-eight" are two numbers
    } else {
      break;
    }
    any = true;
    ++s.words;
    ++j;
  }
  if (!any) return s;
  s.value = total + current;
  s.end = j;
  return s;
}

struct Claim {
  std::string said;  // the words or digits, as the narrative has them
  double value = 0;
  double tol = 0;
  bool fraction = false;
  bool decimal_places = false;  // "to six decimal places": value is the count
  enum Bound { none, upper, lower, almost } bound = none;
  bool percent = false;
  int ratio = 0;  // +1 "... more", -1 "... fewer / less"
};

Claim::Bound bound_before(const std::vector<Token>& t, std::size_t i) {
  auto w = [&](std::size_t back, std::string_view word) {
    return i >= back && is_word(t, i - back, word);
  };
  if (w(1, "under") || w(1, "below") || (w(1, "than") && (w(2, "less") || w(2, "fewer"))) ||
      (w(1, "most") && w(2, "at")) || (w(1, "to") && w(2, "up")))
    return Claim::upper;
  if (w(1, "over") || w(1, "above") || (w(1, "than") && w(2, "more")) ||
      (w(1, "least") && w(2, "at")))
    return Claim::lower;
  if (w(1, "almost") || w(1, "nearly")) return Claim::almost;
  return Claim::none;
}

// After a number at i (end = the token after it): a scale word, "percent", "times ten to the
// (power of) N", and "more" / "fewer" / "less" after a percentage or a fraction.
std::size_t read_suffixes(const std::vector<Token>& t, std::size_t end, Claim& c) {
  if (end < t.size() && t[end].kind == Token::word && scale_of(t[end].text) > 0 && !c.fraction) {
    c.value *= scale_of(t[end].text);
    c.tol *= scale_of(t[end].text);
    ++end;
  }
  if (is_word(t, end, "times") && is_word(t, end + 1, "ten") && is_word(t, end + 2, "to") &&
      is_word(t, end + 3, "the")) {
    std::size_t k = end + 4;
    if (is_word(t, k, "power") && is_word(t, k + 1, "of")) k += 2;
    double exponent = 0;
    if (k < t.size() && t[k].kind == Token::number) {
      exponent = t[k].value;
      ++k;
    } else if (const Spelled s = spelled_at(t, k); s.end > k) {
      exponent = s.value;
      k = s.end;
    }
    c.value *= std::pow(10.0, exponent);
    c.tol *= std::pow(10.0, exponent);
    return k;
  }
  if (is_word(t, end, "percent")) {
    c.percent = true;
    ++end;
  }
  if (c.percent || c.fraction) {
    if (is_word(t, end, "more")) c.ratio = 1;
    if (is_word(t, end, "fewer") || is_word(t, end, "less")) c.ratio = -1;
  }
  return end;
}

std::vector<Claim> claims_of(const std::string& narrative) {
  const std::vector<Token> t = tokens_of(narrative);
  std::vector<Claim> claims;
  std::size_t i = 0;
  while (i < t.size()) {
    // "episode nineteen" names an episode.
    if (i > 0 && is_word(t, i - 1, "episode")) {
      if (t[i].kind == Token::number) {
        ++i;
        continue;
      }
      if (const Spelled s = spelled_at(t, i); s.end > i) {
        i = s.end;
        continue;
      }
    }
    // "to five decimal places", "to four decimals".
    {
      std::size_t end = i;
      double n = -1;
      if (i < t.size() && t[i].kind == Token::number) {
        n = t[i].value;
        end = i + 1;
      } else if (const Spelled s = spelled_at(t, i); s.end > i) {
        n = s.value;
        end = s.end;
      }
      if (n >= 0 && (is_word(t, end, "decimal") || is_word(t, end, "decimals"))) {
        Claim c;
        c.said = (t[i].kind == Token::number ? t[i].text : std::string(t[i].text)) + " decimals";
        c.value = n;
        c.decimal_places = true;
        claims.push_back(c);
        i = end + 1;
        continue;
      }
    }
    Claim c;
    c.bound = bound_before(t, i);
    if (t[i].kind == Token::number) {
      c.said = t[i].text;
      c.value = t[i].value;
      c.tol = t[i].tol;
      std::size_t end = i + 1;
      if (c.bound == Claim::none && i > 0 && is_word(t, i - 1, "minus")) c.value = -c.value;
      i = read_suffixes(t, end, c);
      claims.push_back(c);
      continue;
    }
    if (t[i].kind != Token::word) {
      ++i;
      continue;
    }
    // "ten to the power of N" on its own.
    if (is_word(t, i, "ten") && is_word(t, i + 1, "to") && is_word(t, i + 2, "the")) {
      c.said = "ten to the";
      std::size_t k = i + 3;
      if (is_word(t, k, "power") && is_word(t, k + 1, "of")) k += 2;
      const Spelled e = spelled_at(t, k);
      if (e.end > k) {
        c.value = std::pow(10.0, e.value);
        c.tol = 0.5 * c.value;
        claims.push_back(c);
        i = e.end;
        continue;
      }
    }
    // A fraction with no count: "half", "halves".
    if (t[i].text == "half" || t[i].text == "halves") {
      c.said = "half";
      c.value = 0.5;
      c.fraction = true;
      i = read_suffixes(t, i + 1, c);
      claims.push_back(c);
      continue;
    }
    // "a third", "a quarter", "a half", "a fifth", "a tenth".
    if (is_word(t, i, "a") && i + 1 < t.size() && denominators.count(t[i + 1].text) != 0) {
      c.said = "a " + t[i + 1].text;
      c.value = 1.0 / denominators.at(t[i + 1].text);
      c.fraction = true;
      i = read_suffixes(t, i + 2, c);
      claims.push_back(c);
      continue;
    }
    const Spelled s = spelled_at(t, i);
    if (s.end == i) {
      ++i;
      continue;
    }
    std::string said;
    for (std::size_t k = i; k < s.end; ++k) said += (k > i ? " " : "") + t[k].text;
    c.said = said;
    c.value = s.value;
    c.tol = rounding_of_integer(s.value);
    std::size_t end = s.end;
    // "two fifths", "two thirds", "three quarters".
    if (end < t.size() && denominators.count(t[end].text) != 0 && s.value < 10) {
      c.value = s.value / denominators.at(t[end].text);
      c.said += " " + t[end].text;
      c.fraction = true;
      i = read_suffixes(t, end + 1, c);
      claims.push_back(c);
      continue;
    }
    // "three and a half".
    if (is_word(t, end, "and") && is_word(t, end + 1, "a") && is_word(t, end + 2, "half")) {
      c.value += 0.5;
      c.tol = 0.25;
      c.said += " and a half";
      end += 3;
    }
    // "two in three", "one in ten", "once in a million".
    if (is_word(t, end, "in")) {
      const Spelled d = spelled_at(t, end + 1);
      if (d.end > end + 1 && d.value > 0) {
        c.value = s.value / d.value;
        c.fraction = true;
        c.said += " in " + std::to_string(static_cast<long long>(d.value));
        i = d.end;
        claims.push_back(c);
        continue;
      }
    }
    // A lone "one" is a pronoun or an article.
    if (s.words == 1 && t[i].text == "one" && !(end < t.size() && scale_of(t[end].text) > 0)) {
      i = end;
      continue;
    }
    // "two to six thousand": the scale of the second end applies to the first.
    if (is_word(t, end, "to")) {
      const Spelled b = spelled_at(t, end + 1);
      if (b.end > end + 1 && b.value >= 1000 && s.value < 1000) {
        for (const double sc : {1e3, 1e6, 1e9})
          if (std::fmod(b.value, sc) == 0 && b.value / sc < 1000) {
            c.value *= sc;
            c.tol = rounding_of_integer(c.value);
          }
      }
    }
    i = read_suffixes(t, end, c);
    claims.push_back(c);
  }
  return claims;
}

// ---- Matching
// -------------------------------------------------------------------------------------

constexpr double fraction_grid[] = {0,   0.1,     0.2,  0.25, 1.0 / 3, 0.4, 0.5,
                                    0.6, 2.0 / 3, 0.75, 0.8,  0.9,     1};

bool fraction_matches(double f, Claim::Bound bound, double o) {
  std::vector<double> grid(std::begin(fraction_grid), std::end(fraction_grid));
  grid.push_back(f);
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end(),
                         [](double a, double b) { return std::abs(a - b) < 1e-12; }),
             grid.end());
  const auto at =
      std::find_if(grid.begin(), grid.end(), [&](double g) { return std::abs(g - f) < 1e-12; });
  const double below = at == grid.begin() ? f : *(at - 1);
  const double above = at + 1 == grid.end() ? f : *(at + 1);
  const double eps = 1e-9;
  switch (bound) {
    case Claim::upper:
    case Claim::almost:
      return o <= f + eps && o >= (below + f) / 2 - eps;
    case Claim::lower:
      return o >= f - eps && o <= (f + above) / 2 + eps;
    case Claim::none:
      return o >= (below + f) / 2 - eps && o <= (f + above) / 2 + eps;
  }
  return false;
}

bool value_matches(double v, double tol, Claim::Bound bound, double o) {
  const double eps = 1e-9 * std::max(1.0, std::abs(v));
  switch (bound) {
    case Claim::upper:
      return o <= v + eps && o >= v / 1.5 - eps;
    case Claim::lower:
      return o >= v - eps && o <= v * 1.5 + eps;
    case Claim::almost:
      return o <= v + eps && o >= v - 2 * tol - eps;
    case Claim::none:
      return std::abs(o - v) <= tol + eps;
  }
  return false;
}

// The first printed value that supports the claim, if any.
std::optional<double> support_of(const Claim& c, const Printed& printed) {
  if (c.decimal_places) {
    const double power = std::pow(10.0, -c.value);
    if (printed.decimals.count(static_cast<int>(c.value)) != 0) return c.value;
    for (const double o : printed.values)
      if (std::abs(o - power) <= 1e-9 * power) return o;
    return std::nullopt;
  }
  for (const double o : printed.values) {
    if (c.fraction) {
      if (fraction_matches(c.value, c.bound, o)) return o;
      if (c.ratio != 0 && fraction_matches(c.value, c.bound, c.ratio * (o - 1))) return o;
      continue;
    }
    if (value_matches(c.value, c.tol, c.bound, o)) return o;
    if (c.percent) {
      if (value_matches(c.value / 100, c.tol / 100, c.bound, o)) return o;
      if (c.ratio != 0 && value_matches(1 + c.ratio * c.value / 100, c.tol / 100, c.bound, o))
        return o;
    }
  }
  return std::nullopt;
}

bool is_allowed(int episode, const Claim& c) {
  for (const Allowed& a : allowed) {
    if (a.episode != episode) continue;
    if (a.number == c.said) return true;
    // An entry in digits also covers the spelled form of the same value.
    char* end = nullptr;
    const std::string n(a.number);
    const double v = std::strtod(n.c_str(), &end);
    if (end != n.c_str() && *end == '\0' && !c.fraction && v == c.value) return true;
  }
  return false;
}

// Everything an output prints: its digits, its spelled numbers ("twelve words, four kinds"), and
// when it says its figures are in millions ("millions of numbers"), each value times 10^6 too.
Printed printed(const std::string& text) {
  Printed p = printed_digits(text);
  for (const Claim& c : claims_of(text))
    if (!c.decimal_places) p.values.push_back(c.value);
  if (text.find("millions of") != std::string::npos) {
    const std::size_t n = p.values.size();
    for (std::size_t k = 0; k < n; ++k) p.values.push_back(p.values[k] * 1e6);
  }
  return p;
}

// The claims of `narrative` that no value of `output_numbers` supports. With
// AIB_NARRATIVE_NUMBERS=1 in the environment, prints every claim and the value supporting it, to
// review the matches by eye.
std::vector<std::string> drifts(int episode, const std::string& narrative,
                                const std::string& output_numbers) {
  const Printed printed_numbers = printed(output_numbers);
  const char* dump = std::getenv("AIB_NARRATIVE_NUMBERS");
  std::vector<std::string> out;
  for (const Claim& c : claims_of(narrative)) {
    const bool allowed_here = is_allowed(episode, c);
    const std::optional<double> support = support_of(c, printed_numbers);
    if (dump != nullptr && std::string(dump) == "1" && episode > 0)
      fmt::print("{:02d}  {:<40} {}\n", episode, c.said,
                 allowed_here ? "allowed"
                 : support    ? fmt::format("{}", *support)
                              : "MISSING");
    if (allowed_here || support) continue;
    out.push_back(fmt::format("'{}' (= {}{}{})", c.said, c.value, c.fraction ? ", a fraction" : "",
                              c.percent ? " percent" : ""));
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : "; ") + x;
  return s;
}

}  // namespace

TEST_CASE("narrative numbers: digits, words, fractions and scales are read as stated") {
  auto values = [](const std::string& text) {
    std::vector<double> v;
    for (const Claim& c : claims_of(text)) v.push_back(c.value);
    return v;
  };
  CHECK(values("GPT-2 and GPT-4o and o200k and T5 and word2vec") == std::vector<double>{});
  CHECK(values("1,024 GPUs, 3.5 ms, 88% and 4× as much") == std::vector<double>{1024, 3.5, 88, 4});
  CHECK(values("seven tokens, a hundred and forty dollars, two hundred and fifty-six bytes") ==
        std::vector<double>{7, 140, 256});
  CHECK(values("thirty-two thousand tokens, one thousand twenty-four wide") ==
        std::vector<double>{32000, 1024});
  CHECK(values("it takes one step, then one hundred") == std::vector<double>{100});
  CHECK(values("3.7 billion, 1.7 million, three and a half") ==
        std::vector<double>{3.7e9, 1.7e6, 3.5});
  CHECK(values("two to six thousand parameters") == std::vector<double>{2000, 6000});
  const std::vector<Claim> c = claims_of("a third and two fifths more, half, two in three");
  REQUIRE(c.size() == 4);
  CHECK(c[0].fraction);
  CHECK(c[0].value == Approx(1.0 / 3));
  CHECK(c[1].value == Approx(0.4));
  CHECK(c[1].ratio == 1);
  CHECK(c[2].value == 0.5);
  CHECK(c[3].value == Approx(2.0 / 3));
  const std::vector<Claim> p = claims_of("gives 3.15 times ten to the 23 operations");
  REQUIRE(p.size() == 1);
  CHECK(p[0].value == Approx(3.15e23));
  CHECK(printed_digits("$140.59, 3.150e+23, 26.1%, -0.17, 175 billion, 131M, 10^2").values ==
        std::vector<double>{140.59, 3.150e23, 26.1, 0.261, 0.17, -0.17, 175, 175e9, 131, 131e6, 10,
                            100});
  CHECK(printed_digits("0.000000 and 2.5").decimals == std::set<int>{6, 1});
  CHECK(values("the first hundred and twenty-eight, the last thousand") ==
        std::vector<double>{128, 1000});
  CHECK(values("a thousand and nine hundred ninety-eight, a hundred and forty") ==
        std::vector<double>{1000, 998, 140});
  CHECK(values("as in episode nineteen, and episode 12") == std::vector<double>{});
}

TEST_CASE("narrative numbers: a drifted number is caught, an honest rounding is not") {
  // Rounding at the precision written.
  CHECK(drifts(0, "the loss falls to about 0.07", "loss 0.071").empty());
  CHECK(drifts(0, "the loss falls to about 0.05", "loss 0.071").size() == 1);
  CHECK(drifts(0, "seven ordinary tokens", "tokens 7").empty());
  CHECK(drifts(0, "seven ordinary tokens", "tokens 9").size() == 1);
  CHECK(drifts(0, "about forty percent more", "ratio 1.39").empty());
  CHECK(drifts(0, "about forty percent", "share 39.6%").empty());
  CHECK(drifts(0, "about forty percent", "share 46.0%").size() == 1);
  CHECK(drifts(0, "about a hundred and forty dollars", "$140.59").empty());
  CHECK(drifts(0, "about a hundred and forty dollars", "$146.00").size() == 1);
  CHECK(drifts(0, "about 2,300 tokens", "2,304 tokens").empty());
  CHECK(drifts(0, "1.7 million operations", "1.721e+06 FLOPs").empty());
  CHECK(drifts(0, "about thirteen thousand parameters", "13600 parameters").size() == 1);
  // Ranges: both ends must be printed.
  CHECK(drifts(0, "four to six times its size", "grows 4.50 times").size() == 1);
  // Fractions and bounds.
  CHECK(drifts(0, "roughly a third more", "ratio 1.34").empty());
  CHECK(drifts(0, "roughly a third more", "ratio 1.45").size() == 1);
  CHECK(drifts(0, "about a quarter of the answers", "26.5%").empty());
  CHECK(drifts(0, "saves under a tenth of the tokens", "saves 7.2%").empty());
  CHECK(drifts(0, "saves under a tenth of the tokens", "saves 12.0%").size() == 1);
  CHECK(drifts(0, "saves under a tenth of the tokens", "saves 0.0%").size() == 1);
  CHECK(drifts(0, "a hundred steps", "64 steps").size() == 1);
  CHECK(drifts(0, "two to six thousand parameters", "2338, 6176").empty());
  CHECK(drifts(0, "more than four times as many", "4.41").empty());
  CHECK(drifts(0, "more than four times as many", "3.70").size() == 1);
  CHECK(drifts(0, "almost four times as much", "3.70").empty());
  CHECK(drifts(0, "almost four times as much", "4.41").size() == 1);
  CHECK(drifts(0, "GELU dips to about minus 0.17", "min -0.170").empty());
  CHECK(drifts(0, "the same to six decimal places", "max diff 0.000000").empty());
  CHECK(drifts(0, "the same to five decimal places", "max diff < 1e-5").empty());
  CHECK(drifts(0, "the same to five decimal places", "max diff 0.0001").size() == 1);
  CHECK(drifts(0, "twelve words", "Cosine between twelve words").empty());
  CHECK(drifts(0, "a hundred and thirty million numbers", "millions of numbers: 131.07").empty());
  // Names are not numbers; allowed numbers are not checked.
  CHECK(drifts(0, "GPT-2 and GPT-4o", "").empty());
  CHECK(drifts(17, "the Transformer of 2017", "").empty());
  CHECK(drifts(16, "the Transformer of 2017", "").size() == 1);
}

TEST_CASE("every number a narrative states is one its program prints") {
  const fs::path root = AIB_SOURCE_DIR;
  int episodes = 0;
  for (const auto& entry : fs::directory_iterator(root / "episodes")) {
    if (entry.path().extension() != ".md") continue;
    const std::string stem = entry.path().stem().string();
    const int episode = std::stoi(stem.substr(0, 2));
    INFO("episode " << stem);
    const aib::show::Document doc =
        aib::show::parse_front_matter(slurp(entry.path()), entry.path().filename().string());
    const std::string narrative = aib::show::markdown_to_text(doc.body);
    const fs::path saved = root / "examples" / "expected" / (stem + ".txt");
    REQUIRE(fs::exists(saved));
    std::string numbers = numbers_part(slurp(saved));
    INFO("the saved output has a section heading ('── ...') after its narrative");
    REQUIRE(!numbers.empty());
    const fs::path real = root / "examples" / "expected" / "real" / (stem + ".txt");
    if (fs::exists(real)) {
      const std::string real_numbers = numbers_part(slurp(real));
      REQUIRE(!real_numbers.empty());
      numbers += real_numbers;
    }
    const std::vector<std::string> bad = drifts(episode, narrative, numbers);
    INFO("numbers the narrative states that its output does not print: " << join(bad));
    CHECK(bad.empty());
    ++episodes;
  }
  CHECK(episodes >= 22);
}
