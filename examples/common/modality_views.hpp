// modality_views.hpp — episode 03's sounds and pictures: a synthetic signal or a WAV file's
// samples, a glyph drawn with its patches outlined, and the first second of a spectrogram as a
// heatmap's cells.
//   const Sound s = wav.empty() ? synthetic_sound() : wav_sound(wav);
//   const SpectrogramView v = first_second(aib::magnitude_spectrogram(s.samples, 512, 160),
//                                          s.rate, 160);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/types.hpp"
#include "aib/core/wav.hpp"
#include "aib/show/format.hpp"
#include "speech.hpp"

namespace aib::episode {

// A sound and where it came from.
struct Sound {
  std::vector<double> samples;  // mono, in [-1, 1]
  int rate = 16000;             // samples per second
  std::string what;
};

// The synthetic signal: one second of a whistle gliding from 300 to 3,000 Hz over a 500 Hz hum.
inline Sound synthetic_sound() {
  Sound s;
  s.what = "synthetic, a whistle gliding from 300 to 3,000 Hz over a 500 Hz hum";
  const double pi = std::acos(-1.0);
  for (int t = 0; t < s.rate; ++t) {
    const double x = double(t) / s.rate;  // seconds
    s.samples.push_back(0.6 * std::sin(2 * pi * (300 * x + 0.5 * 2700 * x * x)) +
                        0.3 * std::sin(2 * pi * 500 * x));
  }
  return s;
}

// A WAV file's samples as one mono channel: 16-bit integer or 32-bit float PCM (the header is
// read and checked by aib/core/wav.hpp; the channels are averaged).
inline Sound wav_sound(const std::string& path) {
  const std::string bytes = aib::read_file(path, "--wav");
  const aib::WavInfo info = aib::wav_info(bytes, path);
  const bool pcm16 = info.format == 1 && info.bits_per_sample == 16;
  const bool float32 = info.format == 3 && info.bits_per_sample == 32;
  if (!pcm16 && !float32)
    aib::fail(
        "--wav '{}': format {} with {} bits per sample; this episode reads 16-bit PCM or "
        "32-bit float",
        path, info.format, info.bits_per_sample);
  Sound s;
  s.rate = static_cast<int>(info.sample_rate);
  s.what = fmt::format("the recording {} ({} Hz, {} channel{})", path, info.sample_rate,
                       info.channels, info.channels == 1 ? "" : "s");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + info.data_offset);
  const int width = info.bits_per_sample / 8;
  for (std::uint64_t f = 0; f < info.frames(); ++f) {
    double sum = 0;
    for (int c = 0; c < info.channels; ++c) {
      const unsigned char* q = p + f * info.block_align + c * width;
      if (pcm16) {
        sum += static_cast<std::int16_t>(q[0] | (q[1] << 8)) / 32768.0;
      } else {
        float v;
        std::memcpy(&v, q, 4);
        sum += v;
      }
    }
    s.samples.push_back(sum / info.channels);
  }
  return s;
}

// `markdown` (the episode's narrative) spoken by espeak-ng into a temporary WAV file, read back
// as wav_sound() reads any recording and removed. aib::Error saying how to get espeak-ng when it
// is not installed.
inline Sound narration_sound(std::string_view markdown, std::string_view name) {
#if defined(_WIN32)
  aib::fail("--narration runs espeak-ng through POSIX calls; record it yourself and use --wav");
#else
  const std::string base = (std::filesystem::temp_directory_path() / "aib-narration.wav").string();
  const speech::detail::TempBeside file(base);  // a unique name, removed when this returns
  speech::speak_to_wav(markdown, name, file.path());
  Sound s = wav_sound(file.path());
  s.what = fmt::format("this episode's narration, spoken by espeak-ng ({} Hz)", s.rate);
  return s;
#endif
}

// The glyph (16, 16) with its 4×4 patches outlined: ink shown as █ ▓ ░ by strength.
inline std::string glyph_with_patches(const aib::Mat& glyph, aib::Index p) {
  std::string out;
  for (aib::Index y = 0; y < glyph.rows(); ++y) {
    if (y % p == 0) {
      for (aib::Index x = 0; x < glyph.cols(); x += p)
        out += x == 0 ? "  +" : "+", out += std::string(2 * p, '-');
      out += "+\n";
    }
    out += "  ";
    for (aib::Index x = 0; x < glyph.cols(); ++x) {
      if (x % p == 0) out += "|";
      const float v = glyph(y, x);
      out += v > 0.66f ? "██" : v > 0.33f ? "▓▓" : v > 0.05f ? "░░" : "  ";
    }
    out += "|\n";
  }
  for (aib::Index x = 0; x < glyph.cols(); x += p)
    out += x == 0 ? "  +" : "+", out += std::string(2 * p, '-');
  return out + "+\n";
}

// The first second of a magnitude spectrogram `spec` (frames, bins), computed with `hop` at
// `rate` samples per second, in dB below its loudest bin (floored at -60): one row every 0.1 s,
// one column for each of 16 bands up to 4 kHz (or the Nyquist frequency), the loudest bin of
// each band.
struct SpectrogramView {
  MatD db;                         // (11, 16)
  std::vector<std::string> times;  // "0.10 s", one per row
  std::vector<std::string> bands;  // the kHz digit where a band starts on a whole kHz, else " "
  double band_hz = 0;              // width of a band
};

inline SpectrogramView first_second(const MatD& spec, int rate, Index hop) {
  const Index rows = 11, bands = 16;
  const Index frame = 2 * (spec.cols() - 1);
  SpectrogramView v;
  v.band_hz = std::min(4000.0, rate / 2.0) / bands;
  v.db.resize(rows, bands);
  const double peak = spec.maxCoeff();
  for (Index r = 0; r < rows; ++r) {
    const Index f = std::min(spec.rows() - 1, Index(std::lround(r * 0.1 * rate / hop)));
    v.times.push_back(fmt::format("{} s", show::fixed(double(f * hop) / rate, 2)));
    for (Index b = 0; b < bands; ++b) {
      const auto lo = Index(b * v.band_hz * frame / rate);
      const Index hi = std::max(lo + 1, Index((b + 1) * v.band_hz * frame / rate));
      const double m = spec.row(f).segment(lo, hi - lo).maxCoeff();
      v.db(r, b) = std::max(-60.0, 20 * std::log10(m / peak + 1e-12));
    }
  }
  for (Index b = 0; b < bands; ++b) {
    const double hz = b * v.band_hz;
    v.bands.push_back(std::fmod(hz, 1000.0) == 0 ? fmt::format("{}", int(hz / 1000)) : " ");
  }
  return v;
}

}  // namespace aib::episode
