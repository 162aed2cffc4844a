// Tests for aib/core/io.hpp: .npy files round-trip, match numpy byte for byte, and every broken
// file throws aib::IoError naming the file and the problem.
//
// Fixtures in tests/fixtures/npy/ were written by numpy (tools/make_npy_fixtures.py, provenance in
// tests/fixtures/npy/README.md); from_aib/ holds files our writer produced and numpy checked.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/io.hpp"

using aib::DType;
using aib::Index;
using aib::NpyArray;
using Bytes = std::vector<unsigned char>;
using aib_test::read_bytes;

namespace {

namespace fs = std::filesystem;

std::string npy_dir() {
  return std::string(AIB_FIXTURES_DIR) + "/npy";
}
std::string fixture(const std::string& name) {
  return npy_dir() + "/" + name;
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
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

std::string parse_error(const Bytes& b, std::size_t n) {
  return io_error_of([&] { aib::parse_npy(b.data(), n, "bad.npy"); });
}
std::string parse_error(const Bytes& b) {
  return parse_error(b, b.size());
}

// A .npy image written by hand: magic, version, header length, `dict` + '\n', `data`.
Bytes make_npy(const std::string& dict, const Bytes& data = {}, unsigned major = 1,
               bool newline = true) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(major), 0};
  const std::size_t len = dict.size() + (newline ? 1 : 0);
  for (unsigned k = 0; k < (major == 1 ? 2u : 4u); ++k)
    b.push_back(static_cast<unsigned char>(len >> (8 * k)));
  b.insert(b.end(), dict.begin(), dict.end());
  if (newline) b.push_back('\n');
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string dict_of(const std::string& descr, const std::string& shape,
                    const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

using aib_test::TempDir;

// Element k (C order) of the from_aib arrays: the same formulas are in make_npy_fixtures.py.
template <class T>
T value_of(Index k) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(static_cast<double>(k * k - 7 * k) / 8.0 + (k % 2 ? 0.1 : 0.0));
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    if (k < 2) return k == 0 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
    return static_cast<T>((k - 3) * 1000003);
  } else {
    if (k < 2) return k == 0 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
    return static_cast<T>((k - 3) * 1000000007000LL);
  }
}

template <class M>
M filled(Index rows, Index cols) {
  M m(rows, cols);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) m(i, j) = value_of<typename M::Scalar>(i * cols + j);
  return m;
}

template <class T>
std::vector<T> values(Index n) {
  std::vector<T> v;
  for (Index k = 0; k < n; ++k) v.push_back(value_of<T>(k));
  return v;
}

// The files in tests/fixtures/npy/from_aib/: what our writer produced, checked by numpy with
// `make_npy_fixtures.py --check-ours` (keep the list in step with FROM_AIB there).
std::vector<std::pair<std::string, NpyArray>> from_aib_arrays() {
  using ColMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  aib::Vec vec5(5);
  for (Index k = 0; k < 5; ++k) vec5(k) = value_of<float>(k);
  aib::RowVecD rowvec4(4);
  for (Index k = 0; k < 4; ++k) rowvec4(k) = value_of<double>(k);
  return {
      {"f32_3x4.npy", aib::to_npy(filled<aib::Mat>(3, 4))},
      {"f64_2x5_colmajor.npy", aib::to_npy(filled<ColMajorD>(2, 5))},
      {"i32_2x3.npy", aib::to_npy(filled<aib::MatT<std::int32_t>>(2, 3))},
      {"i64_3x2.npy", aib::to_npy(filled<aib::MatT<std::int64_t>>(3, 2))},
      {"f32_vec5.npy", aib::to_npy(vec5)},
      {"f64_rowvec4.npy", aib::to_npy(rowvec4)},
      {"f32_1x4.npy", aib::to_npy(filled<aib::Mat>(1, 4))},
      {"f32_0x3.npy", aib::to_npy(aib::Mat(0, 3))},
      {"f64_1x1.npy", aib::to_npy(filled<aib::MatD>(1, 1))},
      {"i64_2x3x4.npy", aib::to_npy<std::int64_t>({2, 3, 4}, values<std::int64_t>(24))},
      {"f64_0d.npy", aib::to_npy<double>({}, values<double>(1))},
  };
}

// One line of tests/fixtures/npy/manifest.txt.
struct ManifestEntry {
  std::string name, descr;
  std::vector<Index> shape;
  std::vector<std::string> values;  // C order, as Python printed them
};

std::vector<ManifestEntry> read_manifest() {
  std::ifstream in(fixture("manifest.txt"));
  REQUIRE(in.good());
  std::vector<ManifestEntry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    ManifestEntry e;
    std::size_t ndim = 0;
    s >> e.name >> e.descr >> ndim;
    e.shape.resize(ndim);
    for (Index& d : e.shape) s >> d;
    for (std::string v; s >> v;) e.values.push_back(v);
    REQUIRE(!s.bad());
    out.push_back(e);
  }
  return out;
}

// Exact equality that also matches NaN with NaN and tells -0.0 from 0.0.
bool same_double(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  return got == want && std::signbit(got) == std::signbit(want);
}

template <class T>
void check_values(const NpyArray& a, const ManifestEntry& e) {
  const std::vector<T> got = aib::npy_values<T>(a, e.name);
  REQUIRE(got.size() == e.values.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO(e.name << " element " << k << " expected " << e.values[k]);
    if constexpr (std::is_floating_point_v<T>) {
      CHECK(same_double(static_cast<double>(got[k]), std::strtod(e.values[k].c_str(), nullptr)));
    } else {
      CHECK(static_cast<long long>(got[k]) == std::stoll(e.values[k]));
    }
  }
}

}  // namespace

// ---- round trips --------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("to_npy/parse_npy round-trip every dtype and shape, C order from any storage",
                   "[io]", float, double, std::int32_t, std::int64_t) {
  using T = TestType;
  using RowMajor = aib::MatT<T>;
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  const std::vector<std::pair<Index, Index>> shapes = {{0, 3}, {3, 0}, {0, 0}, {1, 1}, {2, 3},
                                                       {3, 2}, {4, 1}, {1, 5}, {7, 5}};
  for (const auto& [rows, cols] : shapes) {
    INFO("shape (" << rows << ", " << cols << ")");
    const RowMajor m = filled<RowMajor>(rows, cols);
    const ColMajor cm = filled<ColMajor>(rows, cols);
    const Bytes b = aib::serialize_npy(aib::to_npy(m));
    CHECK(aib::serialize_npy(aib::to_npy(cm)) == b);  // storage order never reaches the file

    // numpy's layout: version 1.0, the data starts at a multiple of 64 after a '\n'.
    const std::size_t data = static_cast<std::size_t>(m.size()) * sizeof(T);
    REQUIRE(b.size() >= 64 + data);
    const std::size_t header_end = b.size() - data;
    CHECK(header_end % 64 == 0);
    CHECK(b[6] == 1);
    CHECK(b[header_end - 1] == '\n');
    CHECK(static_cast<std::size_t>(b[8] | b[9] << 8) == header_end - 10);

    const NpyArray a = aib::parse_npy(b.data(), b.size(), "mem.npy");
    CHECK(a.dtype == aib::dtype_of<T>());
    CHECK(a.shape == std::vector<Index>{rows, cols});
    CHECK(a.size() == rows * cols);
    const RowMajor back = aib::npy_to_mat<T>(a, "mem.npy");
    CHECK(back.rows() == rows);
    CHECK(back.cols() == cols);
    CHECK(back == m);
  }

  TempDir tmp;
  const ColMajor cm = filled<ColMajor>(3, 4);
  aib::save_npy(tmp.file("cm.npy"), cm);
  const RowMajor loaded = aib::load_npy<T>(tmp.file("cm.npy"));
  CHECK(loaded == cm);
  CHECK(read_bytes(tmp.file("cm.npy")) == aib::serialize_npy(aib::to_npy(cm)));
}

TEST_CASE("an expression is evaluated before writing", "[io]") {
  const aib::MatD a = filled<aib::MatD>(2, 3);
  const aib::MatD b = filled<aib::MatD>(3, 2);
  const aib::MatD ab = a * b;
  CHECK(aib::serialize_npy(aib::to_npy(a * b)) == aib::serialize_npy(aib::to_npy(ab)));
  const aib::MatD at = a.transpose();
  CHECK(aib::to_npy(a.transpose()).shape == std::vector<Index>{3, 2});
  CHECK(aib::serialize_npy(aib::to_npy(a.transpose())) == aib::serialize_npy(aib::to_npy(at)));
}

TEST_CASE("n-d arrays round-trip through to_npy, save_npy and read_npy", "[io]") {
  TempDir tmp;
  const NpyArray a = aib::to_npy<std::int32_t>({2, 1, 3, 2}, values<std::int32_t>(12));
  aib::save_npy(tmp.file("nd.npy"), a);
  const NpyArray b = aib::read_npy(tmp.file("nd.npy"));
  CHECK(b.dtype == DType::i32);
  CHECK(b.shape == std::vector<Index>{2, 1, 3, 2});
  CHECK(b.ndim() == 4);
  CHECK(b.bytes == a.bytes);
  CHECK(aib::npy_values<std::int32_t>(b, "nd.npy") == values<std::int32_t>(12));
  CHECK_THROWS_AS(aib::to_npy<float>({2, 2}, {1.0f, 2.0f, 3.0f}), aib::IoError);
}

// ---- numpy's files ------------------------------------------------------------------------------

TEST_CASE("files written by numpy load with the manifest's exact values", "[io][numpy]") {
  const std::vector<ManifestEntry> manifest = read_manifest();
  REQUIRE(manifest.size() == 10);
  for (const ManifestEntry& e : manifest) {
    INFO(e.name);
    const std::string path = fixture(e.name);
    const NpyArray a = aib::read_npy(path);
    CHECK(aib::dtype_descr(a.dtype) == e.descr);
    CHECK(a.shape == e.shape);
    const Bytes file = read_bytes(path);
    const NpyArray m = aib::parse_npy(file.data(), file.size(), e.name);  // same as from disk
    CHECK(m.dtype == a.dtype);
    CHECK(m.shape == a.shape);
    CHECK(m.bytes == a.bytes);
    switch (a.dtype) {
      case DType::f32:
        check_values<float>(a, e);
        break;
      case DType::f64:
        check_values<double>(a, e);
        break;
      case DType::i32:
        check_values<std::int32_t>(a, e);
        break;
      case DType::i64:
        check_values<std::int64_t>(a, e);
        break;
    }
    // Our writer reproduces np.save's bytes exactly (format 1.0 files; 2.0/3.0 were forced).
    if (file[6] == 1)
      CHECK(aib::serialize_npy(a) == file);
    else
      CHECK(aib::serialize_npy(a) != file);
  }
  CHECK(read_bytes(fixture("f32_v2.npy"))[6] == 2);
  CHECK(read_bytes(fixture("f64_v3.npy"))[6] == 3);
}

TEST_CASE("load_npy gives matrices: (r, c) as is, 1-d (n,) as a (1, n) row, 0-d as (1, 1)",
          "[io][numpy]") {
  const aib::Mat m = aib::load_npy<float>(fixture("f32_2x3.npy"));
  REQUIRE(m.rows() == 2);
  REQUIRE(m.cols() == 3);
  CHECK(m(0, 1) == -2.25f);
  CHECK(m(1, 2) == std::numeric_limits<float>::max());

  const aib::Mat row = aib::load_npy<float>(fixture("f32_1d.npy"));
  CHECK(row.rows() == 1);
  CHECK(row.cols() == 5);
  CHECK(row(0, 2) == 2.75f);

  const aib::MatD scalar = aib::load_npy<double>(fixture("f64_0d.npy"));
  CHECK(scalar.rows() == 1);
  CHECK(scalar.cols() == 1);
  CHECK(scalar(0, 0) == 3.25);

  const aib::MatT<std::int32_t> empty = aib::load_npy<std::int32_t>(fixture("i32_0x3.npy"));
  CHECK(empty.rows() == 0);
  CHECK(empty.cols() == 3);

  const aib::MatT<std::int64_t> big = aib::load_npy<std::int64_t>(fixture("i64_2x3.npy"));
  CHECK(big(0, 0) == std::numeric_limits<std::int64_t>::min());
  CHECK(big(1, 2) == 123456789012LL);
}

TEST_CASE("a numpy 1-d vector round-trips through Vec; Vec and RowVec save as 1-d", "[io][numpy]") {
  const Bytes file = read_bytes(fixture("f32_1d.npy"));
  const aib::Vec v = aib::load_npy_vec<float>(fixture("f32_1d.npy"));  // (5)
  REQUIRE(v.size() == 5);
  CHECK(v(1) == -1.0f);
  CHECK(aib::serialize_npy(aib::to_npy(v)) == file);  // the very bytes np.save wrote

  const aib::RowVec r = v.transpose();
  CHECK(aib::to_npy(r).shape == std::vector<Index>{5});
  CHECK(aib::serialize_npy(aib::to_npy(r)) == file);

  const aib::Mat m = filled<aib::Mat>(3, 4);
  CHECK(aib::to_npy(m.row(1)).shape == std::vector<Index>{4});           // like numpy's m[1]
  CHECK(aib::to_npy(m.col(2)).shape == std::vector<Index>{3});           // like numpy's m[:, 2]
  CHECK(aib::to_npy(aib::Mat(1, 4)).shape == std::vector<Index>{1, 4});  // a matrix stays 2-d
  CHECK(aib::to_npy(aib::Mat(4, 1)).shape == std::vector<Index>{4, 1});

  const std::string s2 = io_error_of([] { aib::load_npy_vec<float>(fixture("f32_2x3.npy")); });
  CHECK_THAT(s2, Catch::Contains("load_npy_vec<float>") && Catch::Contains("f32_2x3.npy") &&
                     Catch::Contains("has shape (2, 3)") && Catch::Contains("1-d"));
  const std::string s0 = io_error_of([] { aib::load_npy_vec<double>(fixture("f64_0d.npy")); });
  CHECK_THAT(s0, Catch::Contains("has shape ()"));
}

TEST_CASE("n-d files are read by read_npy; load_npy refuses them and says so", "[io][numpy]") {
  const NpyArray a = aib::read_npy(fixture("i64_2x3x4.npy"));
  CHECK(a.shape == std::vector<Index>{2, 3, 4});
  CHECK(a.size() == 24);
  const std::vector<std::int64_t> v = aib::npy_values<std::int64_t>(a, "i64_2x3x4.npy");
  CHECK(v.front() == -11);
  CHECK(v.back() == 12);
  const std::string s = io_error_of([] { aib::load_npy<std::int64_t>(fixture("i64_2x3x4.npy")); });
  CHECK_THAT(s, Catch::StartsWith("load_npy<std::int64_t>: '") &&
                    Catch::Contains("i64_2x3x4.npy") && Catch::Contains("3 dimensions") &&
                    Catch::Contains("(2, 3, 4)") && Catch::Contains("read_npy"));
}

TEST_CASE("a dtype mismatch throws, names both dtypes and the right call", "[io][numpy]") {
  const std::string path = fixture("f64_3x2.npy");
  const std::string s = io_error_of([&] { aib::load_npy<float>(path); });
  CHECK_THAT(s, Catch::StartsWith("load_npy<float>: '" + path + "': ") &&
                    Catch::Contains("float64") && Catch::Contains("not float32") &&
                    Catch::Contains("load_npy<double>") && Catch::Contains("converted"));
  const std::string si = io_error_of([] { aib::load_npy<double>(fixture("i32_2x2.npy")); });
  CHECK_THAT(si, Catch::Contains("int32") && Catch::Contains("load_npy<std::int32_t>"));
  const std::string sv =
      io_error_of([] { aib::npy_values<float>(aib::read_npy(fixture("i64_2x3.npy")), "w"); });
  CHECK_THAT(sv, Catch::Contains("int64") && Catch::Contains("npy_values<std::int64_t>"));
}

// ---- files numpy checked ------------------------------------------------------------------------

TEST_CASE("our writer still produces the files numpy checked (from_aib)", "[io][numpy]") {
  const auto arrays = from_aib_arrays();
  std::size_t on_disk = 0;
  for (const auto& entry : fs::directory_iterator(npy_dir() + "/from_aib"))
    on_disk += entry.path().extension() == ".npy";
  CHECK(on_disk == arrays.size());
  for (const auto& [name, a] : arrays) {
    INFO(name);
    CHECK(aib::serialize_npy(a) == read_bytes(fixture("from_aib/" + name)));
  }
}

// Regenerate from_aib/ with `aib_unit_tests "[.write-npy-from-aib]"`, then check it with
// `/usr/bin/python3 tools/make_npy_fixtures.py --check-ours tests/fixtures/npy/from_aib`.
TEST_CASE("write the from_aib .npy fixtures", "[.write-npy-from-aib]") {
  fs::create_directories(npy_dir() + "/from_aib");
  for (const auto& [name, a] : from_aib_arrays()) aib::save_npy(fixture("from_aib/" + name), a);
}

// ---- header parsing -----------------------------------------------------------------------------

TEST_CASE("the header parser tolerates spacing, key order, quotes and Python 2 longs", "[io]") {
  const Bytes data(6 * 4, 0);
  const std::vector<std::string> dicts = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3)}",
      "  {  'descr' : '<f4' ,  'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }   ",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
  };
  for (const std::string& d : dicts) {
    INFO(d);
    const Bytes b = make_npy(d, data);
    NpyArray a;
    REQUIRE_NOTHROW(a = aib::parse_npy(b.data(), b.size(), "ok.npy"));
    CHECK(a.shape == std::vector<Index>{2, 3});
    CHECK(a.dtype == DType::f32);
  }
  const Bytes one = make_npy(dict_of("<f8", "(3)"), Bytes(24, 0));  // "(3)" read as (3,)
  CHECK(aib::parse_npy(one.data(), one.size(), "one.npy").shape == std::vector<Index>{3});
  const Bytes v2 = make_npy(dict_of("<i8", "()"), Bytes(8, 0), 2);
  CHECK(aib::parse_npy(v2.data(), v2.size(), "v2.npy").shape.empty());
  // A zero dimension makes the array empty, however large the others are.
  const Bytes empty = make_npy(dict_of("<f4", "(0, 9223372036854775807)"));
  CHECK(aib::parse_npy(empty.data(), empty.size(), "e.npy").size() == 0);
}

TEST_CASE("version 2.0 is written only when the header does not fit a u16", "[io]") {
  const std::string dict = dict_of("<f4", "(2,)");
  const auto wrapped = [&](std::size_t total) {
    return aib::detail::npy_wrap_header(dict + std::string(total - dict.size(), ' '));
  };
  // 65524 dict bytes + '\n' + 1 space = 65526 = the largest header length with 10 + len % 64 == 0.
  const Bytes fits = wrapped(65524);
  CHECK(fits[6] == 1);
  CHECK(fits.size() == 65536);
  CHECK((fits[8] | fits[9] << 8) == 65526);
  const Bytes over = wrapped(65525);
  CHECK(over[6] == 2);
  CHECK(over.size() % 64 == 0);
  const std::size_t len = over[8] | over[9] << 8 | over[10] << 16 | over[11] << 24;
  CHECK(len == over.size() - 12);
  CHECK(over.back() == '\n');

  Bytes file = over;
  const Bytes data = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};  // 1.0f, 2.0f
  file.insert(file.end(), data.begin(), data.end());
  const NpyArray a = aib::parse_npy(file.data(), file.size(), "v2.npy");
  CHECK(aib::npy_values<float>(a, "v2.npy") == std::vector<float>{1.0f, 2.0f});
}

// ---- errors -------------------------------------------------------------------------------------

TEST_CASE("files that cannot be opened or written throw IoError naming the path", "[io][errors]") {
  const std::string missing = fixture("no_such_dir/missing.npy");
  CHECK_THAT(io_error_of([&] { aib::read_npy(missing); }),
             Catch::StartsWith("read_npy: '" + missing + "': cannot open: ") &&
                 Catch::Contains("No such file"));
  CHECK_THAT(io_error_of([&] { aib::load_npy<float>(missing); }),
             Catch::StartsWith("load_npy: '" + missing + "': cannot open"));
  CHECK_THAT(io_error_of([] { aib::read_npy(npy_dir()); }), Catch::Contains(npy_dir()) &&
                                                                Catch::Contains("cannot open") &&
                                                                Catch::Contains("directory"));

  TempDir tmp;
  const std::string nowhere = tmp.file("no_such_dir/out.npy");
  const aib::Mat m = filled<aib::Mat>(2, 2);
  CHECK_THAT(io_error_of([&] { aib::save_npy(nowhere, m); }),
             Catch::StartsWith("save_npy: '" + nowhere + "': cannot open for writing"));
  CHECK_THAT(io_error_of([&] { aib::save_npy(tmp.path.string(), m); }),
             Catch::Contains(tmp.path.string()) && Catch::Contains("cannot open for writing"));

  NpyArray bad = aib::to_npy(m);
  bad.bytes.pop_back();
  CHECK_THAT(io_error_of([&] { aib::save_npy(tmp.file("bad.npy"), bad); }),
             Catch::Contains("bad.npy") && Catch::Contains("needs 16 bytes, the array holds 15"));
  bad.shape = {-2, 2};
  CHECK_THAT(io_error_of([&] { aib::serialize_npy(bad); }), Catch::Contains("negative dimension"));
}

TEST_CASE("truncated files say how many bytes were expected and present", "[io][errors]") {
  const Bytes b = read_bytes(fixture("f32_2x3.npy"));  // 128-byte header + 24 data bytes
  REQUIRE(b.size() == 152);
  CHECK_THAT(parse_error(b, 0), Catch::StartsWith("parse_npy: 'bad.npy': truncated: the file has 0 "
                                                  "bytes; a .npy file needs at least 10"));
  CHECK_THAT(parse_error(b, 9), Catch::Contains("truncated: the file has 9 bytes"));
  CHECK_THAT(parse_error(b, 100), Catch::Contains("truncated: the header spans bytes 10..128 but "
                                                  "the file has only 100 bytes"));
  CHECK_THAT(parse_error(b, 151), Catch::Contains("truncated: shape (2, 3) of <f4 needs 24 data "
                                                  "bytes from byte 128, the file has only 23"));
  const Bytes v2 = read_bytes(fixture("f32_v2.npy"));
  CHECK_THAT(parse_error(v2, 11), Catch::Contains("truncated: the file has 11 bytes; a version 2.0 "
                                                  "file needs at least 12"));
  // A huge shape in a small file is refused before anything is allocated for it.
  const Bytes huge = make_npy(dict_of("<f8", "(1000000000, 1000000000)"), Bytes(16, 0));
  CHECK_THAT(parse_error(huge), Catch::Contains("needs 8000000000000000000 data bytes") &&
                                    Catch::Contains("has only 16"));
}

TEST_CASE("every truncation of every fixture throws IoError, from memory and from disk",
          "[io][errors]") {
  TempDir tmp;
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(npy_dir())) {
    if (entry.path().extension() != ".npy") continue;
    const Bytes b = read_bytes(entry.path().string());
    for (std::size_t n = 0; n < b.size(); ++n) {
      INFO(entry.path().filename().string() << " cut to " << n << " bytes");
      const std::string s = parse_error(b, n);
      CHECK_THAT(s, Catch::StartsWith("parse_npy: 'bad.npy': "));
      ++checked;
    }
    Bytes longer = b;
    longer.push_back(0);
    CHECK_THAT(parse_error(longer),
               Catch::Contains("parse_npy: 'bad.npy': ") && !Catch::Contains("wrong exception"));
  }
  CHECK(checked > 2000);

  // The file reader agrees with the in-memory parser at every length.
  const Bytes b = read_bytes(fixture("i64_2x3.npy"));
  const std::string path = tmp.file("cut.npy");
  for (std::size_t n = 0; n < b.size(); ++n) {
    INFO("cut to " << n << " bytes");
    write_bytes(path, Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string from_disk = io_error_of([&] { aib::read_npy(path); });
    const std::string from_memory = io_error_of([&] { aib::parse_npy(b.data(), n, path); });
    CHECK_THAT(from_disk, Catch::StartsWith("read_npy: '" + path + "': "));
    CHECK(from_disk.substr(from_disk.find(": ")) == from_memory.substr(from_memory.find(": ")));
  }
}

TEST_CASE("trailing bytes after the data are a data size mismatch", "[io][errors]") {
  Bytes b = read_bytes(fixture("f32_2x3.npy"));
  b.push_back(0);
  CHECK_THAT(parse_error(b), Catch::Contains("data size mismatch: shape (2, 3) of <f4 needs 24 "
                                             "data bytes from byte 128, the file has 25 (1 "
                                             "trailing byte)"));
}

TEST_CASE("bad magic and unsupported versions are named", "[io][errors]") {
  const Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 0, 0, 0, 0};
  CHECK_THAT(parse_error(gif), Catch::StartsWith("parse_npy: 'bad.npy': bad magic: ") &&
                                   Catch::Contains("\\x93NUMPY") && Catch::Contains("GIF89a"));
  const Bytes zip = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0};
  CHECK_THAT(parse_error(zip), Catch::Contains("bad magic") && Catch::Contains(".npz"));
  CHECK_THAT(parse_error(Bytes{0x93, 'N', 'U', 'X'}), Catch::Contains("bad magic"));

  Bytes b = read_bytes(fixture("f32_2x3.npy"));
  b[6] = 4;
  CHECK_THAT(parse_error(b), Catch::Contains("unsupported version 4.0 (this reader knows 1.0, 2.0 "
                                             "and 3.0)"));
  b[6] = 1;
  b[7] = 1;
  CHECK_THAT(parse_error(b), Catch::Contains("unsupported version 1.1"));
  b[6] = 0;
  b[7] = 0;
  CHECK_THAT(parse_error(b), Catch::Contains("unsupported version 0.0"));
}

TEST_CASE("malformed headers say what was expected at which byte", "[io][errors]") {
  const Bytes data(24, 0);
  const auto error_for = [&](const std::string& dict) { return parse_error(make_npy(dict, data)); };
  const std::string good = dict_of("<f4", "(2, 3)");

  // Offsets count from the start of the file: the dict starts at byte 10.
  CHECK_THAT(parse_error(make_npy(good, data, 1, false)),
             Catch::Contains("malformed header at byte " + std::to_string(10 + good.size() - 1) +
                             ": expected '\\n' as the last header byte, found '}'"));
  CHECK_THAT(error_for("[" + good.substr(1)),
             Catch::Contains("malformed header at byte 10: expected '{' opening the header dict, "
                             "found '['"));
  CHECK_THAT(error_for("{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}"),
             Catch::Contains("malformed header at byte 19: expected ':' after the key, found '''"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}"),
             Catch::Contains("malformed header at byte 64: expected a dimension (a non-negative "
                             "integer), found 'x'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}"),
             Catch::Contains("expected True or False for 'fortran_order', found 'M'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False 'shape': (2, 3)}"),
             Catch::Contains("expected ',' or '}' after the value of 'fortran_order'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}"),
             Catch::Contains("expected ',' or ')' in the shape tuple, found '}'"));
  CHECK_THAT(error_for("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}"),
             Catch::Contains("malformed header"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x"),
             Catch::Contains("expected a closing quote, found '\\n'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x\\'}"),
             Catch::Contains("expected a closing quote (escapes are not supported), found '\\'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'dtype': 1, 'shape': (2, 3)}"),
             Catch::Contains("malformed header at byte 27: unexpected key 'dtype'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'shape': (2, 3)}"),
             Catch::Contains("the dict has no 'fortran_order' key"));
  CHECK_THAT(
      error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3)}"),
      Catch::Contains("duplicate key 'shape'"));
  CHECK_THAT(error_for(good + " x"),
             Catch::Contains("expected only spaces and '\\n' after the closing '}', found 'x'"));
  CHECK_THAT(error_for("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), \x01}"),
             Catch::Contains("found byte 0x01"));
  CHECK_THAT(parse_error(make_npy("", data)), Catch::Contains("expected '{'"));
  CHECK_THAT(error_for(dict_of("<f4", "(" + std::string(30, '1') + ")")),
             Catch::Contains("overflows a 64-bit integer"));
  std::string many = "(";
  for (int k = 0; k < 65; ++k) many += "1, ";
  CHECK_THAT(error_for(dict_of("<f4", many + ")")), Catch::Contains("more than 64 dimensions"));
}

TEST_CASE("unsupported dtypes and Fortran order written by numpy are refused by name",
          "[io][errors][numpy]") {
  const std::string be = fixture("err_bigendian.npy");
  CHECK_THAT(io_error_of([&] { aib::read_npy(be); }),
             Catch::StartsWith("read_npy: '" + be +
                               "': unsupported dtype '>f4' (big-endian "
                               "float32); convert it in numpy with "
                               "a.astype('<f4')"));
  CHECK_THAT(io_error_of([] { aib::load_npy<float>(fixture("err_complex.npy")); }),
             Catch::Contains("err_complex.npy") &&
                 Catch::Contains("unsupported dtype '<c8' (complex64); supported: '<f4' float32"));
  CHECK_THAT(
      io_error_of([] { aib::read_npy(fixture("err_uint8.npy")); }),
      Catch::Contains("err_uint8.npy") && Catch::Contains("unsupported dtype '|u1' (uint8)"));
  CHECK_THAT(io_error_of([] { aib::read_npy(fixture("err_fortran.npy")); }),
             Catch::Contains("err_fortran.npy") && Catch::Contains("fortran_order is True") &&
                 Catch::Contains("np.ascontiguousarray"));
  CHECK_THAT(parse_error(make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}",
                                  Bytes(4, 0))),
             Catch::Contains("unsupported dtype: structured"));
  CHECK_THAT(parse_error(make_npy(dict_of("<U10", "(1,)"), Bytes(40, 0))),
             Catch::Contains("'<U10' (unicode string)"));
  CHECK_THAT(parse_error(make_npy(dict_of("f4", "(1,)"), Bytes(4, 0))),
             Catch::Contains("unsupported dtype 'f4'"));
}

TEST_CASE("negative and overflowing shapes are refused before any allocation", "[io][errors]") {
  CHECK_THAT(parse_error(make_npy(dict_of("<f4", "(-1, 3)"))),
             Catch::Contains("negative dimension -1 in shape"));
  CHECK_THAT(parse_error(make_npy(dict_of("<f4", "(4294967296, 4294967296)"))),
             Catch::Contains("shape (4294967296, 4294967296) overflows"));
  CHECK_THAT(parse_error(make_npy(dict_of("<f4", "(4611686018427387904,)"))),  // 2^62 · 4 bytes
             Catch::Contains("overflows"));
  CHECK_THAT(parse_error(make_npy(dict_of("<i8", "(99999999999999999999,)"))),
             Catch::Contains("dimension 99999999999999999999 in shape overflows a 64-bit integer"));
}

TEST_CASE("single-byte corruptions of a valid file parse or throw IoError, nothing else",
          "[io][errors]") {
  const Bytes good = read_bytes(fixture("f64_3x2.npy"));
  const unsigned char replacements[] = {0x00, 0xff, ' ', '\n', '(', ')', ',', '9', '-', '\'', 'x'};
  std::size_t parsed = 0, refused = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (const unsigned char r : replacements) {
      Bytes b = good;
      b[at] = r;
      const std::string s = parse_error(b);
      INFO("byte " << at << " set to " << static_cast<int>(r) << ": " << s);
      CHECK(s != "(wrong exception type)");
      (s == "(no error)" ? parsed : refused) += 1;
    }
  }
  CHECK(parsed > 0);   // e.g. the data bytes
  CHECK(refused > 0);  // e.g. the magic
}
