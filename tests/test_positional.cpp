// Tests for aib/nn/positional.hpp: the sinusoidal table (hand values, range, the shift-is-a-
// rotation property), learned positions (init, slicing, gradients to exactly the used rows,
// errors) and RoPE (hand values against the paper's complex form, relative-position property,
// norms, identity at 0, offset vs full sequence, gradient checks in double).
#include <cmath>
#include <complex>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/autograd/gradcheck.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/param_count.hpp"
#include "aib/nn/positional.hpp"

using aib::Index;
using aib::Mat;
using aib::MatD;
using aib::TensorD;

namespace {

MatD random_mat(Index r, Index c, std::uint64_t seed) {
  aib::Rng rng(seed);
  return rng.normal_mat(r, c).cast<double>();
}

// M_k (D, D) from the formula: block i is [[cos kθ_i, −sin kθ_i], [sin kθ_i, cos kθ_i]],
// θ_i = 10000^(−2i/D) — built here independently of the header.
MatD shift_map(Index D, Index k) {
  MatD M = MatD::Zero(D, D);
  for (Index i = 0; i < D / 2; ++i) {
    const double w = std::pow(10000.0, -2.0 * static_cast<double>(i) / static_cast<double>(D));
    const double c = std::cos(static_cast<double>(k) * w), s = std::sin(static_cast<double>(k) * w);
    M(2 * i, 2 * i) = c;
    M(2 * i, 2 * i + 1) = -s;
    M(2 * i + 1, 2 * i) = s;
    M(2 * i + 1, 2 * i + 1) = c;
  }
  return M;
}

// RoPE as the paper writes it in complex form: pair i of row t is the complex number
// x[2i] + i·x[2i+1], multiplied by e^{i·p·θ_i}. An implementation independent of the header's.
MatD rope_complex(const MatD& x, const std::vector<Index>& positions, double base = 10000.0) {
  MatD y(x.rows(), x.cols());
  for (Index t = 0; t < x.rows(); ++t)
    for (Index i = 0; i < x.cols() / 2; ++i) {
      const double theta =
          1.0 / std::pow(base, 2.0 * static_cast<double>(i) / static_cast<double>(x.cols()));
      const std::complex<double> z(x(t, 2 * i), x(t, 2 * i + 1));
      const std::complex<double> r =
          z * std::polar(1.0, static_cast<double>(positions[static_cast<std::size_t>(t)]) * theta);
      y(t, 2 * i) = r.real();
      y(t, 2 * i + 1) = r.imag();
    }
  return y;
}

void require_gradcheck(const std::function<TensorD(const std::vector<TensorD>&)>& f,
                       std::vector<TensorD> inputs) {
  const aib::GradcheckResult r = aib::gradcheck(f, std::move(inputs));  // atol 1e-6, rtol 1e-5
  INFO(r.failures);
  INFO("entries checked: " << r.checked << ", max abs error " << r.max_abs_error);
  CHECK(r.checked > 0);
  CHECK(r.ok());
}

}  // namespace

// ---- Sinusoidal -------------------------------------------------------------------------------

TEST_CASE("sinusoidal_table: shape, hand values, first row [0, 1, 0, 1, ...], range [-1, 1]") {
  const Mat pe = aib::sinusoidal_table(50, 16);
  CHECK(pe.rows() == 50);
  CHECK(pe.cols() == 16);
  for (Index j = 0; j < 16; ++j) CHECK(pe(0, j) == (j % 2 == 0 ? 0.f : 1.f));
  CHECK(pe.cwiseAbs().maxCoeff() <= 1.f);
  CHECK(pe.minCoeff() < -0.99f);  // the fast columns do sweep the whole range
  CHECK(pe.maxCoeff() > 0.99f);

  // D = 4: θ_0 = 1, θ_1 = 10000^(−2/4) = 0.01
  const MatD small = aib::sinusoidal_table<double>(3, 4);
  CHECK(small(1, 0) == Approx(std::sin(1.0)).epsilon(1e-15));
  CHECK(small(1, 1) == Approx(std::cos(1.0)).epsilon(1e-15));
  CHECK(small(2, 2) == Approx(std::sin(0.02)).epsilon(1e-14));
  CHECK(small(2, 3) == Approx(std::cos(0.02)).epsilon(1e-14));
  // float table = double table rounded
  CHECK((aib::sinusoidal_table<double>(50, 16).cast<float>() - pe).cwiseAbs().maxCoeff() == 0.f);
}

TEST_CASE("sinusoidal_table: a shift by k is one linear map, PE[p + k] = PE[p] M_k for all p") {
  const Index T = 200, D = 16;
  const MatD pe = aib::sinusoidal_table<double>(T, D);  // (T, D)
  for (const Index k : {1, 3, 17, 100}) {
    INFO("k = " << k);
    const MatD M = shift_map(D, k);  // (D, D), block-diagonal rotations, no dependence on p
    const MatD shifted = pe.topRows(T - k) * M;
    CHECK((shifted - pe.bottomRows(T - k)).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((M * M.transpose() - MatD::Identity(D, D)).cwiseAbs().maxCoeff() < 1e-12);
    // and the map is not trivial: M_k moves the rows
    CHECK((pe.topRows(T - k) - pe.bottomRows(T - k)).cwiseAbs().maxCoeff() > 0.1);
  }
  // The transposed map goes the other way: PE[p + k] ≠ PE[p] M_kᵀ.
  const MatD Mt = shift_map(D, 5).transpose();
  CHECK((pe.topRows(T - 5) * Mt - pe.bottomRows(T - 5)).cwiseAbs().maxCoeff() > 0.1);
}

TEST_CASE("sinusoidal_table: an offset gives the rows of the full table") {
  const MatD full = aib::sinusoidal_table<double>(40, 8);
  CHECK((aib::sinusoidal_table<double>(5, 8, 30) - full.middleRows(30, 5)).cwiseAbs().maxCoeff() ==
        0.0);
  CHECK((aib::sinusoidal_table<double>(1, 8, 39) - full.row(39)).cwiseAbs().maxCoeff() == 0.0);
  CHECK(aib::sinusoidal_table(0, 8).rows() == 0);
}

TEST_CASE("sinusoidal_table: odd or too small D and negative sizes are refused") {
  CHECK(aib_test::message_of([] { aib::sinusoidal_table(4, 5); }) ==
        "sinusoidal_table: D = 5 must be even and >= 2; each frequency fills a (sin, cos) pair "
        "of columns");
  CHECK_THROWS_AS(aib::sinusoidal_table(4, 0), aib::Error);
  CHECK_THROWS_AS(aib::sinusoidal_table(-1, 4), aib::Error);
  CHECK_THROWS_AS(aib::sinusoidal_table(4, 4, -2), aib::Error);
  CHECK_THROWS_AS(aib::sinusoidal_table(4, 4, 0, 0.0), aib::Error);
  CHECK_THROWS_AS(aib::position_frequencies(7), aib::Error);
}

// ---- Learned ----------------------------------------------------------------------------------

TEST_CASE("LearnedPositions: GPT-2 init from aib::Rng, shapes, rows, parameter name wpe") {
  aib::Rng rng(7);
  const aib::LearnedPositions wpe(64, 32, rng);
  CHECK(wpe.max_positions() == 64);
  CHECK(wpe.dim() == 32);
  const Mat& W = wpe.weight.value();  // (Tmax, D)
  const double mean = W.cast<double>().mean();
  const double sd = std::sqrt((W.cast<double>().array() - mean).square().mean());
  CHECK(std::abs(mean) < 0.002);
  CHECK(sd > 0.019);
  CHECK(sd < 0.021);
  aib::Rng again(7);
  CHECK((aib::gpt2_normal(64, 32, again) - W).cwiseAbs().maxCoeff() == 0.f);  // the same draws

  const aib::Tensor rows = wpe.forward(10);  // (10, D)
  CHECK(rows.rows() == 10);
  CHECK(rows.cols() == 32);
  CHECK((rows.value() - W.topRows(10)).cwiseAbs().maxCoeff() == 0.f);
  CHECK((wpe.forward(1, 63).value() - W.row(63)).cwiseAbs().maxCoeff() == 0.f);
  CHECK(wpe.forward(0).rows() == 0);

  const aib::Parameters p = wpe.parameters("wpe");
  REQUIRE(p.size() == 1);
  CHECK(p[0].name == "wpe.weight");
  aib::TransformerConfig config = aib::gpt2_small();
  config.context = 64;
  config.d_model = 32;
  bool found = false;
  for (const aib::ParamShape& s : aib::parameter_shapes(config))
    if (s.name == p[0].name) {
      found = true;
      CHECK(s.rows == wpe.weight.rows());
      CHECK(s.cols == wpe.weight.cols());
    }
  CHECK(found);
}

TEST_CASE("LearnedPositions::gather: any positions, a batch's repeats add their gradients") {
  aib::Rng rng(12);
  const aib::LearnedPositionsT<double> wpe(6, 3, rng);
  const std::vector<Index> positions{0, 1, 2, 0, 1, 2};  // B = 2 sequences of T = 3
  const TensorD x = wpe.gather(positions);               // (6, 3)
  for (Index i = 0; i < 6; ++i)
    CHECK((x.value().row(i) - wpe.weight.value().row(positions[static_cast<std::size_t>(i)]))
              .cwiseAbs()
              .maxCoeff() == 0.0);
  const MatD G = random_mat(6, 3, 13);
  x.backward(G);
  const MatD& g = wpe.weight.grad();  // (6, 3)
  CHECK((g.row(0) - (G.row(0) + G.row(3))).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((g.row(2) - (G.row(2) + G.row(5))).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(g.bottomRows(3).cwiseAbs().maxCoeff() == 0.0);  // positions 3 … 5 unused
  CHECK_THROWS_WITH(wpe.gather({2, 6}),
                    Catch::Contains("LearnedPositions::gather: position 6 (entry 1) is outside"));
  CHECK_THROWS_AS(wpe.gather({-1}), aib::Error);
}

TEST_CASE("LearnedPositions: the gradient reaches exactly the rows that were used") {
  aib::Rng rng(8);
  const aib::LearnedPositionsT<double> wpe(12, 4, rng);
  const aib::EmbeddingT<double> wte(9, 4, rng);
  // x = wte(ids) + wpe(T), as GPT-2's first line; positions 3 … 7 via the offset
  const TensorD x = aib::add(wte.forward({1, 8, 1, 2, 0}), wpe.forward(5, 3));  // (5, 4)
  const MatD G = random_mat(5, 4, 9);
  x.backward(G);
  const MatD g = wpe.weight.grad();  // (12, 4)
  CHECK(g.topRows(3).cwiseAbs().maxCoeff() == 0.0);
  CHECK((g.middleRows(3, 5) - G).cwiseAbs().maxCoeff() == 0.0);
  CHECK(g.bottomRows(4).cwiseAbs().maxCoeff() == 0.0);

  aib::Rng rng2(10);
  const aib::LearnedPositionsT<double> small(6, 3, rng2);
  require_gradcheck(
      [&](const std::vector<TensorD>& in) {
        aib::LearnedPositionsT<double> layer;
        layer.weight = in[0];
        return layer.forward(3, 2);
      },
      {small.weight});
}

TEST_CASE("LearnedPositions: a sequence longer than the table is an error naming T and Tmax") {
  aib::Rng rng(11);
  const aib::LearnedPositions wpe(8, 4, rng);
  CHECK(aib_test::message_of([&] { wpe.forward(9); }) ==
        "LearnedPositions::forward: T = 9 tokens from offset 0 need positions up to 8, but the "
        "table holds Tmax = 8 (positions 0 … 7)");
  CHECK_THROWS_WITH(wpe.forward(2, 7), Catch::Contains("T = 2") && Catch::Contains("Tmax = 8"));
  CHECK_NOTHROW(wpe.forward(1, 7));
  CHECK_THROWS_AS(wpe.forward(-1), aib::Error);
  CHECK_THROWS_AS(wpe.forward(1, -1), aib::Error);
  CHECK_THROWS_AS(aib::LearnedPositions(0, 4, rng), aib::Error);
  CHECK_THROWS_AS(aib::LearnedPositions(8, 4, rng, 0.0), aib::Error);
}

// ---- Rotary ---------------------------------------------------------------------------------

TEST_CASE("rope: hand values, interleaved pairs turned counter-clockwise") {
  // Dh = 2: θ_0 = 1, so [1, 0] at position p is [cos p, sin p].
  const MatD e0 = (MatD(1, 2) << 1.0, 0.0).finished();
  const MatD y = aib::rope(e0, 3);
  CHECK(y(0, 0) == Approx(std::cos(3.0)).epsilon(1e-15));
  CHECK(y(0, 1) == Approx(std::sin(3.0)).epsilon(1e-15));
  // Dh = 4: θ_1 = 10000^(−1/2) = 0.01; the pair (2, 3) turns by 0.05 at p = 5, the pair (0, 1)
  // by 5 radians. Interleaved: columns 0 and 1 are a pair (half-split would pair 0 with 2).
  const MatD x = (MatD(1, 4) << 0.0, 0.0, 1.0, 0.0).finished();
  const MatD z = aib::rope(x, 5);
  CHECK(z(0, 0) == 0.0);
  CHECK(z(0, 1) == 0.0);
  CHECK(z(0, 2) == Approx(std::cos(0.05)).epsilon(1e-14));
  CHECK(z(0, 3) == Approx(std::sin(0.05)).epsilon(1e-14));
}

TEST_CASE("rope: equals the paper's complex form, in double and float, matrix and tensor") {
  const MatD x = random_mat(6, 8, 20);
  const std::vector<Index> pos{0, 1, 2, 3, 4, 5};
  const MatD ref = rope_complex(x, pos);
  CHECK((aib::rope(x) - ref).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((aib::rope(TensorD(x)).value() - ref).cwiseAbs().maxCoeff() < 1e-14);
  const Mat xf = x.cast<float>();
  CHECK((aib::rope(xf).cast<double>() - ref).cwiseAbs().maxCoeff() < 1e-5);
  CHECK((aib::rope(aib::Tensor(xf)).value() - aib::rope(xf)).cwiseAbs().maxCoeff() == 0.f);
  // explicit positions, any order; base changes the frequencies
  const std::vector<Index> scattered{7, 0, 1000, 3, 3, 50};
  CHECK((aib::rope(x, scattered) - rope_complex(x, scattered)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((aib::rope(x, scattered, 500000.0) - rope_complex(x, scattered, 500000.0))
            .cwiseAbs()
            .maxCoeff() < 1e-12);
}

TEST_CASE("rope: q·k after rotation depends only on m − n") {
  const Index Dh = 16;
  const Mat q = random_mat(1, Dh, 21).cast<float>();
  const Mat k = random_mat(1, Dh, 22).cast<float>();
  const float scale = q.norm() * k.norm();
  const auto score = [&](Index m, Index n) {
    return (aib::rope(q, m).row(0).dot(aib::rope(k, n).row(0)));
  };
  for (const auto& [m, n] : std::vector<std::pair<Index, Index>>{{0, 0}, {5, 2}, {2, 5}, {9, 0}}) {
    for (const Index s : {1, 7, 100, 1000}) {
      INFO("m = " << m << ", n = " << n << ", shift " << s);
      CHECK(std::abs(score(m, n) - score(m + s, n + s)) < 1e-5f * scale);
    }
    // the score is q·R(m − n)·kᵀ: the same as with k at position 0
    CHECK(std::abs(score(m, n) - score(m - n, 0)) < 1e-5f * scale);
  }
  // and the distance does matter: moving one of them changes the score
  CHECK(std::abs(score(5, 2) - score(6, 2)) > 1e-2f * scale);
  // unrotated, q·k is the m = n score
  CHECK(std::abs(score(4, 4) - q.row(0).dot(k.row(0))) < 1e-5f * scale);
}

TEST_CASE("rope: keeps norms, position 0 is the identity, -p undoes p") {
  const MatD x = random_mat(20, 12, 23);
  const MatD y = aib::rope(x, 3);
  CHECK((y.rowwise().norm() - x.rowwise().norm()).cwiseAbs().maxCoeff() < 1e-12);
  const std::vector<Index> zeros(20, 0);
  CHECK((aib::rope(x, zeros) - x).cwiseAbs().maxCoeff() == 0.0);
  CHECK((aib::rope(x).row(0) - x.row(0)).cwiseAbs().maxCoeff() == 0.0);
  const Mat xf = x.cast<float>();
  CHECK((aib::rope(xf, zeros) - xf).cwiseAbs().maxCoeff() == 0.f);
  // positions 40 … 59 then −40 … −59 (an offset −40 would give −40 + t: not the inverse)
  std::vector<Index> forth(20), back(20);
  for (Index t = 0; t < 20; ++t) forth[static_cast<std::size_t>(t)] = 40 + t;
  for (Index t = 0; t < 20; ++t) back[static_cast<std::size_t>(t)] = -(40 + t);
  CHECK((aib::rope(aib::rope(x, forth), back) - x).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((aib::rope(x, 1) - x).cwiseAbs().maxCoeff() > 0.1);  // and it does move at position 1
}

TEST_CASE("rope: rotating a token alone at offset p equals slicing the full sequence") {
  const Index T = 32, Dh = 8;
  const Mat x = random_mat(T, Dh, 24).cast<float>();
  const Mat full = aib::rope(x);  // (T, Dh), positions 0 … T − 1
  for (Index p = 0; p < T; ++p) {
    const Mat one = x.row(p);  // (1, Dh): a KV-cache step
    CHECK((aib::rope(one, p) - full.row(p)).cwiseAbs().maxCoeff() <= 1e-6f);
  }
  const Mat chunk = x.middleRows(10, 7);
  CHECK((aib::rope(chunk, 10) - full.middleRows(10, 7)).cwiseAbs().maxCoeff() <= 1e-6f);
  // one head's columns of a (T, D) matrix, passed as a block without copying
  const Mat Q = random_mat(T, 3 * Dh, 31).cast<float>();  // (T, H·Dh), H = 3
  const Mat head1 = Q.middleCols(Dh, Dh);
  CHECK((aib::rope(Q.middleCols(Dh, Dh), 4) - aib::rope(head1, 4)).cwiseAbs().maxCoeff() == 0.f);
  const aib::Tensor tx = aib::Tensor::parameter(x);
  const aib::Tensor sliced = aib::rope(aib::slice_rows(tx, 10, 7), 10);
  CHECK((sliced.value() - full.middleRows(10, 7)).cwiseAbs().maxCoeff() <= 1e-6f);
}

TEST_CASE("rope and the sinusoidal table share their rotations: PE[p] = rope(PE[0], -p)") {
  const Index D = 10;
  const MatD pe = aib::sinusoidal_table<double>(30, D);
  for (Index p = 0; p < 30; ++p)
    CHECK((aib::rope(MatD(pe.row(0)), -p) - pe.row(p)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("rope: the backward is the transpose rotation; gradient checks in double") {
  const TensorD x = TensorD::parameter(random_mat(3, 8, 25));
  const MatD G = random_mat(3, 8, 26);
  aib::rope(x, 4).backward(G);
  const std::vector<Index> back{-4, -5, -6};  // rows were at 4, 5, 6: turn each back
  CHECK((x.grad() - aib::rope(G, back)).cwiseAbs().maxCoeff() < 1e-14);

  for (const Index offset : {0, 1, 5, 1000}) {
    INFO("offset " << offset);
    require_gradcheck([offset](const std::vector<TensorD>& in) { return aib::rope(in[0], offset); },
                      {TensorD::parameter(random_mat(3, 8, 27))});
  }
  const std::vector<Index> pos{9, 2, 2, 40};
  require_gradcheck([&](const std::vector<TensorD>& in) { return aib::rope(in[0], pos, 100.0); },
                    {TensorD::parameter(random_mat(4, 6, 28))});
  // inside a score: L-side gradient reaches q and k through both rotations
  require_gradcheck(
      [](const std::vector<TensorD>& in) {
        return aib::matmul(aib::rope(in[0], 3), aib::transpose(aib::rope(in[1], 1)));  // (T, T)
      },
      {TensorD::parameter(random_mat(4, 6, 29)), TensorD::parameter(random_mat(4, 6, 30))});
}

TEST_CASE("rope: odd head width and position counts are errors") {
  const MatD odd = MatD::Zero(3, 5);
  CHECK(aib_test::message_of([&] { aib::rope(odd); }) ==
        "rope: x has shape (3, 5); the head width Dh = 5 must be even and >= 2 (columns rotate "
        "in pairs)");
  CHECK_THROWS_AS(aib::rope(TensorD(odd), 2), aib::ShapeError);
  const std::vector<Index> two{0, 1};
  CHECK(aib_test::message_of([&] { aib::rope(MatD(MatD::Zero(3, 4)), two); }) ==
        "rope: 2 positions given for x of shape (3, 4); expected one per row");
  CHECK_THROWS_AS(aib::rope(MatD(MatD::Zero(3, 4)), 0, -1.0), aib::Error);
  CHECK_THROWS_AS(aib::rope(MatD(MatD::Zero(3, 0))), aib::ShapeError);
}
