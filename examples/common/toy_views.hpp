// toy_views.hpp — looking at a 2-D generative model beside its data: the episodes on flows, GANs,
// diffusion and the shoot-out draw a model's density or samples next to the data's, on the same
// grid and the same scale, and score it against baselines.
//   grid_points     the cell centres of a rows × cols grid over [−extent, extent]², row 0 on top
//   histogram2d     points per cell of that grid
//   density_panel   a framed block of shades " ░▒▓█", a fifth of `top` per step
//   gaussian_fit_nll   the mean NLL of the one Gaussian fitted to the training points (a baseline)
//   off_data_share  the share of samples where the true density is lower than at 99.9% of real
//                   points (mass between the modes: a flow's "filament", a GAN's stray samples)
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/LU>

#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/types.hpp"
#include "aib/generative/toy2d.hpp"
#include "aib/show/plot.hpp"

namespace aib::episode {

// Cell centres of a rows × cols grid over [−extent, extent]², row 0 at the top: (rows·cols, 2)
inline Mat grid_points(Index rows, Index cols, double extent) {
  Mat g(rows * cols, 2);
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c)
      g.row(r * cols + c) << static_cast<float>(-extent + (c + 0.5) * 2 * extent / cols),
          static_cast<float>(extent - (r + 0.5) * 2 * extent / rows);
  return g;
}

// Points per cell of the same grid (points outside are not counted): x (N, 2) -> (rows, cols)
inline MatD histogram2d(const Mat& x, Index rows, Index cols, double extent) {
  check_shape("histogram2d", "x", x, any, 2);
  MatD h = MatD::Zero(rows, cols);
  for (Index i = 0; i < x.rows(); ++i) {
    const double c = std::floor((x(i, 0) + extent) / (2 * extent) * cols);
    const double r = std::floor((extent - x(i, 1)) / (2 * extent) * rows);
    if (c >= 0 && c < cols && r >= 0 && r < rows) h(static_cast<Index>(r), static_cast<Index>(c))++;
  }
  return h;
}

// A density or a histogram v (rows, cols), row 0 at the top, one shade per cell: v / top in fifths
// (" ░▒▓█"), in a frame, under a title.
inline std::string density_panel(const std::string& title, const MatD& v, double top) {
  std::string rule;
  for (Index c = 0; c < v.cols(); ++c) rule += "─";
  std::string out = title + "\n┌" + rule + "┐\n";
  for (Index r = 0; r < v.rows(); ++r) {
    out += "│";
    for (Index c = 0; c < v.cols(); ++c) {
      const double u = top > 0 ? std::clamp(v(r, c) / top, 0.0, 1.0) : 0.0;
      out += show::heat_shades[static_cast<std::size_t>(std::lround(u * 4))];
    }
    out += "│\n";
  }
  return out + "└" + rule + "┘\n";
}

// Mean NLL in nats on `test` (M, 2) of the Gaussian with the mean and covariance of `train` (N, 2).
inline double gaussian_fit_nll(const Mat& train, const Mat& test) {
  check_shape("gaussian_fit_nll", "train", train, any, 2);
  check_shape("gaussian_fit_nll", "test", test, any, 2);
  const MatD x = train.cast<double>();                               // (N, 2)
  const Eigen::RowVector2d mu = x.colwise().mean();                  // (1, 2)
  const MatD c = x.rowwise() - mu;                                   // (N, 2)
  const Eigen::Matrix2d cov = c.transpose() * c / double(x.rows());  // (2, 2)
  const Eigen::Matrix2d inv = cov.inverse();
  double total = 0;
  for (Index i = 0; i < test.rows(); ++i) {
    const Eigen::RowVector2d d = test.row(i).cast<double>() - mu;  // (1, 2)
    total += 0.5 * d * inv * d.transpose();
  }
  const double two_pi = 2 * pi;
  return total / double(test.rows()) + 0.5 * std::log(two_pi * two_pi * cov.determinant());
}

// Share of `samples` whose true log-density (toy `name`) is below the 0.1% quantile of the real
// points' `real` (the level 99.9% of the data lies above).
inline double off_data_share(std::string_view name, const Mat& samples, const Mat& real) {
  const Vec real_lp = toy_log_prob(name, real);
  std::vector<float> sorted(real_lp.data(), real_lp.data() + real_lp.size());
  std::sort(sorted.begin(), sorted.end());
  const float floor_lp = sorted[sorted.size() / 1000];
  const Vec lp = toy_log_prob(name, samples);
  return double((lp.array() < floor_lp).count()) / double(lp.size());
}

}  // namespace aib::episode
