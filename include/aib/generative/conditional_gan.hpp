// aib/generative/conditional_gan.hpp — a GAN told which digit to draw.
//
// Shapes: images x (B, D), D = side² = 256 for 16×16 glyphs, ink in [0, 1]; classes c (B, 10)
// one-hot; noise z (B, Z) ~ N(0, I).
//   generator      [z | c] (B, Z + 10) -> DenseNet -> logits (B, D) -> σ -> x̃ (B, D)
//   discriminator  h = ReLU(φ([x | c])) (B, H),  ℓ = w·h + b + ⟨h, c·E⟩ (B, 1) logits
// The class goes into both networks (Mirza & Osindero 2014, "Conditional Generative Adversarial
// Nets": MNIST digits from a one-hot label). The term ⟨h, c·E⟩ with a learned class embedding
// E (10, H) is the projection discriminator (Miyato & Koyama 2018): it makes "is this image a
// plausible c?" a direct inner product. What we found on these glyphs (widths 256, Adam β1 0.5,
// batch 64): with the one-hot only concatenated to D's input, seeds 1–3 (600 steps at 5e-4) each
// collapsed to ONE image for all ten classes (a 7 whatever was asked: 10% read as requested);
// D's first layer sees 10 class inputs among 266 and learns to ignore them, so G does too.
// Scaling the one-hot ×5 mostly fixed it (88–98%); ×3 did not (seed 2 at 1,000 steps of 2e-4
// drew only 5s); label smoothing (0.9) and learning rates 2e-4 … 2e-3 did not; hidden width 128
// reached 20–32%. The projection term fixed it at plain scale: 98%, 82% and 100% for seeds 1–3
// with the defaults below. The samples of one class still vary little (mean_pairwise_distance):
// conditioning cures the collapse ACROSS classes, not within one.
// Losses: gan.hpp's gan_discriminator_loss and non-saturating gan_generator_loss.
// Leaves out: convolutions, class embeddings in G, auxiliary classifiers (AC-GAN), truncation.
#pragma once

#include <cmath>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/generative/classifier.hpp"
#include "aib/generative/gan.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/nn/dense.hpp"

namespace aib {

// (N, 10): row i is the one-hot code of labels[i]; a label outside 0–9 is an aib::Error naming it.
inline Mat one_hot_digits(const std::vector<int>& labels) {
  Mat out = Mat::Zero(static_cast<Index>(labels.size()), glyph_classes);  // (N, 10)
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= glyph_classes)
      fail("one_hot_digits: class {} (labels[{}]) is outside 0–9", labels[i], i);
    out(static_cast<Index>(i), labels[i]) = 1.f;
  }
  return out;
}

struct ConditionalGanConfig {
  Index image = 256;       // D, the pixels of an image (side² = 16²)
  Index noise = 16;        // Z
  Index hidden = 256;      // G: (Z + 10) -> hidden -> hidden -> D;  D: (D + 10) -> hidden
  bool projection = true;  // add ⟨h, c·E⟩ to D's logit; false: the class only concatenated
};

struct ConditionalGan {
  DenseNet generator;  // (B, Z + 10) -> (B, D) pixel logits
  DenseNet features;   // φ: (B, D + 10) -> (B, H), followed by ReLU
  DenseNet head;       // (B, H) -> (B, 1)
  Tensor embedding;    // (10, H) class embedding E of the projection (unused without it)
  ConditionalGanConfig config;

  ConditionalGan() = default;
  ConditionalGan(const ConditionalGanConfig& cfg, Rng& rng) : config(cfg) {
    if (cfg.image < 1 || cfg.noise < 1 || cfg.hidden < 1)
      fail("ConditionalGan: image {}, noise {}, hidden {}; each must be >= 1", cfg.image, cfg.noise,
           cfg.hidden);
    generator = DenseNet({cfg.noise + glyph_classes, cfg.hidden, cfg.hidden, cfg.image}, rng);
    features = DenseNet({cfg.image + glyph_classes, cfg.hidden}, rng);
    head = DenseNet({cfg.hidden, 1}, rng);
    embedding = Tensor::parameter(rng.normal_mat(glyph_classes, cfg.hidden, 0.f, 0.1f));
  }

  // z (B, Z), classes (B, 10) -> images (B, D) in (0, 1).
  Tensor generate(const Tensor& z, const Mat& classes) const {
    check_ready("ConditionalGan::generate");
    if (z.cols() != config.noise || classes.cols() != glyph_classes || z.rows() != classes.rows())
      fail("ConditionalGan::generate: z {} and classes {}; expected (B, {}) and (B, {})", z.shape(),
           shape_str(classes), config.noise, glyph_classes);
    return sigmoid(generator.forward(concat_cols(std::vector<Tensor>{z, Tensor(classes)})));
  }

  // x (B, D), classes (B, 10) -> logits (B, 1), P(real and of this class) = σ(ℓ).
  Tensor discriminate(const Tensor& x, const Mat& classes) const {
    check_ready("ConditionalGan::discriminate");
    if (x.cols() != config.image || classes.cols() != glyph_classes || x.rows() != classes.rows())
      fail("ConditionalGan::discriminate: images {} and classes {}; expected (B, {}) and (B, {})",
           x.shape(), shape_str(classes), config.image, glyph_classes);
    const Tensor c(classes);                                                          // (B, 10)
    const Tensor h = relu(features.forward(concat_cols(std::vector<Tensor>{x, c})));  // (B, H)
    const Tensor logit = head.forward(h);                                             // (B, 1)
    if (!config.projection) return logit;
    return add(logit, sum_rows(mul(h, matmul(c, embedding))));  // + ⟨h, c·E⟩ (B, 1)
  }

  // n images of `digit` (n, D); a digit outside 0–9 is an aib::Error naming it.
  Mat sample(int digit, Index n, Rng& rng) const {
    if (digit < 0 || digit >= glyph_classes)
      fail("ConditionalGan::sample: digit {} is outside 0–9", digit);
    if (n < 1) fail("ConditionalGan::sample: n = {}; it must be >= 1", n);
    const NoGrad no_grad;
    const Mat z = rng.normal_mat(n, config.noise);  // (n, Z)
    return generate(Tensor(z), one_hot_digits(std::vector<int>(static_cast<std::size_t>(n), digit)))
        .value();
  }

  Parameters generator_parameters() const { return generator.parameters("generator"); }
  Parameters discriminator_parameters() const {
    Parameters out = features.parameters("features");
    append(out, head.parameters("head"));
    if (config.projection) out.push_back({"embedding", embedding});
    return out;
  }

  void check_ready(const char* where) const {
    if (generator.layers.empty()) fail("{}: the GAN is empty (default-constructed)", where);
  }
};

struct ConditionalGanTrainOptions {
  Index steps = 600;  // one D step then one G step each
  Index batch = 64;   // real glyphs per step (with their labels), drawn with replacement
  double lr_g = 5e-4, lr_d = 5e-4;  // Adam, β1 = 0.5, β2 = 0.999 (DCGAN's β1)
};

struct ConditionalGanHistory {
  std::vector<double> discriminator;  // (steps) −V(D, G) on the batch
  std::vector<double> generator;      // (steps) the non-saturating generator loss
};

// Adversarial training on labelled glyphs: images (N, D), labels (N) in 0–9. Each step draws a
// batch of real (image, label) pairs; the fakes get the same labels. Stops with DivergenceError
// naming the step (from 1) when a loss is not finite.
inline ConditionalGanHistory train_conditional_gan(ConditionalGan& gan, const GlyphData& data,
                                                   Rng& rng,
                                                   const ConditionalGanTrainOptions& opt = {}) {
  constexpr const char* where = "train_conditional_gan";
  gan.check_ready(where);
  if (opt.steps < 0) fail("{}: steps = {}; it must be >= 0", where, opt.steps);
  if (opt.batch < 1) fail("{}: batch = {}; it must be >= 1", where, opt.batch);
  if (data.images.cols() != gan.config.image)
    fail("{}: image width {}; the GAN draws {} pixels", where, data.images.cols(),
         gan.config.image);
  if (data.images.rows() < 1 || static_cast<Index>(data.labels.size()) != data.images.rows())
    fail("{}: {} images and {} labels; need one label per image, at least one", where,
         data.images.rows(), data.labels.size());
  one_hot_digits(data.labels);  // every label in 0–9, or an error naming it
  AdamT<float> adam_g(tensors_of(gan.generator_parameters()), opt.lr_g, 0.5, 0.999);
  AdamT<float> adam_d(tensors_of(gan.discriminator_parameters()), opt.lr_d, 0.5, 0.999);
  ConditionalGanHistory history;
  Mat real(opt.batch, data.images.cols());  // (B, D)
  std::vector<int> labels(static_cast<std::size_t>(opt.batch));
  for (Index step = 1; step <= opt.steps; ++step) {
    for (Index b = 0; b < opt.batch; ++b) {
      const Index i = rng.uniform_index(data.images.rows());
      real.row(b) = data.images.row(i);
      labels[static_cast<std::size_t>(b)] = data.labels[static_cast<std::size_t>(i)];
    }
    const Mat c = one_hot_digits(labels);  // (B, 10)
    const Tensor fake =                    // (B, D)
        gan.generate(Tensor(rng.normal_mat(opt.batch, gan.config.noise)), c);
    const Tensor d_loss =  // (1, 1)
        gan_discriminator_loss(gan.discriminate(Tensor(real), c),
                               gan.discriminate(fake.detach(), c));
    check_finite_loss(where, d_loss.item(), static_cast<long>(step));
    adam_d.zero_grad();
    d_loss.backward();
    adam_d.step();
    const Tensor g_loss = gan_generator_loss(gan.discriminate(fake, c));  // (1, 1)
    check_finite_loss(where, g_loss.item(), static_cast<long>(step));
    adam_g.zero_grad();
    g_loss.backward();
    adam_g.step();
    history.discriminator.push_back(d_loss.item());
    history.generator.push_back(g_loss.item());
  }
  return history;
}

// ---- Did it draw what was asked? ------------------------------------------------------------

struct ClassFidelity {
  std::vector<double> read_as_requested;       // (10) share of digit k's samples the reader calls k
  std::vector<double> confident_as_requested;  // (10) … calls k with probability >= 0.9
  double mean = 0;                             // mean of read_as_requested
};

// Draw `per_class` samples of every digit and read them with the glyph classifier.
inline ClassFidelity class_fidelity(const ConditionalGan& gan, const GlyphClassifier& reader,
                                    Index per_class, Rng& rng) {
  if (per_class < 1) fail("class_fidelity: per_class = {}; it must be >= 1", per_class);
  ClassFidelity out;
  for (int k = 0; k < glyph_classes; ++k) {
    const Mat p = reader.probabilities(gan.sample(k, per_class, rng));  // (n, 10)
    Index hit = 0, sure = 0;
    for (Index i = 0; i < p.rows(); ++i) {
      Index best = 0;
      p.row(i).maxCoeff(&best);
      hit += best == k ? 1 : 0;
      sure += best == k && p(i, k) >= 0.9f ? 1 : 0;
    }
    out.read_as_requested.push_back(static_cast<double>(hit) / static_cast<double>(per_class));
    out.confident_as_requested.push_back(static_cast<double>(sure) /
                                         static_cast<double>(per_class));
    out.mean += out.read_as_requested.back() / glyph_classes;
  }
  return out;
}

// Spread of a set of images (N, D), N >= 2: the mean over pairs of the root-mean-square pixel
// difference. 0 when every image is the same (collapse); compare with real glyphs of one class.
inline double mean_pairwise_distance(const Eigen::Ref<const Mat>& images) {
  if (images.rows() < 2) fail("mean_pairwise_distance: {} images; need at least 2", images.rows());
  double total = 0;
  const Index n = images.rows();
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j)
      total += std::sqrt((images.row(i) - images.row(j)).template cast<double>().squaredNorm() /
                         static_cast<double>(images.cols()));
  return total / (0.5 * static_cast<double>(n) * static_cast<double>(n - 1));
}

}  // namespace aib
