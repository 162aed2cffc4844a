// aib/generative/glyphs.hpp — tiny digit images drawn from the project's own vector font.
//
// The ten digits are strokes (polylines and elliptic arcs) in font units: height 1 from y = −0.5
// (top) to 0.5 (bottom), y pointing down like image rows, x within about ±0.3. A glyph is drawn
// by mapping its strokes through a random affine pose (rotation, scale, shear, shift) onto a
// side × side pixel grid and shading each pixel by its distance d to the nearest stroke:
// ink = clamp(w/2 + 1/2 − d, 0, 1) for stroke width w (a one-pixel linear ramp: anti-aliased).
// Images are rows of N × (side·side) in [0, 1], row-major pixels; labels are the digits.
// Shown as shade or half-block characters in the terminal, or as an SVG grid.
// Leaves out: letters, kerning, curves other than elliptic arcs, elastic distortions.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/types.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/terminal.hpp"

namespace aib {

// ---- The font -----------------------------------------------------------------------------------

struct GlyphPoint {
  float x = 0, y = 0;  // font units: height 1, y down
};
using GlyphStroke = std::vector<GlyphPoint>;  // a polyline through its points

namespace detail {

// Append an elliptic arc (centre cx, cy; radii rx, ry) from deg0 to deg1 degrees, angles measured
// from +x towards +y (down), so −90° is the top of the ellipse and 90° its bottom.
inline void glyph_arc(GlyphStroke& s, float cx, float cy, float rx, float ry, float deg0,
                      float deg1) {
  const int segments = std::max(4, static_cast<int>(std::ceil(std::abs(deg1 - deg0) / 15.0f)));
  for (int i = 0; i <= segments; ++i) {
    const double a = (deg0 + (deg1 - deg0) * static_cast<double>(i) / segments) * pi / 180.0;
    s.push_back(
        {cx + rx * static_cast<float>(std::cos(a)), cy + ry * static_cast<float>(std::sin(a))});
  }
}

inline std::vector<std::vector<GlyphStroke>> build_digit_font() {
  std::vector<std::vector<GlyphStroke>> font(10);
  GlyphStroke s;
  // 0: one ellipse.
  glyph_arc(s, 0.f, 0.f, 0.28f, 0.5f, 0.f, 360.f);
  font[0] = {s};
  // 1: flag, stem and foot.
  font[1] = {{{-0.16f, -0.32f}, {0.02f, -0.5f}, {0.02f, 0.5f}}, {{-0.18f, 0.5f}, {0.22f, 0.5f}}};
  // 2: a hook over a diagonal to the base line.
  s.clear();
  glyph_arc(s, 0.f, -0.22f, 0.28f, 0.28f, -165.f, 30.f);
  s.push_back({-0.3f, 0.5f});
  s.push_back({0.3f, 0.5f});
  font[2] = {s};
  // 3: two bowls meeting in the middle.
  s.clear();
  glyph_arc(s, 0.f, -0.25f, 0.25f, 0.25f, -160.f, 90.f);
  glyph_arc(s, 0.f, 0.24f, 0.29f, 0.26f, -90.f, 160.f);
  font[3] = {s};
  // 4: upright, diagonal, crossbar.
  font[4] = {{{0.12f, 0.5f}, {0.12f, -0.5f}, {-0.3f, 0.2f}, {0.3f, 0.2f}}};
  // 5: top bar, down stroke, open bowl.
  s = {{0.27f, -0.5f}, {-0.2f, -0.5f}};
  glyph_arc(s, 0.f, 0.2f, 0.3f, 0.3f, -135.f, 150.f);
  font[5] = {s};
  // 6: a falling curve into a closed loop.
  s.clear();
  glyph_arc(s, 0.02f, 0.2f, 0.3f, 0.7f, -70.f, -180.f);
  GlyphStroke loop;
  glyph_arc(loop, 0.f, 0.2f, 0.28f, 0.3f, 0.f, 360.f);
  font[6] = {s, loop};
  // 7: top bar and a long diagonal.
  font[7] = {{{-0.3f, -0.5f}, {0.3f, -0.5f}, {-0.08f, 0.5f}}};
  // 8: a small loop on a larger one.
  s.clear();
  glyph_arc(s, 0.f, -0.26f, 0.23f, 0.24f, 0.f, 360.f);
  loop.clear();
  glyph_arc(loop, 0.f, 0.24f, 0.29f, 0.26f, 0.f, 360.f);
  font[8] = {s, loop};
  // 9: a closed loop with a tail curving down (a 6 turned half a turn).
  s.clear();
  glyph_arc(s, 0.f, -0.2f, 0.28f, 0.3f, 0.f, 360.f);
  loop.clear();
  glyph_arc(loop, -0.02f, -0.2f, 0.3f, 0.7f, 0.f, 110.f);
  font[9] = {s, loop};
  return font;
}

}  // namespace detail

// The strokes of each digit 0–9, built once.
inline const std::vector<std::vector<GlyphStroke>>& digit_font() {
  static const std::vector<std::vector<GlyphStroke>> font = detail::build_digit_font();
  return font;
}

// ---- Drawing one glyph --------------------------------------------------------------------------

inline constexpr int glyph_min_side = 8;     // below this a digit's loops close up
inline constexpr int glyph_max_side = 64;    // a sanity limit, not a limit of the method
inline constexpr float glyph_height = 0.7f;  // glyph height as a share of the side, at scale 1

// Where a glyph sits: pixel = (side/2 + dx, side/2 + dy) + h·R(rotation)·Shear(shear)·q for a font
// point q, with h = glyph_height · side · scale and Shear = [[1, shear], [0, 1]] (slant).
struct GlyphPose {
  float rotation = 0;    // radians; positive turns clockwise on screen (y points down)
  float scale = 1;       // relative size
  float shear = 0;       // x += shear · y (negative: slant to the right)
  float dx = 0, dy = 0;  // shift in pixels
};

namespace detail {
inline void check_glyph_side(std::string_view where, int side) {
  if (side < glyph_min_side)
    fail("{}: glyph side {} is too small; the font needs at least {} pixels", where, side,
         glyph_min_side);
  if (side > glyph_max_side)
    fail("{}: glyph side {} is too large; at most {} pixels", where, side, glyph_max_side);
}
inline void check_glyph_stroke(std::string_view where, int side, float stroke) {
  if (!(stroke > 0) || !(stroke <= side / 4.0f))
    fail("{}: stroke width {} must be in (0, side/4 = {}] pixels", where, stroke, side / 4.0f);
}
}  // namespace detail

// (1, side²): digit `digit` drawn at `pose` with a stroke `stroke` pixels wide, ink in [0, 1].
inline RowVec draw_digit(int digit, int side = 16, float stroke = 1.5f,
                         const GlyphPose& pose = {}) {
  if (digit < 0 || digit > 9) fail("draw_digit: digit must be in 0 … 9, got {}", digit);
  detail::check_glyph_side("draw_digit", side);
  detail::check_glyph_stroke("draw_digit", side, stroke);
  if (!(pose.scale > 0) || !std::isfinite(pose.scale))
    fail("draw_digit: pose scale must be positive and finite, got {}", pose.scale);
  if (!std::isfinite(pose.rotation) || !std::isfinite(pose.shear) || !std::isfinite(pose.dx) ||
      !std::isfinite(pose.dy))
    fail("draw_digit: pose has a non-finite value (rotation {}, shear {}, dx {}, dy {})",
         pose.rotation, pose.shear, pose.dx, pose.dy);

  // The affine map, font units -> pixels (x to the right, y down; pixel centres at k + 0.5).
  const double h = glyph_height * side * pose.scale;
  const double c = std::cos(pose.rotation), s = std::sin(pose.rotation), k = pose.shear;
  const double m00 = h * c, m01 = h * (c * k - s), m10 = h * s, m11 = h * (s * k + c);
  const double ox = side / 2.0 + pose.dx, oy = side / 2.0 + pose.dy;
  struct Segment {
    double ax, ay, bx, by;
  };
  std::vector<Segment> segments;
  for (const GlyphStroke& stroke_points : digit_font()[static_cast<std::size_t>(digit)]) {
    for (std::size_t i = 0; i + 1 < stroke_points.size(); ++i) {
      const GlyphPoint p = stroke_points[i], q = stroke_points[i + 1];
      segments.push_back({ox + m00 * p.x + m01 * p.y, oy + m10 * p.x + m11 * p.y,
                          ox + m00 * q.x + m01 * q.y, oy + m10 * q.x + m11 * q.y});
    }
  }

  RowVec image(side * side);  // (1, side²)
  const double half = stroke / 2.0 + 0.5;
  for (int r = 0; r < side; ++r) {
    for (int col = 0; col < side; ++col) {
      const double px = col + 0.5, py = r + 0.5;
      double best = std::numeric_limits<double>::infinity();  // squared distance to the ink
      for (const Segment& g : segments) {
        const double vx = g.bx - g.ax, vy = g.by - g.ay;
        const double len2 = vx * vx + vy * vy;
        // The nearest point of the segment: a + t·v with t = clamp(((p − a)·v) / |v|², 0, 1).
        const double t =
            len2 > 0 ? std::clamp(((px - g.ax) * vx + (py - g.ay) * vy) / len2, 0.0, 1.0) : 0.0;
        const double ex = px - (g.ax + t * vx), ey = py - (g.ay + t * vy);
        best = std::min(best, ex * ex + ey * ey);
      }
      image(r * side + col) = static_cast<float>(std::clamp(half - std::sqrt(best), 0.0, 1.0));
    }
  }
  return image;
}

// ---- The dataset
// ----------------------------------------------------------------------------------

// How make_digits draws: each image gets a pose with rotation uniform in [−rotation, rotation],
// scale in [1 − scale, 1 + scale], shear in [−shear, shear], dx and dy in [−shift, shift]; then
// N(0, noise²) is added to every pixel and the result clamped to [0, 1].
struct GlyphStyle {
  int side = 16;          // image side in pixels (8 … 64)
  float stroke = 1.5f;    // stroke width in pixels, in (0, side/4]
  float rotation = 0.2f;  // radians (about 11°), in [0, π/4]
  float scale = 0.1f;     // in [0, 0.5)
  float shear = 0.2f;     // in [0, 1]
  float shift = 1.0f;     // pixels, in [0, side/4]
  float noise = 0.05f;    // pixel noise σ, >= 0
};

// N images with their labels.
struct GlyphData {
  Mat images;               // (N, side²) ink in [0, 1], pixel (r, c) in column r·side + c
  std::vector<int> labels;  // (N) the digit of each image
  int side = 16;
};

namespace detail {
inline void check_glyph_style(std::string_view where, const GlyphStyle& st) {
  check_glyph_side(where, st.side);
  check_glyph_stroke(where, st.side, st.stroke);
  auto in = [&](std::string_view what, float v, float lo, float hi) {
    if (!(v >= lo && v <= hi)) fail("{}: {} must be in [{}, {}], got {}", where, what, lo, hi, v);
  };
  in("rotation", st.rotation, 0.f, 0.7853982f);
  in("scale", st.scale, 0.f, 0.499f);
  in("shear", st.shear, 0.f, 1.f);
  in("shift", st.shift, 0.f, st.side / 4.0f);
  if (!(st.noise >= 0) || !std::isfinite(st.noise))
    fail("{}: noise must be finite and >= 0, got {}", where, st.noise);
}
}  // namespace detail

// N jittered digits; image i shows digit i mod 10, so every 10 consecutive images hold each digit
// once (draw indices with rng.permutation to shuffle). Draw order per image: rotation, scale,
// shear, dx, dy (each one uniform, drawn even when its range is 0), then one normal per pixel
// when noise > 0.
inline GlyphData make_digits(Index n, Rng& rng, const GlyphStyle& style = {}) {
  if (n < 1) fail("make_digits: n must be at least 1, got {}", n);
  detail::check_glyph_style("make_digits", style);
  auto symmetric = [&rng](float r) { return r * (2.f * rng.uniform() - 1.f); };
  GlyphData data;
  data.side = style.side;
  data.images.resize(n, static_cast<Index>(style.side) * style.side);  // (N, side²)
  data.labels.resize(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const int digit = static_cast<int>(i % 10);
    GlyphPose pose;
    pose.rotation = symmetric(style.rotation);
    pose.scale = 1.f + symmetric(style.scale);
    pose.shear = symmetric(style.shear);
    pose.dx = symmetric(style.shift);
    pose.dy = symmetric(style.shift);
    RowVec image = draw_digit(digit, style.side, style.stroke, pose);  // (1, side²)
    if (style.noise > 0)
      for (Index j = 0; j < image.size(); ++j)
        image(j) = std::clamp(image(j) + style.noise * rng.normal(), 0.f, 1.f);
    data.images.row(i) = image;
    data.labels[static_cast<std::size_t>(i)] = digit;
  }
  return data;
}

// ---- Showing glyphs
// -------------------------------------------------------------------------------

// shades: one character per pixel column and two pixel rows, the pair's mean ink as " ░▒▓█";
// half_blocks: the upper and lower pixel each on (ink >= 0.5) or off, as " ▀▄█".
// Both keep a glyph square on a terminal whose cells are twice as tall as wide.
enum class GlyphChars { shades, half_blocks };

namespace detail {
inline void check_glyph_images(std::string_view where, const Eigen::Ref<const Mat>& images,
                               int side, const std::vector<int>& labels) {
  check_glyph_side(where, side);
  check_shape(where, "images", images, any, static_cast<Index>(side) * side);
  if (images.rows() < 1)
    fail("{}: no images to show (images has shape {})", where, shape_str(images));
  if (!labels.empty() && static_cast<Index>(labels.size()) != images.rows())
    fail("{}: {} labels for {} images; expected one per image (or none)", where, labels.size(),
         images.rows());
  for (Index i = 0; i < images.rows(); ++i)
    for (Index j = 0; j < images.cols(); ++j)
      if (!std::isfinite(images(i, j)))
        fail("{}: image {} has a non-finite pixel ({}) at column {}", where, i, images(i, j), j);
}
}  // namespace detail

// Text showing the images side by side, as many per row as fit in `width` columns (two spaces
// between glyphs), side/2 lines per glyph row, and a line of labels under each row when given.
// Ink outside [0, 1] is clamped. Lines carry no trailing spaces.
inline std::string glyph_grid(const Eigen::Ref<const Mat>& images, int side,
                              const std::vector<int>& labels = {},
                              GlyphChars chars = GlyphChars::shades, int width = 80) {
  detail::check_glyph_images("glyph_grid", images, side, labels);
  if (width < side)
    fail("glyph_grid: width {} is narrower than one glyph ({} columns)", width, side);
  constexpr int gap = 2;
  const Index per_row = std::max(1, (width + gap) / (side + gap));
  static const char* const shades[5] = {" ", "\u2591", "\u2592", "\u2593", "\u2588"};
  static const char* const halves[4] = {" ", "\u2580", "\u2584", "\u2588"};
  auto ink = [&](Index i, int r, int c) -> float {
    if (r >= side) return 0.f;
    return std::clamp(images(i, static_cast<Index>(r) * side + c), 0.f, 1.f);
  };
  auto rtrim = [](std::string line) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out;
  for (Index first = 0; first < images.rows(); first += per_row) {
    const Index last = std::min(images.rows(), first + per_row);
    for (int r = 0; r < side; r += 2) {
      std::string line;
      for (Index i = first; i < last; ++i) {
        if (i > first) line += std::string(gap, ' ');
        for (int c = 0; c < side; ++c) {
          const float top = ink(i, r, c), bottom = ink(i, r + 1, c);
          if (chars == GlyphChars::shades) {
            const float mean = r + 1 < side ? (top + bottom) / 2 : top;
            line += shades[static_cast<int>(std::lround(mean * 4))];
          } else {
            line += halves[(top >= 0.5f ? 1 : 0) + (bottom >= 0.5f ? 2 : 0)];
          }
        }
      }
      out += rtrim(line);
    }
    if (!labels.empty()) {
      std::string line;
      for (Index i = first; i < last; ++i) {
        if (i > first) line += std::string(gap, ' ');
        line +=
            show::pad_right(fmt::format("{:^{}}", labels[static_cast<std::size_t>(i)], side), side);
      }
      out += rtrim(line);
    }
  }
  return out;
}

// A standalone SVG document: the images in a grid of `columns`, each pixel a `pixel`-wide grey
// square (white = no ink, black = full ink), with its label under each glyph when given.
inline std::string svg_glyph_grid(const Eigen::Ref<const Mat>& images, int side,
                                  const std::vector<int>& labels, std::string_view title,
                                  int columns = 10, double pixel = 4) {
  detail::check_glyph_images("svg_glyph_grid", images, side, labels);
  if (columns < 1) fail("svg_glyph_grid: columns must be at least 1, got {}", columns);
  if (!(pixel > 0 && pixel <= 64))
    fail("svg_glyph_grid: pixel size must be in (0, 64], got {}", pixel);
  using show::detail::svg_num;
  const Index n = images.rows();
  const Index cols = std::min<Index>(columns, n), rows = (n + columns - 1) / columns;
  const double cell = side * pixel, gap = 8, label_h = labels.empty() ? 0 : 16;
  const double left = 16, top = 40;
  const double width =
      std::max(left * 2 + cols * cell + (cols - 1) * gap, 32 + 9.0 * show::display_width(title));
  const double height = top + rows * (cell + label_h + gap) + 8;
  std::string out = show::detail::svg_begin(width, height, title);
  for (Index i = 0; i < n; ++i) {
    const double x0 = left + (i % columns) * (cell + gap);
    const double y0 = top + (i / columns) * (cell + label_h + gap);
    out += fmt::format(
        "<g class=\"glyph\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" "
        "stroke=\"#cccccc\" stroke-width=\"0.5\"/>\n",
        svg_num(x0), svg_num(y0), svg_num(cell), svg_num(cell));
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const float v = std::clamp(images(i, static_cast<Index>(r) * side + c), 0.f, 1.f);
        if (v < 0.5f / 255) continue;  // white on white: no mark
        const double grey = 255.0 * (1.0 - v);
        out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                           svg_num(x0 + c * pixel), svg_num(y0 + r * pixel), svg_num(pixel),
                           svg_num(pixel), show::detail::hex_color(grey, grey, grey));
      }
    if (!labels.empty())
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                         svg_num(x0 + cell / 2), svg_num(y0 + cell + 13),
                         labels[static_cast<std::size_t>(i)]);
    out += "</g>\n";
  }
  return out + show::detail::svg_end();
}

}  // namespace aib
