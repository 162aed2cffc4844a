// speak_cli.hpp — `aibasics speak`: an episode's narrative read aloud by espeak-ng, as a WAV file.
//
//   aibasics speak N --out FILE.wav [--wpm 150] [--voice en]
// The narrative (episodes/NN-slug.md, embedded in the launcher at build time) becomes speech text:
// its body with the front matter, the title line and markdown removed (aib/show/narrative.hpp).
// espeak-ng does the speaking (speech.hpp: run directly, no shell, the text on its stdin) into a
// temporary file beside FILE.wav, which is checked (aib/core/wav.hpp), synced and renamed over
// FILE.wav, so FILE.wav is either the whole new recording or what it was before.
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
#include "aib/core/wav.hpp"
#include "aib/show/narrative.hpp"
#include "narrative_index.hpp"
#include "series.hpp"
#include "speech.hpp"
#include "tokenize_cli.hpp"  // kExitCodes

namespace aib::cli {

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
    const WavInfo info = speech::speak_to_wav(markdown, name, out_, wpm_, voice_);
    const std::string text = speech::detail::speech_text(markdown, name);
    const int words = speech::detail::word_count(text);
    fmt::print(
        "{}: episode {:02d} ({}), {:.1f} s of speech, {} words at {} words per minute "
        "({:.0f} per minute measured), voice {}, {} Hz\n",
        out_, e.number, e.title, info.seconds(), words, wpm_, words / (info.seconds() / 60.0),
        voice_, info.sample_rate);
    return 0;
  }

  CLI::App* cmd_ = nullptr;
  int number_ = 0;
  std::string out_;
  int wpm_ = 150;
  std::string voice_ = "en";
};

}  // namespace aib::cli
