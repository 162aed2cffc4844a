// encodings.hpp — the tokenizer episodes' --encodings flag: the real rank files, or a vocabulary
// trained on the spot.
//
// Episodes 11, 13, 14, 15 and 18 show OpenAI's real encodings (gpt2, cl100k_base, o200k_base) when
// their .tiktoken rank files are in --encodings DIR or else $AIB_ENCODINGS (tools/get-encodings
// downloads them). Without them, real_or_trained() says so in one sentence and trains a byte-level
// BPE vocabulary on the course sentences, so that every episode runs on a fresh clone.
//   aib::episode::Encodings encodings(ep.flags());        // registers --encodings
//   const auto t = encodings.real_or_trained({"cl100k_base"}, options, course_sentences);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/tiktoken.hpp"
#include "course_data.hpp"
#include "flags.hpp"

namespace aib::episode {

inline constexpr const char* kEncodingsHelp =
    "Directory of the real .tiktoken rank files (default: $AIB_ENCODINGS)";

struct NamedEncoding {
  std::string name;  // "cl100k_base", or "trained"
  tokenizer::Encoding encoding;
};

// What real_or_trained() settled on: the real encodings found, or the one vocabulary it trained.
struct Tokenizers {
  std::vector<NamedEncoding> all;  // the real ones in the order asked, or {"trained", ...}
  bool trained = false;
  std::size_t sentences = 0, bytes = 0, merges = 0;  // the training run's text and merges

  const tokenizer::Encoding& first() const { return all.front().encoding; }
};

class Encodings {
 public:
  // Registers --encodings DIR on the episode's command line.
  explicit Encodings(Flags& flags, const std::string& help = kEncodingsHelp) {
    flags.add("--encodings", dir_, help).type_name("DIR");
  }
  Encodings(const Encodings&) = delete;  // the flags hold a pointer to dir_
  Encodings& operator=(const Encodings&) = delete;

  // Where to look: --encodings DIR, else $AIB_ENCODINGS; nullopt when neither is given.
  std::optional<std::string> dir() const { return tokenizer::encodings_dir(dir_); }

  // Whether the rank file of `name` (gpt2, cl100k_base or o200k_base) is there.
  bool has(const std::string& name) const { return tokenizer::has_encoding(name, dir_); }

  // The encoding `name`, read from its rank file (an aib::IoError when it is missing).
  tokenizer::Encoding load(const std::string& name) const {
    return tokenizer::load_encoding(name, dir_);
  }

  // The encodings among `names` whose rank files are there, loaded, in the order asked.
  std::vector<NamedEncoding> find(const std::vector<std::string>& names) const {
    std::vector<NamedEncoding> out;
    for (const std::string& name : names)
      if (has(name)) out.push_back({name, load(name)});
    return out;
  }

  // Why none of `names` is shown, without a final period: "No gpt2.tiktoken in DIR" (one or two
  // names, "a.tiktoken or b.tiktoken"; more, "a/b/c rank files"), or, when no directory is given,
  // "No real rank files here (pass --encodings DIR or set AIB_ENCODINGS)".
  std::string none_found(const std::vector<std::string>& names) const {
    const std::optional<std::string> d = dir();
    if (!d) return "No real rank files here (pass --encodings DIR or set AIB_ENCODINGS)";
    std::string what;
    for (std::size_t k = 0; k < names.size(); ++k)
      what += names.size() <= 2 ? (k > 0 ? " or " : "") + names[k] + ".tiktoken"
                                : (k > 0 ? "/" : "") + names[k];
    if (names.size() > 2) what += " rank files";
    return fmt::format("No {} in {}", what, *d);
  }

  // The real encodings among `names` when at least one is there. Otherwise prints none_found()
  // as a sentence and trains a byte-level BPE vocabulary with `options` on the course sentences
  // (`course_sentences`: the text of course-sentences.txt), each ending in a line end.
  Tokenizers real_or_trained(const std::vector<std::string>& names,
                             const tokenizer::TrainOptions& options,
                             std::string_view course_sentences) const {
    Tokenizers t;
    t.all = find(names);
    if (!t.all.empty()) return t;
    fmt::print("{}.\n", none_found(names));
    std::vector<std::string> texts;
    for (const Sentence& s : parse_sentences(course_sentences, "course-sentences.txt")) {
      texts.push_back(s.text + "\n");
      t.bytes += texts.back().size();
    }
    tokenizer::TrainResult result = tokenizer::train_bpe(texts, options);
    t.trained = true;
    t.sentences = texts.size();
    t.merges = result.merges.size();
    t.all.push_back({"trained", std::move(result.encoding)});
    return t;
  }

 private:
  std::string dir_;
};

}  // namespace aib::episode
