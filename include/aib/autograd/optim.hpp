// aib/autograd/optim.hpp — optimizers: turn the gradients in a list of parameters into updates.
//
// SGD with momentum/Nesterov (Sutskever et al. 2013), Adam (Kingma & Ba 2015, "Adam: A Method
// for Stochastic Optimization", Algorithm 1) and AdamW (Loshchilov & Hutter 2019, "Decoupled
// Weight Decay Regularization"), each following PyTorch's torch.optim update rule exactly (1.13,
// single-tensor path), plus clip_grad_norm (torch.nn.utils.clip_grad_norm_) and learning-rate
// schedules as plain functions of the step. Notation: p parameter, g = ∂L/∂p, t the step count.
// Leaves out: parameter groups, AMSGrad, `maximize`, sparse gradients, state save/load.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "aib/autograd/tensor.hpp"
#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"

namespace aib {

// ---- What every optimizer shares ----------------------------------------------------------------

// Holds the parameter handles (they share the model's nodes: updating value() here updates the
// model), the learning rate, and zero_grad(). A parameter with no gradient — nothing flowed back
// to it since the last zero_grad() — is skipped by step(): its value and its state (moments,
// step count) stay as they were. A zero gradient, by contrast, is a gradient and is applied.
template <class S>
class OptimizerT {
 public:
  virtual ~OptimizerT() = default;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;

  // Forget every gradient (PyTorch's zero_grad(set_to_none=True), the default since 2.0).
  void zero_grad() {
    for (TensorT<S>& p : params_) p.zero_grad();
  }

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = check_lr(name_, lr); }

  const std::vector<TensorT<S>>& parameters() const { return params_; }
  const char* name() const { return name_; }

 protected:
  OptimizerT(const char* name, std::vector<TensorT<S>> params, double lr)
      : name_(name), params_(std::move(params)), lr_(check_lr(name, lr)) {
    if (params_.empty()) fail("{}: the parameter list is empty; pass the model's tensors", name_);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].defined())
        fail("{}: parameter {} is an empty (default-constructed) tensor", name_, i);
      if (params_[i].node().backward)
        fail(
            "{}: parameter {} is the output of op '{}', not a leaf; optimize the leaves "
            "(TensorT::parameter)",
            name_, i, params_[i].op());
      for (std::size_t j = 0; j < i; ++j)
        if (params_[j].node_ptr() == params_[i].node_ptr())
          fail("{}: parameter {} is the same tensor as parameter {}; it would be updated twice",
               name_, i, j);
    }
  }
  OptimizerT(const OptimizerT&) = default;
  OptimizerT& operator=(const OptimizerT&) = default;

  static double check_lr(const char* name, double lr) {
    if (!(lr >= 0.0) || !std::isfinite(lr))
      fail("{}: lr = {}; it must be finite and >= 0", name, lr);
    return lr;
  }
  // `value` must be finite and in [0, ∞) — or [0, 1) when below_one.
  void check_hyper(std::string_view what, double value, bool below_one = false) const {
    if (!(value >= 0.0) || !std::isfinite(value) || (below_one && !(value < 1.0)))
      fail("{}: {} = {}; it must be {}", name_, what, value,
           below_one ? "in [0, 1)" : "finite and >= 0");
  }
  // A state matrix (momentum, moments) must keep its parameter's shape.
  void check_state(std::size_t i, std::string_view what, const MatT<S>& state) const {
    const MatT<S>& v = params_[i].value();
    if (state.size() != 0 && (state.rows() != v.rows() || state.cols() != v.cols()))
      throw ShapeError(
          fmt::format("{}::step: parameter {} has shape {} but its {} has shape {}; "
                      "was the parameter's value replaced by another shape?",
                      name_, i, shape_str(v), what, shape_str(state)));
    const MatT<S>& g = params_[i].node().grad;
    if (g.rows() != v.rows() || g.cols() != v.cols())
      throw ShapeError(
          fmt::format("{}::step: parameter {} has shape {} but its gradient has "
                      "shape {}",
                      name_, i, shape_str(v), shape_str(g)));
  }

  const char* name_;
  std::vector<TensorT<S>> params_;  // each (r_i, c_i)
  double lr_;
};

// ---- SGD ----------------------------------------------------------------------------------------

// torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov). With μ = momentum,
// τ = dampening, λ = weight_decay and buffer b (per parameter, created at its first step):
//   d ← g + λ·p
//   b ← d                     (first step)        b ← μ·b + (1 − τ)·d   (later steps)
//   d ← d + μ·b  (Nesterov)   or   d ← b  (classical momentum)           [only when μ ≠ 0]
//   p ← p − lr·d
template <class S>
class SGDT : public OptimizerT<S> {
 public:
  SGDT(std::vector<TensorT<S>> params, double lr, double momentum = 0.0, double dampening = 0.0,
       double weight_decay = 0.0, bool nesterov = false)
      : OptimizerT<S>("SGD", std::move(params), lr),
        momentum_(momentum),
        dampening_(dampening),
        weight_decay_(weight_decay),
        nesterov_(nesterov),
        buffers_(this->params_.size()) {
    this->check_hyper("momentum", momentum);
    this->check_hyper("dampening", dampening);
    this->check_hyper("weight_decay", weight_decay);
    if (nesterov && (momentum <= 0.0 || dampening != 0.0))
      fail(
          "SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum = {}, "
          "dampening = {}",
          momentum, dampening);
  }

  void step() override {
    const S lr = static_cast<S>(this->lr_), mu = static_cast<S>(momentum_);
    const S wd = static_cast<S>(weight_decay_), damp = static_cast<S>(1.0 - dampening_);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      TensorT<S>& param = this->params_[i];
      if (!param.has_grad()) continue;  // no gradient: skipped
      this->check_state(i, "momentum buffer", buffers_[i]);
      MatT<S>& p = param.value();             // (r, c)
      MatT<S> d = param.node().grad;          // (r, c)
      if (weight_decay_ != 0.0) d += wd * p;  // d ← g + λ·p
      if (momentum_ != 0.0) {
        MatT<S>& b = buffers_[i];  // (r, c)
        if (b.size() == 0) {
          b = d;  // b ← d (first step)
        } else {
          b = mu * b + damp * d;  // b ← μ·b + (1 − τ)·d
        }
        if (nesterov_) {
          d += mu * b;  // d ← d + μ·b
        } else {
          d = b;  // d ← b
        }
      }
      p -= lr * d;  // p ← p − lr·d
    }
  }

  // The momentum buffer of parameter i (empty before its first step, or without momentum).
  const MatT<S>& momentum_buffer(std::size_t i) const { return buffers_.at(i); }

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
  std::vector<MatT<S>> buffers_;  // per parameter, (r_i, c_i)
};

// ---- Adam and AdamW -----------------------------------------------------------------------------

// torch.optim.Adam(params, lr, (β1, β2), ε, weight_decay) and torch.optim.AdamW. Per parameter,
// first moment m, second moment v (zeros) and its own step count t:
//   t ← t + 1
//   g ← g + λ·p                                   (Adam: L2 penalty added to the gradient)
//   p ← p·(1 − lr·λ)                               (AdamW: decoupled weight decay, instead)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
// ε is added after the bias correction of √v, as in the paper's Algorithm 1 (m̂ / (√v̂ + ε)).
template <class S>
class AdamT : public OptimizerT<S> {
 public:
  AdamT(std::vector<TensorT<S>> params, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weight_decay = 0.0)
      : AdamT("Adam", std::move(params), lr, beta1, beta2, eps, weight_decay, false) {}

  void step() override {
    const double lr = this->lr_;
    const S b1 = static_cast<S>(beta1_), b2 = static_cast<S>(beta2_);
    const S one_minus_b1 = static_cast<S>(1.0 - beta1_),
            one_minus_b2 = static_cast<S>(1.0 - beta2_);
    const S wd = static_cast<S>(weight_decay_), eps = static_cast<S>(eps_);
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      TensorT<S>& param = this->params_[i];
      if (!param.has_grad()) continue;  // no gradient: skipped, t not advanced
      this->check_state(i, "first moment", m_[i]);
      MatT<S>& p = param.value();  // (r, c)
      if (m_[i].size() == 0) {
        m_[i] = MatT<S>::Zero(p.rows(), p.cols());
        v_[i] = MatT<S>::Zero(p.rows(), p.cols());
      }
      MatT<S>& m = m_[i];                             // (r, c)
      MatT<S>& v = v_[i];                             // (r, c)
      const double t = static_cast<double>(++t_[i]);  // t ← t + 1

      // Adam with weight decay: g + λ·p (the stored gradient is not changed)
      MatT<S> coupled;  // (r, c)
      if (decoupled_) {
        p *= static_cast<S>(1.0 - lr * weight_decay_);  // AdamW: p ← p·(1 − lr·λ)
      } else if (weight_decay_ != 0.0) {
        coupled = param.node().grad + wd * p;  // Adam: g ← g + λ·p
      }
      const MatT<S>& g = coupled.size() ? coupled : param.node().grad;  // (r, c)
      // m ← β1·m + (1 − β1)·g
      m = b1 * m + one_minus_b1 * g;
      // v ← β2·v + (1 − β2)·g²
      v.array() = b2 * v.array() + one_minus_b2 * g.array().square();
      // p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
      const S step_size = static_cast<S>(lr / (1.0 - std::pow(beta1_, t)));
      const S bias2_sqrt = static_cast<S>(std::sqrt(1.0 - std::pow(beta2_, t)));
      p.array() -= step_size * (m.array() / (v.array().sqrt() / bias2_sqrt + eps));
    }
  }

  // The state of parameter i: m, v (empty before its first step) and its step count t.
  const MatT<S>& exp_avg(std::size_t i) const { return m_.at(i); }
  const MatT<S>& exp_avg_sq(std::size_t i) const { return v_.at(i); }
  long step_count(std::size_t i) const { return t_.at(i); }

 protected:
  AdamT(const char* name, std::vector<TensorT<S>> params, double lr, double beta1, double beta2,
        double eps, double weight_decay, bool decoupled)
      : OptimizerT<S>(name, std::move(params), lr),
        beta1_(beta1),
        beta2_(beta2),
        eps_(eps),
        weight_decay_(weight_decay),
        decoupled_(decoupled),
        m_(this->params_.size()),
        v_(this->params_.size()),
        t_(this->params_.size(), 0) {
    this->check_hyper("beta1", beta1, true);
    this->check_hyper("beta2", beta2, true);
    this->check_hyper("eps", eps);
    this->check_hyper("weight_decay", weight_decay);
  }

 private:
  double beta1_, beta2_, eps_, weight_decay_;
  bool decoupled_;              // AdamW: decay p directly instead of adding λ·p to g
  std::vector<MatT<S>> m_, v_;  // per parameter, (r_i, c_i)
  std::vector<long> t_;         // per parameter step count
};

// AdamW: Adam whose weight decay shrinks the parameter directly, p ← p·(1 − lr·λ), instead of
// passing through the moments (where Adam's normalisation would cancel most of it).
template <class S>
class AdamWT : public AdamT<S> {
 public:
  AdamWT(std::vector<TensorT<S>> params, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
         double eps = 1e-8, double weight_decay = 1e-2)
      : AdamT<S>("AdamW", std::move(params), lr, beta1, beta2, eps, weight_decay, true) {}
};

using Optimizer = OptimizerT<float>;
using SGD = SGDT<float>;
using Adam = AdamT<float>;
using AdamW = AdamWT<float>;

// ---- Gradient clipping --------------------------------------------------------------------------

// torch.nn.utils.clip_grad_norm_(params, max_norm): the global L2 norm of all gradients,
//   total = ‖(‖g_1‖, ‖g_2‖, …)‖₂ = √(Σ_i Σ g_i²),
// then every gradient is scaled by min(1, max_norm / (total + 1e-6)). Returns `total`, the norm
// before clipping. Parameters without a gradient are ignored (0 if none has one). A non-finite
// total is returned and the gradients are scaled anyway (to NaN or 0), as PyTorch's default
// does; error_if_nonfinite = true throws instead.
template <class S>
S clip_grad_norm(const std::vector<TensorT<S>>& params, double max_norm,
                 bool error_if_nonfinite = false) {
  if (params.empty()) fail("clip_grad_norm: the parameter list is empty");
  if (!(max_norm > 0.0) || !std::isfinite(max_norm))
    fail("clip_grad_norm: max_norm = {}; it must be finite and > 0", max_norm);
  S sum_sq = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined()) fail("clip_grad_norm: parameter {} is an empty tensor", i);
    if (!params[i].has_grad()) continue;
    const S n = params[i].node().grad.norm();  // ‖g_i‖
    sum_sq += n * n;
  }
  const S total = std::sqrt(sum_sq);
  if (error_if_nonfinite && !std::isfinite(total))
    fail("clip_grad_norm: the total gradient norm is {}; it cannot be clipped", total);
  const S coef = static_cast<S>(max_norm) / (total + static_cast<S>(1e-6));
  if (coef < S(1) || !std::isfinite(total))  // scale = max_norm / (total + 1e-6) when < 1
    for (const TensorT<S>& p : params)
      if (p.has_grad()) p.node().grad *= coef;
  return total;
}

// ---- Learning-rate schedules --------------------------------------------------------------------

// Cosine annealing from lr_max at step 0 to lr_min at total_steps, flat afterwards (Loshchilov
// & Hutter 2017, SGDR, without restarts; the closed form of torch's CosineAnnealingLR):
//   lr(s) = lr_min + ½(lr_max − lr_min)(1 + cos(π·min(s, T)/T))
inline double cosine_annealing(long step, long total_steps, double lr_max, double lr_min = 0.0) {
  if (step < 0) fail("cosine_annealing: step = {}; it must be >= 0", step);
  if (total_steps < 1) fail("cosine_annealing: total_steps = {}; it must be >= 1", total_steps);
  if (!(lr_min >= 0.0) || !(lr_max >= lr_min) || !std::isfinite(lr_max))
    fail("cosine_annealing: need 0 <= lr_min <= lr_max (finite), got lr_min = {}, lr_max = {}",
         lr_min, lr_max);
  const double progress = static_cast<double>(std::min(step, total_steps)) / total_steps;
  return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + std::cos(pi * progress));
}

// Linear warm-up from 0 to lr_max over warmup_steps, then cosine down to lr_min at total_steps,
// flat afterwards (Hugging Face's get_cosine_schedule_with_warmup, with a floor lr_min; the
// shape GPT-3 trained with). Steps count from 0, so step 0 has lr 0:
//   s < W:        lr(s) = lr_max · s / W
//   W ≤ s:        lr(s) = lr_min + ½(lr_max − lr_min)(1 + cos(π·min(1, (s − W)/max(1, T − W))))
inline double linear_warmup_cosine(long step, long warmup_steps, long total_steps, double lr_max,
                                   double lr_min = 0.0) {
  if (step < 0) fail("linear_warmup_cosine: step = {}; it must be >= 0", step);
  if (warmup_steps < 0 || total_steps < warmup_steps)
    fail(
        "linear_warmup_cosine: need 0 <= warmup_steps <= total_steps, got warmup_steps = {}, "
        "total_steps = {}",
        warmup_steps, total_steps);
  if (!(lr_min >= 0.0) || !(lr_max >= lr_min) || !std::isfinite(lr_max))
    fail(
        "linear_warmup_cosine: need 0 <= lr_min <= lr_max (finite), got lr_min = {}, "
        "lr_max = {}",
        lr_min, lr_max);
  if (step < warmup_steps) return lr_max * static_cast<double>(step) / warmup_steps;
  const double progress = std::min(
      1.0, static_cast<double>(step - warmup_steps) / std::max(1L, total_steps - warmup_steps));
  return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + std::cos(pi * progress));
}

}  // namespace aib
