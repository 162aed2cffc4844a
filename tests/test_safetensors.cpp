// Tests for aib/core/safetensors.hpp: files round-trip, match the layout of the reference
// implementation byte for byte, and every broken file throws aib::IoError naming the file, the
// tensor and the problem.
//
// Fixtures in tests/fixtures/safetensors/ were written by an independent implementation of the
// format (tools/reference/make_safetensors_fixtures.py, provenance in the README there); from_aib/
// holds files our writer produced and that script checked.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/safetensors.hpp"

using aib::DType;
using aib::Index;
using aib::SafeTensor;
using aib::SafeTensors;
using Bytes = std::vector<unsigned char>;
using aib_test::read_bytes;

namespace {

namespace fs = std::filesystem;

std::string st_dir() {
  return std::string(AIB_FIXTURES_DIR) + "/safetensors";
}
std::string fixture(const std::string& name) {
  return st_dir() + "/" + name;
}

// The message of the aib::IoError f throws; "(no error)" or "(wrong exception type)" otherwise.
std::string io_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const aib::IoError& e) {
    return e.what();
  } catch (...) {
    return "(wrong exception type)";
  }
  return "(no error)";
}

SafeTensors parse(const Bytes& b, std::size_t n) {
  return aib::parse_safetensors(b.data(), n, "mem.safetensors");
}
SafeTensors parse(const Bytes& b) {
  return parse(b, b.size());
}
std::string parse_error(const Bytes& b) {
  return io_error_of([&] { parse(b); });
}

// A file written by hand: the 8-byte size of `header` (or `size`), `header`, `data`.
Bytes make_file(const std::string& header, const Bytes& data = {}, std::uint64_t size = ~0ull) {
  if (size == ~0ull) size = header.size();
  Bytes b;
  for (int k = 0; k < 8; ++k) b.push_back(static_cast<unsigned char>(size >> (8 * k)));
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

using aib_test::TempDir;

// Same tensors (by name, whatever their order) and the same metadata.
bool same(const SafeTensors& a, const SafeTensors& b) {
  if (a.tensors.size() != b.tensors.size() || a.metadata != b.metadata) return false;
  for (const auto& [name, t] : a.tensors) {
    const SafeTensor* u = b.find(name);
    if (!u || u->dtype != t.dtype || u->shape != t.shape || u->bytes != t.bytes) return false;
  }
  return true;
}

// A parsed file must be self-consistent, re-serialize, parse back the same, and serialize to the
// same bytes again.
void require_consistent(const SafeTensors& st) {
  for (const auto& [name, t] : st.tensors) {
    INFO(name);
    REQUIRE(t.bytes.size() == static_cast<std::size_t>(t.size()) * t.itemsize());
  }
  const Bytes again = aib::serialize_safetensors(st);
  const SafeTensors back = parse(again);
  REQUIRE(same(st, back));
  REQUIRE(aib::serialize_safetensors(back) == again);
}

// The header's position and size: [8, 8 + N).
std::uint64_t header_size(const Bytes& b) {
  std::uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= static_cast<std::uint64_t>(b[k]) << (8 * k);
  return n;
}

template <class T>
bool same_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, sizeof(T)) == 0;  // -0.0 differs from 0.0
  } else {
    return a == b;
  }
}

// Element values from manifest.json's strings (floats as Python repr, integers in decimal).
template <class T>
std::vector<T> manifest_values(const nlohmann::json& values) {
  std::vector<T> out;
  for (const auto& v : values) {
    const std::string s = v.get<std::string>();
    if constexpr (std::is_floating_point_v<T>)
      out.push_back(static_cast<T>(std::strtod(s.c_str(), nullptr)));
    else
      out.push_back(static_cast<T>(std::stoll(s)));
  }
  return out;
}

template <class T>
void check_values(const SafeTensor& t, const std::string& name, const nlohmann::json& values) {
  const std::vector<T> got = aib::to_vector<T>(t, name);
  const std::vector<T> want = manifest_values<T>(values);
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("element " << k << ": " << got[k] << " vs " << want[k]);
    CHECK(same_value(got[k], want[k]));
  }
}

// ---- what our writer put into from_aib/ (the same formulas are in the Python script) ----------

SafeTensors from_aib_all_dtypes() {
  using std::int32_t;
  using std::int64_t;
  std::vector<float> embed, cube;
  for (int k = 0; k < 12; ++k) embed.push_back(static_cast<float>(k) * 0.25f - 1.5f);
  for (int k = 0; k < 8; ++k) cube.push_back(static_cast<float>(k) - 3.5f);
  const double tiny = std::numeric_limits<double>::denorm_min();  // 5e-324
  SafeTensors st;
  st.tensors = {
      {"embed.weight", aib::to_safetensor<float>({3, 4}, embed)},
      {"layer.0.bias",
       aib::to_safetensor<float>({4}, {0.1f, -0.2f, 1e-8f, std::numeric_limits<float>::max()})},
      {"empty", aib::to_safetensor<float>({0, 3}, {})},
      {"scale", aib::to_safetensor<double>({}, {-0.1})},
      {"f64.matrix", aib::to_safetensor<double>({2, 2}, {1.0 / 3.0, -1e300, tiny, -0.0})},
      {"counts",
       aib::to_safetensor<int32_t>({2, 3}, {std::numeric_limits<int32_t>::min(),
                                            std::numeric_limits<int32_t>::max(), 0, -7, 1, 2})},
      {"ids", aib::to_safetensor<int64_t>(
                  {4}, {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                        int64_t{1} << 40, -3})},
      {"no.ids", aib::to_safetensor<int64_t>({0}, {})},
      {"gr\xc3\xb6\xc3\x9f"
       "e",
       aib::to_safetensor<int32_t>({}, {42})},
      {"T3", aib::to_safetensor<float>({2, 2, 2}, cube)},
  };
  st.metadata = {
      {"format", "pt"},
      {"course", "AI Basics"},
      {"escapes",
       "tab\t newline\n quote\" backslash\\ bell\x07 del\x7f slash/ "
       "\xc3\xbcn\xc3\xaf"
       "c\xc3\xb6"
       "d\xc3\xa9 \xe2\x9c\x93"},
  };
  return st;
}

std::vector<std::pair<std::string, aib::Mat>> from_aib_matrices() {
  aib::Mat w1(2, 3), b1(1, 3), w2(3, 1);
  for (Index k = 0; k < 6; ++k) w1.data()[k] = static_cast<float>(k) * 0.5f - 1.0f;
  b1 << 0.1f, 0.2f, 0.3f;
  w2 << 1.0f, -2.0f, 3.0f;
  return {{"W1", w1}, {"b1", b1}, {"W2", w2}};
}
const std::map<std::string, std::string> from_aib_matrices_metadata = {
    {"episode", "08-closed-vs-open"}};

}  // namespace

// ---- the reference implementation's own test vectors
// ---------------------------------------------

// The bytes that the unit tests of huggingface/safetensors (safetensors/src/tensor.rs:
// test_serialization, test_empty, test_serialization_forced_alignement) expect of serialize().
TEST_CASE("the writer reproduces the byte vectors of the reference implementation's tests",
          "[safetensors]") {
  std::vector<float> v = {0, 1, 2, 3, 4, 5};
  const SafeTensor t123 = aib::to_safetensor<float>({1, 2, 3}, v);
  const SafeTensor t1123 = aib::to_safetensor<float>({1, 1, 2, 3}, v);
  const Bytes data = t123.bytes;
  REQUIRE(data == Bytes({0, 0, 0,  0,  0, 0, 128, 63, 0, 0, 0,   64,
                         0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64}));

  SafeTensors one;
  one.tensors = {{"attn.0", t123}};
  Bytes want =
      make_file(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", data);
  REQUIRE(want[0] == 64);
  CHECK(aib::serialize_safetensors(one) == want);
  CHECK(same(parse(want), one));

  SafeTensors empty;
  CHECK(aib::serialize_safetensors(empty) == make_file("{}      "));
  empty.metadata = {{"framework", "pt"}};
  CHECK(aib::serialize_safetensors(empty) ==
        make_file(R"({"__metadata__":{"framework":"pt"}}     )"));
  CHECK(parse(make_file(R"({"__metadata__":{"framework":"pt"}}     )")).metadata == empty.metadata);

  SafeTensors aligned;
  aligned.tensors = {{"attn0", t1123}};
  want = make_file(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       )",
                   data);
  REQUIRE(want[0] == 72);
  CHECK(aib::serialize_safetensors(aligned) == want);

  // test_empty_shapes_allowed: a 0-d I32 tensor holds one element.
  const SafeTensors scalar = parse(
      make_file(R"({"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}})", Bytes{7, 0, 0, 0}));
  REQUIRE(scalar.tensors.size() == 1);
  CHECK(scalar.at("test").shape.empty());
  CHECK(scalar.at("test").size() == 1);
  CHECK(aib::to_mat<std::int32_t>(scalar.at("test"), "test")(0, 0) == 7);
}

// ---- round trips
// ----------------------------------------------------------------------------------

TEST_CASE("every dtype and shape round-trips, in the reference order and aligned",
          "[safetensors]") {
  SafeTensors st;
  st.tensors = {
      {"w", aib::to_safetensor<float>({2, 3}, {1.5f, -2.0f, 0.0f, -0.0f, 1e-30f, 7.0f})},
      {"b", aib::to_safetensor<float>({3}, {0.5f, 0.25f, -1.0f})},  // 1-d
      {"scalar", aib::to_safetensor<double>({}, {3.25})},           // 0-d: one element
      {"no_rows", aib::to_safetensor<std::int32_t>({0, 3}, {})},    // 0 rows
      {"ids", aib::to_safetensor<std::int64_t>({5}, {1, -2, 3, -4, 5})},
      {"odd", aib::to_safetensor<std::int32_t>({3}, {7, 8, 9})},  // 12 bytes: not a multiple of 8
      {"cube", aib::to_safetensor<double>({2, 1, 2}, {1, 2, 3, 4})},
  };
  st.metadata = {{"format", "pt"}, {"note", "ünïcödé ✓ \"quoted\"\n"}};
  const Bytes bytes = aib::serialize_safetensors(st);
  const SafeTensors back = parse(bytes);
  CHECK(same(st, back));
  require_consistent(back);

  // Data order as the reference's serialize(): I64, then F64, F32, I32, each by name.
  std::vector<std::string> names;
  for (const auto& [name, t] : back.tensors) names.push_back(name);
  CHECK(names == std::vector<std::string>{"ids", "cube", "scalar", "b", "w", "no_rows", "odd"});
  // The header is padded to a multiple of 8 and every tensor starts aligned to its element size.
  const std::uint64_t n = header_size(bytes);
  CHECK(n % 8 == 0);
  CHECK(bytes[8 + n - 1] != '\0');
  std::size_t offset = 8 + static_cast<std::size_t>(n);
  for (const auto& [name, t] : back.tensors) {
    INFO(name);
    CHECK(offset % t.itemsize() == 0);
    offset += t.bytes.size();
  }
  CHECK(offset == bytes.size());
  // The order of st.tensors does not change the bytes.
  SafeTensors reversed = st;
  std::reverse(reversed.tensors.begin(), reversed.tensors.end());
  CHECK(aib::serialize_safetensors(reversed) == bytes);

  // The file functions write and read the same bytes.
  TempDir dir;
  aib::write_safetensors(dir.file("st.safetensors"), st);
  CHECK(read_bytes(dir.file("st.safetensors")) == bytes);
  CHECK(same(aib::read_safetensors(dir.file("st.safetensors")), st));

  // No tensors at all, with and without metadata.
  SafeTensors none;
  CHECK(same(parse(aib::serialize_safetensors(none)), none));
  none.metadata = {{"only", "metadata"}};
  CHECK(same(parse(aib::serialize_safetensors(none)), none));
}

TEST_CASE("to_mat, to_vector and to_safetensor: shapes, storage order, exact dtypes",
          "[safetensors]") {
  // Any storage order saves in C order: [rows, cols], row after row.
  Eigen::MatrixXd col_major(2, 3);  // column-major
  col_major << 1, 2, 3, 4, 5, 6;
  const SafeTensor t = aib::to_safetensor(col_major);
  CHECK(t.dtype == DType::f64);
  CHECK(t.shape == std::vector<Index>{2, 3});
  CHECK(t.bytes == aib::to_safetensor<double>({2, 3}, {1, 2, 3, 4, 5, 6}).bytes);
  CHECK(aib::to_mat<double>(t, "t") == aib::MatD(col_major));
  CHECK(aib::to_safetensor(col_major.transpose()).shape == std::vector<Index>{3, 2});
  CHECK(aib::to_vector<double>(aib::to_safetensor(col_major.transpose()), "tt") ==
        std::vector<double>{1, 4, 2, 5, 3, 6});

  // Compile-time vectors are 1-d (like a PyTorch bias); other matrices 2-d even with one row.
  aib::Vec v(3);
  v << 1, 2, 3;
  CHECK(aib::to_safetensor(v).shape == std::vector<Index>{3});
  CHECK(aib::to_safetensor(aib::RowVec(v.transpose())).shape == std::vector<Index>{3});
  CHECK(aib::to_safetensor(aib::Mat(v.transpose())).shape == std::vector<Index>{1, 3});

  // Loading: [n] -> (1, n), [] -> (1, 1), [0, 3] -> (0, 3).
  const aib::Mat row = aib::to_mat<float>(aib::to_safetensor(v), "v");
  CHECK(row.rows() == 1);
  CHECK(row.cols() == 3);
  CHECK(row(0, 2) == 3.0f);
  const aib::MatT<std::int64_t> one =
      aib::to_mat<std::int64_t>(aib::to_safetensor<std::int64_t>({}, {-9}), "s");
  CHECK(one.rows() == 1);
  CHECK(one.cols() == 1);
  CHECK(one(0, 0) == -9);
  const aib::MatT<std::int32_t> none =
      aib::to_mat<std::int32_t>(aib::to_safetensor<std::int32_t>({0, 3}, {}), "e");
  CHECK(none.rows() == 0);
  CHECK(none.cols() == 3);

  // Nothing is converted: the message names both dtypes.
  const std::string wrong =
      io_error_of([&] { aib::to_mat<float>(aib::to_safetensor(col_major), "fc1.weight"); });
  CHECK(wrong ==
        "to_mat<float>: tensor 'fc1.weight': holds F64 data (double), not F32 (float); load it "
        "with to_mat<double>. Nothing is converted silently: call .cast<float>() on the result if "
        "you need float");
  CHECK_THAT(io_error_of([&] { aib::to_vector<std::int32_t>(t, "t"); }),
             Catch::Contains("to_vector<std::int32_t>: tensor 't': holds F64 data"));
  // More than 2 dimensions: use to_vector.
  const SafeTensor cube = aib::to_safetensor<float>({2, 1, 2}, {1, 2, 3, 4});
  CHECK(io_error_of([&] { aib::to_mat<float>(cube, "cube"); }) ==
        "to_mat<float>: tensor 'cube': has shape [2, 1, 2]; a matrix holds at most 2 dimensions: "
        "use to_vector<float> for its flat C-order values");
  CHECK(aib::to_vector<float>(cube, "cube") == std::vector<float>{1, 2, 3, 4});
  // A tensor whose bytes do not match its shape.
  SafeTensor broken = cube;
  broken.shape = {2, 3};
  CHECK(io_error_of([&] { aib::to_mat<float>(broken, "broken"); }) ==
        "to_mat<float>: tensor 'broken': F32 shape [2, 3] needs 24 bytes, the tensor holds 16");
  CHECK_THROWS_AS(aib::to_safetensor<float>({2, 2}, {1, 2, 3}), aib::Error);
  CHECK_THROWS_AS(aib::to_safetensor<float>({-1}, {}), aib::Error);
}

TEST_CASE("save_matrices and load_matrices", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  const auto named = from_aib_matrices();
  aib::save_matrices(path, named, {{"episode", "08"}});
  const auto loaded = aib::load_matrices(path);
  REQUIRE(loaded.size() == 3);
  // Data order: by name (all F32), so "W1", "W2", "b1".
  CHECK(loaded[0].first == "W1");
  CHECK(loaded[1].first == "W2");
  CHECK(loaded[2].first == "b1");
  for (const auto& named_m : named) {
    const std::string& name = named_m.first;
    const aib::Mat& m = named_m.second;
    INFO(name);
    const auto it =
        std::find_if(loaded.begin(), loaded.end(), [&](const auto& p) { return p.first == name; });
    REQUIRE(it != loaded.end());
    CHECK(it->second.rows() == m.rows());
    CHECK(it->second.cols() == m.cols());
    CHECK(it->second == m);
  }
  // The caller's metadata, and one CRC-32 per tensor (of its F32 bytes as stored).
  const auto metadata = aib::read_safetensors(path).metadata;
  CHECK(metadata.size() == 1 + named.size());
  CHECK(metadata.at("episode") == "08");
  for (const auto& [name, m] : named) {
    const aib::SafeTensor t = aib::to_safetensor(m);
    CHECK(metadata.at("crc32." + name) ==
          fmt::format("{:08x}", aib::crc32(t.bytes.data(), t.bytes.size())));
  }

  // F32 only, 2-d at most, and the message says what to do instead.
  SafeTensors st;
  st.tensors = {{"w", aib::to_safetensor<float>({1}, {1.0f})},
                {"d", aib::to_safetensor<double>({2}, {1.0, 2.0})}};
  aib::write_safetensors(dir.file("d.safetensors"), st);
  CHECK(io_error_of([&] { aib::load_matrices(dir.file("d.safetensors")); }) ==
        "load_matrices: '" + dir.file("d.safetensors") +
            "': tensor 'd': holds F64 data (double); load_matrices reads F32 only: use "
            "read_safetensors and to_mat<double>");
  st.tensors = {{"cube", aib::to_safetensor<float>({1, 1, 1}, {1.0f})}};
  aib::write_safetensors(dir.file("c.safetensors"), st);
  CHECK_THAT(io_error_of([&] { aib::load_matrices(dir.file("c.safetensors")); }),
             Catch::Contains("load_matrices: '" + dir.file("c.safetensors") +
                             "': tensor 'cube': has shape [1, 1, 1]"));
  // Names must be unique.
  CHECK_THAT(io_error_of([&] {
               aib::save_matrices(dir.file("x.safetensors"),
                                  {{"a", aib::Mat(1, 1)}, {"a", aib::Mat(2, 2)}});
             }),
             Catch::Contains("two tensors are named 'a'"));
}

TEST_CASE("crc32 is zlib's: check values from Python's zlib.crc32", "[safetensors]") {
  CHECK(aib::crc32("123456789", 9) == 0xcbf43926u);  // the standard check value
  CHECK(aib::crc32("a", 1) == 0xe8b7be43u);
  CHECK(aib::crc32(nullptr, 0) == 0u);
  const unsigned char f32[16] = {0, 0, 128, 63, 0, 0, 0,   64,
                                 0, 0, 64,  64, 0, 0, 128, 64};  // 1 2 3 4
  CHECK(aib::crc32(f32, sizeof f32) == 0x8ba71454u);
}

TEST_CASE("checksums: a flipped bit is named, a checksum without its tensor too", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.file("sum.safetensors");
  SafeTensors st;
  st.tensors = {{"w", aib::to_safetensor<float>({2}, {1.0f, 2.0f})}};
  aib::add_checksums(st);
  CHECK(st.metadata.at("crc32.w") ==
        fmt::format("{:08x}", aib::crc32(st.tensors[0].second.bytes.data(), 8)));
  CHECK_NOTHROW(aib::verify_checksums(st, "test", path));
  st.tensors[0].second.bytes[3] ^= 0x80;  // 1.0f -> -1.0f
  CHECK_THAT(io_error_of([&] { aib::verify_checksums(st, "test", path); }),
             Catch::StartsWith("test: '" + path + "': tensor 'w': its bytes do not match"));
  aib::write_safetensors(path, st);
  CHECK_THAT(io_error_of([&] { aib::load_matrices(path); }),
             Catch::Contains("tensor 'w': its bytes do not match the checksum"));
  st.metadata["crc32.ghost"] = "00000000";
  st.tensors[0].second.bytes[3] ^= 0x80;
  CHECK_THAT(
      io_error_of([&] { aib::verify_checksums(st, "test", path); }),
      Catch::Contains("metadata 'crc32.ghost' is the checksum of a tensor the file does not hold"));
}

TEST_CASE("find and at", "[safetensors]") {
  SafeTensors st;
  st.tensors = {{"a", aib::to_safetensor<float>({1}, {1.0f})},
                {"b", aib::to_safetensor<float>({1}, {2.0f})}};
  REQUIRE(st.find("b") != nullptr);
  CHECK(aib::to_vector<float>(*st.find("b"), "b") == std::vector<float>{2.0f});
  CHECK(st.find("c") == nullptr);
  CHECK(&st.at("a") == &st.tensors[0].second);
  CHECK(aib_test::message_of([&] { st.at("c"); }) ==
        "SafeTensors::at: no tensor named 'c'; there are 2 tensors: 'a', 'b'");
}

// ---- files from an independent implementation
// ----------------------------------------------------

TEST_CASE("files written by an independent implementation load with the manifest's values",
          "[safetensors]") {
  std::ifstream in(fixture("manifest.json"));
  REQUIRE(in.good());
  const nlohmann::json manifest = nlohmann::json::parse(in);
  REQUIRE(manifest.at("files").size() == 3);
  for (const auto& [file, want] : manifest.at("files").items()) {
    INFO(file);
    const SafeTensors st = aib::read_safetensors(fixture(file));
    const Bytes bytes = read_bytes(fixture(file));
    CHECK(same(aib::parse_safetensors(bytes.data(), bytes.size(), file), st));
    CHECK(st.metadata == want.at("metadata").get<std::map<std::string, std::string>>());
    REQUIRE(st.tensors.size() == want.at("tensors").size());
    std::size_t k = 0;
    for (const nlohmann::json& w : want.at("tensors")) {  // in data-buffer order
      const auto& [name, t] = st.tensors[k++];
      INFO(name);
      CHECK(name == w.at("name").get<std::string>());
      CHECK(aib::safetensors_dtype(t.dtype) == w.at("dtype").get<std::string>());
      CHECK(t.shape == w.at("shape").get<std::vector<Index>>());
      switch (t.dtype) {
        case DType::f32:
          check_values<float>(t, name, w.at("values"));
          break;
        case DType::f64:
          check_values<double>(t, name, w.at("values"));
          break;
        case DType::i32:
          check_values<std::int32_t>(t, name, w.at("values"));
          break;
        case DType::i64:
          check_values<std::int64_t>(t, name, w.at("values"));
          break;
      }
    }
    require_consistent(st);
  }
  // Spot checks, so that the test does not rest on the manifest alone.
  const SafeTensors mixed = aib::read_safetensors(fixture("mixed.safetensors"));
  const aib::Mat w = aib::to_mat<float>(mixed.at("fc1.weight"), "fc1.weight");
  CHECK(w.rows() == 2);
  CHECK(w(0, 1) == -2.25f);
  CHECK(w(1, 2) == std::numeric_limits<float>::max());
  const aib::MatD d = aib::to_mat<double>(mixed.at("double.matrix"), "double.matrix");
  CHECK(d(0, 1) == 1.0 / 3.0);
  CHECK(std::isinf(d(2, 0)));
  CHECK(std::isnan(d(2, 1)));
  CHECK(aib::to_mat<double>(mixed.at("scalar"), "scalar")(0, 0) == 3.25);
  CHECK(aib::to_vector<std::int64_t>(mixed.at("cube"), "cube")[23] == 12);
  CHECK(mixed.find("gr\xc3\xb6\xc3\x9f"
                   "e.gewicht") != nullptr);  // written as \u00f6\u00df in the header
  CHECK(mixed.metadata.at("format") == "pt");
}

TEST_CASE("the writer lays out a file exactly as the reference implementation does",
          "[safetensors]") {
  // reference_layout.safetensors and empty.safetensors follow serialize()'s layout (the script
  // checks its layout function against the byte vectors of the reference's own tests).
  for (const char* file : {"reference_layout.safetensors", "empty.safetensors"}) {
    INFO(file);
    const Bytes bytes = read_bytes(fixture(file));
    CHECK(aib::serialize_safetensors(aib::read_safetensors(fixture(file))) == bytes);
  }
  // mixed.safetensors is laid out otherwise (indented JSON, other orders, no padding): we read it
  // and write it our way, which then reads back the same.
  const Bytes mixed = read_bytes(fixture("mixed.safetensors"));
  const Bytes ours = aib::serialize_safetensors(parse(mixed));
  CHECK(ours != mixed);
  CHECK(same(parse(ours), parse(mixed)));
}

TEST_CASE("broken files are refused, naming the file, the tensor and the problem",
          "[safetensors]") {
  struct Case {
    const char* file;
    const char* what;  // the message after "read_safetensors: '<path>': "
  };
  const Case cases[] = {
      {"err_truncated_size.safetensors",
       "truncated: the file has 5 bytes; a safetensors file starts with an 8-byte header size"},
      {"err_empty_header.safetensors", "the header is empty (size 0); it must hold a JSON object"},
      {"err_blank_header.safetensors", "the header is not valid JSON"},
      {"err_nul_header.safetensors", "the header holds a NUL byte at file byte 8"},
      {"err_truncated.safetensors",
       "tensor 'b': data_offsets [8, 20] reach past the end of the data buffer, which has 16 "
       "bytes"},
      {"err_header_past_end.safetensors",
       "header size 223 reaches past the end of the file, which has 151 bytes: 143 after the "
       "8-byte size"},
      {"err_header_huge.safetensors",
       "header size 18446744073709551615 reaches past the end of the file, which has 151 bytes"},
      {"err_offsets_past_end.safetensors",
       "tensor 'b': data_offsets [8, 28] reach past the end of the data buffer, which has 20 "
       "bytes"},
      {"err_overlap.safetensors",
       "tensor 'b': data_offsets [4, 16] overlap those of tensor 'a' [0, 8]"},
      {"err_hole.safetensors",
       "tensor 'b': data_offsets [12, 24] leave a hole: bytes [8, 12) of the data buffer belong "
       "to no tensor"},
      {"err_trailing.safetensors",
       "bytes [20, 24) at the end of the data buffer belong to no tensor (4 trailing bytes)"},
      {"err_dtype.safetensors",
       "tensor 'a': unknown dtype 'float32'; the format's dtypes are BOOL, F4, F6_E2M3, F6_E3M2, "
       "U8, I8"},
      {"err_f16.safetensors",
       "tensor 'h': unsupported dtype 'F16' (16-bit float (half)); supported: F32, F64, I32, "
       "I64"},
      {"err_shape_mismatch.safetensors",
       "tensor 'fc1.weight': data_offsets [0, 48] hold 48 bytes but F32 shape [3, 5] needs 60"},
      {"err_not_object.safetensors",
       "the header is an array, not a JSON object mapping tensor names to entries"},
      {"err_invalid_json.safetensors",
       "the header is not valid JSON (file byte 130): parse error at line 1, column 123: "
       "syntax error while parsing object - unexpected end of input; expected '}'"},
      {"err_duplicate.safetensors", "duplicate key 'a' in the header"},
      {"err_extra_field.safetensors",
       "tensor 'a': unexpected field 'offsets'; an entry holds exactly dtype, shape and "
       "data_offsets"},
      {"err_missing_field.safetensors", "tensor 'a': missing field 'data_offsets'"},
      {"err_negative_dim.safetensors",
       "tensor 'a': shape[0] must be a non-negative integer below 2^64, found a negative number "
       "(-1)"},
      {"err_float_offset.safetensors",
       "tensor 'a': data_offsets[0] must be a non-negative integer below 2^64, found a "
       "non-integer number (0.0)"},
      {"err_begin_after_end.safetensors", "tensor 'a': data_offsets [8, 0] end before they begin"},
      {"err_overflow.safetensors",
       "tensor 'a': shape [4294967296, 4294967296, 4294967296] overflows"},
      {"err_metadata_value.safetensors",
       "__metadata__ value of 'epoch' must be a string, found a number (3)"},
      {"err_bad_utf8.safetensors", "the header is not valid JSON (file byte 11)"},
      {"err_bom.safetensors", "the header starts with a UTF-8 byte-order mark, which JSON forbids"},
  };
  std::size_t n_err_files = 0;
  for (const auto& entry : fs::directory_iterator(st_dir()))
    n_err_files += entry.path().filename().string().rfind("err_", 0) == 0;
  CHECK(n_err_files == std::size(cases));  // every error fixture is tested
  for (const Case& c : cases) {
    const std::string path = fixture(c.file);
    INFO(path);
    const std::string msg = io_error_of([&] { aib::read_safetensors(path); });
    CHECK_THAT(msg, Catch::StartsWith("read_safetensors: '" + path + "': " + c.what));
    // The in-memory parser says the same of the same bytes.
    const Bytes b = read_bytes(path);
    CHECK_THAT(io_error_of([&] { aib::parse_safetensors(b.data(), b.size(), c.file); }),
               Catch::StartsWith(std::string("parse_safetensors: '") + c.file + "': " + c.what));
  }
}

TEST_CASE("hostile and odd headers", "[safetensors]") {
  const Bytes f8 = {0, 0, 128, 63, 0, 0, 0, 64};  // two floats
  const auto entry = [](const std::string& dtype, const std::string& shape,
                        const std::string& offsets) {
    return R"({"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets +
           "}";
  };
  const std::string ok = entry("F32", "[2]", "[0,8]");

  // Accepted: whitespace anywhere, any key order, escapes in names, "-0", zero-size tensors.
  CHECK(parse(make_file(" \n\t{ \"a\" : " + ok + " }\r\n  ", f8)).tensors.size() == 1);
  CHECK(parse(make_file(R"({"a":{"data_offsets":[0,8],"shape":[2],"dtype":"F32"}})", f8))
            .tensors.size() == 1);
  CHECK(parse(make_file(R"({"\u0061\n":)" + ok + "}", f8)).find("a\n") != nullptr);
  CHECK(parse(make_file(R"({"a":)" + entry("F32", "[2]", "[-0,8]") + "}", f8)).tensors.size() == 1);
  const SafeTensors zeros =
      parse(make_file(R"({"z":)" + entry("F64", "[0,5]", "[0,0]") + R"(,"a":)" + ok + R"(,"y":)" +
                          entry("I64", "[3,0]", "[8,8]") + "}",
                      f8));
  CHECK(zeros.tensors.size() == 3);
  require_consistent(zeros);
  // A zero dimension makes the tensor empty however large the others are.
  CHECK(parse(make_file(R"({"e":)" + entry("F32", "[0,9223372036854775807]", "[0,0]") + "}"))
            .at("e")
            .size() == 0);

  // Refused, each with its reason.
  const auto refused = [&](const std::string& header, const Bytes& data = {}) {
    const std::string msg = parse_error(make_file(header, data));
    CHECK_THAT(msg, Catch::StartsWith("parse_safetensors: 'mem.safetensors': "));
    return msg;
  };
  CHECK_THAT(refused(""), Catch::Contains("the header is empty (size 0)"));
  CHECK_THAT(refused("        "), Catch::Contains("not valid JSON"));
  // nlohmann/json would stop at a NUL byte and ignore what follows.
  CHECK_THAT(refused(R"({"a":)" + ok + std::string("}\0\0\0", 4), f8),
             Catch::Contains("the header holds a NUL byte at file byte 62"));
  CHECK_THAT(refused(std::string("{\0\"a\":", 6) + ok + "}", f8),
             Catch::Contains("NUL byte at file byte 9"));
  CHECK_THAT(refused(R"({"a":)" + ok + "} {}", f8), Catch::Contains("not valid JSON"));
  CHECK_THAT(refused(R"("text")"), Catch::Contains("the header is a string, not a JSON object"));
  CHECK_THAT(refused("null"), Catch::Contains("the header is a null, not a JSON object"));
  CHECK_THAT(refused("42"), Catch::Contains("the header is a number, not a JSON object"));
  CHECK_THAT(refused(R"({"a":[1]})"), Catch::Contains("tensor 'a': the entry must be an object"));
  CHECK_THAT(refused(R"({"__metadata__":null})"),
             Catch::Contains("__metadata__ must be an object of strings, found a null"));
  CHECK_THAT(refused(R"({"__metadata__":{"k":"v","k":"w"}})"),
             Catch::Contains("duplicate key 'k' in the header"));
  CHECK_THAT(refused(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f8),
             Catch::Contains("duplicate key 'dtype' in the header"));
  CHECK_THAT(refused(R"({"a":{"dtype":"F32","shape":[null],"data_offsets":[0,8]}})", f8),
             Catch::Contains("tensor 'a': shape[0] must be a non-negative integer below 2^64, "
                             "found a null (null)"));
  CHECK_THAT(
      refused(R"({"a":)" + entry("F32", "[true,2]", "[0,8]") + "}", f8),
      Catch::Contains("shape[0] must be a non-negative integer below 2^64, found a boolean"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "[\"2\"]", "[0,8]") + "}", f8),
             Catch::Contains("found a string (\"2\")"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "2", "[0,8]") + "}", f8),
             Catch::Contains("tensor 'a': shape must be an array of non-negative integers, found "
                             "a number"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "[9223372036854775808]", "[0,8]") + "}", f8),
             Catch::Contains("shape[0] = 9223372036854775808 does not fit a 64-bit signed "
                             "integer"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "[2]", "[0,18446744073709551616]") + "}", f8),
             Catch::Contains("data_offsets[1] must be a non-negative integer below 2^64, found a "
                             "non-integer number"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "[2]", "[0,8,16]") + "}", f8),
             Catch::Contains("data_offsets must be an array [begin, end], found an array of 3 "
                             "elements"));
  CHECK_THAT(refused(R"({"a":)" + entry("F32", "[2]", "{}") + "}", f8),
             Catch::Contains("data_offsets must be an array [begin, end], found an object"));
  CHECK_THAT(refused(R"({"a":{"dtype":5,"shape":[2],"data_offsets":[0,8]}})", f8),
             Catch::Contains("tensor 'a': dtype must be a string, found a number"));
  CHECK_THAT(refused(R"({"a":)" + entry("BF16", "[4]", "[0,8]") + "}", f8),
             Catch::Contains("unsupported dtype 'BF16' (bfloat16)"));
  CHECK_THAT(refused(R"({"a":)" + entry("f32", "[2]", "[0,8]") + "}", f8),
             Catch::Contains("unknown dtype 'f32'"));
  // A zero-size tensor inside another's range, and a buffer only a zero-size tensor points into.
  CHECK_THAT(refused(R"({"a":)" + ok + R"(,"z":)" + entry("F32", "[0]", "[4,4]") + "}", f8),
             Catch::Contains("tensor 'z': data_offsets [4, 4] overlap those of tensor 'a'"));
  CHECK_THAT(refused(R"({"z":)" + entry("F32", "[0]", "[8,8]") + "}", f8),
             Catch::Contains("tensor 'z': data_offsets [8, 8] leave a hole: bytes [0, 8)"));
  // Two tensors on the same bytes.
  CHECK_THAT(refused(R"({"a":)" + ok + R"(,"b":)" + ok + "}", f8),
             Catch::Contains("tensor 'b': data_offsets [0, 8] overlap those of tensor 'a' [0, 8]"));
  // Names from the file are shown with control bytes escaped.
  CHECK_THAT(refused(R"({"a\u0001\\":)" + entry("F32", "[3]", "[0,8]") + "}", f8),
             Catch::Contains("tensor 'a\\x01\\x5c': data_offsets [0, 8] hold 8 bytes"));
  // Deep nesting is refused as soon as it starts, before it can cost memory.
  CHECK_THAT(refused(R"({"a":{"shape":[[[1]]]}})"),
             Catch::Contains("nests JSON objects or arrays 4 levels deep"));
  CHECK_THAT(refused(std::string(1'000'000, '[')), Catch::Contains("4 levels deep"));
  // Header sizes: larger than the file, and larger than the format's 100 MB limit.
  CHECK_THAT(parse_error(make_file("{}", {}, 3)),
             Catch::Contains("header size 3 reaches past the end of the file, which has 10 bytes"));
  CHECK_THAT(parse_error(make_file("{}", {}, ~0ull - 1)), Catch::Contains("reaches past the end"));
  {
    Bytes big = make_file("{}", {}, 100'000'001);
    big.resize(8 + 100'000'001, ' ');
    CHECK_THAT(parse_error(big),
               Catch::Contains("header size 100000001 is larger than the 100000000 bytes "
                               "safetensors allows"));
  }
  CHECK_THAT(io_error_of([] { aib::parse_safetensors(nullptr, 10, "null"); }),
             Catch::Contains("null data pointer"));
  CHECK_THAT(io_error_of([] { aib::parse_safetensors(nullptr, 0, "null"); }),
             Catch::Contains("truncated: the file has 0 bytes"));
}

TEST_CASE("serialize refuses what it cannot write", "[safetensors]") {
  const SafeTensor good = aib::to_safetensor<float>({2}, {1.0f, 2.0f});
  const auto error_of = [](const SafeTensors& st) {
    return io_error_of([&] { aib::serialize_safetensors(st); });
  };
  SafeTensors st;
  st.tensors = {{"w", good}};
  st.tensors[0].second.shape = {3};
  CHECK(error_of(st) ==
        "serialize_safetensors: tensor 'w': F32 shape [3] needs 12 bytes, the tensor holds 8");
  st.tensors[0].second.shape = {-2};
  CHECK_THAT(error_of(st), Catch::Contains("tensor 'w': negative dimension -2 in shape [-2]"));
  st.tensors = {{"__metadata__", good}};
  CHECK_THAT(error_of(st), Catch::Contains("a tensor may not be named '__metadata__'"));
  st.tensors = {{"w", good}, {"v", good}, {"w", good}};
  CHECK(error_of(st) == "serialize_safetensors: two tensors are named 'w'; names must be unique");
  st.tensors = {{"bad\xff", good}};
  CHECK(error_of(st) ==
        "serialize_safetensors: tensor name 'bad\\xff' is not valid UTF-8, which the JSON header "
        "requires");
  st.tensors = {{"w", good}};
  st.metadata = {{"k", "\xc3"}};
  CHECK(error_of(st) ==
        "serialize_safetensors: metadata value of 'k' '\\xc3' is not valid UTF-8, which the JSON "
        "header requires");
  TempDir dir;
  CHECK_THAT(io_error_of([&] { aib::write_safetensors(dir.file("x.safetensors"), st); }),
             Catch::StartsWith("write_safetensors: '" + dir.file("x.safetensors") + "': "));
  st.metadata.clear();
  CHECK_THAT(io_error_of([&] { aib::write_safetensors(dir.file("no/such/dir.safetensors"), st); }),
             Catch::Contains("cannot open for writing: No such file or directory"));
  CHECK_THAT(io_error_of([&] { aib::read_safetensors(dir.file("missing.safetensors")); }),
             Catch::Contains("read_safetensors: '" + dir.file("missing.safetensors") +
                             "': cannot open: No such file or directory"));
  CHECK_THAT(io_error_of([&] { aib::read_safetensors(dir.path.string()); }),
             Catch::Contains("cannot open: it is a directory"));
}

// ---- our files, checked by the independent implementation
// -----------------------------------------

// from_aib/ holds what our writer produced; `make_safetensors_fixtures.py --check` read them with
// its own reader, compared every value, and found them byte-identical to the reference layout.
// The writer must keep producing exactly these bytes, so that the check stays valid.
TEST_CASE("our writer still produces the files the independent reader checked", "[safetensors]") {
  CHECK(aib::serialize_safetensors(from_aib_all_dtypes()) ==
        read_bytes(fixture("from_aib/all_dtypes.safetensors")));
  TempDir dir;
  aib::save_matrices(dir.file("matrices.safetensors"), from_aib_matrices(),
                     from_aib_matrices_metadata);
  CHECK(read_bytes(dir.file("matrices.safetensors")) ==
        read_bytes(fixture("from_aib/matrices.safetensors")));
  CHECK(same(aib::read_safetensors(fixture("from_aib/all_dtypes.safetensors")),
             from_aib_all_dtypes()));
}

// Regenerate from_aib/ with `aib_unit_tests "[.write-safetensors-from-aib]"`, then check it with
// `/usr/bin/python3 tools/reference/make_safetensors_fixtures.py --check
//  tests/fixtures/safetensors/from_aib/*.safetensors`.
TEST_CASE("write the from_aib safetensors fixtures", "[.write-safetensors-from-aib]") {
  fs::create_directories(st_dir() + "/from_aib");
  aib::write_safetensors(fixture("from_aib/all_dtypes.safetensors"), from_aib_all_dtypes());
  aib::save_matrices(fixture("from_aib/matrices.safetensors"), from_aib_matrices(),
                     from_aib_matrices_metadata);
}

// ---- robustness
// -----------------------------------------------------------------------------------

TEST_CASE("every truncation of a valid file is refused", "[safetensors]") {
  for (const char* file :
       {"mixed.safetensors", "reference_layout.safetensors", "from_aib/all_dtypes.safetensors"}) {
    INFO(file);
    const Bytes b = read_bytes(fixture(file));
    REQUIRE_NOTHROW(parse(b));
    std::size_t refused = 0;
    for (std::size_t n = 0; n < b.size(); ++n) {
      const std::string msg = io_error_of([&] { parse(b, n); });
      INFO("length " << n << ": " << msg);
      refused += msg.rfind("parse_safetensors: 'mem.safetensors': ", 0) == 0;
    }
    CHECK(refused == b.size());  // the ranges must tile the buffer: no prefix is a valid file
  }
}

TEST_CASE("flipped header bytes are refused or parse into something consistent", "[safetensors]") {
  std::size_t accepted = 0, rejected = 0;
  const auto attempt = [&](const Bytes& b) {
    SafeTensors st;
    try {
      st = parse(b);
    } catch (const aib::IoError& e) {
      REQUIRE(std::string(e.what()).rfind("parse_safetensors: 'mem.safetensors': ", 0) == 0);
      ++rejected;
      return;
    }
    ++accepted;
    require_consistent(st);
  };
  for (const char* file : {"reference_layout.safetensors", "mixed.safetensors"}) {
    INFO(file);
    const Bytes b = read_bytes(fixture(file));
    const std::size_t end = 8 + static_cast<std::size_t>(header_size(b));
    // Every byte of the size and the header: a few bit flips and every JSON-significant byte.
    const unsigned char masks[] = {0x01, 0x02, 0x08, 0x20, 0x80, 0xff};
    const unsigned char chars[] = {'"', '{', '}', '[', ']', ',', ':', '0', '9', '-', ' ', '\\'};
    for (std::size_t i = 0; i < end; ++i) {
      INFO("byte " << i);
      Bytes c = b;
      for (const unsigned char m : masks) {
        c[i] = b[i] ^ m;
        attempt(c);
      }
      for (const unsigned char ch : chars) {
        c[i] = ch;
        attempt(c);
      }
    }
    // And random multi-byte damage (std::mt19937's output is specified by the standard).
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 3000; ++trial) {
      Bytes c = b;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) c[rng() % end] = static_cast<unsigned char>(rng());
      attempt(c);
    }
  }
  INFO(accepted << " accepted, " << rejected << " refused");
  CHECK(accepted > 50);  // e.g. a changed letter in a name, or in a metadata value
  CHECK(rejected > 1000);
}
