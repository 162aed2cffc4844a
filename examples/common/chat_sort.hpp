// chat_sort.hpp — episode 09's app: episode 19's digit sorting (toy_tasks.hpp), asked in a chat.
//
// A request is a ChatML conversation (aib/tokenizer/chat.hpp) whose user turn is "sort 3 1 4 1";
// the model answers in the assistant turn with the digits sorted, then <|im_end|>, the stop token:
//   <|im_start|>user⏎sort 3 1 4 1<|im_end|>⏎<|im_start|>assistant⏎1 1 3 4<|im_end|>
// The tokenizer is a byte-level BPE trained here on such turns (aib/tokenizer/bpe_train.hpp), with
// ChatML's two special tokens; the GPT (aib/nn/gpt.hpp) reads the whole conversation and learns to
// write the answer and the stop token (the other positions' targets are ignored).
// Leaves out: a system turn, variable lengths, sampling at a temperature (the answer is unique).
#pragma once

#include <string>
#include <vector>

#include "aib/autograd/optim.hpp"
#include "aib/core/check.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/chat.hpp"
#include "toy_tasks.hpp"

namespace aib::episode {

struct ChatSort {
  toy::SortTask task;            // digits, the held-out prompts
  tokenizer::Encoding encoding;  // BPE with <|im_start|>, <|im_end|>
  Index stop = 0;                // the id of <|im_end|>

  // "3 1 4 1" for the digits {3, 1, 4, 1}.
  static std::string digits_text(const toy::Ids& digits) { return toy::text(digits); }

  std::vector<tokenizer::ChatMessage> chat(const toy::Ids& digits) const {
    return {{"user", "sort " + digits_text(digits)}};
  }

  // The prompt's ids: the user turn, then the open assistant turn.
  toy::Ids prompt_ids(const toy::Ids& digits) const {
    const std::vector<tokenizer::Rank> ids = tokenizer::chatml_encode(chat(digits), encoding);
    return toy::Ids(ids.begin(), ids.end());
  }

  // The answer the model should write: the sorted digits' ids, then the stop token.
  toy::Ids answer_ids(const toy::Ids& digits) const {
    const toy::Ids seq = task.complete(digits);
    const std::vector<tokenizer::Rank> ids =
        encoding.encode_ordinary(digits_text(task.answer(seq)));
    toy::Ids out(ids.begin(), ids.end());
    out.push_back(stop);
    return out;
  }

  Index length() const {  // tokens in a whole conversation (the same for every digit string)
    const toy::Ids d(static_cast<std::size_t>(task.digits), 0);
    return static_cast<Index>(prompt_ids(d).size() + answer_ids(d).size());
  }
};

// The task for `digits` digits, its tokenizer trained on `texts` random user and assistant turns.
inline ChatSort make_chat_sort(Index digits, int texts, Rng& rng) {
  ChatSort cs;
  cs.task.digits = digits;
  std::vector<std::string> corpus = {"user\n", "assistant\n"};
  for (int i = 0; i < texts; ++i) {
    const toy::Ids d = cs.task.random_digits(rng);
    corpus.push_back("sort " + ChatSort::digits_text(d) + "\n");
    corpus.push_back(ChatSort::digits_text(cs.task.answer(cs.task.complete(d))) + "\n");
  }
  tokenizer::TrainOptions o;
  o.vocab_size = 256 + 40;  // room for every merge these turns have; training stops before
  o.special_tokens = {tokenizer::kImStart, tokenizer::kImEnd};
  cs.encoding = tokenizer::train_bpe(corpus, o).encoding;
  cs.stop = cs.encoding.special_id(tokenizer::kImEnd);
  return cs;
}

// `steps` AdamW steps (β = 0.9, 0.99, weight decay 0.01, warm-up then cosine to lr/10, gradients
// clipped to norm 1) on `batch` fresh conversations each; only the answer and the stop token are
// targets. Returns each step's loss.
inline std::vector<double> train_chat_sort(const Gpt& model, const ChatSort& cs, int steps,
                                           int batch, double lr, Rng& rng) {
  AdamW opt(tensors_of(model.parameters()), lr, 0.9, 0.99, 1e-8, 0.01);
  std::vector<double> curve;
  for (int s = 0; s < steps; ++s) {
    toy::Ids x, y;  // (B·T) inputs and next-token targets, -100 where ignored
    for (int b = 0; b < batch; ++b) {
      const toy::Ids whole = cs.task.sample(rng);  // digits never held out, "|", sorted
      const toy::Ids d(whole.begin(), whole.begin() + cs.task.digits);
      toy::Ids seq = cs.prompt_ids(d);
      const std::size_t answer_at = seq.size();
      const toy::Ids answer = cs.answer_ids(d);
      seq.insert(seq.end(), answer.begin(), answer.end());
      for (std::size_t t = 0; t + 1 < seq.size(); ++t) {
        x.push_back(seq[t]);
        y.push_back(t + 1 >= answer_at ? seq[t + 1] : -100);
      }
    }
    opt.set_lr(linear_warmup_cosine(s, steps / 10, steps, lr, lr / 10));
    opt.zero_grad();
    const Tensor loss = model.loss(x, y, batch);  // (1, 1)
    check_finite_loss("train_chat_sort", loss.item(), s + 1);
    loss.backward();
    clip_grad_norm(opt.parameters(), 1.0);
    opt.step();
    curve.push_back(loss.item());
  }
  return curve;
}

}  // namespace aib::episode
