// aibasics — the course launcher: lists the 36 episodes and plays one.
//
//   aibasics                 list the episodes, and which are built
//   aibasics play 1 [args]   run episode 01's program with the given arguments
//   aibasics tokenize ...    encode, decode, count and train tokenizers (tokenize_cli.hpp)
//   aibasics generate ...    continue a prompt with a GPT-2-format model (generate_cli.hpp)
//   aibasics speak N --out F read episode N's narrative aloud into a WAV file (speak_cli.hpp)
// Exit codes (aib::cli::kExitCodes): 0 success, 1 an error in the input or the run, 2 a usage
// error; each error is one line on stderr. A failure to write standard output is an error (1).
// Episode programs are looked up next to the launcher (the build's bin/ directory).
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "aib/show/table.hpp"
#include "aib/show/terminal.hpp"
#include "generate_cli.hpp"
#include "series.hpp"
#include "speak_cli.hpp"
#include "stdout_check.hpp"
#include "tokenize_cli.hpp"

#if defined(_WIN32)
#include <process.h>
#else
#include <unistd.h>
#endif

namespace {

// The directory holding this executable ("" if it cannot be told).
std::string own_directory(const char* argv0) {
  std::string path;
#if defined(__linux__)
  std::vector<char> buffer(4096);
  const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (n > 0) path.assign(buffer.data(), static_cast<std::size_t>(n));
#endif
  if (path.empty() && argv0 != nullptr) path = argv0;
  const std::size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string program_path(const std::string& dir, const aib::series::EpisodeInfo& e) {
  std::string path = fmt::format("{}/{:02d}-{}", dir, e.number, e.slug);
#if defined(_WIN32)
  path += ".exe";
#endif
  return path;
}

bool is_built(const std::string& path) {
#if defined(_WIN32)
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) std::fclose(f);
  return f != nullptr;
#else
  return access(path.c_str(), X_OK) == 0;
#endif
}

int list(const std::string& dir) {
  const aib::show::Style style = aib::show::terminal_style(stdout);
  aib::show::Table table({"#", "episode", "program"});
  int built = 0;
  for (const auto& e : aib::series::episodes) {
    const bool ok = is_built(program_path(dir, e));
    built += ok;
    table.add_row({fmt::format("{:02d}", e.number), fmt::format("{} — {}", e.title, e.summary),
                   ok ? "built" : "-"});
  }
  fmt::print("AI Basics: {} episodes, {} built. Play one with: aibasics play N [--help]\n\n",
             aib::series::episodes.size(), built);
  aib::show::print(table.render(style));
  return 0;
}

int play(const std::string& dir, int number, std::vector<std::string> args) {
  const aib::series::EpisodeInfo* e = aib::series::find(number);
  if (e == nullptr) {
    fmt::print(stderr, "aibasics play: there is no episode {}; episodes are numbered 1 to {}\n",
               number, aib::series::episodes.size());
    return 2;
  }
  const std::string path = program_path(dir, *e);
  if (!is_built(path)) {
    const bool has_program =
        (std::string(AIB_EPISODE_TARGETS) + " ")
            .find(fmt::format("episode_{:02d}-{} ", e->number, e->slug)) != std::string::npos;
    if (has_program)
      fmt::print(stderr,
                 "aibasics play: episode {:02d} ({}): {} is not built (build it with "
                 "tools/quickstart {}, or every episode with tools/quickstart --all)\n",
                 e->number, e->title, path, e->number);
    else
      fmt::print(stderr, "aibasics play: episode {:02d} ({}) has no program yet\n", e->number,
                 e->title);
    return 1;
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
#if defined(_WIN32)
  return static_cast<int>(_spawnv(_P_WAIT, path.c_str(), argv.data()));
#else
  execv(path.c_str(), argv.data());
  fmt::print(stderr, "aibasics play: could not run {}\n", path);
  return 1;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("AI Basics: the companion programs of the 36-episode course.", "aibasics");
  app.footer(aib::cli::kExitCodes);
  app.require_subcommand(0, 1);
  auto* list_cmd = app.add_subcommand("list", "List the episodes and which programs are built");
  auto* play_cmd = app.add_subcommand("play", "Run an episode's program: aibasics play N [args]");
  int number = 0;
  play_cmd->add_option("episode", number, "Episode number, 1 to 36")->required();
  play_cmd->prefix_command();  // everything after N goes to the episode program,
  play_cmd->set_help_flag();   // --help included: `aibasics play 2 --help` is episode 02's help
  aib::cli::TokenizeCommand tokenize(app);
  aib::cli::GenerateCommand generate(app);
  aib::cli::SpeakCommand speak(app);
  // `aibasics play --help` (no episode yet) describes play itself.
  if (argc == 3 && std::string(argv[1]) == "play" &&
      (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h")) {
    fmt::print("{}", play_cmd->help());
    return aib::episode::finish_stdout("aibasics", 0);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help: 0; anything else one line and 2. CLI11 prints help on std::cout, which writes
    // through stdout's buffer (synchronized with stdio), so finish_stdout sees its failures.
    return aib::episode::finish_stdout("aibasics", aib::cli::usage_error(app, e));
  }
  const std::string dir = own_directory(argc > 0 ? argv[0] : nullptr);
  int status = 0;
  if (tokenize.selected())
    status = tokenize.run();
  else if (generate.selected())
    status = generate.run();
  else if (speak.selected())
    status = speak.run();
  else if (*play_cmd)
    status = play(dir, number, play_cmd->remaining());
  else
    status = list(dir);
  (void)list_cmd;
  return aib::episode::finish_stdout("aibasics", status);  // `> /dev/full`: exit 1, one line
}
