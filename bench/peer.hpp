// bench/peer.hpp — running one of the course's PyTorch peers (../shared/tools/peer-torch-*) beside
// a benchmark, in the same launch, so a ratio never compares two machines or two moments.
//   shared_dir()             $AIB_SHARED_DIR, else ../shared beside the sources
//   run_peer(command)        its standard output and the "ms_per_step=" value it reports
//   openblas_kernel_sets()   the OpenBLAS kernel sets worth comparing with on this CPU
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/core.h>

namespace aib::bench {

// CPU seconds used so far by this process (RUSAGE_SELF) or by its finished children
// (RUSAGE_CHILDREN): on a busy machine wall-clock time also counts the time other processes held
// the core; CPU time does not.
inline double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

inline std::string shared_dir() {
  const char* shared = std::getenv("AIB_SHARED_DIR");
  return shared != nullptr && *shared != '\0' ? std::string(shared)
                                              : std::string(AIB_SOURCE_DIR "/../shared");
}

struct PeerRun {
  std::string output;       // everything the peer printed, without the final line break
  double ms_per_step = -1;  // from its "ms_per_step=X"; negative when the peer failed
};

// Runs `command` (its standard error discarded) and reads what it prints.
inline PeerRun run_peer(const std::string& command) {
  PeerRun run;
  std::FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) run.output += buf;
  const bool ok = pclose(pipe) == 0;
  while (!run.output.empty() && run.output.back() == '\n') run.output.pop_back();
  const std::size_t at = run.output.find("ms_per_step=");
  if (ok && at != std::string::npos) run.ms_per_step = std::atof(run.output.c_str() + at + 12);
  return run;
}

// PyTorch's OpenBLAS kernels to compare with: its own choice for this CPU, the environment's
// OPENBLAS_CORETYPE when one is set, and the AVX-512 kernels. `env` is the argument list of env(1).
struct KernelSet {
  std::string label;
  std::string env;
};
inline std::vector<KernelSet> openblas_kernel_sets() {
  std::vector<KernelSet> sets = {
      {"OpenBLAS's own choice", "-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"}};
  if (const char* set = std::getenv("OPENBLAS_CORETYPE"); set != nullptr && *set != '\0')
    sets.push_back({fmt::format("as the environment sets it, {}", set),
                    fmt::format("OPENBLAS_CORETYPE={}", set)});
  sets.push_back({"OPENBLAS_CORETYPE=SkylakeX", "-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX"});
  return sets;
}

}  // namespace aib::bench
