// aib/core/fit.hpp — a straight line through points by least squares, and exponential growth
// read off a straight line in log10 space.
//
// fit_line: y ≈ slope·x + intercept minimising Σ (y_i − slope·x_i − intercept)², computed on
// centred data (x̄, ȳ subtracted first) so that years like 2023.5 lose no digits:
//   slope = Σ (x−x̄)(y−ȳ) / Σ (x−x̄)²,  intercept = ȳ − slope·x̄,
//   r² = 1 − Σ residual² / Σ (y−ȳ)²  (1 when y is constant: the line explains everything).
// These are the values numpy.polyfit(x, y, 1) returns. fit_growth fits log10(y) on x, so
// y ≈ 10^intercept · factor^x with factor = 10^slope per unit of x, and y doubles every
// log10(2) / slope units (infinite when the slope is zero, negative when y shrinks).
// Leaves out: weights, higher degrees, uncertainties of the coefficients.
#pragma once

#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "aib/core/check.hpp"

namespace aib {

struct LineFit {
  double slope = 0, intercept = 0;
  double r2 = 0;      // coefficient of determination, at most 1
  std::size_t n = 0;  // points used
  double at(double x) const { return slope * x + intercept; }
};

// The least-squares line through (x[i], y[i]). Needs at least two points with different x, all
// coordinates finite, and x and y of one length; otherwise aib::Error naming `where`.
inline LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y,
                        std::string_view where = "fit_line") {
  if (x.size() != y.size())
    fail("{}: x has {} values but y has {}; they must match", where, x.size(), y.size());
  if (x.size() < 2) fail("{}: {} point(s); a line needs at least 2", where, x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      fail("{}: point {} is ({}, {}); every coordinate must be finite", where, i, x[i], y[i]);
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(y.size());
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) fail("{}: all {} points share x = {}; no line is defined", where, x.size(), mx);
  LineFit f;
  f.n = x.size();
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  double sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double r = y[i] - f.at(x[i]);
    sse += r * r;
  }
  f.r2 = syy > 0 ? 1 - sse / syy : 1.0;
  return f;
}

struct GrowthFit {
  LineFit line;                // log10(y) = line.slope · x + line.intercept
  double factor_per_unit = 1;  // 10^slope: y is multiplied by this per unit of x
  double doubling_units = 0;   // log10(2) / slope; +inf for a flat line
};

// Exponential growth y ≈ 10^intercept · factor^x, fitted as a line through (x, log10 y).
// Every y must be positive (a count of zero or less has no logarithm): aib::Error otherwise.
inline GrowthFit fit_growth(const std::vector<double>& x, const std::vector<double>& y,
                            std::string_view where = "fit_growth") {
  std::vector<double> logs;
  logs.reserve(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!(y[i] > 0) || !std::isfinite(y[i]))
      fail("{}: y[{}] = {}; growth is fitted on log10(y), so every y must be positive and finite",
           where, i, y[i]);
    logs.push_back(std::log10(y[i]));
  }
  GrowthFit g;
  g.line = fit_line(x, logs, where);
  g.factor_per_unit = std::pow(10.0, g.line.slope);
  g.doubling_units =
      g.line.slope == 0 ? std::numeric_limits<double>::infinity() : std::log10(2.0) / g.line.slope;
  return g;
}

}  // namespace aib
