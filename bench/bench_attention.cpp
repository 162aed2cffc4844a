// bench_attention — plain attention (the whole T×T score matrix) against tiled attention with an
// online softmax (aib/nn/tiled_attention.hpp), one head, Dh = 64, causal, one thread.
// Time is the best of several runs, in CPU time of the thread (CLOCK_THREAD_CPUTIME_ID), so that
// other processes on a shared machine do not count; pass "wall" as 4th argument for wall time.
// FLOPs count multiply-adds as 2 in the two matmuls only: plain computes every score, 4·Dh·T²;
// tiled only the tiles it computes, 4·Dh·(scores in tiles on or crossing the diagonal) —
// tiled_attention_flops(). Extra memory is computed from what each allocates (plain: the (T, T)
// scores + 2 row vectors; tiled: a (block_q, block_k) tile, two (block_q, Dh) buffers, four
// (block_q) vectors and the (T) logsumexp) and measured as the growth of peak RSS (VmHWM, reset
// through /proc/self/clear_refs) in a forked child that runs it once. Run:
// build/bin/bench_attention [max_T] [block_q] [block_k] [wall]
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/core.h>

#include "aib/core/random.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/fused_attention.hpp"
#include "aib/nn/tiled_attention.hpp"

namespace {

using aib::Index;

bool use_wall = false;

// Seconds of this thread's CPU time (or of wall time if use_wall).
double now() {
  if (use_wall)
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Fastest of `repeats` runs of f(), in seconds.
template <class F>
double best_time(F&& f, int repeats) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const double start = now();
    f();
    best = std::min(best, now() - start);
  }
  return best;
}

// Best GFLOP/s of Eigen's float matmul at a size where it peaks (as in bench_gpt).
double matmul_peak() {
  aib::Rng rng(1);
  const aib::Mat a = rng.normal_mat(512, 512), b = rng.normal_mat(512, 512);
  aib::Mat c(512, 512);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double start = now();
    c.noalias() = a * b;
    best = std::min(best, now() - start);
  }
  return 2.0 * 512 * 512 * 512 / best / 1e9;
}

// A field of /proc/self/status in kB ("VmHWM", "VmRSS"), or -1.
long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  return -1;
}

// Peak-RSS growth in bytes while f() runs once, in a forked child; -1 if it cannot be measured.
template <class F>
double peak_rss_growth(F&& f) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fds[0]);
    long growth = -1;
    {
      std::ofstream clear("/proc/self/clear_refs");
      clear << "5";  // resets VmHWM to the current RSS
      if (!clear.flush()) _exit(1);
    }
    status_kb("VmHWM");  // a first read, so the reader's own buffers are already counted
    const long before = status_kb("VmHWM");
    if (before >= 0) {
      f();
      growth = status_kb("VmHWM") - before;
    }
    const ssize_t n = write(fds[1], &growth, sizeof growth);
    _exit(n == sizeof growth ? 0 : 1);
  }
  close(fds[1]);
  long growth = -1;
  const ssize_t n = read(fds[0], &growth, sizeof growth);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return n == sizeof growth && growth >= 0 ? growth * 1024.0 : -1;
}

std::string bytes(double b) {
  if (b < 0) return "n/a";
  if (b >= 1 << 20) return fmt::format("{:.1f} MB", b / (1 << 20));
  return fmt::format("{:.0f} KB", b / 1024);
}

}  // namespace

int main(int argc, char** argv) {
  const Index max_T = argc > 1 ? std::atol(argv[1]) : 8192;
  aib::TileOptions tiles;
  if (argc > 2) tiles.block_q = std::atol(argv[2]);
  if (argc > 3) tiles.block_k = std::atol(argv[3]);
  use_wall = argc > 4 && std::string(argv[4]) == "wall";
  const Index Dh = 64;
  const bool causal = true;
  const double peak = matmul_peak();
  fmt::print(
      "One head, Dh = {}, causal, float, one thread; tiles {}x{} (block_q x block_k);\n{} time.\n",
      Dh, tiles.block_q, tiles.block_k, use_wall ? "wall" : "thread CPU");
  fmt::print("Eigen float matmul peak (512^3): {:.1f} GFLOP/s\n\n", peak);
  fmt::print("{:>5} | {:>9} {:>6} | {:>9} {:>6} | {:>5} | {:>9} {:>9} | {:>7} {:>7} | {:>8}\n", "T",
             "plain ms", "GF/s", "tiled ms", "GF/s", "x", "plain mem", "(RSS)", "tiled", "(RSS)",
             "max diff");
  double gflops_4096 = -1;
  for (Index T = 256; T <= max_T; T *= 2) {
    aib::Rng rng(static_cast<std::uint64_t>(T));
    const aib::Mat q = rng.normal_mat(T, Dh), k = rng.normal_mat(T, Dh), v = rng.normal_mat(T, Dh);
    aib::Mat o_plain, o_tiled;  // (T, Dh)
    const int repeats = T >= 4096 ? 3 : 7;
    const double t_plain =
        best_time([&] { o_plain = aib::plain_attention(q, k, v, causal); }, repeats);
    const double t_tiled =
        best_time([&] { o_tiled = aib::tiled_attention(q, k, v, causal, tiles); }, repeats);
    const double f_plain = 4.0 * Dh * double(T) * double(T);
    const double f_tiled = aib::tiled_attention_flops(T, Dh, causal, tiles);
    const double g_plain = f_plain / t_plain / 1e9, g_tiled = f_tiled / t_tiled / 1e9;
    if (T == 4096) gflops_4096 = g_tiled;
    const double mem_plain = 4.0 * (double(T) * T + 2.0 * T);
    const Index bq = std::min(tiles.block_q, T), bk = std::min(tiles.block_k, T);
    const double mem_tiled = 4.0 * double(bq * bk + 2 * bq * Dh + 4 * bq + T);
    const double rss_plain =
        peak_rss_growth([&] { o_plain = aib::plain_attention(q, k, v, causal); });
    const double rss_tiled =
        peak_rss_growth([&] { o_tiled = aib::tiled_attention(q, k, v, causal, tiles); });
    const double diff = (o_plain - o_tiled).cwiseAbs().maxCoeff();
    fmt::print(
        "{:>5} | {:>9.2f} {:>6.1f} | {:>9.2f} {:>6.1f} | {:>5.2f} | {:>9} {:>9} | {:>7} "
        "{:>7} | {:>8.1e}\n",
        T, t_plain * 1e3, g_plain, t_tiled * 1e3, g_tiled, t_plain / t_tiled, bytes(mem_plain),
        bytes(rss_plain), bytes(mem_tiled), bytes(rss_tiled), diff);
  }
  if (gflops_4096 > 0)
    fmt::print("\nTiled at T = 4096: {:.1f} GFLOP/s = {:.0f}% of the matmul peak.\n", gflops_4096,
               100.0 * gflops_4096 / peak);

  // Training: forward + backward of the autograd ops, B = 1, H = 4, Dh = 64, T = 1024.
  {
    const Index T = 1024, H = 4, D = H * Dh;
    aib::Rng rng(7);
    aib::Tensor qkv(rng.normal_mat(T, 3 * D), true);
    const aib::Mat g = rng.normal_mat(T, D);  // (T, D) upstream gradient
    const auto run = [&](auto&& op) {
      return best_time(
          [&] {
            qkv.zero_grad();
            op().backward(g);
          },
          5);
    };
    const double t_fused = run([&] { return aib::fused_self_attention(qkv, 1, H, causal); });
    const double t_tiled = run([&] { return aib::tiled_self_attention(qkv, 1, H, causal, tiles); });
    fmt::print(
        "\nForward + backward, T = {}, H = {}, Dh = {}, causal: fused {:.2f} ms, tiled "
        "{:.2f} ms ({:.2f}x)\n",
        T, H, Dh, t_fused * 1e3, t_tiled * 1e3, t_fused / t_tiled);
  }
}
