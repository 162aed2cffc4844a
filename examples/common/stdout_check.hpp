// stdout_check.hpp — a failure to write standard output is an error, not a silent exit 0.
//
// Every program of the course ends through finish_stdout(program): it flushes stdout and, when
// that flush or any earlier write failed (a full disk, `> /dev/full`, a closed file), prints one
// line on stderr, "<program>: could not write standard output: <reason>", and returns 1.
//   return aib::episode::finish_stdout("aibasics", status);
// The programs write through stdio only (fmt::print, show::print, std::fwrite); none uses
// iostreams, so stdout's error flag sees every write.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/core.h>

namespace aib::episode {

// Returns `status`, or 1 when standard output could not be written (with one line on stderr).
// A failed run (status != 0) has said what was wrong already: its status stands, with no second
// line.
inline int finish_stdout(std::string_view program, int status) {
  if (status != 0) {
    std::fflush(stdout);
    return status;
  }
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  const int reason = errno;
  if (!flush_failed && std::ferror(stdout) == 0) return status;
  // A write that failed earlier may leave nothing to flush now; its reason is then unknown.
  fmt::print(stderr, "{}: could not write standard output: {}\n", program,
             flush_failed && reason != 0 ? std::strerror(reason) : "a write failed");
  return 1;
}

}  // namespace aib::episode
