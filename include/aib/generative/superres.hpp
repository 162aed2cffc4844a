// aib/generative/superres.hpp — a toy super-resolution: 8×8 glyphs back to 16×16.
//
// Shapes: images are rows, (N, side²) with pixel (r, c) in column r·side + c (as glyphs.hpp
// draws them); low resolution (N, 64) = 8×8, high resolution (N, 256) = 16×16.
//   downsample_2x   (N, (2s)²) -> (N, s²): each low pixel the mean of its 2×2 block
//   upsample_nearest (N, s²) -> (N, (2s)²): each low pixel copied into its 2×2 block
//   upsample_bilinear (N, s²) -> (N, (2s)²): PyTorch's interpolate(scale 2, bilinear,
//       align_corners=False): high pixel c sits at low coordinate (c + ½)/2 − ½, clamped at 0
//       and s − 1, so the outermost ring of high pixels holds the edge's value
//   Upsampler: y = bilinear(x) + net(x), net a DenseNet 64 -> hidden… -> 256 trained with
//       L1 (the mean |y − target|), optionally + λ·(the non-saturating GAN generator loss of a
//       discriminator on 16×16 images, gan.hpp): SRGAN's recipe (Ledig et al. 2017) in miniature,
//       with the residual over an interpolation of VDSR (Kim et al. 2016). The discriminator sees
//       y clamped to [0, 1] (clamp01): unclamped, it tells fakes by their negative pixels alone.
//   psnr: 10·log10(peak² / MSE) per image, averaged over the images (dB);
//   gradient_energy: per image the mean over all horizontal and vertical neighbour pairs of the
//       squared difference, averaged over the images — a sharpness measure to set against the
//       real 16×16 images' own (a blurred image has less, a noisy one more).
// The known trade-off (SRGAN, Table 2; Blau & Michaeli 2018, "The perception-distortion
// tradeoff"): a pixel loss gives the highest PSNR but blurs, an adversarial term sharpens at a
// cost in PSNR. Leaves out: convolutions, perceptual (VGG) losses, scale factors other than 2.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/generative/gan.hpp"
#include "aib/nn/dense.hpp"

namespace aib {

// ---- Images as rows ---------------------------------------------------------------------------

namespace detail {

// The side of square images stored as rows of `width` pixels; an aib::Error names the width when
// it is not a square (or, with `even`, not the square of an even side).
inline int image_side(std::string_view where, Index width, bool even = false) {
  const auto side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(width))));
  if (width < 1 || side * side != width)
    fail("{}: image width {} is not the square of a side (rows hold side² pixels)", where, width);
  if (even && side % 2 != 0)
    fail("{}: image width {} = {}²; the side must be even to halve it", where, width, side);
  return static_cast<int>(side);
}

inline void check_same_images(std::string_view where, const Eigen::Ref<const Mat>& a,
                              const Eigen::Ref<const Mat>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    fail("{}: the images have shapes {} and {}; they must be equal", where, shape_str(a),
         shape_str(b));
  if (a.rows() < 1) fail("{}: no images (shape {})", where, shape_str(a));
}

}  // namespace detail

// (N, (2s)²) -> (N, s²): each low-resolution pixel is the mean of its 2×2 block.
inline Mat downsample_2x(const Eigen::Ref<const Mat>& images) {
  const int big = detail::image_side("downsample_2x", images.cols(), true), s = big / 2;
  Mat out(images.rows(), static_cast<Index>(s) * s);  // (N, s²)
  for (Index i = 0; i < images.rows(); ++i)
    for (int r = 0; r < s; ++r)
      for (int c = 0; c < s; ++c) {
        const Index tl = static_cast<Index>(2 * r) * big + 2 * c;  // the block's top-left pixel
        out(i, static_cast<Index>(r) * s + c) =
            0.25f *
            (images(i, tl) + images(i, tl + 1) + images(i, tl + big) + images(i, tl + big + 1));
      }
  return out;
}

// (N, s²) -> (N, (2s)²): each low-resolution pixel copied into its 2×2 block.
inline Mat upsample_nearest(const Eigen::Ref<const Mat>& images) {
  const int s = detail::image_side("upsample_nearest", images.cols()), big = 2 * s;
  Mat out(images.rows(), static_cast<Index>(big) * big);  // (N, (2s)²)
  for (Index i = 0; i < images.rows(); ++i)
    for (int r = 0; r < big; ++r)
      for (int c = 0; c < big; ++c)
        out(i, static_cast<Index>(r) * big + c) = images(i, static_cast<Index>(r / 2) * s + c / 2);
  return out;
}

// The bilinear 2× upsampling as a matrix: x (N, s²) · U (s², (2s)²) = bilinear(x) (N, (2s)²).
// High pixel c reads low coordinate u = (c + ½)/2 − ½ clamped to [0, s − 1]: the weights of its
// two neighbours ⌊u⌋ and ⌊u⌋ + 1 are 1 − (u − ⌊u⌋) and u − ⌊u⌋, per axis (PyTorch's
// align_corners=False). Each column of U sums to 1.
inline Mat bilinear_matrix(int s) {
  if (s < 1) fail("bilinear_matrix: side {}; it must be >= 1", s);
  const int big = 2 * s;
  struct Tap {
    int lo, hi;
    float w_hi;  // weight of `hi`; `lo` gets 1 − w_hi
  };
  std::vector<Tap> taps(static_cast<std::size_t>(big));
  for (int c = 0; c < big; ++c) {
    const double u = std::clamp((c + 0.5) / 2.0 - 0.5, 0.0, static_cast<double>(s - 1));
    const int lo = static_cast<int>(std::floor(u));
    taps[static_cast<std::size_t>(c)] = {lo, std::min(lo + 1, s - 1), static_cast<float>(u - lo)};
  }
  Mat u = Mat::Zero(static_cast<Index>(s) * s, static_cast<Index>(big) * big);  // (s², (2s)²)
  for (int r = 0; r < big; ++r)
    for (int c = 0; c < big; ++c) {
      const Tap y = taps[static_cast<std::size_t>(r)], x = taps[static_cast<std::size_t>(c)];
      const Index out = static_cast<Index>(r) * big + c;
      const int rows[2] = {y.lo, y.hi}, cols[2] = {x.lo, x.hi};
      const float wr[2] = {1 - y.w_hi, y.w_hi}, wc[2] = {1 - x.w_hi, x.w_hi};
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
          u(static_cast<Index>(rows[a]) * s + cols[b], out) += wr[a] * wc[b];
    }
  return u;
}

// (N, s²) -> (N, (2s)²): bilinear interpolation (see bilinear_matrix).
inline Mat upsample_bilinear(const Eigen::Ref<const Mat>& images) {
  const int s = detail::image_side("upsample_bilinear", images.cols());
  return images * bilinear_matrix(s);
}

// ---- Measures -----------------------------------------------------------------------------------

// Peak signal-to-noise ratio in dB: per image 10·log10(peak² / mean (x − y)²), averaged over the
// images. +∞ when an image is reproduced exactly. `peak` is the largest possible pixel value.
inline double psnr(const Eigen::Ref<const Mat>& images, const Eigen::Ref<const Mat>& targets,
                   double peak = 1.0) {
  detail::check_same_images("psnr", images, targets);
  if (!(peak > 0) || !std::isfinite(peak)) fail("psnr: peak = {}; it must be finite and > 0", peak);
  double total = 0;
  for (Index i = 0; i < images.rows(); ++i) {
    const double mse =
        (images.row(i) - targets.row(i)).template cast<double>().squaredNorm() / images.cols();
    if (!std::isfinite(mse)) fail("psnr: image {} has a non-finite pixel", i);
    total +=
        mse > 0 ? 10.0 * std::log10(peak * peak / mse) : std::numeric_limits<double>::infinity();
  }
  return total / static_cast<double>(images.rows());
}

// Sharpness: per image the mean, over its s(s − 1) horizontal and s(s − 1) vertical neighbour
// pairs, of the squared difference, averaged over the images. A vertical 0|1 edge through a
// 16×16 image: 16 pairs of 1 among 480, so 1/30.
inline double gradient_energy(const Eigen::Ref<const Mat>& images) {
  const int s = detail::image_side("gradient_energy", images.cols());
  if (images.rows() < 1) fail("gradient_energy: no images (shape {})", shape_str(images));
  if (s < 2) fail("gradient_energy: 1×1 images have no neighbours");
  double total = 0;
  for (Index i = 0; i < images.rows(); ++i) {
    double sum = 0;
    for (int r = 0; r < s; ++r)
      for (int c = 0; c < s; ++c) {
        const double v = images(i, static_cast<Index>(r) * s + c);
        if (c + 1 < s) sum += std::pow(images(i, static_cast<Index>(r) * s + c + 1) - v, 2);
        if (r + 1 < s) sum += std::pow(images(i, static_cast<Index>(r + 1) * s + c) - v, 2);
      }
    total += sum / (2.0 * s * (s - 1));
  }
  return total / static_cast<double>(images.rows());
}

// ---- The L1 loss --------------------------------------------------------------------------------

// mean |pred − target| over all B·D entries: pred (B, D), target (B, D) -> (1, 1). The gradient
// is sign(pred − target)/(B·D), 0 where they are equal (PyTorch's F.l1_loss).
template <class S>
TensorT<S> l1_loss(const TensorT<S>& pred, const TensorT<S>& target) {
  check_same_shape("l1_loss", "pred", pred.value(), "target", target.value());
  if (pred.size() == 0) fail("l1_loss: the batch is empty");
  const S n = static_cast<S>(pred.size());
  MatT<S> diff = pred.value() - target.value();                         // (B, D)
  MatT<S> out = MatT<S>::Constant(1, 1, diff.array().abs().sum() / n);  // (1, 1)
  return record("l1_loss", std::move(out), {pred, target},
                [pred, target, diff, n](const MatT<S>& g) {
                  const MatT<S> d = (diff.array().sign() * (g(0, 0) / n)).matrix();  // (B, D)
                  if (pred.requires_grad()) pred.accumulate(d);
                  if (target.requires_grad()) target.accumulate((-d).eval());
                });
}

// The pixels clamped to [0, 1]: x (B, D) -> (B, D); the gradient passes where 0 < x < 1 and is 0
// where the clamp holds (PyTorch's clamp(0, 1)).
template <class S>
TensorT<S> clamp01(const TensorT<S>& x) {
  MatT<S> out = x.value().cwiseMax(S(0)).cwiseMin(S(1));  // (B, D)
  return record("clamp01", std::move(out), {x}, [x](const MatT<S>& g) {
    const auto v = x.value().array();
    x.accumulate(((v > S(0)) && (v < S(1))).select(g.array(), S(0)).matrix().eval());
  });
}

// ---- The learned upsampler ----------------------------------------------------------------------

// y = bilinear(x) + net(x): x (B, s²) low resolution -> y (B, (2s)²). The net starts near 0, so
// training starts from the bilinear baseline and learns what it misses.
struct Upsampler {
  DenseNet net;  // (B, s²) -> (B, (2s)²)
  Mat bilinear;  // (s², (2s)²) the fixed bilinear map
  int side = 8;  // s, the low-resolution side

  Upsampler() = default;
  // DenseNet s² -> hidden… -> (2s)²; the toy: Upsampler(8, {256}, rng).
  Upsampler(int low_side, const std::vector<Index>& hidden, Rng& rng) : side(low_side) {
    if (low_side < 2 || low_side > 32)
      fail("Upsampler: low-resolution side {}; it must be in 2 … 32", low_side);
    std::vector<Index> widths = {static_cast<Index>(low_side) * low_side};
    for (const Index h : hidden) widths.push_back(h);
    widths.push_back(static_cast<Index>(4) * low_side * low_side);
    net = DenseNet(widths, rng);
    bilinear = bilinear_matrix(low_side);
  }

  Index low_width() const { return static_cast<Index>(side) * side; }

  // (B, s²) -> (B, (2s)²), differentiable in the net's weights.
  Tensor forward(const Tensor& x) const {
    if (net.layers.empty()) fail("Upsampler: forward on an empty (default-constructed) upsampler");
    if (x.cols() != low_width())
      fail("Upsampler: image width {}; expected {} ({}×{} pixels)", x.cols(), low_width(), side,
           side);
    return add(matmul(x, Tensor(bilinear)), net.forward(x));
  }

  // (N, s²) -> (N, (2s)²) clamped to [0, 1], no graph.
  Mat upsample(const Eigen::Ref<const Mat>& low) const {
    const NoGrad no_grad;
    return forward(Tensor(Mat(low))).value().cwiseMax(0.f).cwiseMin(1.f);
  }

  Parameters parameters() const { return net.parameters("net"); }
};

// ---- Training -----------------------------------------------------------------------------------

struct UpsamplerTrainOptions {
  Index steps = 600;       // Adam updates of the upsampler (and, with λ > 0, of the discriminator)
  Index batch = 64;        // high-resolution images per step, drawn with replacement
  double lr = 1e-3;        // Adam's learning rate for the upsampler (β1 0.9, β2 0.999)
  double adversarial = 0;  // λ, the weight of the adversarial term (0: L1 alone); >= 0
  Index disc_hidden = 256;  // the discriminator (2s)² -> disc_hidden -> 1, ReLU
  double disc_lr = 2e-4;    // its Adam learning rate (β1 0.5, β2 0.999, as DCGAN)
};

// Per step: the L1 term and, with λ > 0, the GAN losses of both players (gan.hpp).
struct UpsamplerHistory {
  std::vector<double> l1;             // (steps) mean |y − target|
  std::vector<double> generator;      // (steps) the non-saturating generator loss; empty if λ = 0
  std::vector<double> discriminator;  // (steps) the discriminator's loss −V; empty if λ = 0
};

namespace detail {
inline void check_upsampler_options(std::string_view where, const UpsamplerTrainOptions& opt) {
  if (opt.steps < 0) fail("{}: steps = {}; it must be >= 0", where, opt.steps);
  if (opt.batch < 1) fail("{}: batch = {}; it must be >= 1", where, opt.batch);
  if (!(opt.lr > 0) || !std::isfinite(opt.lr))
    fail("{}: lr = {}; it must be finite and > 0", where, opt.lr);
  if (!(opt.adversarial >= 0) || !std::isfinite(opt.adversarial))
    fail("{}: adversarial weight = {}; it must be finite and >= 0", where, opt.adversarial);
  if (opt.disc_hidden < 1) fail("{}: disc_hidden = {}; it must be >= 1", where, opt.disc_hidden);
  if (!(opt.disc_lr > 0) || !std::isfinite(opt.disc_lr))
    fail("{}: disc_lr = {}; it must be finite and > 0", where, opt.disc_lr);
}
}  // namespace detail

// Trains `up` on minibatches of `high` (N, (2s)²): each step downsamples a batch of real images
// and upsamples it back. λ = 0: Adam on L1(y, hr) alone. λ > 0: first one step of a
// discriminator D on real hr against y (gan_discriminator_loss, y detached), then one step of the
// upsampler on L1(y, hr) + λ·gan_generator_loss(D(y)) (non-saturating). D is drawn from `rng`
// after the data checks. Stops with DivergenceError naming the step (from 1) when a loss is not
// finite.
inline UpsamplerHistory train_upsampler(Upsampler& up, const Mat& high, Rng& rng,
                                        const UpsamplerTrainOptions& opt = {}) {
  constexpr const char* where = "train_upsampler";
  detail::check_upsampler_options(where, opt);
  if (up.net.layers.empty()) fail("{}: the upsampler is empty (default-constructed)", where);
  if (high.cols() != 4 * up.low_width())
    fail("{}: image width {}; expected {} ({}×{} pixels)", where, high.cols(), 4 * up.low_width(),
         2 * up.side, 2 * up.side);
  if (high.rows() < 1) fail("{}: no images (shape {})", where, shape_str(high));
  const bool adversarial = opt.adversarial > 0;
  DenseNet disc;  // (B, (2s)²) -> (B, 1) logits, only when λ > 0
  if (adversarial) disc = DenseNet({high.cols(), opt.disc_hidden, 1}, rng);
  AdamT<float> adam(tensors_of(up.parameters()), opt.lr);
  std::optional<AdamT<float>> adam_d;  // D's optimizer, only when λ > 0
  if (adversarial) adam_d.emplace(tensors_of(disc.parameters()), opt.disc_lr, 0.5, 0.999);
  UpsamplerHistory history;
  for (Index step = 1; step <= opt.steps; ++step) {
    const Mat hr = random_rows(high, opt.batch, rng);        // (B, (2s)²)
    const Tensor real(hr);                                   // (B, (2s)²)
    const Tensor y = up.forward(Tensor(downsample_2x(hr)));  // (B, (2s)²)
    if (adversarial) {
      const Tensor d_loss =  // (1, 1)
          gan_discriminator_loss(disc.forward(real), disc.forward(clamp01(y.detach())));
      check_finite_loss(where, d_loss.item(), static_cast<long>(step));
      adam_d->zero_grad();
      d_loss.backward();
      adam_d->step();
      history.discriminator.push_back(d_loss.item());
    }
    const Tensor l1 = l1_loss(y, real);  // (1, 1)
    Tensor loss = l1;                    // (1, 1)
    if (adversarial) {
      const Tensor g_loss = gan_generator_loss(disc.forward(clamp01(y)));  // (1, 1)
      history.generator.push_back(g_loss.item());
      loss = add(l1, mul_scalar(g_loss, static_cast<float>(opt.adversarial)));
    }
    check_finite_loss(where, loss.item(), static_cast<long>(step));
    adam.zero_grad();  // also clears what the generator loss left in the upsampler
    loss.backward();
    adam.step();
    history.l1.push_back(l1.item());
  }
  return history;
}

}  // namespace aib
