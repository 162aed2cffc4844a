// speak_cli.hpp — `aibasics speak`: an episode's narrative read aloud by espeak-ng, as a WAV file.
//
//   aibasics speak N --out FILE.wav [--wpm 150] [--voice en]
// The narrative (episodes/NN-slug.md, embedded in the launcher at build time) becomes speech text:
// its body with the front matter, the title line and markdown removed (aib/show/narrative.hpp).
// espeak-ng is run directly (posix_spawn with an argument vector, no shell), the text on its
// stdin; it writes a temporary file beside FILE.wav, which is checked (aib/core/wav.hpp), synced
// and renamed over FILE.wav, so FILE.wav is either the whole new recording or what it was before.
// Prints the file, its duration, the words and the rate. Exit codes: 0 done; 1 run error (no
// espeak-ng, an episode without a narrative, espeak-ng failing, a bad WAV), one line on stderr
// "aibasics speak: <message>"; 2 usage error (CLI11's message, or an episode outside 1..36).
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/wav.hpp"
#include "aib/show/narrative.hpp"
#include "narrative_index.hpp"
#include "series.hpp"
#include "tokenize_cli.hpp"  // kExitCodes

#if !defined(_WIN32)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

namespace aib::cli {

namespace speak_detail {

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

}  // namespace speak_detail

// Adds `speak` to a CLI::App. After app.parse(), selected() says whether the user asked for it
// and run() does the work, returning the exit code.
//   aib::cli::SpeakCommand speak(app);
//   app.parse(argc, argv);
//   if (speak.selected()) return speak.run();
class SpeakCommand {
 public:
  explicit SpeakCommand(CLI::App& app) {
    cmd_ = app.add_subcommand("speak",
                              "Read an episode's narrative aloud into a WAV file (espeak-ng)");
    cmd_->add_option("episode", number_, "Episode number, 1 to 36")->required();
    cmd_->add_option("--out", out_, "The WAV file to write (replaced whole, or left as it was)")
        ->type_name("FILE.wav")
        ->required();
    cmd_->add_option("--wpm", wpm_, "Speaking rate in words per minute")
        ->check(CLI::Range(80, 450))
        ->capture_default_str();
    cmd_->add_option("--voice", voice_, "espeak-ng voice (`espeak-ng --voices` lists them)")
        ->check(CLI::Validator(
            [](std::string& v) {
              const bool ok = !v.empty() && v.front() != '-' &&
                              v.find_first_not_of(
                                  "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+/") == std::string::npos;
              return ok ? std::string()
                        : "a voice name is letters, digits and - _ + /, got '" + v + "'";
            },
            ""))
        ->capture_default_str();
    cmd_->footer(
        "Needs espeak-ng (apt-get install espeak-ng, brew install espeak-ng, or\n"
        "https://github.com/espeak-ng/espeak-ng). Prints the file's duration, read from its "
        "header.\n"
        "Errors in the input or the run: one line, \"aibasics speak: <message>\".\n" +
        std::string(kExitCodes));
  }

  SpeakCommand(const SpeakCommand&) = delete;  // CLI11 holds pointers into this object
  SpeakCommand& operator=(const SpeakCommand&) = delete;

  bool selected() const { return static_cast<bool>(*cmd_); }

  int run() const {
    const series::EpisodeInfo* e = series::find(number_);
    if (e == nullptr) {
      fmt::print(stderr, "aibasics speak: there is no episode {}; episodes are numbered 1 to {}\n",
                 number_, series::episodes.size());
      return 2;
    }
    try {
      return speak(*e);
    } catch (const std::exception& ex) {  // aib::Error above all; also std::bad_alloc
      std::fflush(stdout);
      std::string message = ex.what();
      for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
      fmt::print(stderr, "aibasics speak: {}\n", message);
      return 1;
    }
  }

 private:
  int speak(const series::EpisodeInfo& e) const {
    const std::string name = fmt::format("episodes/{:02d}-{}.md", e.number, e.slug);
    const std::string_view markdown = aib_embedded::narrative_markdown(e.number);
    if (markdown.empty())
      fail(
          "episode {:02d} ({}) has no narrative yet ({} was not there when the launcher was built)",
          e.number, e.title, name);
    const std::string text = speak_detail::speech_text(markdown, name);
#if defined(_WIN32)
    fail("speak runs espeak-ng through POSIX calls; on Windows, run `espeak-ng -f` on the text");
#else
    const std::string espeak = speak_detail::find_in_path("espeak-ng");
    if (espeak.empty()) fail("{}", speak_detail::kHowToGet);
    std::error_code ec;
    if (std::filesystem::is_directory(out_, ec))
      fail("--out '{}' is a directory, expected the name of a .wav file", out_);
    speak_detail::TempBeside temp(out_);
    std::string err;
    const int status = speak_detail::run_with_input(
        {espeak, "-v", voice_, "-s", std::to_string(wpm_), "-w", temp.path(), "--stdin"}, text,
        &err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      const std::string how = WIFEXITED(status)
                                  ? fmt::format("exited with code {}", WEXITSTATUS(status))
                                  : fmt::format("was killed by signal {}", WTERMSIG(status));
      fail("espeak-ng {}{}{}", how, err.empty() ? "" : ": ", speak_detail::first_line(err));
    }
    // The file is checked before it replaces anything.
    const WavInfo info = read_wav_info(temp.path());
    if (info.data_bytes == 0)
      fail("espeak-ng wrote no speech for episode {:02d}{}{}", e.number, err.empty() ? "" : ": ",
           speak_detail::first_line(err));
    temp.commit(out_);
    const int words = speak_detail::word_count(text);
    fmt::print(
        "{}: episode {:02d} ({}), {:.1f} s of speech, {} words at {} words per minute "
        "({:.0f} per minute measured), voice {}, {} Hz\n",
        out_, e.number, e.title, info.seconds(), words, wpm_, words / (info.seconds() / 60.0),
        voice_, info.sample_rate);
    return 0;
#endif
  }

  CLI::App* cmd_ = nullptr;
  int number_ = 0;
  std::string out_;
  int wpm_ = 150;
  std::string voice_ = "en";
};

}  // namespace aib::cli
