// generate_cli.hpp — `aibasics generate`: text from a GPT-2-format checkpoint on the command line.
//
//   aibasics generate --model DIR --prompt "Once upon a time" [--tokens N] [--temperature T]
//                     [--top-k K] [--seed S] [--encoding ENC] [--encodings DIR]
// DIR holds config.json and model.safetensors in Hugging Face's GPT-2 layout (nn/hf_gpt2.hpp):
// one saved by this library, or a real GPT-2 checkpoint downloaded elsewhere. The prompt is encoded
// with ENC (default gpt2, whose rank file is looked up in --encodings DIR, else $AIB_ENCODINGS, as
// `aibasics tokenize` does; or the path of a .tiktoken file), N tokens are sampled (temperature 0:
// greedy), and the prompt and its continuation are printed, followed by a newline. Generation stops
// early at <|endoftext|> when the encoding has it. An empty prompt starts from <|endoftext|>, as
// GPT-2 was trained to (that first token is not printed). The encoding's ids must all be ids of the
// model (its n_vocab at most the model's vocab_size). Errors end the command with exit code 1 and
// one line on stderr: "aibasics generate: <message>".
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "aib/core/check.hpp"
#include "aib/nn/generate.hpp"
#include "aib/nn/hf_gpt2.hpp"
#include "aib/tokenizer/tiktoken.hpp"
#include "tokenize_cli.hpp"  // kExitCodes

namespace aib::cli {

// Adds `generate` to a CLI::App. After app.parse(), selected() says whether the user asked for it
// and run() does the work, returning the exit code.
class GenerateCommand {
 public:
  explicit GenerateCommand(CLI::App& app) {
    cmd_ = app.add_subcommand(
        "generate",
        "Continue a prompt with a GPT-2-format model (config.json + model.safetensors)");
    cmd_->add_option("--model", model_dir_,
                     "Directory in Hugging Face's GPT-2 layout: config.json and model.safetensors")
        ->type_name("DIR")
        ->required();
    cmd_->add_option("--prompt", prompt_, "Text to continue (empty: start from <|endoftext|>)")
        ->type_name("TEXT");
    cmd_->add_option("--tokens", tokens_, "Number of tokens to generate")
        ->type_name("N")
        ->check(CLI::Range(1, 1 << 20));
    cmd_->add_option("--temperature", temperature_, "Sampling temperature; 0 picks the likeliest")
        ->type_name("T")
        ->check(CLI::Range(0.0, 100.0));
    cmd_->add_option("--top-k", top_k_, "Sample among the K likeliest tokens only (0: all)")
        ->type_name("K")
        ->check(CLI::Range(0, 1 << 30));
    cmd_->add_option("--seed", seed_, "Seed of the sampler: the same seed gives the same text")
        ->type_name("S");
    cmd_->add_option("--encoding", encoding_,
                     "gpt2 (default), cl100k_base, o200k_base or a .tiktoken file")
        ->type_name("ENC");
    cmd_->add_option("--encodings", encodings_dir_,
                     "Directory of the named encodings' .tiktoken files (default $AIB_ENCODINGS)")
        ->type_name("DIR");
    cmd_->footer(
        "tools/get-encodings downloads the gpt2 rank file.\n"
        "Errors in the input or the run: one line, \"aibasics generate: <message>\".\n" +
        std::string(kExitCodes));
  }

  bool selected() const { return static_cast<bool>(*cmd_); }

  int run() const {
    try {
      return generate_text();
    } catch (const std::exception& e) {  // aib::Error above all; also std::bad_alloc and the like
      std::fflush(stdout);
      std::string message = e.what();
      for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
      fmt::print(stderr, "aibasics generate: {}\n", message);
      return 1;
    }
  }

 private:
  static std::string encoding_label(const tokenizer::Encoding& enc) {
    return enc.name().empty() ? std::string("the encoding") : "the encoding " + enc.name();
  }

  int generate_text() const {
    const tokenizer::Encoding enc = tokenizer::load_encoding(encoding_, encodings_dir_);
    const Gpt model = load_hf_gpt2(model_dir_);
    const Index V = model.config.vocab_size;
    if (static_cast<Index>(enc.n_vocab()) > V)
      fail(
          "{} has {} ids but the model '{}' only {} (vocab_size): pick the "
          "encoding the model was trained with",
          encoding_label(enc), enc.n_vocab(), model_dir_, V);
    const std::set<std::string> specials = enc.special_names();
    const bool has_eot = specials.count("<|endoftext|>") != 0;
    std::vector<Index> ids;
    for (const tokenizer::Rank r : enc.encode_ordinary(prompt_))
      ids.push_back(static_cast<Index>(r));
    if (ids.empty()) {
      if (!has_eot)
        fail("the prompt is empty and {} has no <|endoftext|> token to start from",
             encoding_label(enc));
      ids.push_back(static_cast<Index>(enc.special_id("<|endoftext|>")));
    }
    GenerateOptions o;
    o.max_new_tokens = tokens_;
    o.temperature = temperature_;
    o.top_k = top_k_;
    if (has_eot) o.stop_token = static_cast<Index>(enc.special_id("<|endoftext|>"));
    Rng rng(seed_);
    const std::vector<Index> out = generate(model, ids, o, rng);
    std::vector<tokenizer::Rank>
        ranks;  // the prompt and what follows (not a starting <|endoftext|>)
    for (std::size_t k = prompt_.empty() ? 1 : 0; k < out.size(); ++k)
      ranks.push_back(static_cast<tokenizer::Rank>(out[k]));
    const std::string text = enc.decode_bytes(ranks);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }

  CLI::App* cmd_ = nullptr;
  std::string model_dir_, prompt_, encoding_ = "gpt2", encodings_dir_;
  Index tokens_ = 32, top_k_ = 0;
  double temperature_ = 1.0;
  std::uint64_t seed_ = 0;
};

}  // namespace aib::cli
