// aib/show/format.hpp — numbers as the episodes print them: fixed decimals, grouped digits.
//
// fixed(3.14159, 2) == "3.14" (never "-0.00", so saved outputs do not flip between compilers);
// grouped(1234567) == "1,234,567" for any integer, grouped(2.5e9) == "2,500,000,000" for a double
// (rounded to a whole number first). Leaves out: locales (always ',' between groups and '.' before
// decimals, as the narratives read), scientific notation.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include <fmt/core.h>

#include "aib/core/check.hpp"

namespace aib::show {

// `v` with exactly `decimals` digits after the point: fixed(3.14159, 2) == "3.14".
// A value that rounds to zero prints without a sign ("0.000", not "-0.000"), so saved outputs
// do not flip between compilers.
inline std::string fixed(double v, int decimals) {
  if (decimals < 0 || decimals > 17) fail("fixed: decimals = {}, expected 0..17", decimals);
  if (std::isnan(v)) return "nan";  // never "-nan"
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

namespace detail {
// "1234567" -> "1,234,567"; a leading '-' stays in front of the groups.
inline std::string group_digits(const std::string& digits) {
  const std::size_t sign = (!digits.empty() && digits.front() == '-') ? 1 : 0;
  std::string out = digits.substr(0, sign);
  const std::size_t n = digits.size() - sign;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[sign + i];
  }
  return out;
}
}  // namespace detail

// An integer with its thousands grouped: grouped(-50257) == "-50,257".
template <class Int, std::enable_if_t<std::is_integral_v<Int>, int> = 0>
std::string grouped(Int n) {
  return detail::group_digits(std::to_string(n));
}

// A double rounded to a whole number, its thousands grouped: grouped(1.75e11) == "175,000,000,000".
// A NaN or infinite value prints as "nan", "inf" or "-inf".
inline std::string grouped(double x) {
  if (!std::isfinite(x)) return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  std::string digits = fmt::format("{:.0f}", x);
  if (digits == "-0") digits = "0";
  return detail::group_digits(digits);
}

}  // namespace aib::show
