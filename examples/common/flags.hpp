// flags.hpp — the command line of the episode programs: flags bound to variables, checked whole.
//
// A small, non-template interface; its one implementation (flags.cpp) is compiled once into the
// aib_episode_flags library that every episode program links, so no program parses a command-line
// library's templates (CLI11 cost each episode program about 12 s of CPU to compile).
//   aib::episode::Flags flags("02-generation-vs-classification", "AI Basics, episode 02: ...");
//   flags.add("--steps", steps, "Gradient-descent steps", 1, 5000);      // a number in [1, 5000]
//   flags.add("--corpus", corpus, "Train on this file instead").existing_file();
//   flags.add("--sizes", sizes, "Vocabulary sizes").range(256, 20000);  // --sizes 256,300,500
//   flags.flag("--numbers-only", numbers_only, "Print only the numbers");
//   int status = 0;
//   if (!flags.parse(argc, argv, status)) return status;  // --help: 0, a usage error: 2
//
// The values are parsed whole or refused: `--seed -1`, `--steps 3.5`, `--steps 12abc` and a value
// beyond the variable's type are usage errors, never wrapped, saturated or read by prefix, and a
// floating-point flag refuses nan and inf. `--name value` and `--name=value` both work; a list
// takes comma-separated values, or several words up to the next flag. Every refusal is one line on
// stderr naming the program, the flag and what was wrong, with a pointer to --help, and exit code
// 2 (kUsageError); --help ends with the exit-code convention: 0 success, 1 an error in the input
// or the run, 2 a usage error.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace aib::episode {

inline constexpr int kSuccess = 0;
inline constexpr int kRuntimeError = 1;
inline constexpr int kUsageError = 2;

class Flags {
  struct Impl;
  struct Spec;

 public:
  // Refines the flag just added; each check reads the flag's value (every value, for a list).
  class Option {
   public:
    // A number (or each number of a list) within [lo, hi], inclusive. Bounds are doubles, exact
    // for whole numbers up to 2^53.
    Option& range(double lo, double hi);
    // Text that is one of `choices`.
    Option& one_of(std::vector<std::string> choices);
    // The path of an existing regular file.
    Option& existing_file();
    // Text that is not empty.
    Option& non_empty();
    // Text for which ok(value) holds; otherwise "--flag: <message> (got 'value')".
    Option& check(bool (*ok)(const std::string& value), std::string message);
    // A list of exactly n values.
    Option& count(int n);
    // The word --help shows for the value (default INT, UINT, FLOAT, TEXT).
    Option& type_name(std::string name);
    // --help shows no default (for a default that is a placeholder, such as 0 for "none").
    Option& no_default();

   private:
    friend class Flags;
    explicit Option(Spec* spec) : spec_(spec) {}
    Spec* spec_;
  };

  // `program` names the program in messages and usage; `description` heads --help.
  Flags(std::string program, std::string description);
  ~Flags();
  Flags(const Flags&) = delete;  // the flags hold pointers to the variables
  Flags& operator=(const Flags&) = delete;

  // A flag that takes a value, written into `value` when given; --help shows the value that
  // `value` holds now as the default. `name` is "--long-name".
  Option add(const std::string& name, int& value, const std::string& help);
  Option add(const std::string& name, long& value, const std::string& help);
  Option add(const std::string& name, long long& value, const std::string& help);
  Option add(const std::string& name, unsigned long& value, const std::string& help);
  Option add(const std::string& name, unsigned long long& value, const std::string& help);
  Option add(const std::string& name, double& value, const std::string& help);
  Option add(const std::string& name, std::string& value, const std::string& help);
  Option add(const std::string& name, std::vector<double>& value, const std::string& help);
  Option add(const std::string& name, std::vector<std::size_t>& value, const std::string& help);
  Option add(const std::string& name, std::vector<std::string>& value, const std::string& help);

  // A switch without a value: `value` becomes true when it is given.
  Option flag(const std::string& name, bool& value, const std::string& help);

  // Reads the command line into the variables. Returns true when the program should go on;
  // otherwise it has printed --help (exit_code 0) or a usage error (exit_code 2).
  bool parse(int argc, const char* const* argv, int& exit_code);

  // Prints "<program>: <what> (see <program> --help)" on stderr and returns kUsageError, for
  // checks that involve several flags.
  int usage_error(const std::string& what) const;

  // The --help text.
  std::string help() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aib::episode
