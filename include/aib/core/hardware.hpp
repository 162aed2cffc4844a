// aib/core/hardware.hpp — what this CPU says it can do, and what its memory delivers, measured.
//
// parse_cpuinfo() reads the text of Linux's /proc/cpuinfo: the model name, logical CPUs, physical
// cores, the clock it reports ("cpu MHz": the nominal or current clock, not a turbo clock) and the
// vector flags. peak_gflops() is the textbook bound, cores × clock × floats per vector instruction
// × 2 (a fused multiply-add is two FLOPs) × FMA units per core; no file reports how many FMA units
// a core has, so the caller says (1 gives the lower bound). memory_bandwidth() measures: the best
// of several passes that read (sum) and that copy an array far larger than the caches.
// Leaves out: other systems than Linux (missing fields are std::nullopt), GPUs, cache sizes, NUMA.
#pragma once

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "aib/core/check.hpp"
#include "aib/core/timing.hpp"
#include "aib/core/types.hpp"

namespace aib {

struct CpuInfo {
  std::string model;                  // "model name", empty if not reported
  int logical_cpus = 0;               // "processor" entries
  std::optional<int> physical_cores;  // "cpu cores" × distinct "physical id"s
  std::optional<double> mhz;          // "cpu MHz" of the first processor
  std::set<std::string> flags;        // "flags" of the first processor: avx512f, avx2, fma, ...

  bool has(const std::string& flag) const { return flags.count(flag) != 0; }

  // Floats one vector instruction holds: 16 with AVX-512, 8 with AVX, 4 with SSE; 1 otherwise.
  int float_lanes() const {
    if (has("avx512f")) return 16;
    if (has("avx")) return 8;
    if (has("sse")) return 4;
    return 1;
  }

  // The widest vector extension named by the flags ("AVX-512", "AVX2", "AVX", "SSE", "none").
  std::string vector_extension() const {
    if (has("avx512f")) return "AVX-512";
    if (has("avx2")) return "AVX2";
    if (has("avx")) return "AVX";
    if (has("sse")) return "SSE";
    return "none";
  }
};

// The fields above from /proc/cpuinfo's text; `source` names it in errors. A line without ':' is
// skipped (blank lines separate processors); a numeric field that does not parse is an error.
inline CpuInfo parse_cpuinfo(std::string_view text, const std::string& source = "/proc/cpuinfo") {
  CpuInfo info;
  std::set<std::string> packages;
  std::optional<int> cores_per_package;
  std::istringstream lines{std::string(text)};
  std::string line;
  int line_no = 0;
  const auto number = [&](const std::string& value, const std::string& key) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size())
      fail("{}:{}: '{}' is not a number: '{}'", source, line_no, key, value);
    return v;
  };
  while (std::getline(lines, line)) {
    ++line_no;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto trim = [](std::string s) {
      const std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++info.logical_cpus;
    } else if (info.logical_cpus > 1) {
      if (key == "physical id") packages.insert(value);
      continue;  // the other fields: the first processor's
    } else if (key == "model name") {
      info.model = value;
    } else if (key == "cpu MHz") {
      info.mhz = number(value, key);
    } else if (key == "cpu cores") {
      cores_per_package = static_cast<int>(number(value, key));
    } else if (key == "physical id") {
      packages.insert(value);
    } else if (key == "flags") {
      std::istringstream words(value);
      for (std::string w; words >> w;) info.flags.insert(w);
    }
  }
  if (info.logical_cpus == 0) fail("{}: no 'processor' line", source);
  if (cores_per_package)
    info.physical_cores = *cores_per_package * std::max<int>(1, static_cast<int>(packages.size()));
  return info;
}

// Read as a stream: /proc files report a size of 0, so a reader that trusts the size gets nothing.
inline CpuInfo read_cpuinfo(const std::string& path = "/proc/cpuinfo") {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("read_cpuinfo: cannot open '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cpuinfo(text.str(), path);
}

// cores × MHz/1000 × float lanes × 2 × fma_units, in GFLOP/s of float32; nullopt when the CPU does
// not report its cores, its clock or a fused multiply-add ("fma" flag).
inline std::optional<double> peak_gflops(const CpuInfo& cpu, int cores, int fma_units = 1) {
  if (cores < 1 || fma_units < 1)
    fail("peak_gflops: cores ({}) and FMA units ({}) must be >= 1", cores, fma_units);
  if (!cpu.mhz || !cpu.has("fma")) return std::nullopt;
  return cores * (*cpu.mhz / 1000.0) * cpu.float_lanes() * 2.0 * fma_units;
}

struct Bandwidth {
  double read_gbs = 0;  // bytes read per second / 1e9, summing the array
  double copy_gbs = 0;  // bytes read + bytes written per second / 1e9, copying it
};

// Best of `repeats` passes over `bytes` of floats (make it several times the last-level cache).
inline Bandwidth memory_bandwidth(std::size_t bytes = std::size_t{1} << 27, int repeats = 3) {
  if (bytes < (std::size_t{1} << 20) || repeats < 1)
    fail("memory_bandwidth: needs >= 1 MiB and >= 1 pass, got {} bytes and {} passes", bytes,
         repeats);
  const Index n = static_cast<Index>(bytes / sizeof(float));
  Eigen::VectorXf a = Eigen::VectorXf::LinSpaced(n, 0.0f, 1.0f);  // (n)
  Eigen::VectorXf b(n);                                           // (n)
  volatile float sink = 0;  // the sums are used, so no pass can be optimised away
  const double read = best_time([&] { sink = sink + a.sum(); }, repeats);
  const double copy = best_time(
      [&] {
        b = a;
        sink = sink + b[n / 2];
      },
      repeats);
  const double gb = static_cast<double>(n) * sizeof(float) / 1e9;
  return {gb / read, 2.0 * gb / copy};
}

}  // namespace aib
