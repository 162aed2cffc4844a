// tokenize_cli.hpp — `aibasics tokenize`: encode, decode, count and train from the command line.
//
//   aibasics tokenize encode --encoding ENC [FILE]       ids of FILE (or stdin), on one line
//   aibasics tokenize decode --encoding ENC [FILE]       the exact bytes of whitespace-separated
//   ids aibasics tokenize count  --encoding ENC [FILE...] [--price-per-million X] aibasics tokenize
//   train  --vocab-size N --out PREFIX [--pattern P] [--special NAME]... FILE...
// ENC is gpt2, cl100k_base or o200k_base (found in --encodings DIR, else $AIB_ENCODINGS) or the
// path of a .tiktoken file (with its .meta.json, as `train` writes them). Exit codes, as for every
// program of the course: 0 success; 1 an error in the input or the run, one line on stderr
// ("aibasics tokenize: <message>"); 2 a usage error (unknown flag, bad value, missing argument),
// one line ("aibasics tokenize encode: <message> (see aibasics tokenize encode --help)"), never
// CLI11's own codes 104..109 (usage_error() below).
//
// `count` prints a table that lines up in a terminal and splits on whitespace in a script: a
// header, one row per file, and a `total` row when there are several files. Numbers are
// right-aligned, columns are separated by two spaces, and the file name comes last, so the numbers
// are always fields 1 to 3 (1 to 4 with a price) even when a name holds spaces. No thousands
// separators.
//   bytes  tokens  bytes/token       usd  file
//    5531    1447        3.822  0.003618  README.md
//    1573     404        3.894  0.001010  docs/conventions.md
//    7104    1851        3.838  0.004627  total
// The `usd` column (tokens x price / 1e6, 6 decimals) appears with --price-per-million X only.
// An empty file has no bytes per token: that cell is "-". Stdin is named "<stdin>".
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "aib/core/check.hpp"
#include "aib/show/pieces.hpp"
#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/encoding.hpp"
#include "aib/tokenizer/pretokenize.hpp"
#include "aib/tokenizer/tiktoken.hpp"

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#endif

namespace aib::cli {

namespace detail {

// ---- input and output of raw bytes
// ----------------------------------------------------------------

inline constexpr const char* kStdinName = "<stdin>";

// Whole file as bytes; "" or "-" reads stdin. Errors name the file and the system's reason.
inline std::string read_input(const std::string& path) {
  const bool from_stdin = path.empty() || path == "-";
#if defined(_WIN32)
  if (from_stdin) _setmode(_fileno(stdin), _O_BINARY);
#endif
  std::FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw IoError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string out;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  const bool failed = std::ferror(f) != 0;
  if (!from_stdin) std::fclose(f);
  if (failed) throw IoError(fmt::format("error reading '{}'", from_stdin ? kStdinName : path));
  return out;
}

inline std::string display(const std::string& path) {
  return path.empty() || path == "-" ? std::string(kStdinName) : path;
}

inline void write_stdout(std::string_view bytes) {
#if defined(_WIN32)
  _setmode(_fileno(stdout), _O_BINARY);
#endif
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
      std::fflush(stdout) != 0)
    throw IoError(fmt::format("could not write standard output: {}", std::strerror(errno)));
}

// ---- ids as text
// ------------------------------------------------------------------------------------

// "15339 1917": whitespace-separated decimal ids. Each must be a token of enc; errors say which
// id (counting from 1) and what it was.
inline std::vector<tokenizer::Rank> parse_ids(std::string_view text, const tokenizer::Encoding& enc,
                                              const std::string& source) {
  const std::string name = enc.name().empty() ? std::string("this encoding") : enc.name();
  const auto is_space = [](char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
  };
  std::set<tokenizer::Rank> special_ids;
  for (const auto& [special, id] : enc.special_tokens()) special_ids.insert(id);
  std::vector<tokenizer::Rank> ids;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    const std::string_view word = text.substr(start, i - start);
    const std::size_t number = ids.size() + 1;
    const std::string shown =
        word.size() > 40 ? std::string(word.substr(0, 40)) + "..." : std::string(word);
    std::uint64_t value = 0;
    bool digits = true, too_big = false;
    for (const char c : word) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      if (value > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
        too_big = true;
      else
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!digits)
      throw Error(
          fmt::format("{}: id #{} '{}' is not a number (ids are non-negative integers "
                      "separated by whitespace)",
                      source, number, shown));
    if (too_big || value >= enc.n_vocab())
      throw Error(fmt::format("{}: id #{} '{}' is out of range for {} (ids 0..{})", source, number,
                              shown, name, enc.n_vocab() - 1));
    const auto id = static_cast<tokenizer::Rank>(value);
    if (id >= enc.n_ranks() && special_ids.count(id) == 0)
      throw Error(
          fmt::format("{}: id #{} '{}' is not a token of {} (ordinary ids are 0..{}, and "
                      "no special token has this id)",
                      source, number, shown, name, enc.n_ranks() - 1));
    ids.push_back(id);
  }
  return ids;
}

// ---- the count table
// --------------------------------------------------------------------------------

struct CountRow {
  std::string name;
  std::uint64_t bytes = 0, tokens = 0;
};

// Header, rows, and (with more than one row) a total; numbers right-aligned to their column.
inline std::string count_table(const std::vector<CountRow>& rows, bool priced,
                               double price_per_million) {
  std::vector<CountRow> all = rows;
  if (rows.size() > 1) {
    CountRow total{"total", 0, 0};
    for (const CountRow& r : rows) {
      total.bytes += r.bytes;
      total.tokens += r.tokens;
    }
    all.push_back(total);
  }
  std::vector<std::vector<std::string>> cells;  // one per row: bytes, tokens, bytes/token[, usd]
  cells.push_back({"bytes", "tokens", "bytes/token"});
  if (priced) cells.back().push_back("usd");
  for (const CountRow& r : all) {
    cells.push_back({fmt::format("{}", r.bytes), fmt::format("{}", r.tokens),
                     r.tokens == 0 ? std::string("-")
                                   : fmt::format("{:.3f}", static_cast<double>(r.bytes) /
                                                               static_cast<double>(r.tokens))});
    if (priced)
      cells.back().push_back(
          fmt::format("{:.6f}", static_cast<double>(r.tokens) * price_per_million / 1e6));
  }
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    for (std::size_t c = 0; c < cells[r].size(); ++c)
      out += fmt::format("{:>{}}  ", cells[r][c], width[c]);
    out += r == 0 ? std::string("file") : all[r - 1].name;
    out += '\n';
  }
  return out;
}

// One line, whatever the message holds.
inline std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace detail

// The exit-code convention, as --help states it.
inline constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 an error in the input or the run (one line on stderr);\n"
    "2 a usage error: an unknown flag, a bad value, a missing argument (one line).";

// A CLI11 parse error as the convention wants it: --help (and the like) printed with exit 0;
// anything else one line on stderr, "<command>: <what> (see <command> --help)", naming the
// subcommand being parsed, and exit code 2.
inline int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --help-all
  const CLI::App* at = &app;
  std::string command = app.get_name();
  for (bool deeper = true; deeper;) {  // the deepest subcommand the command line reached
    deeper = false;
    for (const CLI::App* sub : at->get_subcommands()) {
      at = sub;
      command += ' ' + sub->get_name();
      deeper = true;
      break;
    }
  }
  fmt::print(stderr, "{}: {} (see {} --help)\n", command, detail::one_line(e.what()), command);
  return 2;
}

// Adds `tokenize` and its four subcommands to a CLI::App. After app.parse(), selected() says
// whether the user asked for it and run() does the work, returning the exit code.
//   aib::cli::TokenizeCommand tokenize(app);
//   app.parse(argc, argv);
//   if (tokenize.selected()) return tokenize.run();
class TokenizeCommand {
 public:
  explicit TokenizeCommand(CLI::App& app) {
    cmd_ = app.add_subcommand(
        "tokenize", "Encode, decode, count and train tokenizers (tiktoken-compatible BPE)");
    cmd_->require_subcommand(1);
    cmd_->footer(
        "ENC is gpt2, cl100k_base or o200k_base (looked up in --encodings DIR, else "
        "$AIB_ENCODINGS;\n"
        "tools/get-encodings downloads them) or the path of a .tiktoken rank file.\n"
        "Errors in the input or the run: one line, \"aibasics tokenize: <message>\".\n" +
        std::string(kExitCodes));

    encode_ = cmd_->add_subcommand(
        "encode", "Print the token ids of FILE (or stdin) on one line, separated by spaces");
    add_encoding_options(encode_);
    encode_->add_flag(
        "--allow-special", allow_special_,
        "Match the encoding's special tokens (e.g. <|endoftext|>); by default their text "
        "is encoded as plain text");
    encode_->add_option("file", encode_file_, "Text to encode; stdin when absent or '-'");

    decode_ = cmd_->add_subcommand(
        "decode", "Write the exact bytes of whitespace-separated ids (no newline added)");
    add_encoding_options(decode_);
    decode_->add_option("file", decode_file_, "Ids to decode; stdin when absent or '-'");

    count_ = cmd_->add_subcommand(
        "count", "Count bytes and tokens per file, bytes per token, and optionally the cost");
    add_encoding_options(count_);
    count_->add_flag("--allow-special", allow_special_,
                     "Count special-token text as one special token each");
    count_
        ->add_option("--price-per-million", price_per_million_,
                     "Dollars per million tokens: adds a 'usd' column")
        ->type_name("X")
        ->check(CLI::Validator(
            [](std::string& value) {
              try {
                std::size_t used = 0;
                const double x = std::stod(value, &used);
                if (used == value.size() && x >= 0 && x < 1e15) return std::string();
              } catch (const std::exception&) {
              }
              return "must be a non-negative number of dollars, got '" + value + "'";
            },
            ""));
    count_->add_option("files", count_files_, "Files to count; stdin when none or '-'");
    count_->footer(
        "Output: a header line, then per file \"bytes tokens bytes/token [usd] file\", "
        "right-aligned\n"
        "and separated by spaces (the name last); a 'total' row when there are several files.");

    train_ = cmd_->add_subcommand(
        "train", "Train a byte-level BPE on files; write PREFIX.tiktoken and PREFIX.meta.json");
    train_
        ->add_option("--vocab-size", vocab_size_,
                     "Ordinary tokens: 256 bytes + merges (at least 256)")
        ->type_name("N")
        ->check(CLI::Validator(  // digits only: "-3" must not wrap to 2^64 - 3
            [](std::string& value) {
              const bool whole = !value.empty() && value.size() <= 18 &&
                                 value.find_first_not_of("0123456789") == std::string::npos;
              return whole ? std::string()
                           : "must be a whole number of tokens, got '" + value + "'";
            },
            ""))
        ->required();
    train_
        ->add_option("--out", out_prefix_,
                     "Output prefix: writes PREFIX.tiktoken and PREFIX.meta.json")
        ->type_name("PREFIX")
        ->required();
    train_->add_option("--pattern", pattern_, "Split pattern applied before counting pairs")
        ->check(CLI::IsMember({"gpt2", "cl100k", "o200k"}))
        ->capture_default_str();
    train_
        ->add_option(
            "--special", specials_,
            "A special token (repeatable); ids follow the ordinary tokens in the order given")
        ->type_name("NAME")
        ->allow_extra_args(false);  // `--special A file.txt`: file.txt is not a second special
    train_->add_option("files", train_files_, "Training text files")->required();
    train_->footer(
        "Ids: 0..255 are the bytes, then one per merge in the order learned, then the --special\n"
        "tokens. Use the result with: aibasics tokenize encode --encoding PREFIX.tiktoken");
    for (CLI::App* sub : {encode_, decode_}) sub->footer(kExitCodes);
    for (CLI::App* sub : {count_, train_}) sub->footer(sub->get_footer() + "\n" + kExitCodes);
  }

  TokenizeCommand(const TokenizeCommand&) = delete;  // CLI11 holds pointers into this object
  TokenizeCommand& operator=(const TokenizeCommand&) = delete;

  bool selected() const { return static_cast<bool>(*cmd_); }

  int run() const {
    try {
      if (*encode_) return run_encode();
      if (*decode_) return run_decode();
      if (*count_) return run_count();
      if (*train_) return run_train();
      fmt::print(stderr, "aibasics tokenize: choose encode, decode, count or train (see --help)\n");
      return 2;
    } catch (const std::exception& e) {  // aib::Error above all; also std::bad_alloc and the like
      std::fflush(stdout);
      fmt::print(stderr, "aibasics tokenize: {}\n", detail::one_line(e.what()));
      return 1;
    }
  }

 private:
  void add_encoding_options(CLI::App* sub) {
    sub->add_option("--encoding", encoding_, "gpt2, cl100k_base, o200k_base or a .tiktoken file")
        ->type_name("ENC")
        ->required();
    sub->add_option("--encodings", encodings_dir_,
                    "Directory of the named encodings' .tiktoken files (default $AIB_ENCODINGS)")
        ->type_name("DIR");
  }

  tokenizer::Encoding load() const { return tokenizer::load_encoding(encoding_, encodings_dir_); }

  std::vector<tokenizer::Rank> ids_of(const tokenizer::Encoding& enc, std::string_view text) const {
    if (allow_special_) return enc.encode(text, enc.special_names(), tokenizer::Disallowed::text);
    return enc.encode_ordinary(text);  // special-token text is plain text (Disallowed::text)
  }

  int run_encode() const {
    const tokenizer::Encoding enc = load();
    const std::string text = detail::read_input(encode_file_);
    detail::write_stdout(show::id_list(ids_of(enc, text)) + "\n");
    return 0;
  }

  int run_decode() const {
    const tokenizer::Encoding enc = load();
    const std::string text = detail::read_input(decode_file_);
    const std::vector<tokenizer::Rank> ids =
        detail::parse_ids(text, enc, detail::display(decode_file_));
    detail::write_stdout(enc.decode_bytes(ids));
    return 0;
  }

  int run_count() const {
    const tokenizer::Encoding enc = load();
    std::vector<std::string> files = count_files_;
    if (files.empty()) files.push_back("-");
    std::vector<detail::CountRow> rows;
    for (const std::string& f : files) {
      const std::string text = detail::read_input(f);
      rows.push_back({detail::display(f), text.size(), ids_of(enc, text).size()});
    }
    detail::write_stdout(detail::count_table(rows, price_per_million_ >= 0, price_per_million_));
    return 0;
  }

  int run_train() const {
    tokenizer::TrainOptions options;
    options.vocab_size = vocab_size_;
    options.pattern = tokenizer::pattern_of(pattern_);
    options.special_tokens = specials_;
    if (vocab_size_ < 256)  // say so before reading megabytes of text
      fail("train: --vocab-size must be at least 256 (the single bytes), got {}", vocab_size_);
    std::vector<std::string> texts;
    std::size_t bytes = 0;
    for (const std::string& f : train_files_) {
      texts.push_back(detail::read_input(f));
      bytes += texts.back().size();
    }
    const tokenizer::TrainResult result = tokenizer::train_bpe(texts, options);
    tokenizer::save_encoding(result.encoding, out_prefix_);
    const std::size_t n = result.encoding.n_ranks();
    fmt::print(
        "trained {} ordinary tokens ({} merges) on {} file{} ({} bytes){}\n", n,
        result.merges.size(), texts.size(), texts.size() == 1 ? "" : "s", bytes,
        n < vocab_size_ ? "; fewer than --vocab-size: the text had no more pairs to merge" : "");
    fmt::print("wrote {0}.tiktoken and {0}.meta.json\n", out_prefix_);
    return 0;
  }

  CLI::App* cmd_ = nullptr;
  CLI::App* encode_ = nullptr;
  CLI::App* decode_ = nullptr;
  CLI::App* count_ = nullptr;
  CLI::App* train_ = nullptr;

  std::string encoding_, encodings_dir_;
  bool allow_special_ = false;
  std::string encode_file_, decode_file_;
  std::vector<std::string> count_files_;
  double price_per_million_ = -1;  // < 0: no price column
  std::size_t vocab_size_ = 0;
  std::string out_prefix_;
  std::string pattern_ = "gpt2";
  std::vector<std::string> specials_;
  std::vector<std::string> train_files_;
};

}  // namespace aib::cli
