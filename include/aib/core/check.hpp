// aib/core/check.hpp — errors that say what was wrong.
//
// Every public function checks its inputs and throws aib::Error (or a subclass) whose message
// starts with the function's name and names the offending shapes or values, e.g.
//   "softmax: x has shape (3, 0); expected at least 1 column".
// These checks stay on in release builds: a student's mistake must never become an Eigen
// assert, a crash or silent garbage. Leaves out: error codes (exceptions only).
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/core.h>

#include "aib/core/types.hpp"

namespace aib {

// The library's error type: catch this to catch every mistake the library reports.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor had the wrong shape for the operation.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A file could not be read, written or parsed; the message names the file.
class IoError : public Error {
 public:
  using Error::Error;
};

// A training run whose loss became NaN or infinite: everything after it would be garbage.
class DivergenceError : public Error {
 public:
  using Error::Error;
};

// Throw aib::Error with a fmt-formatted message.
template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// Throw aib::Error("<where>: <what>") unless `ok`.
inline void require(bool ok, std::string_view where, std::string_view what) {
  if (!ok) throw Error(fmt::format("{}: {}", where, what));
}

// Stop a training loop at the first loss that is not a finite number, naming the step. Every
// training loop of the library and the episodes counts its steps from 1 (the first optimizer step
// is step 1), in messages and in per-step callbacks alike:
//   check_finite_loss("train_vae", loss, 8)  ->  "train_vae: the loss is nan at step 8; ..."
inline void check_finite_loss(std::string_view where, double loss, long step) {
  if (std::isfinite(loss)) return;
  throw DivergenceError(fmt::format(
      "{}: the loss is {} at step {}; training diverged (try a smaller learning rate)", where,
      std::isnan(loss) ? "nan"
      : loss > 0       ? "inf"
                       : "-inf",
      step));
}

// "(rows, cols)" of any Eigen object.
template <class M>
std::string shape_str(const M& m) {
  return fmt::format("({}, {})", m.rows(), m.cols());
}

// Wildcard for a dimension that may take any size in check_shape.
inline constexpr Index any = -1;

// Throw ShapeError unless m has shape (rows, cols); pass aib::any for a free dimension.
//   check_shape("attention", "q", q, T, Dh)  ->  "attention: q has shape (4, 8), expected (4, 16)"
template <class M>
void check_shape(std::string_view where, std::string_view name, const M& m, Index rows,
                 Index cols) {
  const bool ok = (rows == any || m.rows() == rows) && (cols == any || m.cols() == cols);
  if (ok) return;
  const auto dim = [](Index d) { return d == any ? std::string("any") : std::to_string(d); };
  throw ShapeError(fmt::format("{}: {} has shape {}, expected ({}, {})", where, name, shape_str(m),
                               dim(rows), dim(cols)));
}

// Throw ShapeError unless a and b have the same shape.
template <class A, class B>
void check_same_shape(std::string_view where, std::string_view name_a, const A& a,
                      std::string_view name_b, const B& b) {
  if (a.rows() == b.rows() && a.cols() == b.cols()) return;
  throw ShapeError(fmt::format("{}: {} has shape {} but {} has shape {}; they must match", where,
                               name_a, shape_str(a), name_b, shape_str(b)));
}

// Throw ShapeError unless the product a·b is defined (a.cols() == b.rows()).
template <class A, class B>
void check_matmul(std::string_view where, std::string_view name_a, const A& a,
                  std::string_view name_b, const B& b) {
  if (a.cols() == b.rows()) return;
  throw ShapeError(fmt::format("{}: cannot multiply {} {} by {} {}: {} columns vs {} rows", where,
                               name_a, shape_str(a), name_b, shape_str(b), a.cols(), b.rows()));
}

}  // namespace aib
