// aib/core/random.hpp — the project's own random number generator.
//
// PCG32 (O'Neill 2014, "PCG: A family of simple fast space-efficient statistically good
// algorithms for random number generation", variant XSH-RR 64/32): 64 bits of state, a 64-bit
// stream selector, 32-bit outputs. Everything derived from it (uniforms, normals, categorical
// draws, shuffles) is written here so that a seed gives the same numbers with any compiler and
// standard library, which std::*_distribution does not promise. Integers and uniforms are
// bit-exact by construction; normals are computed in double (Box–Muller) and rounded to float.
// Leaves out: cryptographic use (PCG is predictable), jump-ahead.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

class Rng {
 public:
  // Same seed and stream → same sequence, on every platform.
  explicit Rng(std::uint64_t seed = 0, std::uint64_t stream = 54) { reseed(seed, stream); }

  // Restart the sequence (PCG's recommended seeding: state = 0, step, add seed, step).
  void reseed(std::uint64_t seed, std::uint64_t stream = 54) {
    state_ = 0;
    inc_ = (stream << 1u) | 1u;  // the increment must be odd
    next_u32();
    state_ += seed;
    next_u32();
    has_spare_normal_ = false;
  }

  // ---- raw bits -------------------------------------------------------------------------------
  // Linear congruential step, then output permutation: xorshift high bits, random rotation.
  std::uint32_t next_u32() {
    const std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }
  std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32u) | next_u32();
  }

  // ---- uniforms ---------------------------------------------------------------------------------
  // Uniform float in [0, 1): the top 24 bits scaled by 2^-24 (every value exactly representable).
  float uniform() { return static_cast<float>(next_u32() >> 8u) * 0x1.0p-24f; }
  // Uniform double in [0, 1) from 53 random bits.
  double uniform_double() { return static_cast<double>(next_u64() >> 11u) * 0x1.0p-53; }
  // Uniform float in [lo, hi).
  float uniform(float lo, float hi) {
    require(lo < hi, "Rng::uniform", fmt::format("need lo < hi, got [{}, {})", lo, hi));
    return lo + (hi - lo) * uniform();
  }

  // Uniform integer in [0, n), without modulo bias (Lemire 2019, "Fast random integer generation
  // in an interval": multiply, reject the few low products that would over-represent a value).
  std::uint32_t uniform_int(std::uint32_t n) {
    require(n > 0, "Rng::uniform_int", "n must be at least 1");
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n;  // 2^32 mod n
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32u);
  }
  Index uniform_index(Index n) {
    require(n > 0 && n <= Index{std::numeric_limits<std::uint32_t>::max()}, "Rng::uniform_index",
            fmt::format("n must be in [1, 2^32), got {}", n));
    return static_cast<Index>(uniform_int(static_cast<std::uint32_t>(n)));
  }

  // ---- normals ----------------------------------------------------------------------------------
  // Standard normal by Box–Muller: with u1 in (0, 1], u2 in [0, 1),
  //   z0 = sqrt(-2 ln u1) cos(2π u2),  z1 = sqrt(-2 ln u1) sin(2π u2)  are independent N(0, 1).
  // z1 is kept for the next call. Computed in double, so a last-bit difference between C
  // libraries' log/cos almost never reaches the float that is returned.
  float normal() { return static_cast<float>(normal_double()); }
  float normal(float mean, float stddev) { return mean + stddev * normal(); }
  double normal_double() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    constexpr double two_pi = 6.283185307179586476925286766559;
    const double u1 = 1.0 - uniform_double();  // (0, 1]: log(0) cannot happen
    const double u2 = uniform_double();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_normal_ = r * std::sin(two_pi * u2);
    has_spare_normal_ = true;
    return r * std::cos(two_pi * u2);
  }

  // Matrices filled with uniforms in [lo, hi) or normals N(mean, stddev²), row by row.
  Mat uniform_mat(Index rows, Index cols, float lo = 0.f, float hi = 1.f) {
    check_dims("Rng::uniform_mat", rows, cols);
    Mat m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(lo, hi);
    return m;
  }
  Mat normal_mat(Index rows, Index cols, float mean = 0.f, float stddev = 1.f) {
    check_dims("Rng::normal_mat", rows, cols);
    Mat m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = normal(mean, stddev);
    return m;
  }

  // ---- discrete choices
  // --------------------------------------------------------------------------- Index i drawn with
  // probability weights[i] / Σ weights. Weights must be finite and >= 0 with a positive sum; they
  // need not be normalised. Accumulates in double, then inverts the CDF.
  template <class Weights>
  Index categorical(const Weights& weights) {
    const auto n = static_cast<Index>(std::size(weights));
    require(n > 0, "Rng::categorical", "weights are empty");
    double total = 0.0;
    Index k = 0;
    for (const auto w : weights) {
      const double wd = static_cast<double>(w);
      if (!(wd >= 0.0) || !std::isfinite(wd))
        fail("Rng::categorical: weight {} is {}; weights must be finite and >= 0", k, wd);
      total += wd;
      ++k;
    }
    require(total > 0.0, "Rng::categorical", "weights sum to 0");
    const double target = uniform_double() * total;
    double cumulative = 0.0;
    Index i = 0, last_positive = 0;
    for (const auto w : weights) {
      if (static_cast<double>(w) > 0.0) last_positive = i;
      cumulative += static_cast<double>(w);
      if (target < cumulative) return i;
      ++i;
    }
    return last_positive;  // target landed on the sum itself through rounding
  }

  // Fisher–Yates: every permutation equally likely.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const std::size_t j = uniform_index(static_cast<Index>(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  // k distinct indices from [0, n) in random order (a partial Fisher–Yates).
  std::vector<Index> choice(Index n, Index k) {
    require(n >= 0 && k >= 0 && k <= n, "Rng::choice",
            fmt::format("need 0 <= k <= n, got k = {}, n = {}", k, n));
    std::vector<Index> pool(static_cast<std::size_t>(n));
    std::iota(pool.begin(), pool.end(), Index{0});
    for (Index i = 0; i < k; ++i) {
      const Index j = i + uniform_index(n - i);
      std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
    }
    pool.resize(static_cast<std::size_t>(k));
    return pool;
  }

  // A permutation of [0, n).
  std::vector<Index> permutation(Index n) { return choice(n, n); }

 private:
  static void check_dims(const char* where, Index rows, Index cols) {
    if (rows < 0 || cols < 0)
      fail("{}: shape ({}, {}) has a negative dimension", where, rows, cols);
  }

  std::uint64_t state_ = 0;  // LCG state
  std::uint64_t inc_ = 1;    // stream increment (odd)
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

// A minibatch: `count` rows of `data` drawn uniformly with replacement (each row independently, as
// torch.randint indexing does in the generative recipes). data (N, D) -> (count, D).
template <class S>
MatT<S> random_rows(const MatT<S>& data, Index count, Rng& rng) {
  if (data.rows() < 1)
    fail("random_rows: the data has no rows (shape ({}, {}))", data.rows(), data.cols());
  if (count < 0) fail("random_rows: count must be >= 0, got {}", count);
  MatT<S> out(count, data.cols());  // (count, D)
  for (Index i = 0; i < count; ++i) out.row(i) = data.row(rng.uniform_index(data.rows()));
  return out;
}

}  // namespace aib
