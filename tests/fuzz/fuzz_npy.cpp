// libFuzzer target for aib::parse_npy: any input must either parse or throw aib::Error.
//
// Any other exception, a crash, an out-of-bounds read (ASan) or undefined behaviour (UBSan) is a
// finding. Run: fuzz_npy -max_total_time=60 tests/fixtures/npy  (the fixtures are the seeds).
#include <cstddef>
#include <cstdint>

#include "aib/core/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const aib::NpyArray a = aib::parse_npy(data, size, "fuzz.npy");
    // A parsed array must be self-consistent and re-serialize to an image that parses the same.
    const std::vector<unsigned char> again = aib::serialize_npy(a);
    const aib::NpyArray b = aib::parse_npy(again.data(), again.size(), "again.npy");
    if (b.dtype != a.dtype || b.shape != a.shape || b.bytes != a.bytes) __builtin_trap();
    if (a.ndim() <= 2) {
      switch (a.dtype) {
        case aib::DType::f32:
          aib::npy_to_mat<float>(a, "fuzz.npy");
          break;
        case aib::DType::f64:
          aib::npy_to_mat<double>(a, "fuzz.npy");
          break;
        case aib::DType::i32:
          aib::npy_to_mat<std::int32_t>(a, "fuzz.npy");
          break;
        case aib::DType::i64:
          aib::npy_to_mat<std::int64_t>(a, "fuzz.npy");
          break;
      }
    }
  } catch (const aib::Error&) {
  }
  return 0;
}
