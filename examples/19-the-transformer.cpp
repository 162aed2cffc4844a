// Episode 19 — The Transformer: the engine of modern GenAI.
//
// A small GPT (aib/nn/gpt.hpp) built from a TransformerConfig: its layers as a table of names,
// shapes and parameter counts (the model's own parameters(), which match aib/nn/param_count.hpp),
// then trained with AdamW (aib/autograd/optim.hpp) to sort six digits written as tokens,
// "3 1 4 1 5 9 | 1 1 3 4 5 9", the loss counting only the answer (cross_entropy's ignore index,
// aib/autograd/losses.hpp). Then used: exact-match accuracy on held-out prompts it never saw,
// answered greedily one token at a time (aib/nn/generate.hpp). The task is
// examples/common/toy_tasks.hpp.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_tasks.hpp"

namespace {

using aib::Index;
using aib::show::grouped;
using aib::toy::Ids;

// "h.0.attn.c_attn.weight" -> "h.0.attn.c_attn"
std::string layer_of(const std::string& name) {
  return name.substr(0, name.rfind('.'));
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 300;
  int batch = 32;
  Index width = 32;
  Index layers = 2;
  double lr = 6e-3;
  ep.option("--steps", steps, "AdamW steps", 1, 100000);
  ep.option("--batch", batch, "Sequences per step", 1, 1024);
  ep.option("--width", width, "Model width D (a multiple of 4 heads)", 4, 512);
  ep.option("--layers", layers, "Transformer blocks", 1, 8);
  ep.option("--lr", lr, "Peak AdamW learning rate", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::Rng& rng = ctx.rng;
    aib::toy::SortTask task;
    const Index n = task.digits;

    // ---- 1. The architecture -------------------------------------------------------------------
    ctx.section("1. A small GPT, layer by layer");
    const aib::TransformerConfig config = aib::toy::sorter_config(task, width, layers);
    aib::Gpt model(config, rng);
    show::Table arch({"layer", "shape", "parameters"});
    arch.align(1, show::Align::right).align(2, show::Align::right);
    std::string current;
    Index in_layer = 0;
    std::vector<std::string> shapes;
    const auto flush = [&] {
      if (!current.empty())
        arch.add_row({current, fmt::format("{}", fmt::join(shapes, " + ")), grouped(in_layer)});
      shapes.clear();
      in_layer = 0;
    };
    for (const auto& p : model.parameters()) {
      const std::string layer = layer_of(p.name);
      if (layer != current) flush(), current = layer;
      shapes.push_back(fmt::format("{}x{}", p.tensor.rows(), p.tensor.cols()));
      in_layer += p.tensor.size();
    }
    flush();
    show::print(arch.render(ctx.style));
    fmt::print("total {} parameters (param_count.hpp predicts {})\n",
               grouped(aib::count_parameters(model.parameters())),
               grouped(aib::count_parameters(aib::parameter_shapes(config))));

    // ---- 2. Train -------------------------------------------------------------------------------
    ctx.section("2. Training it to sort");
    const std::vector<Ids> held_out = task.hold_out(500, rng);
    fmt::print("Task: {} digits, \"|\", the same digits sorted, e.g.  {}\n", n,
               aib::toy::text(task.sample(rng)));
    fmt::print("The first {} targets are ignored (random digits, nothing to learn): the loss\n", n);
    fmt::print("counts the {} answer tokens. {} prompts are held out, never trained on.\n", n,
               held_out.size());
    aib::Stopwatch watch;
    const std::vector<double> curve =
        aib::toy::train_sorter(model, task, steps, batch, lr, /*answer_only=*/true, rng);
    const double train_seconds = watch.seconds();
    const std::vector<double> binned =  // at most 60 points
        show::binned_means(curve, (curve.size() + 59) / 60);
    fmt::print("\n{} AdamW steps of {} sequences, {}:\n", steps, batch,
               aib::measured("{:.2f} s", train_seconds));
    fmt::print("loss {:.2f} {} {:.3f}\n", curve.front(), show::sparkline(binned), curve.back());
    show::Table progress({"step", "learning rate", "loss (answer tokens)"});
    for (const int s : aib::toy::progress_steps(steps))
      progress.add_row(
          {std::to_string(s),
           fmt::format("{:.5f}", aib::linear_warmup_cosine(s, steps / 10, steps, lr, lr / 10)),
           fmt::format("{:.4f}", curve[static_cast<std::size_t>(s)])});
    show::print(progress.render(ctx.style));
    fmt::print("(guessing a digit at random: ln 10 = 2.3026)\n");

    // ---- 3. Use it ------------------------------------------------------------------------------
    ctx.section("3. Using it on prompts it never saw");
    watch.restart();
    Index right = 0;
    std::vector<std::size_t> shown = {0, 1, 2, 3};  // and a mistake, if these four have none
    bool mistake_shown = false;
    for (std::size_t i = 0; i < held_out.size(); ++i) {
      const bool ok = aib::toy::greedy_answer(model, task, held_out[i]) == task.answer(held_out[i]);
      right += ok ? 1 : 0;
      if (!ok && !mistake_shown && i >= shown.size()) shown.push_back(i);
      mistake_shown = mistake_shown || !ok;
    }
    const double seconds = watch.seconds();
    fmt::print("{} held-out prompts, answered greedily one token at a time ({}):\n",
               held_out.size(), aib::measured("{:.2f} s", seconds));
    Index guesses = 1;  // 10ⁿ possible answers
    for (Index i = 0; i < n; ++i) guesses *= 10;
    fmt::print("exact match {} of {} = {:.1f}%  (a random answer: 1 in {})\n\n", right,
               held_out.size(),
               100.0 * static_cast<double>(right) / static_cast<double>(held_out.size()),
               grouped(guesses));
    show::Table uses({"prompt", "model's answer", "sorted", ""});
    for (const std::size_t i : shown) {
      const Ids got = aib::toy::greedy_answer(model, task, held_out[i]);
      uses.add_row({aib::toy::text(task.prompt(held_out[i])), aib::toy::text(got),
                    aib::toy::text(task.answer(held_out[i])),
                    got == task.answer(held_out[i]) ? "right" : "WRONG"});
    }
    show::print(uses.render(ctx.style));
  });
}
