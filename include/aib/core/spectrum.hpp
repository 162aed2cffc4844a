// aib/core/spectrum.hpp — the discrete Fourier transform, fast, and the spectrogram built on it.
//
//   X_k = Σ_{t<n} x_t · e^{−2πi·k·t/n}      k = 0 … n−1      (numpy.fft.fft's sign and scale)
// fft() computes it in O(n log n) for n a power of two (iterative radix-2 Cooley–Tukey: the
// input in bit-reversed order, then log₂ n passes of butterflies, each combining two transforms
// of half the size); dft() is the O(n²) sum itself, the reference the tests check fft() against.
// Parseval: Σ|x_t|² = (1/n)·Σ|X_k|².
// A spectrogram is what an audio model sees instead of 16,000 numbers per second: the signal cut
// into overlapping frames (`frame` samples, a new one every `hop` samples), each multiplied by a
// Hann window (so its ends fade to zero instead of cutting the wave mid-cycle) and transformed;
// for a real frame X_{n−k} is the conjugate of X_k, so bins 0 … frame/2 hold everything, bin k
// at frequency k·rate/frame. magnitude_spectrogram() returns |X_k| per frame and bin.
// Leaves out: mel filter banks and log compression (what Whisper adds on top), the inverse
// transform, sizes other than powers of two (Bluestein), padding the signal's ends.
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <utility>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

using Complex = std::complex<double>;

namespace detail {

inline void check_power_of_two(std::size_t n, const char* who) {
  if (n == 0 || (n & (n - 1)) != 0)
    fail("{}: the length must be a power of two (1, 2, 4, …), got {}", who, n);
}

}  // namespace detail

// The O(n²) discrete Fourier transform, any length n ≥ 1: the definition, for checking fft().
inline std::vector<Complex> dft(const std::vector<Complex>& x) {
  const std::size_t n = x.size();
  if (n == 0) fail("dft: the input is empty");
  const double pi = std::acos(-1.0);
  std::vector<Complex> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    Complex sum = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const double angle = -2 * pi * static_cast<double>((k * t) % n) / static_cast<double>(n);
      sum += x[t] * Complex(std::cos(angle), std::sin(angle));
    }
    out[k] = sum;
  }
  return out;
}

// The fast Fourier transform of `x`, whose length is a power of two (else an aib::Error).
inline std::vector<Complex> fft(std::vector<Complex> x) {
  const std::size_t n = x.size();
  detail::check_power_of_two(n, "fft");
  // Bit-reversal permutation: element t goes where t's log₂ n bits, read backwards, point.
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  // Passes: transforms of size len from two of size len/2, E_k ± w^k·O_k with w = e^{−2πi/len}.
  const double pi = std::acos(-1.0);
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2;
    for (std::size_t k = 0; k < half; ++k) {
      const double angle = -2 * pi * static_cast<double>(k) / static_cast<double>(len);
      const Complex w(std::cos(angle), std::sin(angle));
      for (std::size_t start = 0; start < n; start += len) {
        const Complex even = x[start + k];
        const Complex odd = w * x[start + k + half];
        x[start + k] = even + odd;
        x[start + k + half] = even - odd;
      }
    }
  }
  return x;
}

// The FFT of a real signal (all n bins; bins above n/2 mirror those below).
inline std::vector<Complex> fft(const std::vector<double>& x) {
  return fft(std::vector<Complex>(x.begin(), x.end()));
}

// The periodic Hann window of n samples: w_t = ½ − ½·cos(2πt/n) (numpy: np.hanning(n + 1)[:-1]).
inline std::vector<double> hann_window(std::size_t n) {
  if (n == 0) fail("hann_window: the length must be at least 1");
  const double pi = std::acos(-1.0);
  std::vector<double> w(n);
  for (std::size_t t = 0; t < n; ++t)
    w[t] = 0.5 - 0.5 * std::cos(2 * pi * static_cast<double>(t) / static_cast<double>(n));
  return w;
}

// How many whole frames of `frame` samples, one every `hop`, fit in `samples`: 1 + (samples −
// frame) / hop, or 0 when even one does not fit.
inline Index stft_frame_count(Index samples, Index frame, Index hop) {
  if (frame < 1 || hop < 1)
    fail("stft_frame_count: frame ({}) and hop ({}) must be ≥ 1", frame, hop);
  if (samples < 0) fail("stft_frame_count: samples must be ≥ 0, got {}", samples);
  return samples < frame ? 0 : 1 + (samples - frame) / hop;
}

// |STFT| of `signal`: frame f covers samples [f·hop, f·hop + frame), Hann-windowed; the result
// is (frames, frame/2 + 1), row f column k = |X_k| of frame f. `frame` is a power of two; a
// signal shorter than one frame is an error.
inline MatD magnitude_spectrogram(const std::vector<double>& signal, Index frame, Index hop) {
  if (frame < 2) fail("magnitude_spectrogram: frame must be ≥ 2, got {}", frame);
  detail::check_power_of_two(static_cast<std::size_t>(frame), "magnitude_spectrogram (frame)");
  const Index frames = stft_frame_count(static_cast<Index>(signal.size()), frame, hop);
  if (frames == 0)
    fail("magnitude_spectrogram: the signal has {} samples, fewer than one frame of {}",
         signal.size(), frame);
  const std::vector<double> window = hann_window(static_cast<std::size_t>(frame));
  MatD out(frames, frame / 2 + 1);  // (frames, bins)
  std::vector<Complex> buffer(static_cast<std::size_t>(frame));
  for (Index f = 0; f < frames; ++f) {
    for (Index t = 0; t < frame; ++t) {
      const auto i = static_cast<std::size_t>(t);
      buffer[i] = signal[static_cast<std::size_t>(f * hop + t)] * window[i];
    }
    const std::vector<Complex> spectrum = fft(buffer);
    for (Index k = 0; k <= frame / 2; ++k)
      out(f, k) = std::abs(spectrum[static_cast<std::size_t>(k)]);
  }
  return out;
}

}  // namespace aib
