// speech.hpp — the course read aloud: a narrative's speech text spoken by espeak-ng into a WAV
// file, for `aibasics speak` (speak_cli.hpp) and episode 03's --narration. No command line here,
// so an episode program can include it without CLI11.
//
// espeak-ng is run directly (posix_spawn with an argument vector, no shell), the text on its
// stdin; it writes a temporary file beside the target, which is checked (aib/core/wav.hpp), synced
// and renamed over the target, so the target is either the whole new recording or what it was.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/wav.hpp"
#include "aib/show/narrative.hpp"

#if !defined(_WIN32)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

namespace aib::speech {

namespace detail {

inline constexpr const char* kHowToGet =
    "espeak-ng is not installed (needed to speak a narrative): install it with "
    "`apt-get install espeak-ng` (Debian, Ubuntu), `brew install espeak-ng` (macOS) or from "
    "https://github.com/espeak-ng/espeak-ng";

// The speech text of a narrative file: its paragraphs, without front matter, the "# Title" line
// and markdown (the title is not spoken: the narrative is what the 90 seconds measure).
inline std::string speech_text(std::string_view markdown, std::string_view name) {
  const show::Document doc = show::parse_front_matter(markdown, name);
  return show::markdown_to_text(doc.body) + "\n";
}

inline int word_count(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    words += !space && !in_word;
    in_word = !space;
  }
  return words;
}

#if !defined(_WIN32)

// The full path of `program` found in $PATH, or "" when it is not there.
inline std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "";
  while (true) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return "";
    dirs.remove_prefix(colon + 1);
  }
}

// Runs `argv` (argv[0] a full path) with `input` on its stdin and its stderr captured; returns
// the exit status as waitpid() gives it, and the captured stderr in *err.
inline int run_with_input(const std::vector<std::string>& args, std::string_view input,
                          std::string* err) {
  int in_pipe[2], err_pipe[2];
  if (::pipe(in_pipe) != 0) fail("cannot create a pipe: {}", aib::detail::errno_message(errno));
  if (::pipe(err_pipe) != 0) {
    const int e = errno;
    ::close(in_pipe[0]), ::close(in_pipe[1]);
    fail("cannot create a pipe: {}", aib::detail::errno_message(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  for (const int fd : {in_pipe[0], in_pipe[1], err_pipe[0], err_pipe[1]})
    if (fd > 2) posix_spawn_file_actions_addclose(&actions, fd);  // not one just dup2'ed to
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(in_pipe[1]), ::close(err_pipe[0]);
    fail("cannot run {}: {}", args[0], aib::detail::errno_message(spawned));
  }
  // Write the text (a child that exits early gives EPIPE, not a SIGPIPE that would kill us).
  void (*old_handler)(int) = ::signal(SIGPIPE, SIG_IGN);
  for (std::size_t done = 0; done < input.size();) {
    const ssize_t n = ::write(in_pipe[1], input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child stopped reading: its status tells why
    done += static_cast<std::size_t>(n);
  }
  ::close(in_pipe[1]);
  ::signal(SIGPIPE, old_handler);
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(err_pipe[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    err->append(buffer, static_cast<std::size_t>(n));
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waiting for {}: {}", args[0], aib::detail::errno_message(errno));
  return status;
}

// A temporary file beside `target` ("<target>.tmp-XXXXXX"), removed unless released.
class TempBeside {
 public:
  explicit TempBeside(const std::string& target) {
    std::string name = target + ".tmp-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) fail("cannot write beside '{}': {}", target, aib::detail::errno_message(errno));
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, static_cast<mode_t>(0666 & ~mask));
    ::close(fd);
    path_ = name;
  }
  TempBeside(const TempBeside&) = delete;
  TempBeside& operator=(const TempBeside&) = delete;
  ~TempBeside() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

  // Sync the file to the disk and rename it over `target`.
  void commit(const std::string& target) {
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int e = errno;
      if (fd >= 0) ::close(fd);
      fail("cannot sync the new file for '{}': {}", target, aib::detail::errno_message(e));
    }
    ::close(fd);
    if (std::rename(path_.c_str(), target.c_str()) != 0)
      fail("cannot rename the new file to '{}': {}", target, aib::detail::errno_message(errno));
    path_.clear();
  }

 private:
  std::string path_;
};

#endif  // !_WIN32

// The first line of espeak-ng's stderr, for a one-line message.
inline std::string first_line(const std::string& text) {
  const std::string_view t = show::detail::trim(text);
  return std::string(t.substr(0, t.find('\n')));
}

}  // namespace detail

// Speaks `markdown` (an episode's narrative; `name` names it in errors) with espeak-ng at `wpm`
// words per minute in `voice` into the WAV file `out`, and returns its header. aib::Error when
// espeak-ng is missing (saying how to get it), fails, or writes no speech.
inline WavInfo speak_to_wav(std::string_view markdown, std::string_view name,
                            const std::string& out, int wpm = 150,
                            const std::string& voice = "en") {
  const std::string text = detail::speech_text(markdown, name);
#if defined(_WIN32)
  fail("speaking runs espeak-ng through POSIX calls; on Windows, run `espeak-ng -f` on the text");
#else
  const std::string espeak = detail::find_in_path("espeak-ng");
  if (espeak.empty()) fail("{}", detail::kHowToGet);
  std::error_code ec;
  if (std::filesystem::is_directory(out, ec))
    fail("'{}' is a directory, expected the name of a .wav file", out);
  detail::TempBeside temp(out);
  std::string err;
  const int status = detail::run_with_input(
      {espeak, "-v", voice, "-s", std::to_string(wpm), "-w", temp.path(), "--stdin"}, text, &err);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status)
                                ? fmt::format("exited with code {}", WEXITSTATUS(status))
                                : fmt::format("was killed by signal {}", WTERMSIG(status));
    fail("espeak-ng {}{}{}", how, err.empty() ? "" : ": ", detail::first_line(err));
  }
  // The file is checked before it replaces anything.
  const WavInfo info = read_wav_info(temp.path());
  if (info.data_bytes == 0)
    fail("espeak-ng wrote no speech for {}{}{}", name, err.empty() ? "" : ": ",
         detail::first_line(err));
  temp.commit(out);
  return info;
#endif
}

}  // namespace aib::speech
