// Tests for aib/core/files.hpp: whole-file reads, binary reader and writer, numbered lines, and
// what error messages show (printable bytes, shapes, element counts).
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <sys/resource.h>
#endif

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/files.hpp"

namespace fs = std::filesystem;
using aib_test::message_of;
using aib_test::TempDir;

TEST_CASE("BinaryWriter then read_file and BinaryReader give the bytes back") {
  TempDir tmp;
  const std::string path = tmp.file("data.bin");
  const std::string bytes("ab\0\xff\r\ncd", 8);
  {
    aib::BinaryWriter out(path, "test");
    out.write(bytes.data(), 3);
    out.write(bytes.data() + 3, bytes.size() - 3);
    out.write(nullptr, 0);  // nothing to write is fine
    out.close();
  }
  CHECK(aib::read_file(path, "test") == bytes);
  aib::BinaryReader in(path, "test");
  REQUIRE(in.size() == 8);
  char part[3] = {};
  in.seek(5);
  in.read(part, 3);
  CHECK(std::string(part, 3) == "\ncd");
  CHECK_THAT(message_of([&] { in.read(part, 1); }),
             Catch::StartsWith("test: '" + path + "': read failed"));
}

#ifndef _WIN32
// A write that fails part-way (here a file-size limit of 4 KiB, as `ulimit -f` sets; a full disk
// fails the same way) must leave the previous file whole, and no temporary file behind.
TEST_CASE("BinaryWriter is atomic: a failed save keeps the previous file and leaves nothing") {
  TempDir tmp;
  const std::string path = tmp.file("model.bin");
  aib::write_file(path, "the last good model", "test");
  const std::string big(64 * 1024, 'x');
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // fail with EFBIG, not a signal
  rlimit limited = saved;
  limited.rlim_cur = 4096;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  const std::string message = message_of([&] { aib::write_file(path, big, "save_model"); });
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  CHECK_THAT(message, Catch::StartsWith("save_model: '" + path + "': write failed: ") &&
                          Catch::Contains("the previous file, if any, is unchanged"));
  CHECK(aib::read_file(path, "test") == "the last good model");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path)) files += entry.is_regular_file();
  CHECK(files == 1);  // the temporary file is gone

  // A save that succeeds replaces the file; one abandoned by an exception leaves it alone.
  aib::write_file(path, big, "test");
  CHECK(aib::read_file(path, "test") == big);
  try {
    aib::BinaryWriter out(path, "test");
    out.write("half", 4);
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  CHECK(aib::read_file(path, "test") == big);
  files = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path)) files += entry.is_regular_file();
  CHECK(files == 1);
  CHECK_THAT(message_of([&] { aib::write_file(tmp.path.string(), "x", "test"); }),
             Catch::Contains("cannot open for writing: it is a directory"));
  CHECK_THAT(message_of([&] { aib::write_file(tmp.file("no/such/dir.bin"), "x", "test"); }),
             Catch::Contains("cannot open for writing"));
}
#endif

TEST_CASE("read_file: an empty file is empty; missing files and directories are named") {
  TempDir tmp;
  { aib::BinaryWriter(tmp.file("empty"), "test").close(); }
  CHECK(aib::read_file(tmp.file("empty"), "test").empty());
  const std::string missing = tmp.file("missing.txt");
  CHECK_THROWS_AS(aib::read_file(missing, "loader"), aib::IoError);
  CHECK(message_of([&] { aib::read_file(missing, "loader"); }) ==
        "loader: '" + missing + "': cannot open: No such file or directory");
  CHECK(message_of([&] { aib::read_file(tmp.path.string(), "loader"); }) ==
        "loader: '" + tmp.path.string() + "': cannot open: it is a directory");
  const std::string nowhere = tmp.file("no/such/dir/f.bin");
  CHECK_THAT(message_of([&] { aib::BinaryWriter(nowhere, "saver"); }),
             Catch::StartsWith("saver: '" + nowhere + "': cannot open for writing: "));
}

TEST_CASE("printable escapes control, backslash and invalid bytes, keeps characters, cuts") {
  CHECK(aib::printable("plain text") == "plain text");
  CHECK(aib::printable("a\x01\\b") == "a\\x01\\x5cb");
  CHECK(aib::printable("\x93NUMPY") == "\\x93NUMPY");               // a stray continuation byte
  CHECK(aib::printable("na\xC3\xAFve \xE2\x96\x81") == "naïve ▁");  // valid UTF-8 stays
  CHECK(aib::printable("bad\xff") == "bad\\xff");
  CHECK(aib::printable("\x7f\n") == "\\x7f\\x0a");
  CHECK(aib::printable("abcdef", 4) == "abcd...");
  CHECK(aib::printable("abc\xC3\xAF", 4) == "abc\xC3\xAF");  // a character is never split
  CHECK(aib::printable("abc\xC3\xAFz", 4) == "abc\xC3\xAF...");
}

TEST_CASE("shape_string in numpy's and in JSON's notation") {
  using aib::ShapeNotation;
  CHECK(aib::shape_string({}) == "()");
  CHECK(aib::shape_string({5}) == "(5,)");
  CHECK(aib::shape_string({2, 3}) == "(2, 3)");
  CHECK(aib::shape_string({}, ShapeNotation::list) == "[]");
  CHECK(aib::shape_string({5}, ShapeNotation::list) == "[5]");
  CHECK(aib::shape_string({2, 3}, ShapeNotation::list) == "[2, 3]");
}

TEST_CASE("element_count multiplies, and says what is wrong with a bad shape") {
  using aib::ShapeNotation;
  std::string error;
  CHECK(aib::element_count({}, 4, ShapeNotation::tuple, &error) == 1);
  CHECK(aib::element_count({2, 3, 4}, 8, ShapeNotation::tuple, &error) == 24);
  CHECK(aib::element_count({2, 0, -1}, 4, ShapeNotation::tuple, &error) == 0);
  CHECK(error == "negative dimension -1 in shape (2, 0, -1)");
  error.clear();
  CHECK(aib::element_count({2, 0, 7}, 4, ShapeNotation::tuple, &error) == 0);
  CHECK(error.empty());  // a zero dimension: empty, not an error
  const aib::Index big = aib::Index{1} << 40;
  CHECK(aib::element_count({big, big}, 4, ShapeNotation::list, &error) == 0);
  CHECK_THAT(error, Catch::StartsWith("shape [1099511627776, 1099511627776] overflows"));
}

TEST_CASE("for_each_line numbers lines from 1, strips CR, skips # comments on request") {
  using Seen = std::vector<std::pair<std::string, std::size_t>>;
  const auto seen = [](std::string_view text, aib::Comments comments) {
    Seen out;
    aib::for_each_line(
        text, [&](std::string_view line, std::size_t n) { out.emplace_back(line, n); }, comments);
    return out;
  };
  CHECK(seen("", aib::Comments::kept).empty());
  CHECK(seen("a\r\nb\n", aib::Comments::kept) == Seen{{"a", 1}, {"b", 2}});
  CHECK(seen("a\n\nb", aib::Comments::kept) == Seen{{"a", 1}, {"", 2}, {"b", 3}});
  CHECK(seen("# head\na\n  # note\nb # not a comment\n", aib::Comments::skipped) ==
        Seen{{"a", 2}, {"b # not a comment", 4}});
  CHECK(seen("# head\na\n", aib::Comments::kept) == Seen{{"# head", 1}, {"a", 2}});
  std::size_t calls = 0;
  aib::for_each_line("a\nb\nc\n", [&](std::string_view line, std::size_t) {
    ++calls;
    return line != "b";  // stop after b
  });
  CHECK(calls == 2);
}
