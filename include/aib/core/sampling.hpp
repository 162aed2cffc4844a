// aib/core/sampling.hpp — turning a model's scores into a choice: temperature, top-k, sampling.
//
// Shapes: logits is (V), one score per vocabulary entry (a row of a model's (T, V) output).
// Temperature T rescales logits before the softmax, p = softmax(logits / T): T < 1 sharpens the
// distribution toward the most likely entries, T > 1 flattens it, T = 0 means greedy (argmax).
// Top-k keeps only the k highest logits (Fan et al. 2018, "Hierarchical Neural Story Generation").
// Top-p (nucleus, Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration") keeps the
// smallest set of most likely entries whose probabilities add up to at least p.
// Leaves out: repetition penalties, min-p, typical sampling.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/types.hpp"

namespace aib {

// Index of the largest entry (the first one on ties).
template <class Derived>
Index argmax(const Eigen::DenseBase<Derived>& v) {
  require(v.size() > 0, "argmax", "the input is empty");
  Index best = 0;
  v.maxCoeff(&best);
  return best;
}

// (V) logits -> (V) probabilities softmax(logits / temperature), keeping only the top_k largest
// logits when top_k > 0. temperature == 0 puts all mass on the argmax.
inline VecD temperature_softmax(const Eigen::Ref<const VecD>& logits, double temperature,
                                Index top_k = 0) {
  const Index V = logits.size();
  require(V > 0, "temperature_softmax", "logits are empty");
  if (!(temperature >= 0.0) || !std::isfinite(temperature))
    fail("temperature_softmax: temperature must be a finite number >= 0, got {}", temperature);
  if (top_k < 0) fail("temperature_softmax: top_k must be >= 0, got {}", top_k);
  VecD probs = VecD::Zero(V);  // (V)
  if (temperature == 0.0) {
    probs(argmax(logits)) = 1.0;
    return probs;
  }
  VecD scaled = logits / temperature;  // (V)
  if (top_k > 0 && top_k < V) {
    // The k-th largest logit is the threshold; everything strictly below it is masked out.
    std::vector<double> sorted(scaled.data(), scaled.data() + V);
    std::nth_element(sorted.begin(), sorted.begin() + (top_k - 1), sorted.end(),
                     std::greater<double>());
    const double threshold = sorted[static_cast<std::size_t>(top_k - 1)];
    for (Index i = 0; i < V; ++i)
      if (scaled(i) < threshold) scaled(i) = -std::numeric_limits<double>::infinity();
  }
  probs = softmax(scaled.transpose()).transpose();
  return probs;
}

// (V) probabilities -> the same with everything outside the nucleus set to 0 and renormalised:
// entries sorted by probability (ties by index) are kept until their sum reaches top_p.
inline VecD nucleus(const Eigen::Ref<const VecD>& probs, double top_p) {
  if (!(top_p > 0.0 && top_p <= 1.0)) fail("nucleus: top_p must be in (0, 1], got {}", top_p);
  if (top_p == 1.0) return probs;
  std::vector<Index> order(static_cast<std::size_t>(probs.size()));
  for (Index i = 0; i < probs.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return probs(a) > probs(b); });
  VecD out = VecD::Zero(probs.size());  // (V)
  double mass = 0.0;
  for (const Index i : order) {
    out(i) = probs(i);
    mass += probs(i);
    if (mass >= top_p) break;
  }
  return out / mass;
}

// Draw one index from softmax(logits / temperature), restricted to the top_k when top_k > 0 and
// to the nucleus of mass top_p when top_p < 1.
inline Index sample_logits(Rng& rng, const Eigen::Ref<const VecD>& logits, double temperature,
                           Index top_k = 0, double top_p = 1.0) {
  VecD probs = temperature_softmax(logits, temperature, top_k);  // (V)
  if (top_p < 1.0) probs = nucleus(probs, top_p);
  return rng.categorical(std::vector<double>(probs.data(), probs.data() + probs.size()));
}

}  // namespace aib
