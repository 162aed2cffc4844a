// A first program of one's own with aibasics: softmax of three scores, and a sample from it.
#include <aib/aib.hpp>
#include <fmt/core.h>

int main() {
  aib::Mat logits(1, 3);  // (T, V) = (1, 3)
  logits << 1.f, 2.f, 3.f;
  const aib::Mat p = aib::softmax(logits);
  aib::Rng rng(42);
  const aib::Index pick = rng.categorical(std::vector<float>(p.data(), p.data() + p.size()));
  fmt::print("softmax = [{:.4f}, {:.4f}, {:.4f}], sampled index {}\n", p(0, 0), p(0, 1), p(0, 2),
             pick);
  // 0.0900 0.2447 0.6652 are e^x / Σ e^x for x = 1, 2, 3.
  return (p.row(0).sum() > 0.999f && p(0, 2) > 0.665f && p(0, 2) < 0.666f) ? 0 : 1;
}
