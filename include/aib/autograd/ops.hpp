// aib/autograd/ops.hpp — the basic differentiable ops on Tensors, each backward under its forward.
//
// Shapes: every tensor is 2-D (r, c). Elementwise binary ops broadcast like NumPy restricted to
// two dimensions: each dimension must match or be 1 in one operand — (B, D) + (1, D) adds a row
// to every row, (B, D) * (B, 1) scales each row, (1, 1) is a scalar. Their backward sums the
// gradient over the broadcast dimension ("reduce_to"). Notation: G = ∂L/∂output.
// Covered: matmul, affine (X·W + b in one op), + − * / (tensor or scalar), neg, pow, exp, log,
// sqrt, tanh, sum/mean (all, rows, columns), transpose, row/column slices and concatenation,
// gather_rows, masked_fill.
// Leaves out: general n-d broadcasting and views (every op returns a fresh matrix).
#pragma once

#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "aib/autograd/tensor.hpp"
#include "aib/core/check.hpp"

namespace aib {

// ---- Broadcasting helpers ---------------------------------------------------------------------

namespace detail {

// The shape a and b broadcast to, or a ShapeError naming both.
template <class S>
std::pair<Index, Index> broadcast_shape(std::string_view op, const TensorT<S>& a,
                                        const TensorT<S>& b) {
  const auto dim = [](Index x, Index y) { return x == y ? x : x == 1 ? y : y == 1 ? x : Index{-1}; };
  const Index r = dim(a.rows(), b.rows()), c = dim(a.cols(), b.cols());
  if (r < 0 || c < 0)
    throw ShapeError(fmt::format("{}: shapes {} and {} do not broadcast (each dimension must "
                                 "match or be 1)",
                                 op, a.shape(), b.shape()));
  return {r, c};
}

// m repeated to (rows, cols) along its size-1 dimensions.
template <class S>
MatT<S> expand(const MatT<S>& m, Index rows, Index cols) {
  if (m.rows() == rows && m.cols() == cols) return m;
  return m.replicate(rows / m.rows(), cols / m.cols());
}

// The gradient of a broadcast operand: g summed over the dimensions where the operand had size 1.
template <class S>
MatT<S> reduce_to(const MatT<S>& g, Index rows, Index cols) {
  if (g.rows() == rows && g.cols() == cols) return g;
  MatT<S> out = g;
  if (rows == 1 && out.rows() != 1) out = MatT<S>(out.colwise().sum());
  if (cols == 1 && out.cols() != 1) out = MatT<S>(out.rowwise().sum());
  return out;
}

// a ± b at the broadcast shape (r, c), without copying the operands in the common cases: the same
// shape, or b a row (1, c) added to every row of a (a bias).
template <class S>
MatT<S> add_broadcast(const MatT<S>& a, const MatT<S>& b, Index r, Index c, S sign) {
  const bool a_full = a.rows() == r && a.cols() == c;
  if (a_full && b.rows() == r && b.cols() == c) return sign > 0 ? MatT<S>(a + b) : MatT<S>(a - b);
  if (a_full && b.rows() == 1 && b.cols() == c) {
    MatT<S> out = a;
    if (sign > 0) out.rowwise() += b.row(0);
    else out.rowwise() -= b.row(0);
    return out;
  }
  return expand(a, r, c) + sign * expand(b, r, c);
}

// t.grad += g summed down to t's shape (no copy when the shapes already match).
template <class S>
void accumulate_reduced(const TensorT<S>& t, const MatT<S>& g, S sign = S(1)) {
  if (g.rows() == t.rows() && g.cols() == t.cols()) {
    if (sign > 0) t.accumulate(g);
    else t.accumulate(-g);
  } else {
    t.accumulate(sign * reduce_to(g, t.rows(), t.cols()));
  }
}

}  // namespace detail

// ---- Matrix product ----------------------------------------------------------------------------

// C = A·B: (n, k)·(k, m) -> (n, m)
template <class S>
TensorT<S> matmul(const TensorT<S>& a, const TensorT<S>& b) {
  check_matmul("matmul", "a", a.value(), "b", b.value());
  MatT<S> c;
  c.noalias() = a.value() * b.value();
  return record("matmul", std::move(c), {a, b}, [a, b](const MatT<S>& g) {
    if (a.requires_grad()) a.accumulate(g * b.value().transpose());  // ∂L/∂A = G·Bᵀ
    if (b.requires_grad()) b.accumulate(a.value().transpose() * g);  // ∂L/∂B = Aᵀ·G
  });
}

// Y = X·W + b: (n, k)·(k, m) + (1, m) -> (n, m), as one op — a Linear layer's forward (PyTorch's
// addmm). The same value as add(matmul(x, w), b), one node and one (n, m) matrix fewer.
template <class S>
TensorT<S> affine(const TensorT<S>& x, const TensorT<S>& w, const TensorT<S>& b) {
  check_matmul("affine", "x", x.value(), "w", w.value());
  if (b.rows() != 1 || b.cols() != w.cols())
    throw ShapeError(fmt::format("affine: bias is {}, expected (1, {}) for w {}", b.shape(), w.cols(), w.shape()));
  MatT<S> y(x.rows(), w.cols());  // (n, m)
  y.noalias() = x.value() * w.value();
  y.rowwise() += b.value().row(0);
  return record("affine", std::move(y), {x, w, b}, [x, w, b](const MatT<S>& g) {
    if (x.requires_grad()) x.accumulate(g * w.value().transpose());  // ∂L/∂X = G·Wᵀ
    if (w.requires_grad()) w.accumulate(x.value().transpose() * g);  // ∂L/∂W = Xᵀ·G
    if (b.requires_grad()) b.accumulate(g.colwise().sum());          // ∂L/∂b = Σ_rows G
  });
}

// ---- Elementwise arithmetic with broadcasting ---------------------------------------------------------

// a + b
template <class S>
TensorT<S> add(const TensorT<S>& a, const TensorT<S>& b) {
  const auto [r, c] = detail::broadcast_shape("add", a, b);
  MatT<S> out = detail::add_broadcast(a.value(), b.value(), r, c, S(1));
  return record("add", std::move(out), {a, b}, [a, b](const MatT<S>& g) {
    if (a.requires_grad()) detail::accumulate_reduced(a, g);  // ∂/∂a = G
    if (b.requires_grad()) detail::accumulate_reduced(b, g);  // ∂/∂b = G
  });
}

// a − b
template <class S>
TensorT<S> sub(const TensorT<S>& a, const TensorT<S>& b) {
  const auto [r, c] = detail::broadcast_shape("sub", a, b);
  MatT<S> out = detail::add_broadcast(a.value(), b.value(), r, c, S(-1));
  return record("sub", std::move(out), {a, b}, [a, b](const MatT<S>& g) {
    if (a.requires_grad()) detail::accumulate_reduced(a, g);         // ∂/∂a = G
    if (b.requires_grad()) detail::accumulate_reduced(b, g, S(-1));  // ∂/∂b = −G
  });
}

// a ⊙ b (elementwise product)
template <class S>
TensorT<S> mul(const TensorT<S>& a, const TensorT<S>& b) {
  const auto [r, c] = detail::broadcast_shape("mul", a, b);
  if (a.rows() == b.rows() && a.cols() == b.cols()) {  // no broadcasting: no copies to keep
    MatT<S> out = a.value().cwiseProduct(b.value());
    return record("mul", std::move(out), {a, b}, [a, b](const MatT<S>& g) {
      if (a.requires_grad()) a.accumulate(g.cwiseProduct(b.value()));  // ∂/∂a = G ⊙ b
      if (b.requires_grad()) b.accumulate(g.cwiseProduct(a.value()));  // ∂/∂b = G ⊙ a
    });
  }
  MatT<S> ea = detail::expand(a.value(), r, c), eb = detail::expand(b.value(), r, c);
  MatT<S> out = ea.cwiseProduct(eb);
  return record("mul", std::move(out), {a, b}, [a, b, ea, eb](const MatT<S>& g) {
    if (a.requires_grad())  // ∂/∂a = G ⊙ b
      a.accumulate(detail::reduce_to(MatT<S>(g.cwiseProduct(eb)), a.rows(), a.cols()));
    if (b.requires_grad())  // ∂/∂b = G ⊙ a
      b.accumulate(detail::reduce_to(MatT<S>(g.cwiseProduct(ea)), b.rows(), b.cols()));
  });
}

// a ⊘ b (elementwise quotient)
template <class S>
TensorT<S> div(const TensorT<S>& a, const TensorT<S>& b) {
  const auto [r, c] = detail::broadcast_shape("div", a, b);
  MatT<S> ea = detail::expand(a.value(), r, c), eb = detail::expand(b.value(), r, c);
  MatT<S> out = ea.cwiseQuotient(eb);
  return record("div", std::move(out), {a, b}, [a, b, ea, eb](const MatT<S>& g) {
    if (a.requires_grad())  // ∂(a/b)/∂a = 1/b
      a.accumulate(detail::reduce_to(MatT<S>(g.cwiseQuotient(eb)), a.rows(), a.cols()));
    if (b.requires_grad())  // ∂(a/b)/∂b = −a/b²
      b.accumulate(detail::reduce_to(
          MatT<S>(-(g.array() * ea.array() / eb.array().square()).matrix()), b.rows(), b.cols()));
  });
}

// ---- Scalar arithmetic ---------------------------------------------------------------------------------

// a + s
template <class S>
TensorT<S> add_scalar(const TensorT<S>& a, S s) {
  MatT<S> out = (a.value().array() + s).matrix();
  return record("add_scalar", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(g);  // ∂(a + s)/∂a = 1
  });
}

// a · s
template <class S>
TensorT<S> mul_scalar(const TensorT<S>& a, S s) {
  MatT<S> out = a.value() * s;
  return record("mul_scalar", std::move(out), {a}, [a, s](const MatT<S>& g) {
    a.accumulate(g * s);  // ∂(a·s)/∂a = s
  });
}

template <class S> TensorT<S> operator+(const TensorT<S>& a, const TensorT<S>& b) { return add(a, b); }
template <class S> TensorT<S> operator-(const TensorT<S>& a, const TensorT<S>& b) { return sub(a, b); }
template <class S> TensorT<S> operator*(const TensorT<S>& a, const TensorT<S>& b) { return mul(a, b); }
template <class S> TensorT<S> operator/(const TensorT<S>& a, const TensorT<S>& b) { return div(a, b); }
template <class S> TensorT<S> operator+(const TensorT<S>& a, S s) { return add_scalar(a, s); }
template <class S> TensorT<S> operator+(S s, const TensorT<S>& a) { return add_scalar(a, s); }
template <class S> TensorT<S> operator-(const TensorT<S>& a, S s) { return add_scalar(a, -s); }
template <class S> TensorT<S> operator-(S s, const TensorT<S>& a) { return add_scalar(mul_scalar(a, S(-1)), s); }
template <class S> TensorT<S> operator*(const TensorT<S>& a, S s) { return mul_scalar(a, s); }
template <class S> TensorT<S> operator*(S s, const TensorT<S>& a) { return mul_scalar(a, s); }
template <class S> TensorT<S> operator/(const TensorT<S>& a, S s) { return mul_scalar(a, S(1) / s); }
template <class S> TensorT<S> operator-(const TensorT<S>& a) { return mul_scalar(a, S(-1)); }

// ---- Elementwise functions -------------------------------------------------------------------------------

// exp(a)
template <class S>
TensorT<S> exp(const TensorT<S>& a) {
  MatT<S> out = a.value().array().exp().matrix();
  return record("exp", MatT<S>(out), {a}, [a, out](const MatT<S>& g) {
    a.accumulate(g.cwiseProduct(out));  // ∂eᵃ/∂a = eᵃ
  });
}

// log(a), for a > 0
template <class S>
TensorT<S> log(const TensorT<S>& a) {
  MatT<S> out = a.value().array().log().matrix();
  return record("log", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(g.cwiseQuotient(a.value()));  // ∂ log a/∂a = 1/a
  });
}

// sqrt(a), for a > 0
template <class S>
TensorT<S> sqrt(const TensorT<S>& a) {
  MatT<S> out = a.value().array().sqrt().matrix();
  return record("sqrt", MatT<S>(out), {a}, [a, out](const MatT<S>& g) {
    a.accumulate((g.array() / (S(2) * out.array())).matrix());  // ∂√a/∂a = 1/(2√a)
  });
}

// a^p for a scalar exponent p
template <class S>
TensorT<S> pow(const TensorT<S>& a, S p) {
  MatT<S> out = a.value().array().pow(p).matrix();
  return record("pow", std::move(out), {a}, [a, p](const MatT<S>& g) {
    a.accumulate((g.array() * p * a.value().array().pow(p - S(1))).matrix());  // p·a^(p−1)
  });
}

// tanh(a)
template <class S>
TensorT<S> tanh(const TensorT<S>& a) {
  MatT<S> out = a.value().array().tanh().matrix();
  return record("tanh", MatT<S>(out), {a}, [a, out](const MatT<S>& g) {
    a.accumulate((g.array() * (S(1) - out.array().square())).matrix());  // 1 − tanh²
  });
}

// ---- Reductions ---------------------------------------------------------------------------------------

// Σ of all entries -> (1, 1)
template <class S>
TensorT<S> sum(const TensorT<S>& a) {
  MatT<S> out = MatT<S>::Constant(1, 1, a.value().sum());
  return record("sum", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(MatT<S>::Constant(a.rows(), a.cols(), g(0, 0)));  // every entry gets G
  });
}

// Mean of all entries -> (1, 1)
template <class S>
TensorT<S> mean(const TensorT<S>& a) {
  if (a.size() == 0) fail("mean: the tensor is empty, shape {}", a.shape());
  const S n = static_cast<S>(a.size());
  MatT<S> out = MatT<S>::Constant(1, 1, a.value().sum() / n);
  return record("mean", std::move(out), {a}, [a, n](const MatT<S>& g) {
    a.accumulate(MatT<S>::Constant(a.rows(), a.cols(), g(0, 0) / n));  // G/n each
  });
}

// Σ over each row: (r, c) -> (r, 1)
template <class S>
TensorT<S> sum_rows(const TensorT<S>& a) {
  MatT<S> out = a.value().rowwise().sum();
  return record("sum_rows", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(g.replicate(1, a.cols()));  // each entry of row i gets G_i
  });
}

// Σ over each column: (r, c) -> (1, c)
template <class S>
TensorT<S> sum_cols(const TensorT<S>& a) {
  MatT<S> out = a.value().colwise().sum();
  return record("sum_cols", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(g.replicate(a.rows(), 1));  // each entry of column j gets G_j
  });
}

// Mean of each row: (r, c) -> (r, 1)
template <class S>
TensorT<S> mean_rows(const TensorT<S>& a) {
  if (a.cols() == 0) fail("mean_rows: the tensor has no columns, shape {}", a.shape());
  return mul_scalar(sum_rows(a), S(1) / static_cast<S>(a.cols()));
}

// Mean of each column: (r, c) -> (1, c)
template <class S>
TensorT<S> mean_cols(const TensorT<S>& a) {
  if (a.rows() == 0) fail("mean_cols: the tensor has no rows, shape {}", a.shape());
  return mul_scalar(sum_cols(a), S(1) / static_cast<S>(a.rows()));
}

// ---- Shape ops --------------------------------------------------------------------------------------

// Aᵀ: (r, c) -> (c, r)
template <class S>
TensorT<S> transpose(const TensorT<S>& a) {
  MatT<S> out = a.value().transpose();
  return record("transpose", std::move(out), {a}, [a](const MatT<S>& g) {
    a.accumulate(g.transpose());  // the gradient transposes back
  });
}

// Rows [begin, begin + count): (r, c) -> (count, c)
template <class S>
TensorT<S> slice_rows(const TensorT<S>& a, Index begin, Index count) {
  if (begin < 0 || count < 0 || begin + count > a.rows())
    fail("slice_rows: rows [{}, {}) are outside a tensor of shape {}", begin, begin + count,
         a.shape());
  MatT<S> out = a.value().middleRows(begin, count);
  return record("slice_rows", std::move(out), {a}, [a, begin, count](const MatT<S>& g) {
    MatT<S> full = MatT<S>::Zero(a.rows(), a.cols());  // zero where the slice did not read
    full.middleRows(begin, count) = g;
    a.accumulate(full);
  });
}

// Columns [begin, begin + count): (r, c) -> (r, count)
template <class S>
TensorT<S> slice_cols(const TensorT<S>& a, Index begin, Index count) {
  if (begin < 0 || count < 0 || begin + count > a.cols())
    fail("slice_cols: columns [{}, {}) are outside a tensor of shape {}", begin, begin + count,
         a.shape());
  MatT<S> out = a.value().middleCols(begin, count);
  return record("slice_cols", std::move(out), {a}, [a, begin, count](const MatT<S>& g) {
    MatT<S> full = MatT<S>::Zero(a.rows(), a.cols());
    full.middleCols(begin, count) = g;
    a.accumulate(full);
  });
}

// Stack tensors with equal column counts on top of each other: (r_i, c) -> (Σ r_i, c)
template <class S>
TensorT<S> concat_rows(const std::vector<TensorT<S>>& parts) {
  if (parts.empty()) fail("concat_rows: no tensors given");
  Index rows = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].cols() != parts[0].cols())
      throw ShapeError(fmt::format("concat_rows: part {} has shape {} but part 0 has {} columns",
                                   i, parts[i].shape(), parts[0].cols()));
    rows += parts[i].rows();
  }
  MatT<S> out(rows, parts[0].cols());
  Index at = 0;
  for (const auto& p : parts) {
    out.middleRows(at, p.rows()) = p.value();
    at += p.rows();
  }
  return record("concat_rows", std::move(out), parts, [parts](const MatT<S>& g) {
    Index offset = 0;
    for (const auto& p : parts) {  // each part gets its own block of rows back
      if (p.requires_grad()) p.accumulate(g.middleRows(offset, p.rows()));
      offset += p.rows();
    }
  });
}

// Side by side, equal row counts: (r, c_i) -> (r, Σ c_i)
template <class S>
TensorT<S> concat_cols(const std::vector<TensorT<S>>& parts) {
  if (parts.empty()) fail("concat_cols: no tensors given");
  std::vector<TensorT<S>> transposed;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].rows() != parts[0].rows())
      throw ShapeError(fmt::format("concat_cols: part {} has shape {} but part 0 has {} rows", i,
                                   parts[i].shape(), parts[0].rows()));
    transposed.push_back(transpose(parts[i]));
  }
  return transpose(concat_rows(transposed));  // [A B] = [Aᵀ; Bᵀ]ᵀ
}

// Rows of `table` picked by index (an embedding lookup): (V, D), T ids -> (T, D).
// Backward scatters: row ids[t] of the table's gradient receives G's row t (repeats add up).
template <class S>
TensorT<S> gather_rows(const TensorT<S>& table, const std::vector<Index>& ids) {
  for (std::size_t t = 0; t < ids.size(); ++t)
    if (ids[t] < 0 || ids[t] >= table.rows())
      fail("gather_rows: index {} at position {} is outside [0, {}) for a table of shape {}",
           ids[t], t, table.rows(), table.shape());
  MatT<S> out(static_cast<Index>(ids.size()), table.cols());
  for (std::size_t t = 0; t < ids.size(); ++t) out.row(static_cast<Index>(t)) = table.value().row(ids[t]);
  return record("gather_rows", std::move(out), {table}, [table, ids](const MatT<S>& g) {
    MatT<S> full = MatT<S>::Zero(table.rows(), table.cols());
    for (std::size_t t = 0; t < ids.size(); ++t) full.row(ids[t]) += g.row(static_cast<Index>(t));
    table.accumulate(full);
  });
}

// Entries where mask is true become `fill` (e.g. −∞ before a softmax); mask has a's shape.
// Backward: the filled entries are constants, so their gradient is 0.
template <class S>
TensorT<S> masked_fill(const TensorT<S>& a, const MatT<bool>& mask, S fill) {
  check_same_shape("masked_fill", "mask", mask, "a", a.value());
  MatT<S> out = mask.select(MatT<S>::Constant(a.rows(), a.cols(), fill), a.value());
  return record("masked_fill", std::move(out), {a}, [a, mask](const MatT<S>& g) {
    a.accumulate(mask.select(MatT<S>::Zero(g.rows(), g.cols()), g));
  });
}

}  // namespace aib
