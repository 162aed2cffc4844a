// aib/generative/autoencoder.hpp — squeeze each data row through a few numbers and back again.
//
// Shapes: x (B, D) data rows, z (B, Z) latent codes with 1 <= Z <= D, hidden widths H_1 … H_k.
//   z  = encoder(x)        encoder: DenseNet D -> H_1 -> … -> H_k -> Z  (act between, linear code)
//   x̂ = out(decoder(z))   decoder: DenseNet Z -> H_k -> … -> H_1 -> D  (the widths mirrored)
// out = sigmoid for data in [0, 1] (images), trained by BCE from the logits; or the identity,
// trained by MSE. Both losses are means over the B·D entries. PCA is the yardstick: the best any
// linear map through Z numbers can do (Eckart–Young). A linear autoencoder trained to its minimum
// reaches exactly that error (Baldi & Hornik 1989); a nonlinear one can go below it.
// Leaves out: convolutions, tied weights, denoising, sparse or contractive penalties.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "aib/autograd/activations.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/dense.hpp"

namespace aib {

// ---- The model ----------------------------------------------------------------------------------

// sigmoid: x̂ = σ(decoder(z)), loss = BCE from the logits (data must lie in [0, 1]);
// linear:  x̂ = decoder(z),    loss = MSE.
enum class AutoencoderOutput { sigmoid, linear };

struct AutoencoderConfig {
  Index input = 256;                  // D
  std::vector<Index> hidden = {128};  // H_1 … H_k of the encoder; the decoder mirrors them
  Index latent = 8;                   // Z, the bottleneck
  Activation act = Activation::relu;  // between the layers of both networks
  AutoencoderOutput output = AutoencoderOutput::sigmoid;

  // The linear autoencoder: one matrix each way (D -> Z -> D), no activation, linear output, MSE.
  // Hidden layers would add nothing: a product of matrices is still one matrix of rank <= Z.
  static AutoencoderConfig linear(Index d, Index z) {
    AutoencoderConfig c;
    c.input = d;
    c.hidden = {};
    c.latent = z;
    c.output = AutoencoderOutput::linear;
    return c;
  }
};

template <class S>
struct AutoencoderT {
  DenseNetT<S> encoder;  // (B, D) -> (B, Z)
  DenseNetT<S> decoder;  // (B, Z) -> (B, D): logits (sigmoid output) or the values (linear)
  AutoencoderOutput output = AutoencoderOutput::sigmoid;

  AutoencoderT() = default;
  AutoencoderT(const AutoencoderConfig& config, Rng& rng) : output(config.output) {
    if (config.input < 1) fail("Autoencoder: input size D = {} must be >= 1", config.input);
    if (config.latent < 1 || config.latent > config.input)
      fail("Autoencoder: latent size Z = {} must be in [1, D = {}]", config.latent, config.input);
    std::vector<Index> widths = {config.input};  // D, H_1, …, H_k, Z
    widths.insert(widths.end(), config.hidden.begin(), config.hidden.end());
    widths.push_back(config.latent);
    encoder = DenseNetT<S>(widths, rng, config.act);
    std::reverse(widths.begin(), widths.end());  // Z, H_k, …, H_1, D
    decoder = DenseNetT<S>(widths, rng, config.act);
  }

  Index input_size() const { return encoder.in_features(); }    // D
  Index latent_size() const { return encoder.out_features(); }  // Z

  // ---- With a graph (training) ----

  // (B, D) -> (B, Z)
  TensorT<S> encode(const TensorT<S>& x) const {
    check_batch("Autoencoder::encode", "x", x.value(), input_size());
    return encoder.forward(x);
  }
  // (B, Z) -> (B, D), before the output function: the logits of a sigmoid autoencoder.
  TensorT<S> decode_logits(const TensorT<S>& z) const {
    check_batch("Autoencoder::decode", "z", z.value(), latent_size());
    return decoder.forward(z);
  }
  // (B, Z) -> (B, D) x̂
  TensorT<S> decode(const TensorT<S>& z) const {
    TensorT<S> y = decode_logits(z);  // (B, D)
    return output == AutoencoderOutput::sigmoid ? sigmoid(y) : y;
  }
  // (B, D) -> (B, D) x̂ = decode(encode(x))
  TensorT<S> reconstruct(const TensorT<S>& x) const { return decode(encode(x)); }

  // The training loss of a batch (B, D) -> (1, 1): BCE(logits, x) or MSE(x̂, x), mean over B·D.
  TensorT<S> loss(const TensorT<S>& x) const {
    const TensorT<S> y = decode_logits(encode(x));  // (B, D)
    return output == AutoencoderOutput::sigmoid ? bce_with_logits(y, x) : mse_loss(y, x);
  }

  // ---- Without a graph (using a trained model) ----

  // (N, D) -> (N, Z)
  MatT<S> encode(const Eigen::Ref<const MatT<S>>& x) const {
    NoGrad no_graph;
    return encode(TensorT<S>(MatT<S>(x))).value();
  }
  // (N, Z) -> (N, D)
  MatT<S> decode(const Eigen::Ref<const MatT<S>>& z) const {
    NoGrad no_graph;
    return decode(TensorT<S>(MatT<S>(z))).value();
  }
  // (N, D) -> (N, D)
  MatT<S> reconstruct(const Eigen::Ref<const MatT<S>>& x) const { return decode(encode(x)); }

  // Mean squared error per entry, (1/(N·D)) Σ (x̂ − x)², summed in double: the number set beside
  // PCA's (whatever loss trained the model).
  double reconstruction_mse(const Eigen::Ref<const MatT<S>>& x) const {
    if (x.rows() < 1) fail("Autoencoder::reconstruction_mse: the data has no rows");
    const MatT<S> xhat = reconstruct(x);  // (N, D)
    const double total = (xhat - x).template cast<double>().squaredNorm();
    return total / static_cast<double>(x.size());
  }

  // "encoder.0.weight", "encoder.0.bias", …, "decoder.0.weight", … (DenseNet's nn.Sequential names)
  ParametersT<S> parameters() const {
    ParametersT<S> out = encoder.parameters("encoder");
    append(out, decoder.parameters("decoder"));
    return out;
  }

 private:
  template <class M>
  static void check_batch(std::string_view where, std::string_view name, const M& m, Index width) {
    if (m.rows() < 1 || m.cols() != width)
      throw ShapeError(fmt::format("{}: {} has shape {}, expected (B, {}) with B >= 1", where, name,
                                   shape_str(m), width));
  }
};
using Autoencoder = AutoencoderT<float>;
using AutoencoderD = AutoencoderT<double>;

// ---- Training -----------------------------------------------------------------------------------

struct AutoencoderTraining {
  long steps = 1000;    // Adam steps
  Index batch = 64;     // rows per step, drawn with replacement; 0: the whole data every step
  double lr = 3e-3;     // Adam's learning rate, peak of the cosine schedule
  double lr_min = 0.0;  // where the cosine schedule ends (set lr_min = lr for a constant rate)
};

// Adam on model.loss over minibatches of `data` (N, D) (aib::random_rows). Stops with a
// DivergenceError naming the step when the loss is not finite. Returns the loss of every step.
template <class S>
std::vector<double> train_autoencoder(AutoencoderT<S>& model, const MatT<S>& data, Rng& rng,
                                      const AutoencoderTraining& opt = {}) {
  constexpr const char* where = "train_autoencoder";
  if (data.rows() < 1) fail("{}: the data is empty (shape {})", where, shape_str(data));
  if (data.cols() != model.input_size())
    throw ShapeError(fmt::format("{}: data has shape {}, expected (N, {})", where, shape_str(data),
                                 model.input_size()));
  if (opt.steps < 1) fail("{}: steps = {} must be >= 1", where, opt.steps);
  if (opt.batch < 0) fail("{}: batch = {} must be >= 0 (0: the whole data)", where, opt.batch);
  for (Index i = 0; i < data.rows(); ++i)
    for (Index j = 0; j < data.cols(); ++j) {
      const S v = data(i, j);
      if (!std::isfinite(v)) fail("{}: data({}, {}) is {}; data must be finite", where, i, j, v);
      if (model.output == AutoencoderOutput::sigmoid && !(v >= 0 && v <= 1))
        fail("{}: data({}, {}) = {} is outside [0, 1], which a sigmoid output cannot reach", where,
             i, j, v);
    }

  AdamT<S> adam(tensors_of(model.parameters()), opt.lr);
  std::vector<double> curve;
  curve.reserve(static_cast<std::size_t>(opt.steps));
  for (long step = 0; step < opt.steps; ++step) {
    adam.set_lr(cosine_annealing(step, opt.steps, opt.lr, opt.lr_min));
    const TensorT<S> x(opt.batch == 0 ? data : random_rows(data, opt.batch, rng));  // (B, D)
    const TensorT<S> loss = model.loss(x);                                          // (1, 1)
    const double value = static_cast<double>(loss.value()(0, 0));
    check_finite_loss(where, value, step + 1);  // steps count from 1 in messages
    adam.zero_grad();
    loss.backward();
    adam.step();
    curve.push_back(value);
  }
  return curve;
}

// ---- The yardstick: PCA -------------------------------------------------------------------------

// The best rank-Z linear reconstruction of the data: x̂ = μ + (x − μ)·V·Vᵀ with V the top Z
// eigenvectors of the covariance C = (1/N) Σ (x − μ)ᵀ(x − μ), from Eigen's SelfAdjointEigenSolver.
// All in double; its error on the data it was fitted to is (λ_{Z+1} + … + λ_D) / D per entry.
struct Pca {
  RowVecD mean;     // (1, D) μ
  MatD components;  // (D, Z) V, orthonormal columns, largest variance first
  VecD variances;   // (D) every eigenvalue λ of C, largest first
  Index latent() const { return components.cols(); }

  Mat encode(const Eigen::Ref<const Mat>& x) const {  // (N, D) -> (N, Z)
    check_shape("Pca::encode", "x", x, any, mean.cols());
    return ((x.cast<double>().rowwise() - mean) * components).cast<float>();
  }
  Mat decode(const Eigen::Ref<const Mat>& z) const {  // (N, Z) -> (N, D)
    check_shape("Pca::decode", "z", z, any, latent());
    return ((z.cast<double>() * components.transpose()).rowwise() + mean).cast<float>();
  }
  Mat reconstruct(const Eigen::Ref<const Mat>& x) const { return decode(encode(x)); }

  // The same fit keeping only the first z <= Z components (one eigen-solve serves every size).
  Pca truncated(Index z) const {
    if (z < 1 || z > latent())
      fail("Pca::truncated: latent size {} must be in [1, {}] (the components fitted)", z,
           latent());
    Pca out = *this;
    out.components = components.leftCols(z);
    return out;
  }
};

// data (N, D), 1 <= Z <= D.
inline Pca fit_pca(const Eigen::Ref<const Mat>& data, Index latent) {
  if (data.rows() < 1 || data.cols() < 1) fail("fit_pca: the data is empty ({})", shape_str(data));
  if (latent < 1 || latent > data.cols())
    fail("fit_pca: latent size Z = {} must be in [1, D = {}]", latent, data.cols());
  const MatD x = data.cast<double>();  // (N, D)
  Pca pca;
  pca.mean = x.colwise().mean();                                                   // (1, D)
  const MatD centred = x.rowwise() - pca.mean;                                     // (N, D)
  const MatD cov = centred.transpose() * centred / static_cast<double>(x.rows());  // (D, D)
  const Eigen::SelfAdjointEigenSolver<MatD> solver(cov);
  if (solver.info() != Eigen::Success) fail("fit_pca: the eigen-solver did not converge");
  pca.variances = solver.eigenvalues().reverse();  // (D) ascending -> largest first
  pca.components = solver.eigenvectors().rightCols(latent).rowwise().reverse();  // (D, Z)
  return pca;
}

// PCA's mean squared error per entry on the data it is fitted to: (1/(N·D)) Σ ‖x − x̂‖², the
// number a linear autoencoder with Z latents converges to. Computed from the reconstructions.
inline double pca_reconstruction_error(const Eigen::Ref<const Mat>& data, Index latent) {
  const Pca pca = fit_pca(data, latent);
  const Mat xhat = pca.reconstruct(data);  // (N, D)
  return (xhat - data).cast<double>().squaredNorm() / static_cast<double>(data.size());
}

// ---- Random points in latent space --------------------------------------------------------------

// n points drawn uniformly in the bounding box of the training codes `latents` (N, Z): each
// coordinate z_j ~ U[min_i z_ij, max_i z_ij]. A plain autoencoder has no prior over its latent
// space; the box is the most innocent guess at where codes live, and decoding its points shows
// the holes between the clusters (episode 30; episode 31 sets a VAE's prior samples beside them).
inline Mat sample_latent_box(const Eigen::Ref<const Mat>& latents, Index n, Rng& rng) {
  if (latents.rows() < 1 || latents.cols() < 1)
    fail("sample_latent_box: latents are empty ({})", shape_str(latents));
  if (n < 0) fail("sample_latent_box: n = {} must be >= 0", n);
  const RowVec lo = latents.colwise().minCoeff(), hi = latents.colwise().maxCoeff();  // (1, Z)
  Mat z(n, latents.cols());                                                           // (n, Z)
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < z.cols(); ++j) z(i, j) = lo(j) + (hi(j) - lo(j)) * rng.uniform();
  return z;
}

// n points from the Gaussian fitted to the codes: N(μ, Σ) with the codes' mean and covariance
// (1/N), drawn as μ + ε·Lᵀ with Σ = L·Lᵀ (Cholesky; 1e-6·I is added so a flat direction does not
// break it). A kinder guess than the box: it follows the cloud's main axes, yet still lands in
// the gaps between clusters.
inline Mat sample_latent_gaussian(const Eigen::Ref<const Mat>& latents, Index n, Rng& rng) {
  if (latents.rows() < 1 || latents.cols() < 1)
    fail("sample_latent_gaussian: latents are empty ({})", shape_str(latents));
  if (n < 0) fail("sample_latent_gaussian: n = {} must be >= 0", n);
  const MatD z = latents.cast<double>();                                     // (N, Z)
  const RowVecD mu = z.colwise().mean();                                     // (1, Z)
  const MatD centred = z.rowwise() - mu;                                     // (N, Z)
  MatD cov = centred.transpose() * centred / static_cast<double>(z.rows());  // (Z, Z)
  cov.diagonal().array() += 1e-6;
  const Eigen::LLT<MatD> llt(cov);
  if (llt.info() != Eigen::Success) fail("sample_latent_gaussian: covariance is not positive");
  const MatD eps = rng.normal_mat(n, latents.cols()).cast<double>();  // (n, Z)
  const MatD lower = llt.matrixL();                                   // (Z, Z) L
  const MatD out = (eps * lower.transpose()).rowwise() + mu;          // (n, Z)
  return out.cast<float>();
}

}  // namespace aib
