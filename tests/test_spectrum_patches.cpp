// Tests for aib/core/spectrum.hpp (FFT, Hann window, magnitude spectrogram) and aib/nn/patches.hpp
// (an image as a sequence of patches), the two ways episode 03 turns audio and images into tokens.
#include <cmath>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "aib/core/io.hpp"
#include "aib/core/random.hpp"
#include "aib/core/spectrum.hpp"
#include "aib/nn/patches.hpp"
#include "catch.hpp"

namespace test_spectrum_patches {

std::string fixture(const std::string& name) {
  return std::string(AIB_FIXTURES_DIR) + "/spectrum/" + name + ".npy";
}

std::vector<aib::Complex> random_complex(std::size_t n, aib::Rng& rng) {
  std::vector<aib::Complex> x(n);
  for (auto& v : x) v = aib::Complex(rng.normal(), rng.normal());
  return x;
}

double max_abs_diff(const std::vector<aib::Complex>& a, const std::vector<aib::Complex>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

TEST_CASE("fft equals the O(n^2) DFT for every power of two up to 512", "[spectrum]") {
  aib::Rng rng(3);
  for (std::size_t n = 1; n <= 512; n *= 2) {
    const std::vector<aib::Complex> x = random_complex(n, rng);
    INFO("n = " << n);
    CHECK(max_abs_diff(aib::fft(x), aib::dft(x)) < 1e-9 * static_cast<double>(n));
  }
}

TEST_CASE("fft keeps Parseval's energy and finds a pure tone in its bin", "[spectrum]") {
  aib::Rng rng(4);
  const std::vector<aib::Complex> x = random_complex(1024, rng);
  const std::vector<aib::Complex> X = aib::fft(x);
  double time_energy = 0, freq_energy = 0;
  for (const auto& v : x) time_energy += std::norm(v);
  for (const auto& v : X) freq_energy += std::norm(v);
  CHECK(freq_energy / 1024 == Approx(time_energy).epsilon(1e-12));

  // cos(2π·5t/64): all its energy in bins 5 and 64 − 5, each of magnitude 64/2.
  std::vector<double> tone(64);
  for (std::size_t t = 0; t < 64; ++t) tone[t] = std::cos(2 * std::acos(-1.0) * 5 * t / 64.0);
  const std::vector<aib::Complex> T = aib::fft(tone);
  for (std::size_t k = 0; k < 64; ++k)
    CHECK(std::abs(T[k]) == Approx(k == 5 || k == 59 ? 32.0 : 0.0).margin(1e-9));
}

TEST_CASE("fft and the spectrogram match numpy.fft on the stored signal", "[spectrum]") {
  const aib::VecD signal = aib::load_npy_vec<double>(fixture("signal"));     // (300)
  const aib::VecD re = aib::load_npy_vec<double>(fixture("fft_re"));         // (256)
  const aib::VecD im = aib::load_npy_vec<double>(fixture("fft_im"));         // (256)
  const aib::MatD expected = aib::load_npy<double>(fixture("spectrogram"));  // (10, 33)
  const std::vector<double> x(signal.data(), signal.data() + signal.size());
  const std::vector<aib::Complex> X = aib::fft(std::vector<double>(x.begin(), x.begin() + 256));
  REQUIRE(X.size() == 256);
  double worst = 0;
  for (std::size_t k = 0; k < 256; ++k)
    worst =
        std::max(worst, std::abs(X[k] - aib::Complex(re(Eigen::Index(k)), im(Eigen::Index(k)))));
  CHECK(worst < 1e-10);

  const aib::MatD S = aib::magnitude_spectrogram(x, 64, 24);  // (10, 33)
  REQUIRE(S.rows() == expected.rows());
  REQUIRE(S.cols() == expected.cols());
  CHECK((S - expected).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("the Hann window, frame counts and the spectrogram's refusals", "[spectrum]") {
  const std::vector<double> w = aib::hann_window(8);
  CHECK(w[0] == 0.0);
  CHECK(w[4] == Approx(1.0));
  CHECK(w[2] == Approx(0.5));
  CHECK(w[1] == Approx(w[7]));
  CHECK(aib::stft_frame_count(16000, 512, 160) == 97);
  CHECK(aib::stft_frame_count(511, 512, 160) == 0);
  CHECK(aib::stft_frame_count(512, 512, 160) == 1);
  CHECK_THROWS_WITH(aib::fft(std::vector<double>(12, 0.0)),
                    Catch::Contains("power of two") && Catch::Contains("12"));
  CHECK_THROWS_WITH(aib::fft(std::vector<double>{}), Catch::Contains("power of two"));
  CHECK_THROWS_WITH(aib::magnitude_spectrogram(std::vector<double>(100, 0.0), 128, 32),
                    Catch::Contains("100 samples"));
  CHECK_THROWS_WITH(aib::magnitude_spectrogram(std::vector<double>(1000, 0.0), 100, 32),
                    Catch::Contains("power of two"));
  CHECK_THROWS_WITH(aib::stft_frame_count(100, 64, 0), Catch::Contains("hop (0)"));
}

TEST_CASE("patchify cuts a 224x224x3 image into ViT's 196 patches of 768 numbers", "[patches]") {
  aib::Mat image(224, 224 * 3);  // (H, W·C)
  for (Eigen::Index y = 0; y < 224; ++y)
    for (Eigen::Index x = 0; x < 224; ++x)
      for (Eigen::Index c = 0; c < 3; ++c) image(y, x * 3 + c) = float(y * 1000 + x * 10 + c);
  const aib::Mat patches = aib::patchify(image, 3, 16);  // (196, 768)
  REQUIRE(patches.rows() == 196);
  REQUIRE(patches.cols() == 768);
  CHECK(aib::patch_count(224, 224, 16) == 196);
  // Patch (i, j) = (2, 5) is row 2·14 + 5 = 33; its pixel (dy, dx) = (3, 7), channel 1 sits at
  // column (3·16 + 7)·3 + 1 and comes from image pixel (2·16 + 3, 5·16 + 7).
  CHECK(patches(33, (3 * 16 + 7) * 3 + 1) == float((32 + 3) * 1000 + (80 + 7) * 10 + 1));
  CHECK(patches(0, 0) == 0.0f);
  CHECK(patches(195, 767) == float(223 * 1000 + 223 * 10 + 2));
  CHECK(aib::unpatchify(patches, 224, 224, 3, 16) == image);
}

TEST_CASE("patchify on a grey 16x16 glyph: 16 patches of 4x4, and back", "[patches]") {
  aib::Mat glyph = aib::Mat::Random(16, 16);            // (16, 16), one channel
  const aib::Mat patches = aib::patchify(glyph, 1, 4);  // (16, 16)
  REQUIRE(patches.rows() == 16);
  REQUIRE(patches.cols() == 16);
  // Patch 6 = (1, 2): its first row is glyph row 4, columns 8..11.
  CHECK(patches.row(6).head(4) == glyph.row(4).segment(8, 4));
  CHECK(patches.row(6).tail(4) == glyph.row(7).segment(8, 4));
  CHECK(aib::unpatchify(patches, 16, 16, 1, 4) == glyph);
  const aib::Mat wide = aib::Mat::Random(6, 12 * 2);  // (6, 12·2): 6×12, 2 channels
  CHECK(aib::unpatchify(aib::patchify(wide, 2, 3), 6, 12, 2, 3) == wide);
}

TEST_CASE("patchify refuses sizes the patch does not divide and mismatched patches", "[patches]") {
  const aib::Mat image = aib::Mat::Zero(30, 32 * 3);  // (30, 32·3)
  CHECK_THROWS_WITH(aib::patchify(image, 3, 16),
                    Catch::Contains("30×32") && Catch::Contains("multiples of 16"));
  CHECK_THROWS_WITH(aib::patchify(image, 5, 2), Catch::Contains("not a multiple of its 5"));
  CHECK_THROWS_WITH(aib::patchify(image, 3, 0), Catch::Contains("patch side"));
  CHECK_THROWS_WITH(aib::patch_count(0, 16, 4), Catch::Contains("empty"));
  const aib::Mat patches = aib::Mat::Zero(15, 12);  // (15, 12): one patch short of 16
  CHECK_THROWS_WITH(aib::unpatchify(patches, 8, 8, 3, 2),
                    Catch::Contains("(16, 12)") && Catch::Contains("(15, 12)"));
}

}  // namespace test_spectrum_patches
