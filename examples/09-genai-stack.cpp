// Episode 09 — The GenAI stack: one request through every layer, measured on this machine.
//
// Hardware: what /proc/cpuinfo reports (aib/core/hardware.hpp: peak FLOP/s where it can be known)
// beside a measured matrix product and memory bandwidth. Kernels: the textbook triple loop beside
// Eigen's blocked product, which aib::matmul runs. App and model: a small GPT trained here to sort
// digits asked in a chat (common/chat_sort.hpp), one forward timed by component
// (aib/nn/forward_profile.hpp). Orchestration: the ChatML template, greedy sampling, the stop
// token and the KV cache (aib/nn/generate.hpp), each stage of one request timed. Every time and
// rate goes through aib::measured; FLOP and token counts are computed and always printed.
// Longer than most episodes (about 280 lines): the episode is six layers, each measured here.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/hardware.hpp"
#include "aib/core/memory.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/forward_profile.hpp"
#include "aib/nn/generate.hpp"
#include "aib/show/format.hpp"
#include "aib/show/pieces.hpp"
#include "aib/show/table.hpp"
#include "chat_sort.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::measured;
using aib::show::grouped;

// C = A·B the textbook way, one multiply-add at a time: (n, k)·(k, m) -> (n, m).
aib::Mat naive_matmul(const aib::Mat& A, const aib::Mat& B) {
  aib::Mat C(A.rows(), B.cols());  // (n, m)
  for (Index i = 0; i < A.rows(); ++i)
    for (Index j = 0; j < B.cols(); ++j) {
      float sum = 0;
      for (Index p = 0; p < A.cols(); ++p) sum += A(i, p) * B(p, j);
      C(i, j) = sum;
    }
  return C;
}

// Floats per vector instruction this program was compiled for (the build, not the CPU).
int build_float_lanes() {
#if defined(__AVX512F__)
  return 16;
#elif defined(__AVX__)
  return 8;
#elif defined(__SSE2__) || defined(_M_X64)
  return 4;
#else
  return 1;
#endif
}

std::string percent(double part, double whole) {
  return measured("{:.0f}%", 100.0 * part / whole);
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index n = 256, digits = 4;
  int steps = 300, repeats = 20;
  double lr = 1e-2;
  ep.option("--size", n, "Side of the square matrices multiplied (hardware and kernels)", 16, 1024);
  ep.option("--digits", digits, "Digits in each sorting request", 2, 8);
  ep.option("--steps", steps, "AdamW steps training the model", 1, 20000);
  ep.option("--lr", lr, "Peak AdamW learning rate", 1e-5, 1.0);
  ep.option("--repeats", repeats, "Runs of the request averaged for its timings", 1, 1000);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::Rng& rng = ctx.rng;
    aib::keep_freed_memory();  // training reuses its freed memory (aib/core/memory.hpp)

    // ---- 1. Hardware ----------------------------------------------------------------------------
    ctx.section("1. Hardware: what this CPU reports, and what it does");
    const aib::CpuInfo cpu = aib::read_cpuinfo();
    const int cores = cpu.physical_cores.value_or(cpu.logical_cpus);
    fmt::print("CPU: {}\n", measured("{}", cpu.model.empty() ? "model not reported" : cpu.model));
    fmt::print("  {} cores, {} logical CPUs; clock reported: {}\n", measured("{}", cores),
               measured("{}", cpu.logical_cpus),
               cpu.mhz ? measured("{:.0f} MHz", *cpu.mhz) : measured("{}", "not reported"));
    fmt::print("  widest vectors: {}, {} floats; fused multiply-add: {}\n",
               measured("{}", cpu.vector_extension()), measured("{}", cpu.float_lanes()),
               measured("{}", cpu.has("fma") ? "yes" : "no"));
    const auto peak = aib::peak_gflops(cpu, 1);
    fmt::print("peak = clock x floats x 2 FLOPs per FMA x FMA units (not reported; 1 assumed):\n");
    fmt::print("  one core {}, all cores {} (twice that with 2 FMA units)\n",
               peak ? measured("{:.1f} GFLOP/s", *peak) : measured("{}", "not reported"),
               peak ? measured("{:.1f} GFLOP/s", *peak * cores) : measured("{}", "not reported"));
    const aib::Mat A = aib::Mat::Random(n, n), B = aib::Mat::Random(n, n);  // (n, n) each
    aib::Mat C;                                                             // (n, n)
    const double flops = 2.0 * double(n) * double(n) * double(n);
    const double t_fast = aib::best_time([&] { C.noalias() = A * B; }, 5);
    const aib::Bandwidth bw = aib::memory_bandwidth();
    fmt::print("this build's instructions: {} floats per vector\n", build_float_lanes());
    fmt::print("measured on one thread:\n  {}x{} product, {} FLOPs: {}, {} of one core's peak\n", n,
               n, grouped(flops), measured("{:.1f} GFLOP/s", flops / t_fast / 1e9),
               peak ? measured("{:.0f}%", 100.0 * flops / t_fast / 1e9 / *peak)
                    : measured("{}", "peak not reported"));
    fmt::print("  memory, 128 MiB: read {}, copy {}\n", measured("{:.1f} GB/s", bw.read_gbs),
               measured("{:.1f} GB/s", bw.copy_gbs));
    fmt::print("The product does {:.1f} FLOPs per byte of its matrices: the arithmetic keeps up.\n",
               flops / (3.0 * double(n) * double(n) * sizeof(float)));

    // ---- 2. Kernels -----------------------------------------------------------------------------
    ctx.section("2. Kernels: the same product, two ways");
    aib::Mat slow;  // (n, n)
    const double t_slow = aib::best_time([&] { slow = naive_matmul(A, B); }, 1);
    fmt::print("naive triple loop   {}  {}\n", measured("{:>9.2f} ms", 1e3 * t_slow),
               measured("{:>7.2f} GFLOP/s", flops / t_slow / 1e9));
    fmt::print("Eigen blocked GEMM  {}  {}\n", measured("{:>9.2f} ms", 1e3 * t_fast),
               measured("{:>7.2f} GFLOP/s", flops / t_fast / 1e9));
    const float diff = (slow - C).cwiseAbs().maxCoeff();
    fmt::print("speed-up {}; largest difference between the two results: {:.1e}\n",
               measured("{:.0f}x", t_slow / t_fast), diff);
    fmt::print(
        diff == 0 ? "(bit for bit: each output is the same {} multiply-adds; the fast kernel only\n"
                    "arranges them for the caches and the vector registers)\n"
                  : "(each output sums {} products, in another order: float rounding differs)\n",
        n);

    // ---- 3. The app's model ---------------------------------------------------------------------
    ctx.section("3. The app: a GPT trained here to sort digits asked in a chat");
    aib::episode::ChatSort cs = aib::episode::make_chat_sort(digits, 200, rng);
    const std::vector<aib::toy::Ids> held_out =
        cs.task.hold_out(  // 200, or a fifth of all digit strings
            std::min<Index>(200, static_cast<Index>(std::pow(10.0, double(digits))) / 5), rng);
    aib::TransformerConfig config = aib::toy::sorter_config(cs.task, 32, 2);
    config.name = "chat sorter";
    config.vocab_size = static_cast<Index>(cs.encoding.n_vocab());
    config.context = cs.length() + 3;  // room for 3 tokens more than an answer needs
    const aib::Gpt model(config, rng);
    aib::Stopwatch train_watch;
    const std::vector<double> curve = aib::episode::train_chat_sort(model, cs, steps, 32, lr, rng);
    const double t_train = train_watch.seconds();
    fmt::print(
        "tokenizer: BPE, {} tokens + 2 ChatML specials; GPT: D = {}, {} layers, {} heads,\n"
        "{} parameters; {} AdamW steps of 32 chats: loss {:.3f} -> {:.4f}, {}\n",
        cs.encoding.n_ranks(), config.d_model, config.n_layers, config.n_heads,
        grouped(aib::count_parameters(model.parameters())), steps, curve.front(), curve.back(),
        measured("{:.2f} s", t_train));
    const aib::toy::Ids asked(held_out[0].begin(), held_out[0].begin() + digits);  // the request
    aib::GenerateOptions greedy;
    greedy.max_new_tokens = config.context - static_cast<Index>(cs.prompt_ids(asked).size());
    greedy.temperature = 0.0;
    greedy.stop_token = cs.stop;
    Index right = 0;
    for (const aib::toy::Ids& seq : held_out) {
      const aib::toy::Ids d(seq.begin(), seq.begin() + digits), prompt = cs.prompt_ids(d);
      const aib::toy::Ids out = aib::generate(model, prompt, greedy, rng);
      right += aib::toy::Ids(out.begin() + prompt.size(), out.end()) == cs.answer_ids(d) ? 1 : 0;
    }
    fmt::print("held-out requests answered exactly: {} of {} = {:.1f}%\n", right, held_out.size(),
               100.0 * right / held_out.size());
    const double weight_bytes = double(aib::count_parameters(model.parameters())) * sizeof(float);
    const double token_flops = aib::decode_flops(config, config.context - 1).total();
    fmt::print(
        "one generated token: {} FLOPs on {} bytes of weights, {:.2f} per byte:\n"
        "at batch 1, decoding waits on memory, not on arithmetic.\n",
        grouped(token_flops), grouped(weight_bytes), token_flops / weight_bytes);

    // ---- 4. One request through the stack -------------------------------------------------------
    ctx.section("4. Orchestration: one request");
    fmt::print("user types: \"{}\"\n", cs.chat(asked)[0].content);
    double t_template = 0, t_prefill = 0, t_decode = 0, t_sample = 0, t_detok = 0;
    aib::toy::Ids prompt, answer;
    const auto stopped = [&] { return answer.back() == cs.stop ? 1 : 0; };  // ends with the stop?
    aib::Mat first_logits;  // (1, V) before the first answer token
    for (int r = 0; r < repeats; ++r) {
      aib::Stopwatch w;
      prompt = cs.prompt_ids(asked);  // chat template + tokenizer
      t_template += w.seconds();
      w.restart();
      aib::KvCache cache;
      aib::Mat logits = aib::forward_cached(model, prompt, cache);  // (P, V)
      t_prefill += w.seconds();
      first_logits = logits.bottomRows(1);
      answer.clear();
      for (Index k = 0; k < greedy.max_new_tokens; ++k) {
        w.restart();
        const aib::VecD last = logits.bottomRows(1).transpose().cast<double>();  // (V)
        const Index next = aib::sample_logits(rng, last, 0.0);                   // greedy
        t_sample += w.seconds();
        answer.push_back(next);
        if (next == cs.stop || k + 1 == greedy.max_new_tokens) break;
        w.restart();
        logits = aib::forward_cached(model, {next}, cache);  // (1, V)
        t_decode += w.seconds();
      }
      w.restart();
      const std::string text = cs.encoding.decode({answer.begin(), answer.end() - stopped()});
      t_detok += w.seconds();
    }
    const std::string text = cs.encoding.decode({answer.begin(), answer.end() - stopped()});
    std::string rendered = cs.encoding.decode({prompt.begin(), prompt.end()});
    for (std::size_t at = rendered.find('\n'); at != std::string::npos; at = rendered.find('\n'))
      rendered.replace(at, 1, "⏎");
    fmt::print("chat template (ChatML):\n  {}\n", rendered);
    fmt::print("tokens in: {} ids; the model reads them at once (prefill), then writes\n",
               prompt.size());
    const aib::Mat p0 = aib::softmax(first_logits);  // (1, V)
    Index top = 0;
    p0.row(0).maxCoeff(&top);
    fmt::print("one token at a time, greedy (temperature 0): first {} with probability {:.3f};\n",
               show::visible(cs.encoding.decode({static_cast<aib::tokenizer::Rank>(top)})),
               p0(0, top));
    fmt::print("{} {} tokens (budget {}): answer \"{}\" ({})\n",
               stopped() ? "stop token <|im_end|> after" : "no stop token in", answer.size(),
               greedy.max_new_tokens, text,
               text == aib::toy::text(cs.task.answer(cs.task.complete(asked))) ? "right" : "wrong");

    std::vector<double> t_cache(2);
    std::vector<aib::toy::Ids> outs(2);
    for (const bool use_cache : {true, false}) {
      aib::GenerateOptions o = greedy;
      o.use_cache = use_cache;
      t_cache[use_cache ? 0 : 1] = aib::best_time(
          [&] { outs[use_cache ? 0 : 1] = aib::generate(model, prompt, o, rng); }, repeats);
    }
    const Index P = static_cast<Index>(prompt.size()), G = static_cast<Index>(answer.size());
    double f_cached = aib::forward_flops(config, P).total(), f_full = 0;
    for (Index k = 0; k < G; ++k) {
      f_full += aib::forward_flops(config, P + k).total();
      if (k > 0) f_cached += aib::decode_flops(config, P + k - 1).total();
    }
    show::Table kv({"KV cache", "matrix FLOPs", "time", "answer"});
    kv.add_row({"on", grouped(f_cached), measured("{:.3f} ms", 1e3 * t_cache[0]),
                aib::toy::Ids(outs[0].begin() + P, outs[0].end()) == answer ? "same" : "other"});
    kv.add_row({"off", grouped(f_full), measured("{:.3f} ms", 1e3 * t_cache[1]),
                outs[1] == outs[0] ? "same" : "other"});
    show::print(kv.render(ctx.style));
    fmt::print("the cache does {:.1f} times fewer FLOPs for the same {} tokens\n",
               f_full / f_cached, G);

    // ---- 5. The model, by component -------------------------------------------------------------
    ctx.section("5. Model: one forward of the whole chat, by component");
    aib::toy::Ids whole = prompt;
    whole.insert(whole.end(), answer.begin(), answer.end() - stopped());
    const Index T = static_cast<Index>(whole.size());
    aib::ByComponent secs;  // of the fastest of `repeats` forwards: the least disturbed one
    for (int r = 0; r < repeats; ++r) {
      aib::ByComponent one;
      (void)aib::profiled_forward(model, whole, one);
      if (r == 0 || one.total() < secs.total()) secs = one;
    }
    const aib::ByComponent f = aib::forward_flops(config, T);
    show::Table parts({"component", "matrix FLOPs", "share", "time", "share"});
    const auto part = [&](const char* name, double fl, double s) {
      parts.add_row({name, grouped(fl), fmt::format("{:.0f}%", 100.0 * fl / f.total()),
                     measured("{:.1f} us", 1e6 * s), percent(s, secs.total())});
    };
    part("embeddings", f.embeddings, secs.embeddings);
    part("attention", f.attention, secs.attention);
    part("MLP", f.mlp, secs.mlp);
    part("norms", f.norms, secs.norms);
    part("head", f.head, secs.head);
    part("total", f.total(), secs.total());
    show::print(parts.render(ctx.style));
    fmt::print(
        "{} tokens, the fastest of {} forwards; norms and embeddings do no matrix\n"
        "products, yet take time.\n",
        T, repeats);

    // ---- 6. The request's time, layer by layer --------------------------------------------------
    ctx.section("6. Where the request's time goes");
    const double total = t_template + t_prefill + t_decode + t_sample + t_detok;
    show::Table stages({"stage", "layer", "time", "share"});
    const auto stage = [&](const std::string& name, const char* layer, double s) {
      stages.add_row({name, layer, measured("{:.1f} us", 1e6 * s / repeats), percent(s, total)});
    };
    stage("chat template + tokenize", "orchestration", t_template);
    stage(fmt::format("prefill ({} tokens)", P), "model", t_prefill);
    stage(fmt::format("decode ({} tokens)", G - 1), "model", t_decode);
    stage("sampling", "orchestration", t_sample);
    stage("detokenize", "app", t_detok);
    stage("total", "", total);
    show::print(stages.render(ctx.style));
    fmt::print("(mean of {} runs; training the model took {}, once)\n", repeats,
               measured("{:.2f} s", t_train));
  });
}
