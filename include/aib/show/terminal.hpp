// aib/show/terminal.hpp — what the terminal can show: colour or not, and how many columns.
//
// A Style carries the two decisions every renderer in show/ needs: emit ANSI colour or not, and
// how wide a line may be. terminal_style() asks the stream: colour only on a TTY, never when
// NO_COLOR is set to a non-empty value (no-color.org) or TERM=dumb; width from the TTY (clamped
// to [40, 200]), else 80. display_width() counts columns: 2 for East Asian wide characters and
// emoji, 0 for combining marks, skipping ANSI escapes. Leaves out: grapheme clusters (an emoji
// ZWJ sequence counts each of its pictures), terminfo, the Windows console width, 24-bit colour.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/utf8.hpp"
#include "aib/core/width_tables.hpp"

#if defined(_WIN32)
#include <io.h>
#else
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace aib::show {

// ---- Style: the two decisions ---------------------------------------------------------------

struct Style {
  bool color = false;  // emit ANSI escape codes (bold, colours)
  int width = 80;      // columns a line may use
};

inline constexpr int min_terminal_width = 40;
inline constexpr int max_terminal_width = 200;

namespace detail {

// The value of an environment variable, or "" when it is unset.
inline std::string_view env(const char* name) {
#if defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable : 4996)  // getenv is fine here: we only read
#endif
  const char* value = std::getenv(name);
#if defined(_MSC_VER)
#pragma warning(pop)
#endif
  return value == nullptr ? std::string_view() : std::string_view(value);
}

inline bool is_tty(std::FILE* stream) {
#if defined(_WIN32)
  const int fd = _fileno(stream);
  return fd >= 0 && _isatty(fd) != 0;
#else
  const int fd = fileno(stream);
  return fd >= 0 && isatty(fd) != 0;
#endif
}

}  // namespace detail

// The Style for writing to `stream`: colour only on a TTY with NO_COLOR unset or empty and
// TERM not "dumb"; the TTY's width clamped to [40, 200]; 80 columns when not a TTY.
inline Style terminal_style(std::FILE* stream = stdout) {
  Style style;
  if (stream == nullptr || !detail::is_tty(stream)) return style;
  style.color = detail::env("NO_COLOR").empty() && detail::env("TERM") != "dumb";
#if !defined(_WIN32)
  winsize size{};
  if (ioctl(fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    style.width = std::clamp(static_cast<int>(size.ws_col), min_terminal_width, max_terminal_width);
#endif
  return style;
}

// ---- ANSI helpers: plain text back when !style.color ----------------------------------------

enum class Color {
  red = 31,
  green = 32,
  yellow = 33,
  blue = 34,
  magenta = 35,
  cyan = 36,
  gray = 90
};

// Wrap text in the SGR escape "ESC [ code m ... ESC [ 0 m" (Select Graphic Rendition).
inline std::string sgr(std::string_view text, std::string_view code, const Style& style) {
  if (!style.color) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

inline std::string bold(std::string_view text, const Style& style) {
  return sgr(text, "1", style);
}
inline std::string dim(std::string_view text, const Style& style) {
  return sgr(text, "2", style);
}
inline std::string fg(std::string_view text, Color color, const Style& style) {
  return sgr(text, std::to_string(static_cast<int>(color)), style);
}

// Background from the 256-colour palette (16-231: 6x6x6 cube, 232-255: greys).
inline std::string bg256(std::string_view text, int code, const Style& style) {
  if (code < 0 || code > 255) fail("bg256: colour code {} is outside 0..255", code);
  return sgr(text, fmt::format("48;5;{}", code), style);
}

// ---- Measuring and padding text -------------------------------------------------------------

namespace detail {

// Length of the ANSI CSI escape "ESC [ params final" starting at s[i], or 0 if none starts there.
inline std::size_t escape_length(std::string_view s, std::size_t i) {
  if (s[i] != '\x1b' || i + 1 >= s.size() || s[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < s.size()) {
    const auto c = static_cast<unsigned char>(s[j]);
    ++j;
    if (c >= 0x40 && c <= 0x7e) break;  // the final byte ends the escape
  }
  return j - i;
}

}  // namespace detail

// Columns a terminal gives one code point: 2 for East Asian wide and fullwidth characters and
// emoji shown as pictures, 0 for combining marks and format characters (zero-width joiner,
// variation selectors), 1 for the rest, invalid bytes (kInvalidChar) and control characters
// included. From the generated tables of aib/core/width_tables.hpp.
//   char_width(U+4E2D '中') == 2;  char_width(U+0301 combining acute) == 0
inline int char_width(char32_t cp) {
  if (cp < 0x300) return 1;  // the tables start at U+0300
  const auto* first = std::begin(aib::detail::kWidthRanges);
  const auto* last = std::end(aib::detail::kWidthRanges);
  const auto* it =
      std::upper_bound(first, last, cp, [](char32_t c, const aib::detail::WidthRange& r) {
        return c < r.first;
      });  // the first range starting after cp: the one before may hold it
  if (it == first || cp > std::prev(it)->last) return 1;
  return std::prev(it)->width;
}

// Columns `text` takes on a terminal: the sum of char_width over its characters (aib/core/utf8.hpp
// decodes them, an invalid byte being one column), not counting ANSI escapes.
//   display_width("naïve ▁") == 7 (9 bytes);  display_width("日本") == 4;  ("e\u0301") == 1
inline int display_width(std::string_view text) {
  int width = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80 && text[i] != '\x1b') {
      ++width, ++i;
      continue;
    }
    if (const std::size_t n = detail::escape_length(text, i)) {
      i += n;
      continue;
    }
    const Utf8Char c = utf8_decode(text, i);
    width += char_width(c.cp);
    i += c.len;
  }
  return width;
}

// `piece` written n times (n <= 0: empty).
inline std::string repeat(std::string_view piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

// Text padded with spaces to `width` columns (left-aligned / right-aligned); never cut.
inline std::string pad_right(std::string_view text, int width) {
  return std::string(text) + std::string(std::max(0, width - display_width(text)), ' ');
}
inline std::string pad_left(std::string_view text, int width) {
  return std::string(std::max(0, width - display_width(text)), ' ') + std::string(text);
}

// Text cut to at most `width` columns, ending in "…" when something was cut. Escapes are kept
// whole and a reset is appended if any was kept, so a cut never leaves colour switched on.
inline std::string ellipsize(std::string_view text, int width) {
  if (display_width(text) <= width) return std::string(text);
  if (width <= 0) return "";
  std::string out;
  bool had_escape = false;
  int used = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t n = detail::escape_length(text, i)) {
      out.append(text.substr(i, n));
      had_escape = true;
      i += n;
      continue;
    }
    const Utf8Char c = utf8_decode(text, i);
    const int w = char_width(c.cp);
    if (used + w > width - 1) break;  // keep one column for the ellipsis
    used += w;
    out.append(text.substr(i, c.len));
    i += c.len;
  }
  out += "…";
  if (had_escape) out += "\x1b[0m";
  return out;
}

// Write text to a stream as is (the renderers already end their lines with '\n').
inline void print(std::string_view text, std::FILE* stream = stdout) {
  std::fwrite(text.data(), 1, text.size(), stream);
}

}  // namespace aib::show
