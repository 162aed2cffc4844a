// aib/core/io.hpp — read and write NumPy .npy files (format versions 1.0, 2.0 and 3.0).
//
// A file is "\x93NUMPY", the version, the header length (u16 LE in 1.0, u32 LE in 2.0/3.0), a
// Python-dict header {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and '\n' so the data starts at a multiple of 64, then the raw data in C order. Follows
// numpy/lib/format.py (NEP 1) and writes the exact bytes of numpy 1.24's np.save. dtypes: '<f4',
// '<f8', '<i4', '<i8'. A 1-d (n,) file loads as a (1, n) row; a Vec or RowVec saves as 1-d.
// Leaves out: big-endian data, Fortran order, other dtypes, .npz archives, memory mapping.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/types.hpp"

namespace aib {

// ---- dtypes -------------------------------------------------------------------------------------

// The element types a .npy file may hold here (always little-endian on disk).
enum class DType { f32, f64, i32, i64 };

// Bytes per element: 4 or 8.
inline std::size_t dtype_size(DType t) {
  return t == DType::f32 || t == DType::i32 ? 4 : 8;
}

// numpy's name: "float32", "float64", "int32", "int64".
inline std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32:
      return "float32";
    case DType::f64:
      return "float64";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
  }
  return "?";
}

// The header's 'descr' string: "<f4", "<f8", "<i4", "<i8".
inline std::string_view dtype_descr(DType t) {
  switch (t) {
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
  }
  return "?";
}

// The C++ element type: "float", "double", "std::int32_t", "std::int64_t".
inline std::string_view dtype_ctype(DType t) {
  switch (t) {
    case DType::f32:
      return "float";
    case DType::f64:
      return "double";
    case DType::i32:
      return "std::int32_t";
    case DType::i64:
      return "std::int64_t";
  }
  return "?";
}

// The DType of a C++ element type T in {float, double, std::int32_t, std::int64_t}.
template <class T>
constexpr DType dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>,
                "aib .npy I/O supports float, double, std::int32_t and std::int64_t elements");
  if constexpr (std::is_same_v<T, float>)
    return DType::f32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::f64;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::i32;
  else
    return DType::i64;
}

// ---- the array ----------------------------------------------------------------------------------

// A .npy array of any rank as it is on disk: shape () is a scalar, (n,) a vector, (r, c) a matrix.
struct NpyArray {
  DType dtype = DType::f32;
  std::vector<Index> shape;          // (d0, d1, ...), C order: the last index varies fastest
  std::vector<unsigned char> bytes;  // size() · itemsize() bytes, little-endian, C order

  Index ndim() const { return static_cast<Index>(shape.size()); }
  std::size_t itemsize() const { return dtype_size(dtype); }
  std::string_view dtype_name() const { return aib::dtype_name(dtype); }
  Index size() const;  // number of elements: the product of shape (1 for a scalar)
};

namespace detail {

inline constexpr unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
inline constexpr std::size_t npy_align = 64;          // numpy's ARRAY_ALIGN
inline constexpr std::size_t npy_max_ndim = 64;       // numpy 2's NPY_MAXDIMS (numpy 1: 32)
inline constexpr std::size_t npy_growth_digits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS

// "'x'" for a printable byte, "'\n'" or "byte 0xNN" otherwise.
inline std::string npy_show_byte(unsigned char c) {
  if (c == '\n') return "'\\n'";
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02x}", static_cast<unsigned>(c));
}

// Number of elements of `shape` (element_count), or fails naming the shape.
inline std::size_t npy_count(const std::vector<Index>& shape, std::size_t itemsize,
                             std::string_view where, std::string_view file) {
  std::string error;
  const std::uint64_t n = element_count(shape, itemsize, ShapeNotation::tuple, &error);
  if (!error.empty()) file_error(where, file, error);
  return static_cast<std::size_t>(n);
}

// Throws unless a.bytes holds exactly the data its dtype and shape call for.
inline std::size_t npy_check_array(const NpyArray& a, std::string_view where,
                                   std::string_view file) {
  const std::size_t n = npy_count(a.shape, a.itemsize(), where, file);
  if (a.shape.size() > npy_max_ndim)
    file_error(
        where, file,
        fmt::format("{} dimensions; .npy files have at most {}", a.shape.size(), npy_max_ndim));
  if (a.bytes.size() != n * a.itemsize())
    file_error(
        where, file,
        fmt::format("data size mismatch: shape {} of {} needs {} bytes, the array holds {}",
                    shape_string(a.shape), a.dtype_name(), n * a.itemsize(), a.bytes.size()));
  return n;
}

// Little-endian element decode/encode, independent of the host's byte order.
template <class T>
T npy_get(const unsigned char* p) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  U u = 0;
  for (std::size_t k = 0; k < sizeof(T); ++k) u |= static_cast<U>(p[k]) << (8 * k);
  T v;
  std::memcpy(&v, &u, sizeof(T));
  return v;
}

template <class T>
void npy_put(T v, unsigned char* p) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  U u;
  std::memcpy(&u, &v, sizeof(T));
  for (std::size_t k = 0; k < sizeof(T); ++k) p[k] = static_cast<unsigned char>(u >> (8 * k));
}

// ---- reading: preamble, header dict, data size --------------------------------------------------

struct NpyPreamble {
  std::size_t header_start = 0;  // 10 for version 1.0, 12 for 2.0 and 3.0
  std::size_t header_len = 0;    // bytes of the dict header, including padding and '\n'
};

// Checks magic, version and header length. `p` holds the first n >= min(total, 12) bytes of a
// file of `total` bytes.
inline NpyPreamble npy_preamble(const unsigned char* p, std::size_t n, std::size_t total,
                                std::string_view where, std::string_view file) {
  const std::size_t m = std::min<std::size_t>(n, sizeof npy_magic);
  if (m > 0 && std::memcmp(p, npy_magic, m) != 0) {
    const std::string_view head(reinterpret_cast<const char*>(p), std::min<std::size_t>(n, 8));
    const bool zip = head.substr(0, 4) == std::string_view("PK\x03\x04", 4);
    file_error(
        where, file,
        fmt::format("bad magic: a .npy file starts with \"\\x93NUMPY\", this one with \"{}\"{}",
                    printable(head, 40),
                    zip ? " (a zip archive, perhaps an .npz: extract its .npy members)" : ""));
  }
  if (total < 10)
    file_error(where, file,
               fmt::format("truncated: the file has {} bytes; a .npy file needs at least "
                           "10 (magic, version, header length)",
                           total));
  const unsigned major = p[6], minor = p[7];
  if (major < 1 || major > 3 || minor != 0)
    file_error(where, file,
               fmt::format("unsupported version {}.{} (this reader knows 1.0, 2.0 and 3.0)", major,
                           minor));
  NpyPreamble pre;
  pre.header_start = major == 1 ? 10 : 12;
  if (total < pre.header_start)
    file_error(where, file,
               fmt::format("truncated: the file has {} bytes; a version {}.0 file needs "
                           "at least {} (magic, version, 4-byte header length)",
                           total, major, pre.header_start));
  pre.header_len = p[8] | static_cast<std::size_t>(p[9]) << 8;
  if (major > 1)
    pre.header_len |= static_cast<std::size_t>(p[10]) << 16 | static_cast<std::size_t>(p[11]) << 24;
  if (pre.header_len > total - pre.header_start)
    file_error(where, file,
               fmt::format("truncated: the header spans bytes {}..{} but the file has "
                           "only {} bytes",
                           pre.header_start, pre.header_start + pre.header_len, total));
  return pre;
}

// The dict header, as written: descr string, fortran_order, shape.
struct NpyDict {
  std::string descr;
  bool fortran_order = false;
  std::vector<Index> shape;
};

// A small recursive-descent parser for the header dict, tolerant of spacing, key order, either
// quote and Python 2's "3L" integers. `base` is the file offset of h[0], used in error messages.
class NpyDictParser {
 public:
  NpyDictParser(const unsigned char* h, std::size_t n, std::size_t base, std::string_view where,
                std::string_view file)
      : h_(h), n_(n), base_(base), where_(where), file_(file) {}

  NpyDict parse() {
    if (n_ == 0 || h_[n_ - 1] != '\n') {
      i_ = n_ == 0 ? 0 : n_ - 1;
      expected("'\\n' as the last header byte");
    }
    NpyDict d;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_spaces();
    expect('{', "'{' opening the header dict");
    for (;;) {
      skip_spaces();
      if (peek() == '}') break;
      const std::size_t key_at = i_;
      const std::string key = string_literal("a quoted key ('descr', 'fortran_order' or 'shape')");
      bool* seen = key == "descr"           ? &seen_descr
                   : key == "fortran_order" ? &seen_fortran
                   : key == "shape"         ? &seen_shape
                                            : nullptr;
      if (seen == nullptr)
        fail_at(key_at, fmt::format("unexpected key '{}' (expected 'descr', 'fortran_order' and "
                                    "'shape')",
                                    printable(key, 40)));
      if (*seen) fail_at(key_at, fmt::format("duplicate key '{}'", key));
      *seen = true;
      skip_spaces();
      expect(':', "':' after the key");
      skip_spaces();
      if (key == "descr") {
        if (peek() == '[')
          file_error(where_, file_,
                     "unsupported dtype: structured (record) dtypes are not supported");
        d.descr = string_literal("a quoted dtype string such as '<f4'");
      } else if (key == "fortran_order") {
        d.fortran_order = boolean();
      } else {
        d.shape = tuple();
      }
      skip_spaces();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') expected(fmt::format("',' or '}}' after the value of '{}'", key));
    }
    ++i_;  // '}'
    skip_spaces();
    if (i_ != n_) expected("only spaces and '\\n' after the closing '}'");
    for (const auto& [seen, key] :
         {std::pair{seen_descr, "descr"}, std::pair{seen_fortran, "fortran_order"},
          std::pair{seen_shape, "shape"}})
      if (!seen) fail_at(i_, fmt::format("the dict has no '{}' key", key));
    return d;
  }

 private:
  int peek() const { return i_ < n_ ? h_[i_] : -1; }
  void skip_spaces() {
    while (i_ < n_ && (h_[i_] == ' ' || h_[i_] == '\t' || h_[i_] == '\r' || h_[i_] == '\n')) ++i_;
  }
  [[noreturn]] void fail_at(std::size_t at, std::string_view what) const {
    file_error(where_, file_, fmt::format("malformed header at byte {}: {}", base_ + at, what));
  }
  [[noreturn]] void expected(std::string_view what) const {
    fail_at(i_,
            fmt::format("expected {}, found {}", what,
                        i_ < n_ ? npy_show_byte(h_[i_]) : std::string("the end of the header")));
  }
  void expect(char c, std::string_view what) {
    if (peek() != static_cast<unsigned char>(c)) expected(what);
    ++i_;
  }
  std::string string_literal(std::string_view what) {
    const int quote = peek();
    if (quote != '\'' && quote != '"') expected(what);
    const std::size_t start = ++i_;
    while (i_ < n_ && h_[i_] != quote) {
      if (h_[i_] == '\\') expected("a closing quote (escapes are not supported)");
      if (h_[i_] == '\n') expected("a closing quote");
      ++i_;
    }
    if (i_ == n_) expected("a closing quote");
    return std::string(reinterpret_cast<const char*>(h_) + start, i_++ - start);
  }
  bool boolean() {
    const std::size_t start = i_;
    while (i_ < n_ && ((h_[i_] | 0x20) >= 'a' && (h_[i_] | 0x20) <= 'z')) ++i_;
    const std::string_view word(reinterpret_cast<const char*>(h_) + start, i_ - start);
    if (word == "True") return true;
    if (word == "False") return false;
    i_ = start;
    expected("True or False for 'fortran_order'");
  }
  std::vector<Index> tuple() {
    std::vector<Index> shape;
    expect('(', "'(' opening the shape tuple");
    skip_spaces();
    if (peek() == ')') {
      ++i_;
      return shape;
    }
    for (;;) {
      shape.push_back(integer());
      if (shape.size() > npy_max_ndim)
        fail_at(i_, fmt::format("the shape has more than {} dimensions", npy_max_ndim));
      skip_spaces();
      if (peek() == ',') {
        ++i_;
        skip_spaces();
        if (peek() != ')') continue;
      }
      if (peek() != ')') expected("',' or ')' in the shape tuple");
      ++i_;
      return shape;
    }
  }
  Index integer() {
    const std::size_t start = i_;
    const bool negative = peek() == '-';
    if (negative || peek() == '+') ++i_;
    if (!(peek() >= '0' && peek() <= '9')) expected("a dimension (a non-negative integer)");
    constexpr Index max = std::numeric_limits<Index>::max();
    Index v = 0;
    bool overflow = false;
    for (; i_ < n_ && h_[i_] >= '0' && h_[i_] <= '9'; ++i_) {
      const Index digit = h_[i_] - '0';
      overflow = overflow || v > (max - digit) / 10;
      if (!overflow) v = v * 10 + digit;
    }
    const std::string_view text(reinterpret_cast<const char*>(h_) + start, i_ - start);
    if (peek() == 'L' || peek() == 'l') ++i_;  // Python 2 long literal
    if (negative)
      file_error(where_, file_, fmt::format("negative dimension {} in shape", printable(text, 40)));
    if (overflow)
      file_error(
          where_, file_,
          fmt::format("dimension {} in shape overflows a 64-bit integer", printable(text, 40)));
    return v;
  }

  const unsigned char* h_;
  std::size_t n_;
  std::size_t i_ = 0;
  std::size_t base_;
  std::string_view where_, file_;
};

// "big-endian float32", "complex64", "bool"... for an unsupported descr such as '>f4' or '<c8'.
inline std::string npy_describe_descr(std::string_view descr) {
  if (descr.size() < 2) return "not a dtype numpy writes";
  const char order = descr[0];
  const char kind = descr[1];
  const std::string_view rest = descr.substr(2);
  int bytes = 0;
  for (const char c : rest) {
    if (c < '0' || c > '9' || bytes < 0 || bytes > 1000)
      bytes = -1;
    else
      bytes = bytes * 10 + (c - '0');
  }
  std::string what;
  const std::string bits = bytes > 0 ? std::to_string(8 * bytes) : "";
  switch (kind) {
    case 'f':
      what = "float" + bits;
      break;
    case 'i':
      what = "int" + bits;
      break;
    case 'u':
      what = "uint" + bits;
      break;
    case 'c':
      what = "complex" + bits;
      break;
    case 'b':
      what = "bool";
      break;
    case 'U':
      what = "unicode string";
      break;
    case 'S':
      what = "byte string";
      break;
    case 'O':
      what = "Python object (pickled)";
      break;
    case 'M':
      what = "datetime64";
      break;
    case 'm':
      what = "timedelta64";
      break;
    case 'V':
      what = "raw void";
      break;
    default:
      return "not a dtype numpy writes";
  }
  if (order == '>') return "big-endian " + what;
  if (order == '=') return "native-order " + what;
  if (order != '<' && order != '|') return "not a dtype numpy writes";
  return what;
}

// The supported DType of a descr, or fails naming it.
inline DType npy_dtype(std::string_view descr, std::string_view where, std::string_view file) {
  for (const DType t : {DType::f32, DType::f64, DType::i32, DType::i64})
    if (descr == dtype_descr(t)) return t;
  std::string hint;
  if (descr.size() >= 2 && (descr[0] == '>' || descr[0] == '=')) {
    const std::string little = "<" + std::string(descr.substr(1));
    for (const DType t : {DType::f32, DType::f64, DType::i32, DType::i64})
      if (little == dtype_descr(t))
        hint = fmt::format("; convert it in numpy with a.astype('{}')", little);
  }
  file_error(where, file,
             fmt::format("unsupported dtype '{}' ({}){}; supported: '<f4' float32, '<f8' float64, "
                         "'<i4' int32, '<i8' int64",
                         printable(descr, 40), npy_describe_descr(descr), hint));
}

// Everything a header says: dtype, shape and where the data lies.
struct NpyHeader {
  DType dtype = DType::f32;
  std::vector<Index> shape;
  std::size_t data_offset = 0;  // the data starts at this byte
  std::size_t data_bytes = 0;   // and is exactly this long
};

// Parses the header bytes h[0, pre.header_len) of a file of `total` bytes and checks the data
// size against the file size (before anything is allocated for the data).
inline NpyHeader npy_header(const unsigned char* h, const NpyPreamble& pre, std::size_t total,
                            std::string_view where, std::string_view file) {
  const NpyDict d = NpyDictParser(h, pre.header_len, pre.header_start, where, file).parse();
  NpyHeader out;
  out.dtype = npy_dtype(d.descr, where, file);
  if (d.fortran_order)
    file_error(where, file,
               "fortran_order is True (column-major data) and only C order is supported; "
               "save a C-order copy in numpy: np.save(path, np.ascontiguousarray(a))");
  out.shape = d.shape;
  out.data_offset = pre.header_start + pre.header_len;
  out.data_bytes = npy_count(out.shape, dtype_size(out.dtype), where, file) * dtype_size(out.dtype);
  const std::size_t present = total - out.data_offset;
  if (present < out.data_bytes)
    file_error(where, file,
               fmt::format("truncated: shape {} of {} needs {} data bytes from byte {}, "
                           "the file has only {}",
                           shape_string(out.shape), dtype_descr(out.dtype), out.data_bytes,
                           out.data_offset, present));
  if (present > out.data_bytes)
    file_error(where, file,
               fmt::format("data size mismatch: shape {} of {} needs {} data bytes from "
                           "byte {}, the file has {} ({} trailing byte{})",
                           shape_string(out.shape), dtype_descr(out.dtype), out.data_bytes,
                           out.data_offset, present, present - out.data_bytes,
                           present - out.data_bytes == 1 ? "" : "s"));
  return out;
}

inline NpyArray npy_parse(const void* data, std::size_t size, std::string_view where,
                          std::string_view name) {
  if (data == nullptr && size > 0) file_error(where, name, "null data pointer");
  const auto* p = static_cast<const unsigned char*>(data);
  const NpyPreamble pre = npy_preamble(p, size, size, where, name);
  const NpyHeader hd = npy_header(p + pre.header_start, pre, size, where, name);
  NpyArray a;
  a.dtype = hd.dtype;
  a.shape = hd.shape;
  a.bytes.assign(p + hd.data_offset, p + hd.data_offset + hd.data_bytes);
  return a;
}

// Reads the header first and allocates for the data only once its size matches the file's.
inline NpyArray npy_read_file(const std::string& path, std::string_view where) {
  BinaryReader in(path, where);
  const std::size_t total = in.size();
  unsigned char head[12] = {};
  const std::size_t n_head = std::min<std::size_t>(total, sizeof head);
  in.read(head, n_head);
  const NpyPreamble pre = npy_preamble(head, n_head, total, where, path);
  std::vector<unsigned char> header(pre.header_len);
  in.seek(pre.header_start);
  in.read(header.data(), header.size());
  const NpyHeader hd = npy_header(header.data(), pre, total, where, path);
  NpyArray a;
  a.dtype = hd.dtype;
  a.shape = hd.shape;
  a.bytes.resize(hd.data_bytes);
  in.read(a.bytes.data(), a.bytes.size());
  return a;
}

// ---- writing ------------------------------------------------------------------------------------

// Magic, version, length, `dict`, then spaces and '\n' up to a multiple of 64 bytes: version 1.0
// when the header length fits in a u16, 2.0 otherwise (numpy's _wrap_header_guess_version).
inline std::vector<unsigned char> npy_wrap_header(std::string_view dict) {
  const std::size_t hlen = dict.size() + 1;  // + '\n'
  const auto padding = [&](std::size_t preamble) {
    return npy_align - (preamble + hlen) % npy_align;  // numpy pads 64 when already aligned
  };
  const bool v1 = hlen + padding(10) <= 0xffff;
  const std::size_t preamble = v1 ? 10 : 12;
  const std::size_t len = hlen + padding(preamble);
  if (len > 0xffffffffu) throw IoError(fmt::format("npy header of {} bytes is too long", len));
  std::vector<unsigned char> out(npy_magic, npy_magic + sizeof npy_magic);
  out.push_back(v1 ? 1 : 2);
  out.push_back(0);
  for (std::size_t k = 0; k < preamble - 8; ++k)
    out.push_back(static_cast<unsigned char>(len >> (8 * k)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.resize(preamble + len - 1, ' ');
  out.push_back('\n');
  return out;
}

// numpy 1.24's header for a C-order array, byte for byte (keys sorted, growth padding after '}').
inline std::vector<unsigned char> npy_header_bytes(DType dtype, const std::vector<Index>& shape) {
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 dtype_descr(dtype), shape_string(shape));
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(shape[0]).size();
    if (digits < npy_growth_digits) dict.append(npy_growth_digits - digits, ' ');
  }
  return npy_wrap_header(dict);
}

inline void npy_write_file(const std::string& path, const NpyArray& a, std::string_view where) {
  npy_check_array(a, where, path);
  const std::vector<unsigned char> header = npy_header_bytes(a.dtype, a.shape);
  BinaryWriter out(path, where);
  out.write(header.data(), header.size());
  out.write(a.bytes.data(), a.bytes.size());
  out.close();
}

}  // namespace detail

inline Index NpyArray::size() const {
  return static_cast<Index>(detail::npy_count(shape, itemsize(), "NpyArray::size", "(array)"));
}

// ---- public API ---------------------------------------------------------------------------------

// Parses an in-memory .npy image; `name` stands for the file in error messages.
inline NpyArray parse_npy(const void* data, std::size_t size, std::string_view name) {
  return detail::npy_parse(data, size, "parse_npy", name);
}

// Reads a .npy file of any rank.
inline NpyArray read_npy(const std::string& path) {
  return detail::npy_read_file(path, "read_npy");
}

// The bytes of the .npy file numpy 1.24 would write for `a` (version 1.0 unless the header is too
// long, 64-byte aligned data, C order).
inline std::vector<unsigned char> serialize_npy(const NpyArray& a) {
  detail::npy_check_array(a, "serialize_npy", "(array)");
  std::vector<unsigned char> out = detail::npy_header_bytes(a.dtype, a.shape);
  out.insert(out.end(), a.bytes.begin(), a.bytes.end());
  return out;
}

// Writes `a` to `path`.
inline void save_npy(const std::string& path, const NpyArray& a) {
  detail::npy_write_file(path, a, "save_npy");
}

// Flat C-order values of `a`; T must match a.dtype exactly (`name` is used in errors).
template <class T>
std::vector<T> npy_values(const NpyArray& a, std::string_view name) {
  constexpr DType want = dtype_of<T>();
  const std::string where = fmt::format("npy_values<{}>", dtype_ctype(want));
  if (a.dtype != want)
    file_error(
        where, name,
        fmt::format("holds {} data ('{}'), not {}; call npy_values<{}>. Nothing is "
                    "converted silently",
                    a.dtype_name(), dtype_descr(a.dtype), dtype_name(want), dtype_ctype(a.dtype)));
  const std::size_t n = detail::npy_check_array(a, where, name);
  std::vector<T> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = detail::npy_get<T>(a.bytes.data() + k * sizeof(T));
  return v;
}

namespace detail {

// The (rows, cols) a .npy shape loads as: () -> (1, 1), (n,) -> (1, n), (r, c) -> (r, c).
template <class T>
MatT<T> npy_to_mat(const NpyArray& a, std::string_view where_base, std::string_view name) {
  constexpr DType want = dtype_of<T>();
  const std::string where = fmt::format("{}<{}>", where_base, dtype_ctype(want));
  if (a.dtype != want)
    file_error(
        where, name,
        fmt::format("holds {} data ('{}'), not {}; load it with {}<{}>. Nothing is converted "
                    "silently: call .cast<{}>() on the result if you need {}",
                    a.dtype_name(), dtype_descr(a.dtype), dtype_name(want), where_base,
                    dtype_ctype(a.dtype), dtype_ctype(want), dtype_ctype(want)));
  if (a.shape.size() > 2)
    file_error(
        where, name,
        fmt::format("has {} dimensions, shape {}; a matrix holds at most 2: use read_npy for "
                    "n-d arrays",
                    a.shape.size(), shape_string(a.shape)));
  npy_check_array(a, where, name);
  const Index rows = a.shape.size() == 2 ? a.shape[0] : 1;
  const Index cols = a.shape.empty() ? 1 : a.shape.back();
  MatT<T> m(rows, cols);  // (rows, cols), row-major like the file
  for (Index k = 0; k < m.size(); ++k)
    m.data()[k] = npy_get<T>(a.bytes.data() + static_cast<std::size_t>(k) * sizeof(T));
  return m;
}

template <class T>
VecT<T> npy_to_vec(const NpyArray& a, std::string_view where_base, std::string_view name) {
  if (a.shape.size() != 1)
    file_error(
        fmt::format("{}<{}>", where_base, dtype_ctype(dtype_of<T>())), name,
        fmt::format("has shape {}; a vector needs a 1-d array (n,): use load_npy for matrices",
                    shape_string(a.shape)));
  return npy_to_mat<T>(a, where_base, name).transpose();
}

}  // namespace detail

// An in-memory array as a matrix of T (see load_npy for the shape rule).
template <class T>
MatT<T> npy_to_mat(const NpyArray& a, std::string_view name) {
  return detail::npy_to_mat<T>(a, "npy_to_mat", name);
}

// Loads a 0-d, 1-d or 2-d .npy file whose dtype is exactly T's (float -> '<f4', double -> '<f8',
// std::int32_t -> '<i4', std::int64_t -> '<i8'); anything else throws, nothing is converted.
// Shapes: (r, c) -> (r, c); a 1-d (n,) loads as a (1, n) row, as numpy broadcasts it (a bias
// added to every row of X); a 0-d scalar () loads as (1, 1).
template <class T>
MatT<T> load_npy(const std::string& path) {
  return detail::npy_to_mat<T>(detail::npy_read_file(path, "load_npy"), "load_npy", path);
}

// Loads a 1-d (n,) .npy file as a column vector (n); other ranks throw.
template <class T>
VecT<T> load_npy_vec(const std::string& path) {
  return detail::npy_to_vec<T>(detail::npy_read_file(path, "load_npy_vec"), "load_npy_vec", path);
}

// An Eigen matrix or vector as an NpyArray in C order, whatever its storage order. A type that is
// a vector at compile time (Vec, RowVec, m.row(i), m.col(j)) becomes 1-d (n,), as numpy's a[i] is;
// every other matrix becomes 2-d (rows, cols), even with one row or column.
template <class Derived>
NpyArray to_npy(const Eigen::MatrixBase<Derived>& m) {
  using T = typename Derived::Scalar;
  NpyArray a;
  a.dtype = dtype_of<T>();
  if constexpr (Derived::IsVectorAtCompileTime)
    a.shape = {m.size()};
  else
    a.shape = {m.rows(), m.cols()};
  const MatT<T> c = m;  // (rows, cols), row-major: C order
  a.bytes.resize(static_cast<std::size_t>(c.size()) * sizeof(T));
  for (Index k = 0; k < c.size(); ++k)
    detail::npy_put(c.data()[k], a.bytes.data() + static_cast<std::size_t>(k) * sizeof(T));
  return a;
}

// Flat C-order `values` with `shape` (any rank) as an NpyArray.
template <class T>
NpyArray to_npy(std::vector<Index> shape, const std::vector<T>& values) {
  NpyArray a;
  a.dtype = dtype_of<T>();
  a.shape = std::move(shape);
  const std::size_t n = detail::npy_count(a.shape, sizeof(T), "to_npy", "(array)");
  if (n != values.size())
    file_error("to_npy", "(array)",
               fmt::format("shape {} has {} elements but {} values were given",
                           shape_string(a.shape), n, values.size()));
  a.bytes.resize(n * sizeof(T));
  for (std::size_t k = 0; k < n; ++k) detail::npy_put(values[k], a.bytes.data() + k * sizeof(T));
  return a;
}

// Writes an Eigen matrix or vector as numpy's np.save would (shape rule: see to_npy).
template <class Derived>
void save_npy(const std::string& path, const Eigen::MatrixBase<Derived>& m) {
  detail::npy_write_file(path, to_npy(m), "save_npy");
}

}  // namespace aib
