// Episode 26 — Causal masking: why decoders can't peek ahead.
//
// The causal mask read off a GPT's own attention weights (aib/nn/gpt.hpp, forward(..., &weights)):
// token t attends to tokens 0..t and gets exactly 0 weight on the rest. Then two copies of the
// same small GPT — same initial weights, same batches — learn next-token prediction on the
// digit-sorting task of episode 19 (examples/common/toy_tasks.hpp), one with model.causal = false.
// The unmasked one reaches a far lower training loss by reading the token it is asked to predict,
// and when it has to generate (aib/nn/generate.hpp, greedy, no KV cache) it fails.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aib/autograd/optim.hpp"
#include "aib/core/sampling.hpp"
#include "aib/core/timing.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "toy_tasks.hpp"

namespace {

using aib::Index;
using aib::toy::Ids;

// ■ where token i (row) gives token j (column) a nonzero weight, · where the weight is exactly 0.
void print_mask(const aib::Mat& w, const Ids& tokens) {  // w (T, T)
  const std::vector<std::string> labels = [&] {
    std::vector<std::string> out;
    for (const Index t : tokens) out.push_back(aib::toy::text({t}));
    return out;
  }();
  fmt::print("            sees: {}\n", fmt::join(labels, " "));
  const std::vector<std::string> rows = aib::show::nonzero_pattern(w);
  for (std::size_t i = 0; i < rows.size(); ++i)
    fmt::print("  token {:2d} ({})   {}\n", i, labels[i], rows[i]);
}

// Share of sequences whose every answer token is the model's top choice when the whole correct
// sequence is its input (teacher forcing: what training measures), in percent.
double read_accuracy(const aib::Gpt& model, const aib::toy::SortTask& task,
                     const std::vector<Ids>& seqs) {
  aib::NoGrad no_grad;
  const Index n = task.digits;
  Index right = 0;
  for (const Ids& s : seqs) {
    const aib::Mat logits = model.forward(Ids(s.begin(), s.end() - 1)).value();  // (2n, V)
    bool all = true;
    for (Index t = n; t < 2 * n; ++t)
      all = all && aib::argmax(logits.row(t)) == s[static_cast<std::size_t>(t + 1)];
    right += all ? 1 : 0;
  }
  return 100.0 * static_cast<double>(right) / static_cast<double>(seqs.size());
}

// Mean attention weight a token gives to tokens after it, over layers, heads and rows.
double future_share(const aib::Gpt& model, const std::vector<Ids>& seqs) {
  aib::NoGrad no_grad;
  double sum = 0;
  Index rows = 0;
  for (const Ids& s : seqs) {
    std::vector<aib::Mat> att;  // per layer (H·T, T)
    model.forward(Ids(s.begin(), s.end() - 1), 1, &att);
    for (const aib::Mat& w : att)
      for (Index r = 0; r < w.rows(); ++r, ++rows)
        sum += w.row(r).tail(w.cols() - 1 - r % w.cols()).sum();
  }
  return 100.0 * sum / static_cast<double>(rows);
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int steps = 300;
  int batch = 32;
  double lr = 6e-3;
  ep.option("--steps", steps, "AdamW steps for each model", 10, 100000);
  ep.option("--batch", batch, "Sequences per step", 1, 1024);
  ep.option("--lr", lr, "Peak AdamW learning rate", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    aib::Rng& rng = ctx.rng;
    aib::toy::SortTask task;
    const Index n = task.digits, T = 2 * n;
    const std::vector<Ids> held_out = task.hold_out(500, rng);

    const aib::TransformerConfig config = aib::toy::sorter_config(task, 32, 2);  // episode 19's
    aib::Rng init = rng;  // both models start from the same weights
    aib::Gpt peeking(config, init);
    aib::Gpt masked(config, rng);
    peeking.causal = false;

    // ---- 1. The mask ----------------------------------------------------------------------------
    ctx.section("1. The causal mask, read off the model's attention");
    const Ids example(held_out[0].begin(), held_out[0].end() - 1);  // (T) a model input
    std::vector<aib::Mat> att;                                      // per layer (H·T, T)
    {
      aib::NoGrad no_grad;
      masked.forward(example, 1, &att);
    }
    print_mask(att[0].topRows(T), example);
    fmt::print(
        "Above the diagonal the scores get -inf; softmax turns them into weights of\n"
        "exactly 0. Token t can use tokens 0..t and nothing later.\n");

    // ---- 2. Training, with and without it ------------------------------------------------------
    ctx.section("2. Same model, same data, trained with and without the mask");
    fmt::print("Next-token loss on all {} positions of sequences like  {}\n", T,
               aib::toy::text(held_out[1]));
    const double floor = static_cast<double>(n - 1) / static_cast<double>(T) * std::log(10.0);
    fmt::print(
        "{} of the {} targets are random digits: an honest model cannot beat\n"
        "{}/{} · ln 10 = {:.3f} on average.\n",
        n - 1, T, n - 1, T, floor);
    std::vector<double> curve_peek, curve_mask;
    aib::Stopwatch watch;
    for (const aib::Gpt* model : {&peeking, &masked}) {
      aib::Rng data = rng;  // the same batches for both
      (model->causal ? curve_mask : curve_peek) =
          aib::toy::train_sorter(*model, task, steps, batch, lr, /*answer_only=*/false, data);
    }
    const double train_seconds = watch.seconds();
    show::Table progress({"step", "loss, no mask", "loss, causal mask"});
    for (const int s : aib::toy::progress_steps(steps))
      progress.add_row({std::to_string(s),
                        fmt::format("{:.4f}", curve_peek[static_cast<std::size_t>(s)]),
                        fmt::format("{:.4f}", curve_mask[static_cast<std::size_t>(s)])});
    show::print(progress.render(ctx.style));
    fmt::print("{} AdamW steps each, {} sequences a step ({} for both)\n", steps, batch,
               aib::measured("{:.2f} s", train_seconds));

    // ---- 3. Generation --------------------------------------------------------------------------
    ctx.section("3. Now generate: sort the held-out prompts");
    show::Table results({"model", "last loss", "future attention", "reading", "generating"});
    for (std::size_t c = 1; c < 5; ++c) results.align(c, show::Align::right);
    for (const aib::Gpt* model : {&peeking, &masked}) {
      const std::vector<double>& curve = model->causal ? curve_mask : curve_peek;
      results.add_row({model->causal ? "causal mask" : "no mask",
                       fmt::format("{:.4f}", curve.back()),
                       fmt::format("{:.1f}%", future_share(*model, held_out)),
                       fmt::format("{:.1f}%", read_accuracy(*model, task, held_out)),
                       fmt::format("{:.1f}%", aib::toy::exact_match(*model, task, held_out))});
    }
    show::print(results.render(ctx.style));
    fmt::print(
        "On {} held-out sequences. future attention: weight on later tokens. reading:\n"
        "whole answer right with the true answer in the input. generating: whole\n"
        "answer right, each token produced by the model from the tokens before it.\n\n",
        held_out.size());
    show::Table samples({"prompt", "no mask writes", "causal mask writes"});
    for (std::size_t i = 1; i < 5; ++i)
      samples.add_row({aib::toy::text(task.prompt(held_out[i])),
                       aib::toy::text(aib::toy::greedy_answer(peeking, task, held_out[i])),
                       aib::toy::text(aib::toy::greedy_answer(masked, task, held_out[i]))});
    show::print(samples.render(ctx.style));
    fmt::print("\nIn training, each target sat in the input one step ahead, ready to copy.\n");
    fmt::print("Why it fails: at generation time the future is not there to read.\n");
  });
}
