// aib/core/safetensors.hpp — read and write named weights in Hugging Face's safetensors format.
//
// A file is N (u64 little-endian), N bytes of UTF-8 JSON header, then the data buffer. The header
// maps each tensor name to {"dtype": "F32", "shape": [3, 5], "data_offsets": [begin, end]}: bytes
// [begin, end) of the data buffer, little-endian, C order. "__metadata__" maps strings to strings.
// Follows huggingface/safetensors (README, safetensors/src/tensor.rs); the writer lays a file out
// as that library's serialize() does, byte for byte. dtypes F32, F64, I32, I64 (aib::DType); F16
// and BF16 are read on request, widened to F32 (exactly: every half and bfloat16 is a float), and
// a reader may pass over named tensors of any dtype unread (SafetensorsReadOptions).
// Leaves out: writing F16/BF16, F8, BOOL, U8... (refused by name), memory mapping, sharded files.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/io.hpp"  // DType, dtype_of, little-endian element get/put
#include "aib/core/types.hpp"

namespace aib {

// ---- tensors ------------------------------------------------------------------------------------

// One tensor as it is stored: shape [] is a scalar, [n] a vector, [r, c] a matrix.
struct SafeTensor {
  DType dtype = DType::f32;
  std::vector<Index> shape;          // [d0, d1, ...], C order: the last index varies fastest
  std::vector<unsigned char> bytes;  // size() · itemsize() bytes, little-endian, C order

  Index ndim() const { return static_cast<Index>(shape.size()); }
  std::size_t itemsize() const { return dtype_size(dtype); }
  Index size() const;  // number of elements: the product of shape (1 for a scalar)
};

// A whole file: named tensors and the free-form string metadata.
struct SafeTensors {
  std::vector<std::pair<std::string, SafeTensor>> tensors;  // as read: in data-buffer order
  std::map<std::string, std::string> metadata;              // the "__metadata__" object
  std::map<std::string, std::string> stored_dtype;  // tensors widened on read: name -> "F16"/"BF16"
  std::vector<std::string> skipped;                 // tensors passed over unread (options.skip)

  const SafeTensor* find(std::string_view name) const;  // nullptr when there is no such tensor
  const SafeTensor& at(std::string_view name) const;    // throws aib::Error listing the names
};

// How read_safetensors may read a file beyond the four dtypes it always reads.
struct SafetensorsReadOptions {
  bool widen_half = false;  // F16 and BF16 tensors load as F32; SafeTensors::stored_dtype says so
  // Tensors for which skip(name) is true are checked for their place in the file but not read,
  // whatever their dtype (e.g. the attention-mask buffers some PyTorch checkpoints carry).
  std::function<bool(std::string_view)> skip;
};

// IEEE 754 binary16 bits as a float (exact): 0x3C00 -> 1, 0xC000 -> -2, 0x0001 -> 2^-24,
// 0x7C00 -> +inf, 0x7E00 -> NaN.
inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  float magnitude = 0.0f;
  if (exponent == 0x1Fu)  // infinity or NaN
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  else if (exponent == 0)  // zero or subnormal: mantissa · 2^-24
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else  // (1024 + mantissa) · 2^(exponent - 25)
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out = 0.0f;
  std::memcpy(&out, &bits, 4);
  return out;
}

// bfloat16 bits as a float (exact): the top half of a binary32. 0x3F80 -> 1, 0x4049 -> 3.140625.
inline float bfloat16_to_float(std::uint16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float out = 0.0f;
  std::memcpy(&out, &bits, 4);
  return out;
}

// The header's dtype string of t: "F32", "F64", "I32", "I64".
inline std::string_view safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32:
      return "F32";
    case DType::f64:
      return "F64";
    case DType::i32:
      return "I32";
    case DType::i64:
      return "I64";
  }
  return "?";
}

namespace detail {

// The reference implementation refuses headers above 100 MB before parsing them; so do we.
inline constexpr std::uint64_t st_max_header = 100'000'000;

// Every safetensors failure: IoError("<where>: '<file>': <what>"), or "<where>: <what>" when there
// is no file (an in-memory tensor).
[[noreturn]] inline void st_fail(std::string_view where, std::string_view file,
                                 std::string_view what) {
  if (file.empty()) throw IoError(fmt::format("{}: {}", where, what));
  file_error(where, file, what);
}

[[noreturn]] inline void st_fail_tensor(std::string_view where, std::string_view file,
                                        std::string_view tensor, std::string_view what) {
  st_fail(where, file, fmt::format("tensor '{}': {}", printable(tensor), what));
}

// The dtypes of the format, in the order of safetensors' Dtype enum (increasing alignment); only
// four of them load here.
struct StDTypeInfo {
  std::string_view name;
  std::string_view what;
  std::size_t bytes;  // per element; 0 for the sub-byte floats
};
inline constexpr StDTypeInfo st_dtypes[] = {
    {"BOOL", "boolean", 1},
    {"F4", "4-bit float", 0},
    {"F6_E2M3", "6-bit float E2M3", 0},
    {"F6_E3M2", "6-bit float E3M2", 0},
    {"U8", "8-bit unsigned integer", 1},
    {"I8", "8-bit integer", 1},
    {"F8_E5M2", "8-bit float E5M2", 1},
    {"F8_E4M3", "8-bit float E4M3", 1},
    {"F8_E8M0", "8-bit exponent-only float E8M0", 1},
    {"F8_E4M3FNUZ", "8-bit float E4M3FNUZ", 1},
    {"F8_E5M2FNUZ", "8-bit float E5M2FNUZ", 1},
    {"I16", "16-bit integer", 2},
    {"U16", "16-bit unsigned integer", 2},
    {"F16", "16-bit float (half)", 2},
    {"BF16", "bfloat16", 2},
    {"I32", "32-bit integer", 4},
    {"U32", "32-bit unsigned integer", 4},
    {"F32", "32-bit float", 4},
    {"C64", "64-bit complex", 8},
    {"F64", "64-bit float", 8},
    {"I64", "64-bit integer", 8},
    {"U64", "64-bit unsigned integer", 8},
};

// The writer's sort key: the order of the dtype in safetensors' Dtype enum, I32 < F32 < F64 < I64.
// Its serialize() stores later ones first, then by name, so that every tensor's data is aligned to
// its element size once the header is padded to a multiple of 8.
inline int st_dtype_rank(DType t) {
  switch (t) {
    case DType::i32:
      return 0;
    case DType::f32:
      return 1;
    case DType::f64:
      return 2;
    case DType::i64:
      return 3;
  }
  return 0;
}

// The supported DType of a header dtype string, or fails naming it.
inline DType st_dtype(std::string_view s, std::string_view where, std::string_view file,
                      std::string_view tensor) {
  for (const DType t : {DType::f32, DType::f64, DType::i32, DType::i64})
    if (s == safetensors_dtype(t)) return t;
  for (const StDTypeInfo& d : st_dtypes)
    if (s == d.name)
      st_fail_tensor(where, file, tensor,
                     fmt::format("unsupported dtype '{}' ({}); supported: F32, F64, I32, I64. "
                                 "Convert it before saving, e.g. in PyTorch with t.float()",
                                 s, d.what));
  std::string known;
  for (const StDTypeInfo& d : st_dtypes) known += (known.empty() ? "" : ", ") + std::string(d.name);
  st_fail_tensor(
      where, file, tensor,
      fmt::format("unknown dtype '{}'; the format's dtypes are {}", printable(s), known));
}

// One checked header entry: where its data lies in the data buffer.
struct StEntry {
  std::string name;
  DType dtype = DType::f32;
  std::vector<Index> shape;
  std::uint64_t begin = 0, end = 0;  // [begin, end) of the data buffer
  std::string half;                  // "F16" or "BF16" when read widened (options.widen_half)
  bool skipped = false;              // options.skip: not read
};

// Widens n little-endian F16 or BF16 values at src to F32 bytes.
inline std::vector<unsigned char> st_widen(const unsigned char* src, std::size_t n,
                                           std::string_view half) {
  std::vector<unsigned char> out(n * 4);
  for (std::size_t k = 0; k < n; ++k) {
    const auto bits = static_cast<std::uint16_t>(src[2 * k] | (src[2 * k + 1] << 8));
    npy_put(half == "F16" ? half_to_float(bits) : bfloat16_to_float(bits), out.data() + 4 * k);
  }
  return out;
}

struct StHeader {
  std::vector<StEntry> entries;  // sorted by data_offsets: the order of the data buffer
  std::map<std::string, std::string> metadata;
};

// The header size N from the first 8 bytes of a file of `total` bytes, checked against the file.
inline std::uint64_t st_header_size(const unsigned char* p, std::size_t total,
                                    std::string_view where, std::string_view file) {
  if (total < 8)
    st_fail(where, file,
            fmt::format("truncated: the file has {} byte{}; a safetensors file starts with an "
                        "8-byte header size",
                        total, total == 1 ? "" : "s"));
  std::uint64_t n = 0;
  for (int k = 0; k < 8; ++k) n |= static_cast<std::uint64_t>(p[k]) << (8 * k);
  if (n > total - 8)
    st_fail(where, file,
            fmt::format("header size {} reaches past the end of the file, which has {} bytes: "
                        "{} after the 8-byte size",
                        n, total, total - 8));
  if (n > st_max_header)
    st_fail(where, file,
            fmt::format("header size {} is larger than the {} bytes safetensors allows", n,
                        st_max_header));
  return n;
}

// A JSON value's kind for error messages: "a string", "an array"...
inline std::string st_kind(const nlohmann::json& v) {
  const std::string t = v.type_name();
  if (v.is_number_float()) return "a non-integer number";
  if (v.is_number_integer() && !v.is_number_unsigned()) return "a negative number";
  return (t == "array" || t == "object" ? "an " : "a ") + t;
}

// A non-negative integer of the header (shape dimension, data offset); fails naming `what`.
inline std::uint64_t st_uint(const nlohmann::json& v, std::string_view where, std::string_view file,
                             std::string_view tensor, std::string_view what) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() == 0) return 0;  // "-0"
  st_fail_tensor(where, file, tensor,
                 fmt::format("{} must be a non-negative integer below 2^64, found {} ({})", what,
                             st_kind(v), printable(v.dump(), 40)));
}

// Parses the JSON header text h[0, n) into a DOM, refusing duplicate keys and nesting deeper than
// a header needs (which also bounds the memory a hostile header can make the parser allocate).
inline nlohmann::json st_parse_json(const char* h, std::size_t n, std::string_view where,
                                    std::string_view file) {
  using nlohmann::json;
  // An empty header (8 zero bytes make one) has no object in it, and may come with h == nullptr,
  // which memchr must never see, not even with n == 0.
  if (n == 0) st_fail(where, file, "the header is empty (size 0); it must hold a JSON object");
  if (n >= 3 && static_cast<unsigned char>(h[0]) == 0xef &&
      static_cast<unsigned char>(h[1]) == 0xbb && static_cast<unsigned char>(h[2]) == 0xbf)
    st_fail(where, file, "the header starts with a UTF-8 byte-order mark, which JSON forbids");
  // JSON text never holds a NUL byte (not even inside strings), and nlohmann/json would take one
  // for the end of the input and ignore the rest.
  if (const void* nul = std::memchr(h, 0, n))
    st_fail(where, file,
            fmt::format("the header holds a NUL byte at file byte {}; JSON text cannot contain one",
                        8 + (static_cast<const char*>(nul) - h)));
  std::vector<std::set<std::string>> keys;  // the keys seen so far in each open object
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        // {  "name": {  "shape": [  ]  }  }: containers sit at depths 0, 1 and 2.
        if (depth > 2)
          st_fail(where, file,
                  fmt::format("the header nests JSON objects or arrays {} levels deep; a "
                              "safetensors header needs 3",
                              depth + 1));
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
        keys.pop_back();
        break;
      case json::parse_event_t::key:  // a key belongs to the innermost open object
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
          st_fail(where, file,
                  fmt::format("duplicate key '{}' in the header (the format forbids them; JSON "
                              "parsers disagree on which one wins)",
                              printable(parsed.get_ref<const std::string&>())));
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(h, h + n, check);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const std::size_t pos = what.find("] ");
    if (what.rfind("[json.exception.", 0) == 0 && pos != std::string::npos) what.erase(0, pos + 2);
    st_fail(where, file,
            fmt::format("the header is not valid JSON (file byte {}): {}", 8 + e.byte - 1,
                        printable(what, 300)));
  } catch (const json::exception& e) {
    st_fail(where, file, fmt::format("the header is not valid JSON: {}", printable(e.what(), 300)));
  }
}

// Parses the header h[0, n) and checks every entry against a data buffer of `data_size` bytes:
// fields, dtype, shape, byte count, bounds, and that the ranges tile the buffer exactly.
inline StHeader st_header(const char* h, std::size_t n, std::uint64_t data_size,
                          std::string_view where, std::string_view file,
                          const SafetensorsReadOptions& options = {}) {
  const nlohmann::json j = st_parse_json(h, n, where, file);
  if (!j.is_object())
    st_fail(where, file,
            fmt::format("the header is {}, not a JSON object mapping tensor names to entries",
                        st_kind(j)));
  StHeader out;
  out.entries.reserve(j.size());
  for (const auto& item : j.items()) {
    const std::string& name = item.key();  // (not a structured binding: a lambda captures it)
    const nlohmann::json& v = item.value();
    if (name == "__metadata__") {
      if (!v.is_object())
        st_fail(where, file,
                fmt::format("__metadata__ must be an object of strings, found {}", st_kind(v)));
      for (const auto& [key, value] : v.items()) {
        if (!value.is_string())
          st_fail(where, file,
                  fmt::format("__metadata__ value of '{}' must be a string, found {} ({})",
                              printable(key), st_kind(value), printable(value.dump(), 40)));
        out.metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    const auto fail = [&](const std::string& what) { st_fail_tensor(where, file, name, what); };
    if (!v.is_object())
      fail(
          fmt::format("the entry must be an object {{\"dtype\", \"shape\", \"data_offsets\"}}, "
                      "found {}",
                      st_kind(v)));
    for (const auto& field : v.items())
      if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets")
        fail(
            fmt::format("unexpected field '{}'; an entry holds exactly dtype, shape and "
                        "data_offsets",
                        printable(field.key())));
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!v.contains(field)) fail(fmt::format("missing field '{}'", field));
    StEntry e;
    e.name = name;
    const nlohmann::json& dtype = v.at("dtype");
    if (!dtype.is_string()) fail(fmt::format("dtype must be a string, found {}", st_kind(dtype)));
    const std::string& dtype_name = dtype.get_ref<const std::string&>();
    std::size_t item_bytes = 0;  // per element
    if (options.skip && options.skip(name)) {
      for (const StDTypeInfo& d : st_dtypes)
        if (dtype_name == d.name) item_bytes = d.bytes;
      if (item_bytes == 0)
        fail(fmt::format("dtype '{}' of a tensor to pass over is unknown or below a byte",
                         printable(dtype_name)));
      e.skipped = true;
    } else if (options.widen_half && (dtype_name == "F16" || dtype_name == "BF16")) {
      e.half = dtype_name;
      item_bytes = 2;
    } else {
      e.dtype = st_dtype(dtype_name, where, file, name);
      item_bytes = dtype_size(e.dtype);
    }
    const nlohmann::json& shape = v.at("shape");
    if (!shape.is_array())
      fail(
          fmt::format("shape must be an array of non-negative integers, found {}", st_kind(shape)));
    for (std::size_t k = 0; k < shape.size(); ++k) {
      const std::uint64_t d = st_uint(shape[k], where, file, name, fmt::format("shape[{}]", k));
      if (d > static_cast<std::uint64_t>(std::numeric_limits<Index>::max()))
        fail(fmt::format("shape[{}] = {} does not fit a 64-bit signed integer", k, d));
      e.shape.push_back(static_cast<Index>(d));
    }
    const nlohmann::json& offsets = v.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2)
      fail(fmt::format("data_offsets must be an array [begin, end], found {}{}", st_kind(offsets),
                       offsets.is_array() ? fmt::format(" of {} elements", offsets.size()) : ""));
    e.begin = st_uint(offsets[0], where, file, name, "data_offsets[0]");
    e.end = st_uint(offsets[1], where, file, name, "data_offsets[1]");
    const std::string range = fmt::format("data_offsets [{}, {}]", e.begin, e.end);
    if (e.end < e.begin) fail(range + " end before they begin");
    if (e.end > data_size)
      fail(fmt::format("{} reach past the end of the data buffer, which has {} bytes", range,
                       data_size));
    std::string error;
    const std::uint64_t count = element_count(e.shape, item_bytes, ShapeNotation::list, &error);
    if (!error.empty()) fail(error);
    const std::uint64_t need = count * item_bytes;
    if (e.end - e.begin != need)
      fail(fmt::format("{} hold {} bytes but {} shape {} needs {}", range, e.end - e.begin,
                       printable(dtype_name), shape_string(e.shape, ShapeNotation::list), need));
    out.entries.push_back(std::move(e));
  }
  // The ranges, in order, must tile [0, data_size): no overlap, no hole, nothing left over.
  std::sort(out.entries.begin(), out.entries.end(), [](const StEntry& a, const StEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin
           : a.end != b.end   ? a.end < b.end
                              : a.name < b.name;
  });
  std::uint64_t pos = 0;
  const StEntry* previous = nullptr;
  for (const StEntry& e : out.entries) {
    if (e.begin < pos)
      st_fail_tensor(
          where, file, e.name,
          fmt::format("data_offsets [{}, {}] overlap those of tensor '{}' [{}, {}]", e.begin, e.end,
                      printable(previous->name), previous->begin, previous->end));
    if (e.begin > pos)
      st_fail_tensor(where, file, e.name,
                     fmt::format("data_offsets [{}, {}] leave a hole: bytes [{}, {}) of the data "
                                 "buffer belong to no tensor",
                                 e.begin, e.end, pos, e.begin));
    pos = e.end;
    previous = &e;
  }
  if (pos != data_size)
    st_fail(where, file,
            fmt::format("bytes [{}, {}) at the end of the data buffer belong to no tensor "
                        "({} trailing byte{})",
                        pos, data_size, data_size - pos, data_size - pos == 1 ? "" : "s"));
  return out;
}

inline SafeTensors st_parse(const void* data, std::size_t size, std::string_view where,
                            std::string_view name) {
  if (data == nullptr && size > 0) st_fail(where, name, "null data pointer");
  const auto* p = static_cast<const unsigned char*>(data);
  const std::uint64_t n = st_header_size(p, size, where, name);
  const std::size_t data_start = 8 + static_cast<std::size_t>(n);
  StHeader hd = st_header(reinterpret_cast<const char*>(p) + 8, static_cast<std::size_t>(n),
                          size - data_start, where, name);
  SafeTensors out;
  out.metadata = std::move(hd.metadata);
  out.tensors.reserve(hd.entries.size());
  for (StEntry& e : hd.entries) {
    SafeTensor t;
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes.assign(p + data_start + e.begin, p + data_start + e.end);
    out.tensors.emplace_back(std::move(e.name), std::move(t));
  }
  return out;
}

// Reads the 8-byte size and the header first, checks the whole layout against the file size, and
// only then allocates for (and reads) the tensors, in data-buffer order.
inline SafeTensors st_read_file(const std::string& path, std::string_view where,
                                const SafetensorsReadOptions& options = {}) {
  BinaryReader in(path, where);
  const std::size_t total = in.size();
  const auto read = [&](void* dst, std::size_t n) { in.read(dst, n); };
  unsigned char head[8] = {};
  read(head, std::min<std::size_t>(total, 8));
  const std::uint64_t n = st_header_size(head, total, where, path);
  std::vector<char> header(static_cast<std::size_t>(n));
  read(header.data(), header.size());
  StHeader hd =
      st_header(header.data(), header.size(), total - 8 - header.size(), where, path, options);
  SafeTensors out;
  out.metadata = std::move(hd.metadata);
  out.tensors.reserve(hd.entries.size());
  const std::size_t data_start = 8 + header.size();
  for (StEntry& e : hd.entries) {  // contiguous and in order: a sequential read
    if (e.skipped) {
      out.skipped.push_back(e.name);
      continue;
    }
    SafeTensor t;
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes.resize(static_cast<std::size_t>(e.end - e.begin));
    in.seek(data_start + static_cast<std::size_t>(e.begin));
    read(t.bytes.data(), t.bytes.size());
    if (!e.half.empty()) {
      t.bytes = st_widen(t.bytes.data(), t.bytes.size() / 2, e.half);
      out.stored_dtype[e.name] = e.half;
    }
    out.tensors.emplace_back(std::move(e.name), std::move(t));
  }
  return out;
}

// Throws unless t.bytes holds exactly the data its dtype and shape call for; returns the count.
inline std::size_t st_check_tensor(const SafeTensor& t, std::string_view where,
                                   std::string_view file, std::string_view tensor) {
  std::string error;
  const std::uint64_t n = element_count(t.shape, t.itemsize(), ShapeNotation::list, &error);
  if (!error.empty()) st_fail_tensor(where, file, tensor, error);
  if (t.bytes.size() != n * t.itemsize())
    st_fail_tensor(
        where, file, tensor,
        fmt::format("{} shape {} needs {} bytes, the tensor holds {}", safetensors_dtype(t.dtype),
                    shape_string(t.shape, ShapeNotation::list), n * t.itemsize(), t.bytes.size()));
  return static_cast<std::size_t>(n);
}

// s as a JSON string literal, or fails (where/what) if s is not valid UTF-8.
inline std::string st_json_string(const std::string& s, std::string_view where,
                                  std::string_view file, std::string_view what) {
  try {
    return nlohmann::json(s).dump();
  } catch (const nlohmann::json::exception&) {
    st_fail(where, file,
            fmt::format("{} '{}' is not valid UTF-8, which the JSON header requires", what,
                        printable(s)));
  }
}

// The header bytes (padded with spaces to a multiple of 8) and the order of the tensors' data,
// exactly as safetensors' serialize() lays them out: "__metadata__" first (when not empty), then
// the tensors by decreasing dtype alignment and then by name, each as
// {"dtype":...,"shape":[...],"data_offsets":[begin,end]}, in compact JSON.
struct StLayout {
  std::string header;
  std::vector<std::size_t> order;  // indices into SafeTensors::tensors
};

inline StLayout st_layout(const SafeTensors& st, std::string_view where, std::string_view file) {
  StLayout out;
  out.order.resize(st.tensors.size());
  for (std::size_t k = 0; k < out.order.size(); ++k) {
    const auto& [name, t] = st.tensors[k];
    if (name == "__metadata__") st_fail(where, file, "a tensor may not be named '__metadata__'");
    st_check_tensor(t, where, file, name);
    out.order[k] = k;
  }
  std::sort(out.order.begin(), out.order.end(), [&](std::size_t a, std::size_t b) {
    const int ra = st_dtype_rank(st.tensors[a].second.dtype);
    const int rb = st_dtype_rank(st.tensors[b].second.dtype);
    return ra != rb ? ra > rb : st.tensors[a].first < st.tensors[b].first;
  });
  for (std::size_t k = 1; k < out.order.size(); ++k)
    if (st.tensors[out.order[k]].first == st.tensors[out.order[k - 1]].first)
      st_fail(where, file,
              fmt::format("two tensors are named '{}'; names must be unique",
                          printable(st.tensors[out.order[k]].first)));
  std::string& h = out.header;
  h = "{";
  if (!st.metadata.empty()) {
    h += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : st.metadata) {
      h += first ? "" : ",";
      h +=
          st_json_string(key, where, file, "metadata key") + ":" +
          st_json_string(value, where, file, fmt::format("metadata value of '{}'", printable(key)));
      first = false;
    }
    h += "}";
  }
  std::uint64_t offset = 0;
  for (const std::size_t k : out.order) {
    const auto& [name, t] = st.tensors[k];
    std::string shape;
    for (std::size_t d = 0; d < t.shape.size(); ++d)
      shape += (d ? "," : "") + std::to_string(t.shape[d]);
    h += h.size() > 1 ? "," : "";
    h += fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                     st_json_string(name, where, file, "tensor name"), safetensors_dtype(t.dtype),
                     shape, offset, offset + t.bytes.size());
    offset += t.bytes.size();
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  return out;
}

// The 8-byte little-endian header size.
inline void st_put_size(std::uint64_t n, unsigned char* p) {
  for (int k = 0; k < 8; ++k) p[k] = static_cast<unsigned char>(n >> (8 * k));
}

inline void st_write_file(const std::string& path, const SafeTensors& st, std::string_view where) {
  const StLayout layout = st_layout(st, where, path);
  unsigned char prefix[8];
  st_put_size(layout.header.size(), prefix);
  BinaryWriter out(path, where);
  out.write(prefix, sizeof prefix);
  out.write(layout.header.data(), layout.header.size());
  for (const std::size_t k : layout.order) {
    const std::vector<unsigned char>& b = st.tensors[k].second.bytes;
    out.write(b.data(), b.size());
  }
  out.close();
}

// The (rows, cols) a tensor loads as: [] -> (1, 1), [n] -> (1, n), [r, c] -> (r, c).
template <class T>
MatT<T> st_to_mat(const SafeTensor& t, std::string_view where, std::string_view file,
                  std::string_view tensor) {
  constexpr DType want = dtype_of<T>();
  if (t.dtype != want)
    st_fail_tensor(
        where, file, tensor,
        fmt::format("holds {} data ({}), not {} ({}); load it with to_mat<{}>. Nothing "
                    "is converted silently: call .cast<{}>() on the result if you need "
                    "{}",
                    safetensors_dtype(t.dtype), dtype_ctype(t.dtype), safetensors_dtype(want),
                    dtype_ctype(want), dtype_ctype(t.dtype), dtype_ctype(want), dtype_ctype(want)));
  if (t.shape.size() > 2)
    st_fail_tensor(where, file, tensor,
                   fmt::format("has shape {}; a matrix holds at most 2 dimensions: use "
                               "to_vector<{}> for its flat C-order values",
                               shape_string(t.shape, ShapeNotation::list), dtype_ctype(want)));
  st_check_tensor(t, where, file, tensor);
  const Index rows = t.shape.size() == 2 ? t.shape[0] : 1;
  const Index cols = t.shape.empty() ? 1 : t.shape.back();
  MatT<T> m(rows, cols);  // (rows, cols), row-major like the file
  for (Index k = 0; k < m.size(); ++k)
    m.data()[k] = npy_get<T>(t.bytes.data() + static_cast<std::size_t>(k) * sizeof(T));
  return m;
}

}  // namespace detail

inline Index SafeTensor::size() const {
  std::string error;
  const std::uint64_t n = element_count(shape, itemsize(), ShapeNotation::list, &error);
  if (!error.empty()) throw Error("SafeTensor::size: " + error);
  return static_cast<Index>(n);
}

inline const SafeTensor* SafeTensors::find(std::string_view name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

inline const SafeTensor& SafeTensors::at(std::string_view name) const {
  if (const SafeTensor* t = find(name)) return *t;
  std::string names;
  for (std::size_t k = 0; k < tensors.size() && k < 20; ++k)
    names += (k ? ", '" : "'") + printable(tensors[k].first, 40) + "'";
  if (tensors.size() > 20) names += fmt::format(" and {} more", tensors.size() - 20);
  fail("SafeTensors::at: no tensor named '{}'; there are {} tensor{}{}{}", printable(name),
       tensors.size(), tensors.size() == 1 ? "" : "s", tensors.empty() ? "" : ": ", names);
}

// ---- public API ---------------------------------------------------------------------------------

// Parses an in-memory safetensors image; `name` stands for the file in error messages.
inline SafeTensors parse_safetensors(const void* data, std::size_t size, std::string_view name) {
  return detail::st_parse(data, size, "parse_safetensors", name);
}

// Reads a safetensors file: every tensor, in data-buffer order, and the metadata.
inline SafeTensors read_safetensors(const std::string& path) {
  return detail::st_read_file(path, "read_safetensors");
}

// The same with options: F16/BF16 widened to F32, named tensors passed over.
inline SafeTensors read_safetensors(const std::string& path,
                                    const SafetensorsReadOptions& options) {
  return detail::st_read_file(path, "read_safetensors", options);
}

// The bytes safetensors' serialize() writes for the same tensors and metadata (the order of
// st.tensors does not matter; the metadata keys come out sorted).
inline std::vector<unsigned char> serialize_safetensors(const SafeTensors& st) {
  const detail::StLayout layout = detail::st_layout(st, "serialize_safetensors", "");
  std::size_t total = 8 + layout.header.size();
  for (const auto& [name, t] : st.tensors) total += t.bytes.size();
  std::vector<unsigned char> out(total);
  detail::st_put_size(layout.header.size(), out.data());
  auto pos = std::copy(layout.header.begin(), layout.header.end(), out.begin() + 8);
  for (const std::size_t k : layout.order)
    pos = std::copy(st.tensors[k].second.bytes.begin(), st.tensors[k].second.bytes.end(), pos);
  return out;
}

// Writes `st` to `path` (the bytes of serialize_safetensors, streamed).
inline void write_safetensors(const std::string& path, const SafeTensors& st) {
  detail::st_write_file(path, st, "write_safetensors");
}

// A 0-, 1- or 2-d tensor as a matrix of T, whose dtype must be exactly the tensor's (float -> F32,
// double -> F64, std::int32_t -> I32, std::int64_t -> I64); nothing is converted. Shapes: [r, c]
// -> (r, c); [n] -> a (1, n) row, as a bias broadcasts over the rows of X; [] -> (1, 1).
// `name` (the tensor's) is used in errors.
template <class T>
MatT<T> to_mat(const SafeTensor& t, std::string_view name) {
  return detail::st_to_mat<T>(t, fmt::format("to_mat<{}>", dtype_ctype(dtype_of<T>())), "", name);
}

// The flat C-order values of a tensor of any rank; T must match its dtype exactly.
template <class T>
std::vector<T> to_vector(const SafeTensor& t, std::string_view name) {
  constexpr DType want = dtype_of<T>();
  const std::string where = fmt::format("to_vector<{}>", dtype_ctype(want));
  if (t.dtype != want)
    detail::st_fail_tensor(
        where, "", name,
        fmt::format("holds {} data ({}), not {}; call to_vector<{}>", safetensors_dtype(t.dtype),
                    dtype_ctype(t.dtype), safetensors_dtype(want), dtype_ctype(t.dtype)));
  const std::size_t n = detail::st_check_tensor(t, where, "", name);
  std::vector<T> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = detail::npy_get<T>(t.bytes.data() + k * sizeof(T));
  return v;
}

// An Eigen matrix or vector as a tensor in C order, whatever its storage order: a type that is a
// vector at compile time (Vec, RowVec, m.row(i)) becomes 1-d [n], like PyTorch's biases; every
// other matrix becomes 2-d [rows, cols], even with one row or column.
template <class Derived>
SafeTensor to_safetensor(const Eigen::MatrixBase<Derived>& m) {
  using T = typename Derived::Scalar;
  SafeTensor t;
  t.dtype = dtype_of<T>();
  if constexpr (Derived::IsVectorAtCompileTime)
    t.shape = {m.size()};
  else
    t.shape = {m.rows(), m.cols()};
  const MatT<T> c = m;  // (rows, cols), row-major: C order
  t.bytes.resize(static_cast<std::size_t>(c.size()) * sizeof(T));
  for (Index k = 0; k < c.size(); ++k)
    detail::npy_put(c.data()[k], t.bytes.data() + static_cast<std::size_t>(k) * sizeof(T));
  return t;
}

// Flat C-order `values` with `shape` (any rank; [] is a scalar) as a tensor.
template <class T>
SafeTensor to_safetensor(std::vector<Index> shape, const std::vector<T>& values) {
  SafeTensor t;
  t.dtype = dtype_of<T>();
  t.shape = std::move(shape);
  std::string error;
  const std::uint64_t n = element_count(t.shape, sizeof(T), ShapeNotation::list, &error);
  if (!error.empty()) throw Error("to_safetensor: " + error);
  if (n != values.size())
    fail("to_safetensor: shape {} has {} elements but {} values were given",
         shape_string(t.shape, ShapeNotation::list), n, values.size());
  t.bytes.resize(values.size() * sizeof(T));
  for (std::size_t k = 0; k < values.size(); ++k)
    detail::npy_put(values[k], t.bytes.data() + k * sizeof(T));
  return t;
}

// ---- checksums ----------------------------------------------------------------------------------

// CRC-32 (the one of zlib, PNG and gzip: reflected polynomial 0xEDB88320, initial value and final
// xor 0xFFFFFFFF). crc32("123456789") == 0xCBF43926, the standard check value.
inline std::uint32_t crc32(const void* data, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t k = 0; k < n; ++k) c = table[(c ^ p[k]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// The metadata key that holds a tensor's checksum, e.g. "crc32.h.0.attn.c_attn.weight".
inline std::string checksum_key(std::string_view tensor) {
  return "crc32." + std::string(tensor);
}

// Adds "crc32.<name>" = 8 lowercase hex digits of each tensor's bytes to the metadata. Other tools
// ignore metadata they do not know, so the file stays a plain safetensors file.
inline void add_checksums(SafeTensors& st) {
  for (const auto& [name, t] : st.tensors)
    st.metadata[checksum_key(name)] = fmt::format("{:08x}", crc32(t.bytes.data(), t.bytes.size()));
}

// Checks every "crc32.<name>" entry of the metadata against its tensor's bytes: a flipped bit in
// the data is an IoError naming the tensor. A checksum for a tensor the file does not hold is one
// too. Tensors without a checksum (files from other tools) are not checked.
inline void verify_checksums(const SafeTensors& st, std::string_view where, std::string_view path) {
  for (const auto& [key, value] : st.metadata) {
    if (key.rfind("crc32.", 0) != 0) continue;
    const std::string name = key.substr(6);
    const SafeTensor* t = st.find(name);
    if (t == nullptr)
      detail::st_fail(
          where, path,
          fmt::format("metadata '{}' is the checksum of a tensor the file does not hold",
                      printable(key)));
    const std::string actual = fmt::format("{:08x}", crc32(t->bytes.data(), t->bytes.size()));
    if (value != actual)
      detail::st_fail_tensor(where, path, name,
                             fmt::format("its bytes do not match the checksum saved with them "
                                         "(crc32 {} in the file, {} computed): the file is "
                                         "corrupted",
                                         printable(value), actual));
  }
}

// Saves named float matrices, each as F32 [rows, cols], with optional string metadata, and each
// tensor's CRC-32 (add_checksums), whole or not at all (BinaryWriter).
inline void save_matrices(const std::string& path,
                          const std::vector<std::pair<std::string, Mat>>& named,
                          const std::map<std::string, std::string>& metadata = {}) {
  SafeTensors st;
  st.metadata = metadata;
  for (const auto& [name, m] : named) st.tensors.emplace_back(name, to_safetensor(m));
  add_checksums(st);
  detail::st_write_file(path, st, "save_matrices");
}

// Loads every tensor of a file as a float matrix (shape rule: see to_mat), in data-buffer order
// (which is name order for a file save_matrices wrote), after verify_checksums. Every tensor must
// be F32 and at most 2-d.
inline std::vector<std::pair<std::string, Mat>> load_matrices(const std::string& path) {
  const SafeTensors st = detail::st_read_file(path, "load_matrices");
  verify_checksums(st, "load_matrices", path);
  std::vector<std::pair<std::string, Mat>> out;
  out.reserve(st.tensors.size());
  for (const auto& [name, t] : st.tensors) {
    if (t.dtype != DType::f32)
      detail::st_fail_tensor(
          "load_matrices", path, name,
          fmt::format("holds {} data ({}); load_matrices reads F32 only: use read_safetensors "
                      "and to_mat<{}>",
                      safetensors_dtype(t.dtype), dtype_ctype(t.dtype), dtype_ctype(t.dtype)));
    out.emplace_back(name, detail::st_to_mat<float>(t, "load_matrices", path, name));
  }
  return out;
}

}  // namespace aib
