// aib/tokenizer/tiktoken.hpp — the three public OpenAI encodings, found on disk and loaded.
//
// gpt2 (also called r50k_base), cl100k_base (GPT-4, GPT-3.5) and o200k_base (GPT-4o) differ in
// their rank files, split patterns and special tokens; this header knows the last two for each
// name, so only the `.tiktoken` rank file must be on disk (tools/get-encodings downloads them).
// Where to look: an explicit directory (an --encodings flag), else $AIB_ENCODINGS. A name that is
// not one of the three is taken as the path of a rank file, with a `<prefix>.meta.json` beside it
// (written by save_encoding) or, failing that, the gpt2 split pattern and no special tokens.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/tokenizer/encoding.hpp"

namespace aib::tokenizer {

struct KnownEncoding {
  std::string name;
  SplitPattern pattern;
  std::map<std::string, Rank> specials;
  std::size_t n_ranks;  // ordinary tokens in the rank file
};

// The specials and sizes as tiktoken defines them (tiktoken_ext/openai_public.py).
inline const std::vector<KnownEncoding>& known_encodings() {
  static const std::vector<KnownEncoding> all = {
      {"gpt2", SplitPattern::gpt2, {{"<|endoftext|>", 50256}}, 50256},
      {"cl100k_base",
       SplitPattern::cl100k,
       {{"<|endoftext|>", 100257},
        {"<|fim_prefix|>", 100258},
        {"<|fim_middle|>", 100259},
        {"<|fim_suffix|>", 100260},
        {"<|endofprompt|>", 100276}},
       100256},
      {"o200k_base",
       SplitPattern::o200k,
       {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}},
       199998},
  };
  return all;
}

inline const KnownEncoding* find_known_encoding(std::string_view name) {
  for (const KnownEncoding& k : known_encodings())
    if (k.name == name || (name == "r50k_base" && k.name == "gpt2")) return &k;
  return nullptr;
}

// The directory to look for rank files in: `dir` if given, else $AIB_ENCODINGS; nullopt if neither.
inline std::optional<std::string> encodings_dir(const std::string& dir = "") {
  if (!dir.empty()) return dir;
  if (const char* env = std::getenv("AIB_ENCODINGS"); env != nullptr && *env != '\0')
    return std::string(env);
  return std::nullopt;
}

// Whether `<dir>/<name>.tiktoken` exists for a known name.
inline bool has_encoding(const std::string& name, const std::string& dir = "") {
  const std::optional<std::string> d = encodings_dir(dir);
  if (!d) return false;
  return std::ifstream(*d + "/" + name + ".tiktoken").good();
}

// Saves ranks as `<prefix>.tiktoken` and the pattern and specials as `<prefix>.meta.json`
// (the layout tiktoken's own files and their .meta.json companions use).
inline void save_encoding(const Encoding& enc, const std::string& prefix) {
  std::string ranks;
  for (Rank r = 0; r < enc.n_ranks(); ++r)
    ranks += detail::base64_encode(enc.token_bytes(r)) + ' ' + std::to_string(r) + '\n';
  nlohmann::json meta;
  meta["pat_str"] = std::string(pattern_text(enc.pattern()));
  meta["special_tokens"] = nlohmann::json::object();
  for (const auto& [name, id] : enc.special_tokens()) meta["special_tokens"][name] = id;
  write_file(prefix + ".tiktoken", ranks, "save_encoding");  // each file whole or not at all
  write_file(prefix + ".meta.json", meta.dump(1) + '\n', "save_encoding");
}

// Loads a rank file and, if present, the meta.json beside it (pattern and special tokens).
inline Encoding load_encoding_file(const std::string& path) {
  std::string prefix = path;
  if (prefix.size() > 9 && prefix.compare(prefix.size() - 9, 9, ".tiktoken") == 0)
    prefix.resize(prefix.size() - 9);
  std::string name = prefix.substr(prefix.find_last_of('/') + 1);
  SplitPattern pattern = SplitPattern::gpt2;
  std::map<std::string, Rank> specials;
  if (const KnownEncoding* k = find_known_encoding(name)) {
    pattern = k->pattern;
    specials = k->specials;
  }
  const std::string meta_path = prefix + ".meta.json";
  if (std::error_code ec; std::filesystem::is_regular_file(meta_path, ec)) {
    const std::string meta_text = read_file(meta_path, "load_encoding");
    nlohmann::json meta;
    try {
      meta = nlohmann::json::parse(meta_text);
      pattern = pattern_of(meta.at("pat_str").get<std::string>());
      specials.clear();
      if (meta.contains("special_tokens"))
        for (const auto& [key, value] : meta["special_tokens"].items()) {
          // A whole number in [0, 2^32): -1, 1.7, true or 2^32 would otherwise wrap or round.
          const bool whole = value.is_number_unsigned() ||
                             (value.is_number_integer() && value.get<std::int64_t>() >= 0);
          if (!whole || value.get<std::uint64_t>() > std::numeric_limits<Rank>::max())
            throw IoError(fmt::format(
                "load_encoding: '{}': special token '{}' has id {}; an id must be a whole number "
                "from 0 to {}",
                meta_path, printable(key), printable(value.dump()),
                std::numeric_limits<Rank>::max()));
          specials[key] = value.get<Rank>();
        }
    } catch (const nlohmann::json::exception& e) {
      throw IoError(
          fmt::format("load_encoding: '{}' is not a valid meta file: {}", meta_path, e.what()));
    } catch (const IoError&) {
      throw;
    } catch (const Error& e) {
      throw IoError(fmt::format("load_encoding: '{}': {}", meta_path, e.what()));
    }
  }
  return Encoding::load(path, pattern, std::move(specials), name);
}

// "cl100k_base" (looked up in dir or $AIB_ENCODINGS) or a path to a .tiktoken file.
inline Encoding load_encoding(const std::string& name_or_path, const std::string& dir = "") {
  if (const KnownEncoding* k = find_known_encoding(name_or_path)) {
    const std::optional<std::string> d = encodings_dir(dir);
    if (!d)
      throw IoError(fmt::format(
          "load_encoding: where is {}.tiktoken? Pass --encodings DIR or set AIB_ENCODINGS "
          "(tools/get-encodings downloads the rank files)",
          k->name));
    const std::string path = *d + "/" + k->name + ".tiktoken";
    if (!std::ifstream(path).good())
      throw IoError(fmt::format(
          "load_encoding: '{}' does not exist (tools/get-encodings {} downloads it)", path, *d));
    Encoding enc = Encoding::load(path, k->pattern, k->specials, k->name);
    if (enc.n_ranks() != k->n_ranks)
      throw IoError(fmt::format("load_encoding: '{}' has {} tokens; {} has {}", path, enc.n_ranks(),
                                k->name, k->n_ranks));
    return enc;
  }
  if (!std::ifstream(name_or_path).good())
    throw IoError(
        fmt::format("load_encoding: '{}' is neither gpt2, cl100k_base, o200k_base nor an "
                    "existing .tiktoken file",
                    name_or_path));
  return load_encoding_file(name_or_path);
}

}  // namespace aib::tokenizer
