// bench_tokenizer — encoding and BPE training speed against tiktoken and Hugging Face tokenizers,
// measured in the same run on the same file, one thread each.
//
//   build/bin/bench_tokenizer [FILE] [--encodings DIR] [--vocab N] [--no-peers]
//
// FILE defaults to the course's 10 MB benchmark corpus (../shared/data/corpus/bench-10mb.txt.xz,
// decompressed to a temporary file). Each of our measurements runs in a child process so that its
// peak memory (max RSS) is its own. Peers are the scripts in ../shared/tools (tiktoken's WASM and
// native builds; Hugging Face tokenizers and SentencePiece trainers); without them only our numbers
// are printed. Ids are compared with tiktoken's, token for token.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/random.hpp"
#include "aib/core/timing.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/tiktoken.hpp"

namespace tk = aib::tokenizer;

namespace {

const std::string kShared = AIB_SOURCE_DIR "/../shared";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw aib::IoError("bench_tokenizer: cannot open '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs f in a child process; returns what it printed and its peak memory in MB.
template <class F>
std::pair<std::string, double> in_child(F f) {
  int fd[2];
  if (pipe(fd) != 0) return {"", 0};
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    const std::string out = f();
    (void)!write(fd[1], out.data(), out.size());
    _exit(0);
  }
  close(fd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  return {out, static_cast<double>(usage.ru_maxrss) / 1024.0};
}

// The lines a shell command prints (empty if it failed).
std::vector<std::string> run_lines(const std::string& cmd) {
  std::vector<std::string> lines;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return lines;
  char buf[1024];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  if (pclose(p) != 0) lines.clear();
  return lines;
}

// "key=value" fields of a peer's output line.
double field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key + "=");
  return at == std::string::npos ? -1 : std::atof(line.c_str() + at + key.size() + 1);
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

int main(int argc, char** argv) {
  std::string file, dir = kShared + "/data/encodings";
  std::size_t vocab = 30000;
  bool peers = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--encodings" && i + 1 < argc) dir = argv[++i];
    else if (a == "--vocab" && i + 1 < argc) vocab = std::stoul(argv[++i]);
    else if (a == "--no-peers") peers = false;
    else if (a == "--help" || a == "-h") {
      fmt::print("usage: bench_tokenizer [FILE] [--encodings DIR] [--vocab N] [--no-peers]\n");
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      fmt::print(stderr, "bench_tokenizer: unknown flag '{}'\n", a);
      return 2;
    } else file = a;
  }
  std::string tmp;
  if (file.empty()) {
    const std::string xz = kShared + "/data/corpus/bench-10mb.txt.xz";
    if (!exists(xz)) {
      fmt::print(stderr, "bench_tokenizer: give a text FILE ({} is not here)\n", xz);
      return 2;
    }
    tmp = "/tmp/aib-bench-10mb.txt";
    if (std::system(("xz -dc '" + xz + "' > " + tmp).c_str()) != 0) return 2;
    file = tmp;
  }
  const std::string text = read_file(file);
  const double mb = static_cast<double>(text.size()) / 1e6;
  fmt::print("bench_tokenizer: {} ({:.2f} MB), one thread\n\n", file, mb);

  // ---- encoding -----------------------------------------------------------------------------
  fmt::print("{:<34} {:>10} {:>9} {:>9} {:>9}\n", "encode", "tokens", "seconds", "MB/s", "peak MB");
  std::map<std::string, double> ours_mbs;
  for (const std::string name : {"gpt2", "cl100k_base", "o200k_base"}) {
    if (!tk::has_encoding(name, dir)) {
      fmt::print("{:<34} (no {}/{}.tiktoken)\n", "aibasics " + name, dir, name);
      continue;
    }
    const std::string ids_path = fmt::format("/tmp/aib-bench-ids-{}.txt", name);
    const auto [out, peak] = in_child([&] {
      const tk::Encoding enc = tk::load_encoding(name, dir);
      double best = 1e30;
      std::vector<tk::Rank> ids;
      for (int rep = 0; rep < 3; ++rep) {
        aib::Stopwatch sw;
        ids = enc.encode_ordinary(text);
        best = std::min(best, sw.seconds());
      }
      std::ofstream o(ids_path);
      for (std::size_t i = 0; i < ids.size(); ++i) o << (i ? " " : "") << ids[i];
      o << '\n';
      return fmt::format("{} {}", ids.size(), best);
    });
    std::size_t tokens = 0;
    double s = 0;
    std::istringstream(out) >> tokens >> s;
    ours_mbs[name] = mb / s;
    fmt::print("{:<34} {:>10} {:>9.3f} {:>9.1f} {:>9.0f}\n", "aibasics " + name, tokens, s, mb / s, peak);
    const std::string peer = kShared + "/tools/peer-tiktoken-encode";
    if (!peers || !exists(peer)) continue;
    const std::string peer_ids = fmt::format("/tmp/aib-bench-peer-ids-{}.txt", name);
    for (const std::string& line : run_lines(fmt::format("/usr/bin/time -f 'peak_kb=%M' {} {} '{}' {} 2>&1", peer, name, file, peer_ids))) {
      if (line.rfind("tiktoken", 0) != 0) continue;
      const double peer_mbs = field(line, "MB/s");
      fmt::print("{:<34} {:>10.0f} {:>9.3f} {:>9.1f} {:>9}   ours {:.1f}x\n", line.substr(0, line.find(' ')) + " " + name,
                 field(line, "tokens"), field(line, "seconds"), peer_mbs, "-", ours_mbs[name] / peer_mbs);
    }
    const bool same = read_file(ids_path) == read_file(peer_ids);
    fmt::print("{:<34} {}\n", "  ids identical to tiktoken's", same ? "yes" : "NO");
  }

  // ---- adversarial inputs: time must grow linearly with size ------------------------------------
  if (tk::has_encoding("cl100k_base", dir)) {
    const tk::Encoding enc = tk::load_encoding("cl100k_base", dir);
    fmt::print("\n{:<34} {:>10} {:>9} {:>9}\n", "cl100k_base, no whitespace", "MB", "seconds", "MB/s");
    aib::Rng rng(1);
    for (const std::string kind : {"one repeated letter", "random letters", "random bytes"}) {
      for (const std::size_t size : {std::size_t{1} << 20, std::size_t{10} << 20}) {
        std::string input(size, 'a');
        if (kind == "random letters")
          for (char& c : input) c = static_cast<char>('a' + rng.uniform_int(26));
        if (kind == "random bytes")
          for (char& c : input) c = static_cast<char>(rng.uniform_int(256));
        aib::Stopwatch sw;
        const std::vector<tk::Rank> ids = enc.encode_ordinary(input);
        const double s = sw.seconds();
        if (enc.decode_bytes(ids) != input) fmt::print("round trip FAILED for {}\n", kind);
        fmt::print("{:<34} {:>10.0f} {:>9.3f} {:>9.1f}\n", kind, static_cast<double>(size) / (1 << 20), s,
                   static_cast<double>(size) / 1e6 / s);
      }
    }
  }

  // ---- training -----------------------------------------------------------------------------
  fmt::print("\n{:<34} {:>10} {:>9} {:>9}\n", fmt::format("train, vocabulary {}", vocab), "merges", "seconds", "peak MB");
  const auto [out, peak] = in_child([&] {
    tk::TrainOptions o;
    o.vocab_size = vocab;
    aib::Stopwatch sw;
    const tk::TrainResult r = tk::train_bpe({text}, o);
    return fmt::format("{} {}", r.merges.size(), sw.seconds());
  });
  std::size_t merges = 0;
  double ours_s = 0;
  std::istringstream(out) >> merges >> ours_s;
  fmt::print("{:<34} {:>10} {:>9.2f} {:>9.0f}\n", "aibasics train_bpe (GPT-2 split)", merges, ours_s, peak);
  const std::string peer = kShared + "/tools/peer-bpe-train";
  if (peers && exists(peer) && vocab == 30000)
    for (const std::string& line : run_lines(fmt::format("{} '{}' 2>&1", peer, file))) {
      const double s = field(line, "seconds");
      if (s > 0) fmt::print("{:<34} {:>10} {:>9.2f} {:>9}   ours {:.2f}x its time\n", line.substr(0, line.find(' ')), "", s, "-", ours_s / s);
    }
  if (!tmp.empty()) std::remove(tmp.c_str());
  return 0;
}
