// Tests for aib/nn/train.hpp: windows are the stream's (targets shifted by one), seeded and
// covering; the sequential pass predicts each target once; evaluate_loss equals a by-hand
// log-softmax mean; 100 AdamW steps on a periodic stream lower the held-out loss; checkpoints
// round-trip bit for bit and refuse another config, a missing or a corrupt file by name.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/nn/train.hpp"

using aib::Index;

namespace {

aib::TransformerConfig tiny(Index vocab = 7, Index layers = 2) {
  aib::TransformerConfig c;
  c.name = "tiny";
  c.vocab_size = vocab;
  c.context = 16;
  c.d_model = 16;
  c.n_layers = layers;
  c.n_heads = 2;
  c.ffn_hidden = 32;
  c.tied_embeddings = false;
  return c;
}

// 0, 1, 2, …, n − 1: each token names its own position.
std::vector<Index> iota(Index n) {
  std::vector<Index> s(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) s[static_cast<std::size_t>(i)] = i;
  return s;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("aib_test_train_" + name)).string();
}

// Mean of −log softmax(logits_i)[y_i], in double, from the logits alone (not the library's loss).
double by_hand_loss(const aib::Gpt& m, const aib::TokenBatch& b) {
  aib::NoGrad g;
  const aib::Mat logits = m.forward(b.x, b.batch).value();  // (B·T, V)
  double sum = 0;
  for (Index i = 0; i < logits.rows(); ++i) {
    const Eigen::VectorXd row = logits.row(i).transpose().cast<double>();
    const double mx = row.maxCoeff();
    const double lse = mx + std::log((row.array() - mx).exp().sum());
    sum += lse - row(b.y[static_cast<std::size_t>(i)]);
  }
  return sum / static_cast<double>(logits.rows());
}

}  // namespace

TEST_CASE("split_stream: first fraction for training, the rest held out", "[train]") {
  const std::vector<Index> s = iota(10);
  const auto [train, val] = aib::split_stream(s, 0.8);
  CHECK(train == std::vector<Index>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(val == std::vector<Index>{8, 9});
  for (const double bad : {0.0, 1.0, -0.5, 1.5, std::nan("")})
    CHECK_THAT(
        aib_test::message_of([&] { aib::split_stream(s, bad); }),
        Catch::Contains("split_stream: fraction =") && Catch::Contains("strictly between 0 and 1"));
  CHECK_THAT(aib_test::message_of([&] { aib::split_stream(s, 0.99); }),
             Catch::Contains("leave 10 for training and 0 held out"));
}

TEST_CASE("TokenBatches: windows are the stream, targets shifted by one", "[train]") {
  const Index n = 40, T = 5, B = 3;
  const aib::TokenBatches data(iota(n), T, B);
  CHECK(data.windows() == n - T);
  aib::Rng rng(7);
  for (int draw = 0; draw < 20; ++draw) {
    const aib::TokenBatch b = data.sample(rng);
    REQUIRE(b.x.size() == static_cast<std::size_t>(B * T));
    REQUIRE(b.y.size() == b.x.size());
    REQUIRE(b.starts.size() == static_cast<std::size_t>(B));
    CHECK(b.batch == B);
    CHECK(b.context == T);
    for (Index w = 0; w < B; ++w)
      for (Index t = 0; t < T; ++t) {
        const auto i = static_cast<std::size_t>(w * T + t);
        CHECK(b.x[i] == b.starts[static_cast<std::size_t>(w)] + t);  // the stream's token there
        CHECK(b.y[i] == b.x[i] + 1);                                 // and the one after it
      }
  }
  // A stream whose values are not positions: y is still x one step later in the stream.
  const std::vector<Index> words = {4, 4, 1, 0, 2, 2, 3};
  const aib::TokenBatch b = aib::TokenBatches(words, 3, 1).at({2});
  CHECK(b.x == std::vector<Index>{1, 0, 2});
  CHECK(b.y == std::vector<Index>{0, 2, 2});
}

TEST_CASE("TokenBatches: reproducible by seed, every window reachable", "[train]") {
  const aib::TokenBatches data(iota(30), 4, 6);
  aib::Rng a(11), b(11), c(12);
  std::vector<Index> from_a, from_b, from_c;
  for (int i = 0; i < 5; ++i) {
    for (const Index s : data.sample(a).starts) from_a.push_back(s);
    for (const Index s : data.sample(b).starts) from_b.push_back(s);
    for (const Index s : data.sample(c).starts) from_c.push_back(s);
  }
  CHECK(from_a == from_b);
  CHECK(from_a != from_c);
  // 26 possible starts; 100 batches of 6 draws reach all of them, and nothing else.
  std::set<Index> seen;
  for (int i = 0; i < 100; ++i)
    for (const Index s : data.sample(a).starts) seen.insert(s);
  CHECK(seen.size() == 26u);
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == 25);  // the last window ends on the stream's last token
}

TEST_CASE("TokenBatches::sequential predicts each target once, in order", "[train]") {
  const Index n = 23, T = 4, B = 2;  // k = ⌊22/4⌋ = 5 windows: 2 + 2 + 1
  const aib::TokenBatches data(iota(n), T, B);
  const std::vector<aib::TokenBatch> all = data.sequential();
  REQUIRE(all.size() == 3u);
  CHECK(all[0].batch == 2);
  CHECK(all[2].batch == 1);
  std::vector<Index> targets;
  for (const auto& b : all) targets.insert(targets.end(), b.y.begin(), b.y.end());
  std::vector<Index> expected;
  for (Index i = 1; i <= 5 * T; ++i) expected.push_back(i);
  CHECK(targets == expected);
}

TEST_CASE("TokenBatches: clear errors", "[train]") {
  CHECK_THAT(aib_test::message_of([] { aib::TokenBatches(iota(8), 8, 2); }),
             Catch::Contains("a stream of 8 tokens is too short for one window of context 8") &&
                 Catch::Contains("T + 1 = 9"));
  CHECK_NOTHROW(aib::TokenBatches(iota(9), 8, 2));
  CHECK_THAT(aib_test::message_of([] { aib::TokenBatches(iota(9), 0, 2); }),
             Catch::Contains("context = 0"));
  const aib::TokenBatches data(iota(10), 4, 1);
  CHECK_THAT(aib_test::message_of([&] { data.at({6}); }),
             Catch::Contains("window start 6 is outside [0, 6)"));
}

TEST_CASE("evaluate_loss: the mean of per-batch losses computed by hand", "[train]") {
  aib::Rng init(3);
  const aib::Gpt m(tiny(), init);
  std::vector<Index> stream;
  aib::Rng draw(4);
  for (int i = 0; i < 200; ++i) stream.push_back(draw.uniform_index(7));
  const aib::TokenBatches data(stream, 8, 3);

  // N random batches (all the same size): the plain mean of their losses.
  aib::Rng r1(9), r2(9);
  const double lib = aib::evaluate_loss(m, data, 4, r1);
  double hand = 0;
  for (int i = 0; i < 4; ++i) hand += by_hand_loss(m, data.sample(r2));
  CHECK(lib == Approx(hand / 4).epsilon(1e-5));

  // The whole stream: 24 windows of 8 in batches of 3 — weighted by tokens (all equal here too),
  // then a batch size that leaves a short last batch.
  const aib::TokenBatches uneven(stream, 8, 5);  // 24 windows = 5+5+5+5+4
  const std::vector<aib::TokenBatch> seq = uneven.sequential();
  REQUIRE(seq.back().batch == 4);
  double weighted = 0, tokens = 0;
  for (const auto& b : seq) {
    weighted += by_hand_loss(m, b) * static_cast<double>(b.x.size());
    tokens += static_cast<double>(b.x.size());
  }
  CHECK(aib::evaluate_loss(m, uneven) == Approx(weighted / tokens).epsilon(1e-5));
  CHECK(aib::evaluate_loss(m, uneven) == Approx(aib::evaluate_loss(m, data)).epsilon(1e-5));
  // The NoGrad inside is undone on return: graphs are recorded again afterwards.
  CHECK(aib::grad_enabled());
}

TEST_CASE("train_steps: 100 AdamW steps on a periodic stream lower the held-out loss", "[train]") {
  aib::Rng init(5);
  const aib::Gpt m(tiny(), init);
  const std::vector<Index> period = {0, 3, 1, 4, 1, 5, 2, 6, 5};  // period 9 over 7 symbols
  std::vector<Index> stream;
  for (int i = 0; i < 60; ++i) stream.insert(stream.end(), period.begin(), period.end());
  const auto [train, val] = aib::split_stream(stream, 0.8);
  const aib::TokenBatches train_data(train, 16, 8), val_data(val, 16, 8);
  const double before = aib::evaluate_loss(m, val_data);
  CHECK(before == Approx(std::log(7.0)).margin(0.3));  // an untrained model is near uniform
  aib::AdamW opt(aib::tensors_of(m.parameters()), 3e-3);
  aib::Rng rng(6);
  Index calls = 0;
  aib::train_steps(m, opt, train_data, rng, 100, [&](Index step, float loss) {
    CHECK(step == ++calls);  // steps count from 1
    CHECK(std::isfinite(loss));
  });
  CHECK(calls == 100);
  const double after = aib::evaluate_loss(m, val_data);
  CHECK(after < 0.25 * before);
}

TEST_CASE("checkpoints: round trip gives bit-identical logits; mismatches are named", "[train]") {
  const std::string path = temp_path("gpt.safetensors");
  aib::Rng r1(1), r2(2);
  const aib::Gpt saved(tiny(), r1);
  const aib::Gpt fresh(tiny(), r2);
  const std::vector<Index> ids = {1, 2, 3, 4, 5, 6, 0, 1};
  aib::Mat a, b;
  {
    aib::NoGrad g;
    a = saved.forward(ids, 2).value();
    b = fresh.forward(ids, 2).value();
  }
  REQUIRE((a - b).cwiseAbs().maxCoeff() > 0.f);  // different seeds, different models
  aib::save_checkpoint(path, saved, 1234, {{"note", "unit test"}});
  const aib::CheckpointInfo info = aib::load_checkpoint(path, fresh);
  CHECK(info.step == 1234);
  CHECK(info.metadata.at("note") == "unit test");
  CHECK(info.metadata.at("config.d_model") == "16");
  {
    aib::NoGrad g;
    b = fresh.forward(ids, 2).value();
  }
  CHECK((a.array() == b.array()).all());

  // Another config: refused, naming the field, before anything is copied.
  aib::Rng r3(3);
  const aib::Gpt deeper(tiny(7, 3), r3);
  const aib::Mat before_w = deeper.wte.weight.value();
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(path, deeper); }),
             Catch::Contains(path) && Catch::Contains("n_layers = 2, the model has 3"));
  CHECK((deeper.wte.weight.value().array() == before_w.array()).all());
  const aib::Gpt wider_vocab(tiny(9), r3);
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(path, wider_vocab); }),
             Catch::Contains("vocab_size = 7, the model has 9"));

  CHECK_THAT(aib_test::message_of([&] {
               aib::save_checkpoint(path, saved, 1, {{"step", "2"}});
             }),
             Catch::Contains("'step' is reserved"));

  // A safetensors file without the checkpoint metadata.
  const std::string plain = temp_path("plain.safetensors");
  aib::save_parameters(plain, saved.parameters());
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(plain, fresh); }),
             Catch::Contains(plain) && Catch::Contains("not a GPT checkpoint"));

  // Missing and corrupt files name the file.
  const std::string missing = temp_path("does-not-exist.safetensors");
  std::filesystem::remove(missing);
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(missing, fresh); }),
             Catch::Contains(missing));
  const std::string corrupt = temp_path("corrupt.safetensors");
  {
    std::ofstream out(corrupt, std::ios::binary);
    out << "this is not a safetensors file at all";
  }
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(corrupt, fresh); }),
             Catch::Contains(corrupt));
  // Truncated: a real checkpoint cut in half.
  const std::vector<unsigned char> bytes = aib_test::read_bytes(path);
  const std::string truncated = temp_path("truncated.safetensors");
  {
    std::ofstream out(truncated, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size() / 2));
  }
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(truncated, fresh); }),
             Catch::Contains(truncated));
  for (const auto& p : {path, plain, corrupt, truncated}) std::filesystem::remove(p);
}

TEST_CASE("a diverging run stops naming the step; evaluate_loss refuses a broken model",
          "[train]") {
  aib::Rng init(5);
  const aib::Gpt m(tiny(), init);
  const std::vector<Index> period = {0, 3, 1, 4, 1, 5, 2, 6, 5};
  std::vector<Index> stream;
  for (int i = 0; i < 30; ++i) stream.insert(stream.end(), period.begin(), period.end());
  const aib::TokenBatches data(stream, 16, 8);
  aib::AdamW opt(aib::tensors_of(m.parameters()), 1e3);  // a learning rate no model survives
  aib::Rng rng(6);
  Index steps_seen = 0;
  const std::string message = aib_test::message_of(
      [&] { aib::train_steps(m, opt, data, rng, 200, [&](Index, float) { ++steps_seen; }); });
  INFO(message);
  CHECK_THAT(message, Catch::StartsWith("train_steps: the loss is ") &&
                          Catch::Contains(fmt::format("at step {};", steps_seen + 1)));
  CHECK(steps_seen < 200);
  CHECK_THROWS_AS(aib::evaluate_loss(m, data), aib::DivergenceError);
  // The run stopped before the step that would have written NaN into the weights; a model whose
  // weights are NaN (as a run that does not check would leave them) cannot be saved.
  const std::string path = temp_path("diverged.safetensors");
  std::filesystem::remove(path);
  aib::TensorT<float> w = m.parameters()[1].tensor;
  w.value()(0, 0) = std::nanf("");
  CHECK_THAT(aib_test::message_of([&] { aib::save_checkpoint(path, m, steps_seen); }),
             Catch::Contains("tensor '" + m.parameters()[1].name +
                             "' holds 1 non-finite value (the first, nan, at (0, 0))"));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("checkpoints refuse a flipped byte, NaN weights and a step that is not a whole number",
          "[train]") {
  aib::Rng r1(1);
  const aib::Gpt model(tiny(), r1);
  const std::string path = temp_path("guarded.safetensors");
  aib::save_checkpoint(path, model, 40);
  const aib::SafeTensors good = aib::read_safetensors(path);
  REQUIRE(good.metadata.count("crc32.wte.weight") == 1);  // one checksum per tensor
  const std::string edited = temp_path("edited.safetensors");

  // One flipped bit in the data buffer: the last byte of the file belongs to some tensor.
  std::vector<unsigned char> bytes = aib_test::read_bytes(path);
  bytes.back() ^= 0x01;
  {
    std::ofstream out(edited, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(edited, model); }),
             Catch::Contains("its bytes do not match the checksum saved with them") &&
                 Catch::Contains("tensor '"));

  // NaN bytes with a matching checksum (as a tool that does not check would write them).
  aib::SafeTensors nan_file = good;
  const float nan = std::nanf("");
  std::memcpy(nan_file.tensors[2].second.bytes.data(), &nan, sizeof nan);
  aib::add_checksums(nan_file);
  aib::write_safetensors(edited, nan_file);
  CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(edited, model); }),
             Catch::Contains("tensor '" + nan_file.tensors[2].first +
                             "' holds 1 non-finite value (the first, nan, at (0, 0))"));

  // The step is parsed whole or refused.
  for (const char* step : {"5e3", "0x10", "3.9", "12abc", "-1", "", " 7"}) {
    aib::SafeTensors f = good;
    f.metadata["step"] = step;
    aib::write_safetensors(edited, f);
    INFO(step);
    CHECK_THAT(aib_test::message_of([&] { aib::load_checkpoint(edited, model); }),
               Catch::Contains("not a whole number >= 0"));
  }
  aib::SafeTensors f = good;
  f.metadata["step"] = "5000";
  aib::write_safetensors(edited, f);
  CHECK(aib::load_checkpoint(edited, model).step == 5000);
  for (const auto& p : {path, edited}) std::filesystem::remove(p);
}
