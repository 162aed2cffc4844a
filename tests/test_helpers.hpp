// tests/test_helpers.hpp — small helpers shared by the unit tests.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "aib/core/check.hpp"
#include "catch.hpp"

namespace aib_test {

// The message of the aib::Error that f throws, or "(no error)".
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const aib::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The lines of a text, without their '\n'.
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The bytes of a file (the test fails if it cannot be opened).
inline std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>());
}

// A path under ../shared (the course's shared data: real tiktoken rank files, tiktoken's ids), or
// "" when it is absent, as on a student's machine: the caller skips, with a warning. CI sets
// AIB_REQUIRE_SHARED=1, which turns a missing file into a failure.
inline std::string shared_dir() {
  const char* dir = std::getenv("AIB_SHARED_DIR");  // overrides <source>/../shared
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string(AIB_SHARED_DIR);
}
inline std::string shared_path(const std::string& relative) {
  const std::string path = shared_dir() + "/" + relative;
  if (std::ifstream(path).good()) return path;
  const char* required = std::getenv("AIB_REQUIRE_SHARED");
  if (required != nullptr && std::string(required) == "1")
    FAIL("AIB_REQUIRE_SHARED=1 but " << path << " is missing");
  WARN("skipped: " << path << " is not here (it ships with the course's shared data)");
  return "";
}

// A scratch directory under the system temp dir, removed with everything in it afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("aib_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace aib_test
