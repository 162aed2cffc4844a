// libFuzzer target for aib::parse_safetensors: any input must either parse or throw aib::Error.
//
// Any other exception, a crash, an out-of-bounds read (ASan) or undefined behaviour (UBSan) is a
// finding, and so is an accepted input that does not survive serialize -> parse unchanged. Run:
// fuzz_safetensors -max_total_time=60 /tmp/st-corpus tests/fixtures/safetensors
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aib/core/safetensors.hpp"

namespace {

// Same tensors (by name) and the same metadata.
bool same(const aib::SafeTensors& a, const aib::SafeTensors& b) {
  if (a.tensors.size() != b.tensors.size() || a.metadata != b.metadata) return false;
  for (const auto& [name, t] : a.tensors) {
    const aib::SafeTensor* u = b.find(name);
    if (!u || u->dtype != t.dtype || u->shape != t.shape || u->bytes != t.bytes) return false;
  }
  return true;
}

template <class T>
void load(const aib::SafeTensor& t, const std::string& name) {
  const std::vector<T> v = aib::to_vector<T>(t, name);
  if (v.size() != static_cast<std::size_t>(t.size())) __builtin_trap();
  if (t.shape.size() <= 2) {
    const aib::MatT<T> m = aib::to_mat<T>(t, name);
    if (m.size() != t.size()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const aib::SafeTensors st = aib::parse_safetensors(data, size, "fuzz.safetensors");
    // An accepted file must be self-consistent and re-serialize to an image that parses the same,
    // and that image must be a fixed point of serialize(parse(.)).
    for (const auto& [name, t] : st.tensors) {
      if (t.bytes.size() != static_cast<std::size_t>(t.size()) * t.itemsize()) __builtin_trap();
      switch (t.dtype) {
        case aib::DType::f32:
          load<float>(t, name);
          break;
        case aib::DType::f64:
          load<double>(t, name);
          break;
        case aib::DType::i32:
          load<std::int32_t>(t, name);
          break;
        case aib::DType::i64:
          load<std::int64_t>(t, name);
          break;
      }
    }
    const std::vector<unsigned char> again = aib::serialize_safetensors(st);
    const aib::SafeTensors back = aib::parse_safetensors(again.data(), again.size(), "again");
    if (!same(st, back)) __builtin_trap();
    if (aib::serialize_safetensors(back) != again) __builtin_trap();
  } catch (const aib::Error&) {
  }
  return 0;
}
