// aib/nn/quantize.hpp — int8 weights: absmax quantisation per output channel, and back.
//
//   scale_j = max_i |W_ij| / 127       q_ij = round(W_ij / scale_j) in [-127, 127]   (int8)
//   W'_ij   = scale_j · q_ij           |W'_ij − W_ij| ≤ scale_j / 2   (half a step, tested)
// One scale per OUTPUT CHANNEL. Our linear weights are (in, out) and compute y = x·W, so output j
// is the dot product of x with column j: the scales are per column. Each output then keeps its own
// resolution (a column of small weights is not crushed to zeros by another column's outlier), and
// an int8 kernel can apply scale_j once to the integer dot product: y_j = scale_j · Σ_i x_i q_ij.
// The token embedding wte (V, D) is read by rows (one row per token) and, tied, is the head
// x·wteᵀ whose output channel v is row v: it is quantised per row, and so is wpe (T_max, D), one
// scale per position. Storage: 1 byte per weight + 4 bytes (a float) per channel, about 4× less
// than float; norms and biases (a few thousand numbers) stay float.
// quantized_copy(model) is the float model an int8 one computes (weights replaced by their
// dequantised values), so loss and logits can be compared with the original (episode 08).
// Leaves out: int8 activations and integer matmul kernels, int4 and group-wise scales, outlier
// handling (LLM.int8()'s mixed precision), calibration data.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/nn/gpt.hpp"

namespace aib {

// Which way the channels of a matrix run: one scale per column (a linear (in, out) layer's
// outputs) or per row (an embedding's tokens or positions; a tied head's outputs).
enum class QuantAxis { per_column, per_row };

// An int8 matrix with one float scale per channel.
struct Int8Matrix {
  Index rows = 0, cols = 0;
  QuantAxis axis = QuantAxis::per_column;
  std::vector<std::int8_t> q;  // rows·cols, row-major, each in [-127, 127]
  std::vector<float> scale;    // cols scales (per_column) or rows scales (per_row)

  // The scale of element (i, j).
  float scale_at(Index i, Index j) const {
    return scale[static_cast<std::size_t>(axis == QuantAxis::per_column ? j : i)];
  }
  // Bytes of storage: one per weight, four per scale.
  std::size_t bytes() const { return q.size() + scale.size() * sizeof(float); }
};

// Absmax int8 quantisation of w (rows, cols), one scale per channel along `axis`. A channel of
// zeros gets scale 0 and stays exactly zero. Non-finite weights are refused.
inline Int8Matrix quantize_int8(const Mat& w, QuantAxis axis = QuantAxis::per_column) {
  Int8Matrix out;
  out.rows = w.rows();
  out.cols = w.cols();
  out.axis = axis;
  if (!w.allFinite())
    fail("quantize_int8: the ({}, {}) matrix holds a non-finite weight", w.rows(), w.cols());
  const Index channels = axis == QuantAxis::per_column ? w.cols() : w.rows();
  out.scale.resize(static_cast<std::size_t>(channels));
  for (Index c = 0; c < channels; ++c) {
    const float absmax = axis == QuantAxis::per_column ? w.col(c).cwiseAbs().maxCoeff()
                                                       : w.row(c).cwiseAbs().maxCoeff();
    out.scale[static_cast<std::size_t>(c)] = w.size() == 0 ? 0.0f : absmax / 127.0f;
  }
  out.q.resize(static_cast<std::size_t>(w.size()));
  for (Index i = 0; i < w.rows(); ++i)
    for (Index j = 0; j < w.cols(); ++j) {
      const float s = out.scale_at(i, j);
      const float r = s > 0.0f ? std::nearbyint(w(i, j) / s) : 0.0f;
      out.q[static_cast<std::size_t>(i * w.cols() + j)] =
          static_cast<std::int8_t>(std::clamp(r, -127.0f, 127.0f));
    }
  return out;
}

// W' = scale · q, the float matrix (rows, cols) the int8 one stands for.
inline Mat dequantize(const Int8Matrix& m) {
  Mat w(m.rows, m.cols);  // (rows, cols)
  for (Index i = 0; i < m.rows; ++i)
    for (Index j = 0; j < m.cols; ++j)
      w(i, j) =
          m.scale_at(i, j) * static_cast<float>(m.q[static_cast<std::size_t>(i * m.cols + j)]);
  return w;
}

// What quantising a model did.
struct QuantReport {
  Index matrices = 0;               // weight matrices quantised
  Index weights = 0;                // numbers in them
  Index kept_float = 0;             // numbers left in float (norms, biases)
  std::size_t bytes_before = 0;     // the whole model in float: 4 bytes per number
  std::size_t bytes_after = 0;      // int8 matrices with their scales + the float rest
  double max_error_in_steps = 0.0;  // max |W' − W| / scale over all weights (≤ 0.5)
};

// Whether a GPT parameter is quantised, and along which axis (*axis): norms and biases (1-row
// parameters) stay float (false); wte and wpe are per row, every other matrix per column.
inline bool quantized_parameter(const std::string& name, const Mat& value, QuantAxis* axis) {
  if (value.rows() == 1 || name.find(".bias") != std::string::npos ||
      name.find("ln_") != std::string::npos)
    return false;
  *axis = name == "wte.weight" || name == "wpe.weight" ? QuantAxis::per_row : QuantAxis::per_column;
  return true;
}

// Every weight matrix of `model` quantised to int8 (by parameter name), and the report.
inline std::vector<std::pair<std::string, Int8Matrix>> quantize_gpt(const Gpt& model,
                                                                    QuantReport* report = nullptr) {
  std::vector<std::pair<std::string, Int8Matrix>> out;
  QuantReport r;
  for (const auto& p : model.parameters()) {
    const Mat& w = p.tensor.value();  // (rows, cols)
    r.bytes_before += static_cast<std::size_t>(w.size()) * sizeof(float);
    QuantAxis axis = QuantAxis::per_column;
    if (!quantized_parameter(p.name, w, &axis)) {
      r.kept_float += w.size();
      r.bytes_after += static_cast<std::size_t>(w.size()) * sizeof(float);
      continue;
    }
    Int8Matrix q = quantize_int8(w, axis);
    const Mat back = dequantize(q);  // (rows, cols)
    for (Index i = 0; i < w.rows(); ++i)
      for (Index j = 0; j < w.cols(); ++j)
        if (const float s = q.scale_at(i, j); s > 0.0f)
          r.max_error_in_steps =
              std::max(r.max_error_in_steps, std::abs(double(back(i, j)) - double(w(i, j))) / s);
    ++r.matrices;
    r.weights += w.size();
    r.bytes_after += q.bytes();
    out.emplace_back(p.name, std::move(q));
  }
  if (report != nullptr) *report = r;
  return out;
}

// A new, independent model (no parameter shared with `model`) whose weight matrices are their
// int8 round trips, the norms and biases unchanged: what an int8 model computes, in float.
inline Gpt quantized_copy(const Gpt& model, QuantReport* report = nullptr) {
  Gpt copy = model;  // the structure; every tensor handle is replaced below
  const auto fresh = [](Tensor& t) {
    if (t.defined()) t = Tensor::parameter(t.value());
  };
  fresh(copy.wte.weight);
  fresh(copy.wpe.weight);
  const auto norm = [&](Norm& n) {
    fresh(n.ln.weight);
    fresh(n.ln.bias);
    fresh(n.rms.weight);
  };
  const auto linear = [&](Linear& l) {
    fresh(l.weight);
    fresh(l.bias);
  };
  for (GptBlockT<float>& b : copy.h) {
    norm(b.ln_1);
    norm(b.ln_2);
    linear(b.attn.qkv);
    linear(b.attn.proj);
    for (Linear* l :
         {&b.mlp.mlp.up, &b.mlp.mlp.down, &b.mlp.glu.gate, &b.mlp.glu.up, &b.mlp.glu.down})
      linear(*l);
  }
  norm(copy.ln_f);
  linear(copy.lm_head);
  for (auto& [name, q] : quantize_gpt(copy, report))
    for (const auto& p : copy.parameters())
      if (p.name == name) {
        Tensor handle = p.tensor;  // the copy's own node
        handle.value() = dequantize(q);
      }
  return copy;
}

}  // namespace aib
