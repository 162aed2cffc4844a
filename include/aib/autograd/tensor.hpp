// aib/autograd/tensor.hpp — a matrix that remembers how it was made, so gradients can flow back.
//
// A Tensor is a handle to a graph node: a 2-D row-major value (r, c), the gradient ∂L/∂value of
// the same shape, and — if an op made it — the op's backward rule and its inputs. backward() on
// a scalar L visits the nodes in reverse topological order and calls each rule with ∂L/∂output;
// the rule adds (+=) its inputs' gradients, so a value used twice receives both contributions.
// Reverse-mode differentiation as in micrograd and PyTorch's autograd, over whole matrices.
// Scalar type S is a template parameter: Tensor (float) trains, TensorD (double) gradchecks.
// Leaves out: higher-order gradients, in-place ops on recorded values, tensors of rank > 2.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

// ---- Recording on or off ------------------------------------------------------------------------

// Whether ops record the graph (per thread). Off for inference: no graph, no saved inputs.
inline bool& grad_enabled() {
  thread_local bool enabled = true;
  return enabled;
}

// While alive, ops do not record:  { aib::NoGrad guard; logits = model.forward(x); }
class NoGrad {
 public:
  NoGrad() : previous_(grad_enabled()) { grad_enabled() = false; }
  ~NoGrad() { grad_enabled() = previous_; }
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// ---- The graph node ---------------------------------------------------------------------------------

template <class S>
struct Node {
  MatT<S> value;  // (r, c)
  MatT<S> grad;   // (r, c) once something flowed back; empty before
  bool requires_grad = false;
  const char* op = "leaf";
  std::vector<std::shared_ptr<Node>> inputs;                // what the op read
  std::function<void(const MatT<S>& grad_out)> backward;  // adds to the inputs' grads

  // grad += g (the first contribution is written straight in). g never reads this node's own
  // gradient, so a product is evaluated into grad without a temporary (noalias).
  template <class Expr>
  void accumulate(const Expr& g) {
    if (grad.size() == 0)
      grad.noalias() = g;
    else
      grad.noalias() += g;
  }
  void accumulate(MatT<S>&& g) {  // an evaluated gradient moves in
    if (grad.size() == 0)
      grad = std::move(g);
    else
      grad += g;
  }
};

// ---- Tensor: a shared handle to a node ----------------------------------------------------------------

template <class S>
class TensorT {
 public:
  using Scalar = S;
  using Matrix = MatT<S>;

  TensorT() = default;  // an empty handle; most calls on it throw
  explicit TensorT(Matrix value, bool requires_grad = false) : node_(std::make_shared<Node<S>>()) {
    node_->value = std::move(value);
    node_->requires_grad = requires_grad;
  }
  // A leaf that learns: gradients are kept for it.
  static TensorT parameter(Matrix value) { return TensorT(std::move(value), true); }

  bool defined() const { return node_ != nullptr; }
  const Matrix& value() const { return node().value; }
  Matrix& value() { return node().value; }  // for optimizers: update a leaf in place
  Index rows() const { return value().rows(); }
  Index cols() const { return value().cols(); }
  Index size() const { return value().size(); }
  std::string shape() const { return shape_str(value()); }
  const char* op() const { return node().op; }
  bool requires_grad() const { return node().requires_grad; }
  TensorT& set_requires_grad(bool on) {
    node().requires_grad = on;
    return *this;
  }

  // ∂L/∂value, zeros if nothing has flowed back yet.
  Matrix grad() const {
    const Node<S>& n = node();
    return n.grad.size() ? n.grad : Matrix::Zero(n.value.rows(), n.value.cols());
  }
  bool has_grad() const { return node().grad.size() != 0; }
  void zero_grad() { node().grad.resize(0, 0); }

  // The value of a (1, 1) tensor.
  S item() const {
    if (rows() != 1 || cols() != 1) fail("Tensor::item: shape is {}, not (1, 1)", shape());
    return value()(0, 0);
  }

  // The same value, cut from the graph (a new leaf without gradient).
  TensorT detach() const { return TensorT(value(), false); }

  // Add g to this tensor's gradient; used by backward rules.
  template <class Expr>
  void accumulate(Expr&& g) const {
    node().accumulate(std::forward<Expr>(g));
  }

  // Backpropagate from this scalar: ∂L/∂L = 1.
  void backward() const {
    if (rows() != 1 || cols() != 1)
      fail("Tensor::backward: called on shape {}; backward() needs a (1, 1) loss, or pass the "
           "gradient of the output: backward(grad)",
           shape());
    backward(Matrix::Ones(1, 1));
  }

  // Backpropagate with a given ∂L/∂this (same shape as the value).
  void backward(const Matrix& grad_output) const {
    check_same_shape("Tensor::backward", "grad_output", grad_output, "the tensor", value());
    if (!requires_grad())
      fail("Tensor::backward: this tensor does not require grad (no parameter led to it, or it "
           "was made under NoGrad)");
    // Reverse topological order by an iterative depth-first search: a node comes after every
    // node it depends on, so walking the list backwards sees each node's full gradient first.
    std::vector<Node<S>*> order;
    std::unordered_set<Node<S>*> seen;
    std::vector<std::pair<Node<S>*, std::size_t>> stack{{node_.get(), 0}};
    seen.insert(node_.get());
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next < n->inputs.size()) {
        Node<S>* child = n->inputs[next++].get();
        if (child->requires_grad && seen.insert(child).second) stack.emplace_back(child, 0);
      } else {
        order.push_back(n);
        stack.pop_back();
      }
    }
    node_->accumulate(grad_output);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node<S>* n = *it;
      if (!n->backward) continue;  // a leaf: its gradient stays for the optimizer
      if (n->grad.size()) n->backward(n->grad);
      n->grad.resize(0, 0);  // like PyTorch, only leaves keep gradients; a second backward()
                             // through the same graph then adds exactly one more contribution
    }
  }

  // The node itself (for ops and the engine).
  Node<S>& node() const {
    if (!node_) fail("Tensor: the tensor is empty (default-constructed)");
    return *node_;
  }
  const std::shared_ptr<Node<S>>& node_ptr() const { return node_; }

 private:
  std::shared_ptr<Node<S>> node_;
};

using Tensor = TensorT<float>;
using TensorD = TensorT<double>;

// ---- Recording an op ------------------------------------------------------------------------------------

// The result of an op: `value`, plus — when recording is on and an input requires grad — the
// inputs and the backward rule, called later with ∂L/∂value. Every op in autograd/ ends here.
template <class S, class Backward>
TensorT<S> record(const char* op, MatT<S> value, const std::vector<TensorT<S>>& inputs,
                  Backward&& backward) {
  TensorT<S> out(std::move(value), false);
  if (!grad_enabled()) return out;
  bool any = false;
  for (const TensorT<S>& t : inputs) any = any || t.requires_grad();
  if (!any) return out;
  Node<S>& n = out.node();
  n.requires_grad = true;
  n.op = op;
  for (const TensorT<S>& t : inputs) n.inputs.push_back(t.node_ptr());
  n.backward = std::forward<Backward>(backward);
  return out;
}

template <class S, class Backward>
TensorT<S> record(const char* op, MatT<S> value, std::initializer_list<TensorT<S>> inputs,
                  Backward&& backward) {
  return record(op, std::move(value), std::vector<TensorT<S>>(inputs),
                std::forward<Backward>(backward));
}

}  // namespace aib
