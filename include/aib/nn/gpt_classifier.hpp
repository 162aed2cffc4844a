// aib/nn/gpt_classifier.hpp — a pretrained GPT reused for classification: pooled features for a
// linear probe, and a classification head on the whole model for fine-tuning.
//
//   pad_right(seqs, pad)          N sequences -> ids (N·T) padded to the longest T, lengths (N)
//   gpt_hidden(model, ids, B)     final hidden states ln_f(x) (B·T, D): what the LM head reads
//   pool(h, lengths, how)         (B, D): row b = the mean (or the last) of sequence b's real rows
//   gpt_features(model, seqs)     (N, D) pooled features without a graph (for a linear probe)
//   GptClassifierT                body (a GptT) + head (D, C): logits = pool(hidden)·W + b
//   train_classifier(...)         AdamW on random mini-batches of the labelled examples
// Right padding is exact under the causal mask: position t attends to 0 … t only, so padding after
// a sequence's end never reaches its real positions (pooling then skips the padding rows).
// A linear probe is SoftmaxRegression (softmax_regression.hpp) on gpt_features, the body frozen;
// fine-tuning trains every parameter of GptClassifierT (GPT-1, Radford et al. 2018, §3.2).
// Leaves out: GPT-1's auxiliary language-model loss while fine-tuning, a special end token,
// gradual unfreezing, batches longer than the model's context.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/nn/linear.hpp"

namespace aib {

// ---- Padding ------------------------------------------------------------------------------------

// N sequences of different lengths as one batch GptT::forward accepts.
struct PaddedBatch {
  std::vector<Index> ids;      // (N·T) sequence n at [n·T, (n+1)·T), `pad` after its end
  std::vector<Index> lengths;  // (N) real tokens of each sequence
  Index batch = 0;             // N
  Index length = 0;            // T, the longest sequence
};

// Pads every sequence on the right with `pad` up to the longest one. Empty input or an empty
// sequence is refused (a sequence needs one position to pool).
inline PaddedBatch pad_right(const std::vector<std::vector<Index>>& seqs, Index pad) {
  if (seqs.empty()) fail("pad_right: no sequences given");
  PaddedBatch out;
  out.batch = static_cast<Index>(seqs.size());
  for (std::size_t n = 0; n < seqs.size(); ++n) {
    if (seqs[n].empty()) fail("pad_right: sequence {} is empty", n);
    out.length = std::max(out.length, static_cast<Index>(seqs[n].size()));
  }
  out.ids.reserve(seqs.size() * static_cast<std::size_t>(out.length));
  for (const auto& s : seqs) {
    out.ids.insert(out.ids.end(), s.begin(), s.end());
    out.ids.insert(out.ids.end(), static_cast<std::size_t>(out.length) - s.size(), pad);
    out.lengths.push_back(static_cast<Index>(s.size()));
  }
  return out;
}

// ---- Features -----------------------------------------------------------------------------------

// The GPT's last hidden states: GptT::forward without the language-model head.
//   x = wte[ids] + wpe[0..T);  x = block_l(x) for every l;  return ln_f(x)      (B·T, D)
template <class S>
TensorT<S> gpt_hidden(const GptT<S>& model, const std::vector<Index>& ids, Index batch) {
  const Index n = static_cast<Index>(ids.size());
  if (batch < 1 || n == 0 || n % batch != 0)
    fail("gpt_hidden: {} ids do not split into {} sequences of equal length", n, batch);
  const Index T = n / batch;
  if (T > model.config.context)
    fail("gpt_hidden: sequences of {} tokens exceed the context of {}", T, model.config.context);
  for (const Index id : ids)
    if (id < 0 || id >= model.config.vocab_size)
      fail("gpt_hidden: token id {} is outside the vocabulary [0, {})", id,
           model.config.vocab_size);
  std::vector<Index> positions(static_cast<std::size_t>(n));  // (B·T) position of each row
  for (Index i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = i % T;
  TensorT<S> x = add(model.wte.forward(ids), model.wpe.gather(positions));  // (B·T, D)
  for (const auto& block : model.h) x = block.forward(x, batch, model.causal);
  return model.ln_f.forward(x);  // (B·T, D)
}

// How a sequence's hidden rows become one feature row: their mean over the real positions, or
// the last real position's row (GPT-1's choice: under the causal mask only it has read the whole
// sequence).
enum class Pooling { mean, last };

// One row per sequence from h (B·T, D), T = rows / B: pooled = P·h with a constant P (B, B·T):
//   mean: P[b, b·T + t] = 1/length_b for t < length_b;  last: P[b, b·T + length_b − 1] = 1
// and 0 elsewhere. So ∂loss/∂h = Pᵀ·∂loss/∂pooled: padding rows receive no gradient.
template <class S>
TensorT<S> pool(const TensorT<S>& h, const std::vector<Index>& lengths,
                Pooling how = Pooling::mean) {
  const Index B = static_cast<Index>(lengths.size());
  if (B == 0 || h.rows() % B != 0)
    fail("pool: {} rows do not split into {} sequences", h.rows(), B);
  const Index T = h.rows() / B;
  MatT<S> P = MatT<S>::Zero(B, h.rows());  // (B, B·T)
  for (Index b = 0; b < B; ++b) {
    const Index len = lengths[static_cast<std::size_t>(b)];
    if (len < 1 || len > T) fail("pool: sequence {} has length {}, outside [1, {}]", b, len, T);
    if (how == Pooling::mean)
      P.row(b).segment(b * T, len).setConstant(S(1) / static_cast<S>(len));
    else
      P(b, b * T + len - 1) = S(1);
  }
  return matmul(TensorT<S>(std::move(P)), h);  // (B, D)
}

// The pooled last hidden states of every sequence, `chunk` sequences per forward pass, without
// recording a graph: the frozen features a linear probe is trained on.
template <class S>
MatT<S> gpt_features(const GptT<S>& model, const std::vector<std::vector<Index>>& seqs,
                     Pooling how = Pooling::mean, Index pad = 0, Index chunk = 32) {
  if (seqs.empty()) fail("gpt_features: no sequences given");
  if (chunk < 1) fail("gpt_features: chunk = {}; it must be >= 1", chunk);
  NoGrad no_graph;
  MatT<S> out(static_cast<Index>(seqs.size()), model.config.d_model);  // (N, D)
  for (std::size_t first = 0; first < seqs.size(); first += static_cast<std::size_t>(chunk)) {
    const std::size_t last = std::min(seqs.size(), first + static_cast<std::size_t>(chunk));
    const PaddedBatch b = pad_right({seqs.begin() + first, seqs.begin() + last}, pad);
    out.middleRows(static_cast<Index>(first), b.batch) =
        pool(gpt_hidden(model, b.ids, b.batch), b.lengths, how).value();
  }
  return out;
}

// An independent copy of a GPT: same config, its own parameter values (training one leaves the
// other as it was).
template <class S>
GptT<S> clone_gpt(const GptT<S>& model) {
  Rng scratch(0);  // the constructor draws an init; every value is overwritten below
  GptT<S> copy(model.config, scratch);
  copy.causal = model.causal;
  const ParametersT<S> from = model.parameters(), to = copy.parameters();
  for (std::size_t i = 0; i < from.size(); ++i) {
    TensorT<S> target = to[i].tensor;  // a handle on the copy's parameter
    target.value() = from[i].tensor.value();
  }
  return copy;
}

// ---- Classifier ---------------------------------------------------------------------------------

// A GPT body whose pooled last hidden state feeds a linear head of C classes.
template <class S>
struct GptClassifierT {
  GptT<S> body;
  LinearT<S> head;  // (D, C) and bias (1, C)
  Pooling pooling = Pooling::mean;
  Index pad = 0;  // the id padding short sequences (any id: the causal mask hides it)

  // Takes `body` as is (pretrained or freshly initialised); the head is drawn from rng.
  GptClassifierT(GptT<S> body_, Index n_classes, Rng& rng, Pooling how = Pooling::mean)
      : body(std::move(body_)), pooling(how) {
    if (n_classes < 2) fail("GptClassifier: need at least 2 classes, got {}", n_classes);
    head = LinearT<S>(body.config.d_model, n_classes, rng);
  }
  Index n_classes() const { return head.out_features(); }

  // N sequences -> logits (N, C).
  TensorT<S> forward(const std::vector<std::vector<Index>>& seqs) const {
    const PaddedBatch b = pad_right(seqs, pad);
    return head.forward(pool(gpt_hidden(body, b.ids, b.batch), b.lengths, pooling));  // (N, C)
  }

  // Mean cross-entropy of the labels (each in [0, C)).
  TensorT<S> loss(const std::vector<std::vector<Index>>& seqs,
                  const std::vector<Index>& labels) const {
    if (seqs.size() != labels.size())
      fail("GptClassifier::loss: {} sequences but {} labels", seqs.size(), labels.size());
    for (std::size_t n = 0; n < labels.size(); ++n)
      if (labels[n] < 0 || labels[n] >= n_classes())
        fail("GptClassifier::loss: label {} of sequence {} is outside [0, {})", labels[n], n,
             n_classes());
    return cross_entropy(forward(seqs), labels);  // (1, 1)
  }

  // The most likely class of each sequence.
  std::vector<Index> predict(const std::vector<std::vector<Index>>& seqs) const {
    NoGrad no_graph;
    const MatT<S> logits = forward(seqs).value();  // (N, C)
    std::vector<Index> out(seqs.size());
    for (Index n = 0; n < logits.rows(); ++n) logits.row(n).maxCoeff(&out[static_cast<size_t>(n)]);
    return out;
  }

  // The body's parameters under GPT-2's names, then head.weight and head.bias.
  ParametersT<S> parameters() const {
    ParametersT<S> out = body.parameters();
    append(out, head.parameters("head"));
    return out;
  }
};
using GptClassifier = GptClassifierT<float>;

// `steps` AdamW steps, each on `batch` labelled examples drawn with replacement; returns the loss
// of every step. A non-finite loss stops the run (check_finite_loss, steps counted from 1).
template <class S>
std::vector<double> train_classifier(const GptClassifierT<S>& model,
                                     const std::vector<std::vector<Index>>& seqs,
                                     const std::vector<Index>& labels, Index steps, Index batch,
                                     double lr, Rng& rng) {
  if (seqs.empty() || seqs.size() != labels.size())
    fail("train_classifier: {} sequences and {} labels", seqs.size(), labels.size());
  if (steps < 1 || batch < 1 || !(lr > 0))
    fail("train_classifier: steps = {}, batch = {}, lr = {}; all must be positive", steps, batch,
         lr);
  const ParametersT<S> params = model.parameters();
  AdamWT<S> optimizer(tensors_of(params), lr);
  std::vector<double> losses;
  for (Index step = 1; step <= steps; ++step) {
    std::vector<std::vector<Index>> xs;
    std::vector<Index> ys;
    for (Index i = 0; i < batch; ++i) {
      const auto k = static_cast<std::size_t>(rng.uniform_index(static_cast<Index>(seqs.size())));
      xs.push_back(seqs[k]);
      ys.push_back(labels[k]);
    }
    optimizer.zero_grad();
    const TensorT<S> loss = model.loss(xs, ys);  // (1, 1)
    check_finite_loss("train_classifier", loss.item(), static_cast<long>(step));
    loss.backward();
    optimizer.step();
    losses.push_back(static_cast<double>(loss.item()));
  }
  return losses;
}

}  // namespace aib
