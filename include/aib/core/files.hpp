// aib/core/files.hpp — reading and writing files the way every loader here does, errors included.
//
// One layer under the .npy, safetensors, rank-file and vocabulary loaders: read_file (a whole
// file), BinaryReader (size first, then exact reads), BinaryWriter and write_file (atomic: a
// temporary file renamed over the target), for_each_line (numbered lines, CR stripped, optional #
// comments), and what their messages show: printable() for untrusted bytes, shape_string() and
// element_count() for shapes read from a file. Every failure is an aib::IoError
// "<who>: '<path>': <what>". Leaves out: memory mapping, compression, text encodings other than
// UTF-8, locking.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"
#include "aib/core/utf8.hpp"

namespace aib {

// ---- what error messages show ---------------------------------------------------------------

// Every file failure: IoError("<who>: '<path>': <what>").
[[noreturn]] inline void file_error(std::string_view who, std::string_view path,
                                    std::string_view what) {
  throw IoError(fmt::format("{}: '{}': {}", who, path, what));
}

// Untrusted bytes made printable for a message: control bytes, DEL, '\' and bytes that are not
// valid UTF-8 as "\xNN", valid characters as they are; cut after about `max` bytes (at a
// character boundary) with "...".
//   printable("a\x01\xff é") == "a\\x01\\xff é"
inline std::string printable(std::string_view s, std::size_t max = 80) {
  std::string out;
  std::size_t k = 0;
  while (k < s.size() && k < max) {
    const auto c = static_cast<unsigned char>(s[k]);
    const std::size_t n = utf8_char_length(s, k);
    if (c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && n == 1))
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    else
      out.append(s.substr(k, n));
    k += n;
  }
  if (k < s.size()) out += "...";
  return out;
}

// How a file format writes a shape: numpy's tuple repr "(2, 3)", "(5,)", "()" or a JSON list
// "[2, 3]", "[5]", "[]" (safetensors).
enum class ShapeNotation { tuple, list };

inline std::string shape_string(const std::vector<Index>& shape,
                                ShapeNotation notation = ShapeNotation::tuple) {
  const bool tuple = notation == ShapeNotation::tuple;
  std::string s = tuple ? "(" : "[";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  if (tuple && shape.size() == 1) s += ",";
  return s + (tuple ? ")" : "]");
}

// Number of elements of a shape read from a file, checking that no dimension is negative and that
// the byte count (count · itemsize) fits both size_t and Index. On failure returns 0 and sets
// *error to what was wrong. A zero dimension makes the array empty.
inline std::uint64_t element_count(const std::vector<Index>& shape, std::size_t itemsize,
                                   ShapeNotation notation, std::string* error) {
  bool empty = false;
  for (const Index d : shape) {
    if (d < 0) {
      *error = fmt::format("negative dimension {} in shape {}", d, shape_string(shape, notation));
      return 0;
    }
    empty = empty || d == 0;
  }
  if (empty) return 0;
  const std::uint64_t limit =
      std::min<std::uint64_t>(std::numeric_limits<std::size_t>::max(),
                              static_cast<std::uint64_t>(std::numeric_limits<Index>::max())) /
      itemsize;
  std::uint64_t n = 1;
  for (const Index d : shape) {
    if (static_cast<std::uint64_t>(d) > limit / n) {
      *error = fmt::format("shape {} overflows: its data would need more than {} bytes",
                           shape_string(shape, notation), limit * itemsize);
      return 0;
    }
    n *= static_cast<std::uint64_t>(d);
  }
  return n;
}

// ---- binary files ---------------------------------------------------------------------------

namespace detail {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

inline std::string errno_message(int err) {
  return err == 0 ? std::string("unknown error") : std::generic_category().message(err);
}

}  // namespace detail

// A file opened for reading whose size is known before anything is read, so a loader can check
// a header against it before allocating for the data.
class BinaryReader {
 public:
  BinaryReader(const std::string& path, std::string_view who) : path_(path), who_(who) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("cannot open: it is a directory");
    errno = 0;
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) fail("cannot open: " + detail::errno_message(errno));
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) fail("cannot read its size: " + ec.message());
    if (size > std::numeric_limits<std::size_t>::max() / 2)
      fail(fmt::format("too large to read ({} bytes)", size));
    size_ = static_cast<std::size_t>(size);
  }

  std::size_t size() const { return size_; }  // bytes, as the file system reported at opening

  // Exactly n bytes from the current position into dst.
  void read(void* dst, std::size_t n) {
    if (n > 0 && std::fread(dst, 1, n, file_.get()) != n)
      fail("read failed (did the file change while it was read?)");
  }

  void seek(std::size_t offset) {
    if (offset > static_cast<std::size_t>(std::numeric_limits<long>::max()) ||
        std::fseek(file_.get(), static_cast<long>(offset), SEEK_SET) != 0)
      fail("seek failed");
  }

  [[noreturn]] void fail(std::string_view what) const { file_error(who_, path_, what); }

 private:
  std::string path_, who_;
  detail::FilePtr file_;
  std::size_t size_ = 0;
};

// A file opened (created or truncated) for writing. write() may be called after a failure; close()
// reports the first one, or the failure to close, as "write failed: <reason>".
// A file written whole or not at all. The bytes go to a temporary file beside the target
// ("<path>.tmp-XXXXXX", same directory, so same file system); close() flushes it to the disk
// (fsync) and renames it over the target, which POSIX makes atomic. Until then the previous file at
// `path`, if any, is untouched: a save that fails part-way (disk full, a file-size limit, an
// exception between writes) leaves the last good file as it was and removes the temporary one.
// The new file gets the permissions a plain fopen would give it (0666 less the umask).
class BinaryWriter {
 public:
  BinaryWriter(const std::string& path, std::string_view who) : path_(path), who_(who) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      file_error(who_, path_, "cannot open for writing: it is a directory");
    errno = 0;
#ifdef _WIN32
    temp_ = path_ + ".tmp";
    file_.reset(std::fopen(temp_.c_str(), "wb"));
#else
    std::string name = path_ + ".tmp-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd >= 0) {
      temp_ = name;
      const mode_t mask = ::umask(0);
      ::umask(mask);
      ::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
      file_.reset(::fdopen(fd, "wb"));
      if (!file_) ::close(fd);
    }
#endif
    if (!file_) {
      const int err = errno;
      discard();
      file_error(who_, path_, "cannot open for writing: " + detail::errno_message(err));
    }
  }
  BinaryWriter(const BinaryWriter&) = delete;
  BinaryWriter& operator=(const BinaryWriter&) = delete;
  ~BinaryWriter() {
    discard();
  }  // not closed: an error cut the save short

  void write(const void* data, std::size_t n) {
    if (ok_ && n > 0 && std::fwrite(data, 1, n, file_.get()) != n) {
      ok_ = false;
      err_ = errno;
    }
  }

  // Flush, sync and rename over the target; IoError (and the target untouched) on any failure.
  void close() {
    if (!file_) return;
    if (ok_ && std::fflush(file_.get()) != 0) ok_ = false, err_ = errno;
#ifndef _WIN32
    if (ok_ && ::fsync(::fileno(file_.get())) != 0) ok_ = false, err_ = errno;
#endif
    const bool closed = std::fclose(file_.release()) == 0;
    if (ok_ && !closed) ok_ = false, err_ = errno;
    if (!ok_) {
      discard();
      file_error(who_, path_,
                 "write failed: " + detail::errno_message(err_) +
                     " (the previous file, if any, is unchanged)");
    }
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec) {
      discard();
      file_error(who_, path_, "cannot replace it: " + ec.message());
    }
    temp_.clear();
  }

 private:
  void discard() noexcept {
    file_.reset();
    if (!temp_.empty()) std::remove(temp_.c_str());
    temp_.clear();
  }

  std::string path_, who_, temp_;
  detail::FilePtr file_;
  bool ok_ = true;
  int err_ = 0;
};

// Writes `bytes` to `path` whole or not at all (BinaryWriter).
inline void write_file(const std::string& path, std::string_view bytes, std::string_view who) {
  BinaryWriter out(path, who);
  out.write(bytes.data(), bytes.size());
  out.close();
}

// The whole file as bytes; IoError "<who>: '<path>': cannot open: <reason>" and the like.
inline std::string read_file(const std::string& path, std::string_view who) {
  BinaryReader in(path, who);
  std::string out(in.size(), '\0');
  in.read(out.data(), out.size());
  return out;
}

// ---- text files: numbered lines -------------------------------------------------------------

enum class Comments { kept, skipped };

// Calls f(line, number) for each line of `text`, numbered from 1, with a final '\r' removed (so
// CRLF files read like LF ones). The text's final line break does not start another line. With
// Comments::skipped, lines whose first non-blank character is '#' are not passed to f (their
// numbers are still counted). f may return void, or false to stop early.
//   for_each_line("a\r\n# x\nb\n", [](std::string_view line, std::size_t n) {...},
//   Comments::skipped) sees ("a", 1) and ("b", 3).
template <class F>
void for_each_line(std::string_view text, F&& f, Comments comments = Comments::kept) {
  std::size_t number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (comments == Comments::skipped) {
      const std::size_t first = line.find_first_not_of(" \t");
      if (first != std::string_view::npos && line[first] == '#') continue;
    }
    if constexpr (std::is_same_v<decltype(f(line, number)), bool>) {
      if (!f(line, number)) return;
    } else {
      f(line, number);
    }
  }
}

}  // namespace aib
