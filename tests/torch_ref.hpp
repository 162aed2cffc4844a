// tests/torch_ref.hpp — loading PyTorch reference fixtures (tests/fixtures/torch/<dir>/*.npy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aib/core/io.hpp"

namespace aib_test {

inline aib::MatD torch_ref(const std::string& dir, const std::string& name) {
  return aib::load_npy<double>(std::string(AIB_FIXTURES_DIR) + "/torch/" + dir + "/" + name + ".npy");
}

inline std::vector<aib::Index> torch_ids(const std::string& dir, const std::string& name) {
  const auto m = aib::load_npy<std::int64_t>(std::string(AIB_FIXTURES_DIR) + "/torch/" + dir + "/" +
                                             name + ".npy");
  return std::vector<aib::Index>(m.data(), m.data() + m.size());
}

// max |a − b|; a shape mismatch counts as infinitely far.
inline double max_diff(const aib::MatD& a, const aib::MatD& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
  return a.size() ? (a - b).cwiseAbs().maxCoeff() : 0.0;
}

}  // namespace aib_test
