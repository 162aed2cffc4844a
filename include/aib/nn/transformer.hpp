// aib/nn/transformer.hpp — the three Transformer families: encoder, decoder, encoder-decoder.
//
// Why it exists beside gpt.hpp: an encoder and an encoder-decoder need what GptT does not do —
// bidirectional attention with padding masks, cross-attention to an encoder's output, sinusoidal
// or no positions, one sequence at a time at its own length. Both files assemble the same layers
// (norm.hpp, attention.hpp, ffn.hpp, positional.hpp, Linear) under GPT-2's names (wte, wpe,
// h.l.ln_1, h.l.attn.c_attn, h.l.mlp.c_fc, ln_f, lm_head). What to edit: a decoder-only language
// model (RoPE, dropout, the KV cache) is GptT in gpt.hpp; a layer's own math is in that layer's
// header and reaches both; this file only for the encoder, cross-attention and seq2seq decoding.
//
// Shapes: T tokens of one sequence (S source, U target tokens in a seq2seq pair), D model width,
// H heads, F feed-forward width, V vocabulary, C classes. One sequence at a time; a batch is a
// loop whose logits are stacked before one cross-entropy.
//   EncoderBlock:  x = x + attn(ln_1(x))           every token sees every token (padding excepted)
//                  x = x + mlp(ln_2(x))
//   DecoderBlock:  x = x + attn(ln_1(x))           causal: token i sees tokens 0 … i
//                  x = x + crossattention(ln_cross_attn(x), memory)   with an encoder only:
//                                      queries from the decoder, keys and values from its output
//                  x = x + mlp(ln_2(x))
// The layers of Vaswani et al. 2017 (§3.1), in the pre-norm arrangement (norm before each
// sublayer, as GPT-2 and PyTorch's norm_first=True), LayerNorm, a GELU MLP. Models: EncoderT
// (BERT-like stack), DecoderT (EncoderDecoderT's decoder, also runnable alone), EncoderDecoderT
// (seq2seq with greedy decoding) and EncoderClassifierT (encoder + mean pooling + linear head).
// Init: PyTorch's Linear default for every projection, N(0, 1) token embeddings, LayerNorm 1/0.
// Leaves out: dropout, label smoothing, beam search, a KV cache, tied embeddings, batched kernels.
#pragma once

#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/autograd/losses.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/core/check.hpp"
#include "aib/core/random.hpp"
#include "aib/nn/attention.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"
#include "aib/nn/norm.hpp"
#include "aib/nn/positional.hpp"

namespace aib {

// ---- Configuration ------------------------------------------------------------------------------

// How a stack learns where each token sits (aib/nn/positional.hpp). `none` leaves the model
// blind to order: an encoder then treats its input as a bag of tokens.
enum class Positions { none, sinusoidal, learned };

// The sizes of one stack of blocks (the encoder's or the decoder's).
struct StackConfig {
  Index vocab_size = 0;  // V: token ids 0 … V − 1
  Index d_model = 0;     // D
  Index n_heads = 1;     // H, must divide D
  Index ffn_hidden = 0;  // F
  Index n_layers = 1;    // blocks
  Index max_len = 0;     // longest sequence (the learned table's rows; a check otherwise)
  Positions positions = Positions::sinusoidal;  // sinusoidal needs an even D
  Index pad_id = -1;  // a token id that marks padding (−1: none); attention ignores it
};

// Throws unless the sizes make a model.
inline void check_config(const char* where, const StackConfig& c) {
  if (c.vocab_size < 1 || c.d_model < 1 || c.ffn_hidden < 1 || c.n_layers < 0 || c.max_len < 1)
    fail(
        "{}: need V, D, F, max_len >= 1 and n_layers >= 0; got V = {}, D = {}, F = {}, "
        "n_layers = {}, max_len = {}",
        where, c.vocab_size, c.d_model, c.ffn_hidden, c.n_layers, c.max_len);
  if (c.n_heads < 1 || c.d_model % c.n_heads != 0)
    fail("{}: D = {} must be a positive multiple of the number of heads H = {}", where, c.d_model,
         c.n_heads);
  if (c.positions == Positions::sinusoidal && c.d_model % 2 != 0)
    fail("{}: sinusoidal positions need an even D, got D = {}", where, c.d_model);
  if (c.pad_id < -1 || c.pad_id >= c.vocab_size)
    fail("{}: pad_id = {} must be -1 (none) or a token id in [0, {})", where, c.pad_id,
         c.vocab_size);
}

// ---- Blocks -------------------------------------------------------------------------------------

// Pre-norm encoder layer: bidirectional self-attention, then the MLP, each added to the residual
// stream. Parameters, named as a GPT-2 block's: ln_1, attn (c_attn, c_proj), ln_2, mlp (c_fc,
// c_proj) — PyTorch's TransformerEncoderLayer(norm_first=True, activation="gelu") has the same ones
// as norm1, self_attn (in_proj, out_proj), norm2, linear1, linear2, its weights transposed.
template <class S>
struct EncoderBlockT {
  LayerNormT<S> ln_1;           // (1, D): γ, β
  MultiHeadAttentionT<S> attn;  // (D, 3D), (D, D)
  LayerNormT<S> ln_2;           // (1, D)
  FeedForwardT<S> mlp;          // (D, F), (F, D), GELU

  EncoderBlockT() = default;
  EncoderBlockT(Index d_model, Index heads, Index ffn_hidden, Rng& rng)
      : ln_1(d_model),
        attn(d_model, heads, rng),
        ln_2(d_model),
        mlp(MlpT<S>(d_model, ffn_hidden, rng, Activation::gelu)) {}

  // x (T, D) -> (T, D). mask (T, T) or empty: padding_mask(valid, T) hides padding keys.
  TensorT<S> forward(const TensorT<S>& x, const AttentionMask& mask = {},
                     std::vector<MatT<S>>* head_weights = nullptr) const {
    const TensorT<S> x1 = add(x, attn.forward(ln_1.forward(x), mask, head_weights));  // (T, D)
    return add(x1, mlp.forward(ln_2.forward(x1)));                                    // (T, D)
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out = ln_1.parameters(join_name(prefix, "ln_1"));
    append(out, attn.parameters(join_name(prefix, "attn")));
    append(out, ln_2.parameters(join_name(prefix, "ln_2")));
    append(out, mlp.parameters(join_name(prefix, "mlp")));
    return out;
  }
};
using EncoderBlock = EncoderBlockT<float>;

// Pre-norm decoder layer: causal self-attention, then (with_cross) cross-attention to an
// encoder's output, then the MLP. Without cross-attention it computes what a GPT block (gpt.hpp)
// computes, one sequence at a time through the masked attention of attention.hpp; with it, the
// original Transformer's decoder layer. Names follow GPT-2 (Hugging Face's GPT2Block with
// add_cross_attention: ln_cross_attn, crossattention); PyTorch's TransformerDecoderLayer calls
// them norm1, self_attn, norm2, multihead_attn, norm3, linear1, linear2.
template <class S>
struct DecoderBlockT {
  LayerNormT<S> ln_1;           // (1, D) before self-attention
  MultiHeadAttentionT<S> attn;  // (D, 3D), (D, D): causal self-attention
  bool with_cross = false;
  LayerNormT<S> ln_cross_attn;            // (1, D) before cross-attention (only with_cross)
  MultiHeadAttentionT<S> crossattention;  // (D, 3D), (D, D): W_q on the decoder, W_k, W_v on memory
  LayerNormT<S> ln_2;                     // (1, D) before the MLP
  FeedForwardT<S> mlp;                    // (D, F), (F, D), GELU

  DecoderBlockT() = default;
  DecoderBlockT(Index d_model, Index heads, Index ffn_hidden, Rng& rng, bool cross)
      : ln_1(d_model), attn(d_model, heads, rng), with_cross(cross) {
    if (with_cross) {
      ln_cross_attn = LayerNormT<S>(d_model);
      crossattention = MultiHeadAttentionT<S>(d_model, heads, rng);
    }
    ln_2 = LayerNormT<S>(d_model);
    mlp = FeedForwardT<S>(MlpT<S>(d_model, ffn_hidden, rng, Activation::gelu));
  }

  // x (U, D) -> (U, D). memory (S, D), the encoder's output, is required with_cross and refused
  // without; memory_mask (U, S) or empty hides the memory's padding (padding_mask(valid, U)).
  // self_weights / cross_weights, if given, receive H matrices (U, U) / (U, S).
  TensorT<S> forward(const TensorT<S>& x, const TensorT<S>* memory = nullptr,
                     const AttentionMask& memory_mask = {},
                     std::vector<MatT<S>>* self_weights = nullptr,
                     std::vector<MatT<S>>* cross_weights = nullptr) const {
    if (with_cross && memory == nullptr)
      fail(
          "DecoderBlock: x has shape {}; this block cross-attends and needs the encoder's memory "
          "(S, D)",
          x.shape());
    if (!with_cross && memory != nullptr)
      fail("DecoderBlock: memory of shape {} given to a block without cross-attention",
           memory->shape());
    const AttentionMask causal = causal_mask(x.rows());                          // (U, U)
    TensorT<S> h = add(x, attn.forward(ln_1.forward(x), causal, self_weights));  // (U, D)
    if (with_cross)                                                              // (U, D)
      h = add(
          h, crossattention.forward(ln_cross_attn.forward(h), *memory, memory_mask, cross_weights));
    return add(h, mlp.forward(ln_2.forward(h)));  // (U, D)
  }

  ParametersT<S> parameters(const std::string& prefix = "") const {
    ParametersT<S> out = ln_1.parameters(join_name(prefix, "ln_1"));
    append(out, attn.parameters(join_name(prefix, "attn")));
    if (with_cross) {
      append(out, ln_cross_attn.parameters(join_name(prefix, "ln_cross_attn")));
      append(out, crossattention.parameters(join_name(prefix, "crossattention")));
    }
    append(out, ln_2.parameters(join_name(prefix, "ln_2")));
    append(out, mlp.parameters(join_name(prefix, "mlp")));
    return out;
  }
};
using DecoderBlock = DecoderBlockT<float>;

// ---- Token + position embedding -----------------------------------------------------------------

// ids (T) -> (T, D): token vectors ("wte") plus position vectors (none, the fixed sinusoidal table,
// or a learned (max_len, D) table "wpe", as GPT-2's). Also finds which tokens are padding.
template <class S>
struct TokenInputT {
  StackConfig config;
  EmbeddingT<S> wte;         // (V, D)
  LearnedPositionsT<S> wpe;  // (max_len, D), only with Positions::learned

  TokenInputT() = default;
  TokenInputT(const StackConfig& c, Rng& rng) : config(c), wte(c.vocab_size, c.d_model, rng) {
    if (c.positions == Positions::learned) wpe = LearnedPositionsT<S>(c.max_len, c.d_model, rng);
  }

  TensorT<S> forward(const std::vector<Index>& ids, const char* where) const {
    const Index T = static_cast<Index>(ids.size());
    if (T < 1 || T > config.max_len)
      fail("{}: a sequence of {} tokens; need 1 to max_len = {}", where, T, config.max_len);
    const TensorT<S> x = wte.forward(ids);  // (T, D)
    switch (config.positions) {
      case Positions::none:
        return x;
      case Positions::sinusoidal:
        return add(x, TensorT<S>(sinusoidal_table<S>(T, config.d_model)));  // (T, D)
      case Positions::learned:
        return add(x, wpe.forward(T));  // (T, D)
    }
    return x;
  }

  // valid[t] is false where ids[t] is the padding id. At least one token must be real.
  std::vector<bool> valid(const std::vector<Index>& ids, const char* where) const {
    std::vector<bool> v(ids.size(), true);
    bool any = false;
    for (std::size_t t = 0; t < ids.size(); ++t) {
      v[t] = ids[t] != config.pad_id;
      any = any || v[t];
    }
    if (!any) fail("{}: all {} tokens are padding (pad_id = {})", where, ids.size(), config.pad_id);
    return v;
  }
  bool has_padding(const std::vector<bool>& v) const {
    for (const bool b : v)
      if (!b) return true;
    return false;
  }

  ParametersT<S> parameters(const std::string& prefix) const {
    ParametersT<S> out = wte.parameters(join_name(prefix, "wte"));
    if (config.positions == Positions::learned)
      append(out, wpe.parameters(join_name(prefix, "wpe")));
    return out;
  }
};

// ---- Encoder ------------------------------------------------------------------------------------

// ids (T) -> memory (T, D): embedding + positions, N encoder blocks, a final LayerNorm. Padding
// tokens (config.pad_id) are hidden from every attention; their own rows are computed but
// meaningless.
template <class S>
struct EncoderT {
  TokenInputT<S> input;
  std::vector<EncoderBlockT<S>> h;  // n_layers blocks, named h.0, h.1, …
  LayerNormT<S> ln_f;               // (1, D)

  EncoderT() = default;
  EncoderT(const StackConfig& c, Rng& rng) {
    check_config("Encoder", c);
    input = TokenInputT<S>(c, rng);
    for (Index l = 0; l < c.n_layers; ++l) h.emplace_back(c.d_model, c.n_heads, c.ffn_hidden, rng);
    ln_f = LayerNormT<S>(c.d_model);
  }
  const StackConfig& config() const { return input.config; }

  // attention, if given, receives each layer's H head weights (T, T).
  TensorT<S> forward(const std::vector<Index>& ids,
                     std::vector<std::vector<MatT<S>>>* attention = nullptr) const {
    const std::vector<bool> valid = input.valid(ids, "Encoder::forward");
    const Index T = static_cast<Index>(ids.size());
    const AttentionMask mask = input.has_padding(valid) ? padding_mask(valid, T) : AttentionMask();
    TensorT<S> x = input.forward(ids, "Encoder::forward");  // (T, D)
    if (attention != nullptr) attention->assign(h.size(), {});
    for (std::size_t l = 0; l < h.size(); ++l)
      x = h[l].forward(x, mask, attention != nullptr ? &(*attention)[l] : nullptr);
    return ln_f.forward(x);  // (T, D)
  }

  ParametersT<S> parameters(const std::string& prefix = "encoder") const {
    ParametersT<S> out = input.parameters(prefix);
    for (std::size_t l = 0; l < h.size(); ++l)
      append(out, h[l].parameters(join_name(prefix, "h." + std::to_string(l))));
    append(out, ln_f.parameters(join_name(prefix, "ln_f")));
    return out;
  }
};
using Encoder = EncoderT<float>;

// ---- Decoder ------------------------------------------------------------------------------------

// ids (U) -> logits (U, V): embedding + positions, N decoder blocks, a final LayerNorm and a
// linear head without bias. It exists for EncoderDecoderT (with_cross); run alone it is the same
// computation as GptT, kept per sequence for padding and sinusoidal positions (episode 25) — a
// decoder-only language model is GptT (gpt.hpp). Row t of the logits predicts token t + 1 and
// depends on ids 0 … t only. With cross-attention (with_cross) every block also reads an encoder's
// memory (S, D). Padding in ids needs no mask: the causal mask already keeps real tokens (which
// come first) from seeing it; the loss skips it.
template <class S>
struct DecoderT {
  TokenInputT<S> input;
  std::vector<DecoderBlockT<S>> h;  // n_layers blocks, named h.0, h.1, …
  LayerNormT<S> ln_f;               // (1, D)
  LinearT<S> lm_head;               // (D, V), no bias

  DecoderT() = default;
  DecoderT(const StackConfig& c, Rng& rng, bool with_cross = false) {
    check_config("Decoder", c);
    input = TokenInputT<S>(c, rng);
    for (Index l = 0; l < c.n_layers; ++l)
      h.emplace_back(c.d_model, c.n_heads, c.ffn_hidden, rng, with_cross);
    ln_f = LayerNormT<S>(c.d_model);
    lm_head = LinearT<S>(c.d_model, c.vocab_size, rng, false);
  }
  const StackConfig& config() const { return input.config; }

  // memory (S, D) and memory_valid (S flags, empty = all real) only with cross-attention.
  // attention, if given, receives per layer the H self-attention weights (U, U) followed, with
  // cross-attention, by the H cross-attention weights (U, S).
  TensorT<S> forward(const std::vector<Index>& ids, const TensorT<S>* memory = nullptr,
                     const std::vector<bool>& memory_valid = {},
                     std::vector<std::vector<MatT<S>>>* attention = nullptr) const {
    TensorT<S> x = input.forward(ids, "Decoder::forward");  // (U, D)
    AttentionMask memory_mask;                              // (U, S) or empty
    if (memory != nullptr && !memory_valid.empty()) {
      if (static_cast<Index>(memory_valid.size()) != memory->rows())
        fail("Decoder::forward: {} memory_valid flags for a memory of shape {}",
             memory_valid.size(), memory->shape());
      memory_mask = padding_mask(memory_valid, x.rows());
    }
    if (attention != nullptr) attention->assign(h.size(), {});
    for (std::size_t l = 0; l < h.size(); ++l) {
      std::vector<MatT<S>> self_w, cross_w;
      const bool keep = attention != nullptr;
      x = h[l].forward(x, memory, memory_mask, keep ? &self_w : nullptr,
                       keep && h[l].with_cross ? &cross_w : nullptr);
      if (keep) {
        (*attention)[l] = self_w;
        (*attention)[l].insert((*attention)[l].end(), cross_w.begin(), cross_w.end());
      }
    }
    return lm_head.forward(ln_f.forward(x));  // (U, V)
  }

  // Mean cross-entropy of predicting targets[t] after ids 0 … t; targets equal to the padding id
  // are skipped (as cross_entropy's ignore_index).
  TensorT<S> loss(const std::vector<Index>& ids, const std::vector<Index>& targets) const {
    return loss(std::vector<std::vector<Index>>{ids}, std::vector<std::vector<Index>>{targets});
  }
  // A batch: every sequence's logits stacked, one mean over all their counted tokens.
  TensorT<S> loss(const std::vector<std::vector<Index>>& ids,
                  const std::vector<std::vector<Index>>& targets) const {
    if (ids.size() != targets.size() || ids.empty())
      fail("Decoder::loss: {} input sequences and {} target sequences", ids.size(), targets.size());
    std::vector<TensorT<S>> logits;  // each (U_b, V)
    std::vector<Index> flat;         // Σ U_b targets
    for (std::size_t b = 0; b < ids.size(); ++b) {
      if (ids[b].size() != targets[b].size())
        fail("Decoder::loss: sequence {} has {} ids but {} targets", b, ids[b].size(),
             targets[b].size());
      logits.push_back(forward(ids[b]));
      for (const Index y : targets[b]) flat.push_back(y == config().pad_id ? Index(-100) : y);
    }
    return cross_entropy(concat_rows(logits), flat);  // (1, 1)
  }

  ParametersT<S> parameters(const std::string& prefix = "decoder") const {
    ParametersT<S> out = input.parameters(prefix);
    for (std::size_t l = 0; l < h.size(); ++l)
      append(out, h[l].parameters(join_name(prefix, "h." + std::to_string(l))));
    append(out, ln_f.parameters(join_name(prefix, "ln_f")));
    append(out, lm_head.parameters(join_name(prefix, "lm_head")));
    return out;
  }
};
using Decoder = DecoderT<float>;

// ---- Encoder-decoder (seq2seq) ------------------------------------------------------------------

// The original Transformer's shape: the encoder reads the whole source at once, the decoder
// writes the target one token at a time, each of its blocks cross-attending to the encoder's
// output. Both stacks share D, H, F and the number of layers; the vocabularies may differ.
template <class S>
struct EncoderDecoderT {
  EncoderT<S> encoder;
  DecoderT<S> decoder;  // with cross-attention

  EncoderDecoderT() = default;
  EncoderDecoderT(const StackConfig& source, const StackConfig& target, Rng& rng)
      : encoder(source, rng), decoder(target, rng, true) {
    if (source.d_model != target.d_model)
      fail("EncoderDecoder: the encoder's D = {} and the decoder's D = {} must match",
           source.d_model, target.d_model);
  }

  // src (S ids), tgt_in (U ids, starting with a begin token) -> logits (U, V_target).
  TensorT<S> forward(const std::vector<Index>& src, const std::vector<Index>& tgt_in,
                     std::vector<std::vector<MatT<S>>>* attention = nullptr) const {
    const TensorT<S> memory = encoder.forward(src);  // (S, D)
    return decoder.forward(tgt_in, &memory, encoder.input.valid(src, "EncoderDecoder::forward"),
                           attention);  // (U, V)
  }

  // Teacher forcing: the decoder sees the true prefix tgt_in and predicts tgt_out (tgt_in shifted
  // by one). Target padding is skipped.
  TensorT<S> loss(const std::vector<Index>& src, const std::vector<Index>& tgt_in,
                  const std::vector<Index>& tgt_out) const {
    return loss(std::vector<std::vector<Index>>{src}, std::vector<std::vector<Index>>{tgt_in},
                std::vector<std::vector<Index>>{tgt_out});
  }
  TensorT<S> loss(const std::vector<std::vector<Index>>& src,
                  const std::vector<std::vector<Index>>& tgt_in,
                  const std::vector<std::vector<Index>>& tgt_out) const {
    if (src.empty() || src.size() != tgt_in.size() || src.size() != tgt_out.size())
      fail("EncoderDecoder::loss: {} sources, {} target inputs, {} target outputs", src.size(),
           tgt_in.size(), tgt_out.size());
    std::vector<TensorT<S>> logits;  // each (U_b, V)
    std::vector<Index> flat;         // Σ U_b targets
    for (std::size_t b = 0; b < src.size(); ++b) {
      if (tgt_in[b].size() != tgt_out[b].size())
        fail("EncoderDecoder::loss: pair {} has {} target inputs but {} target outputs", b,
             tgt_in[b].size(), tgt_out[b].size());
      logits.push_back(forward(src[b], tgt_in[b]));
      for (const Index y : tgt_out[b])
        flat.push_back(y == decoder.config().pad_id ? Index(-100) : y);
    }
    return cross_entropy(concat_rows(logits), flat);  // (1, 1)
  }

  // Greedy decoding: encode src once, start from [bos], append the most likely next token until
  // eos or max_len new tokens. Returns the new tokens, without bos and without the final eos.
  // (No KV cache: each step re-runs the decoder on the whole prefix.)
  std::vector<Index> decode(const std::vector<Index>& src, Index bos, Index eos,
                            Index max_len) const {
    const Index V = decoder.config().vocab_size;
    if (bos < 0 || bos >= V || eos < 0 || eos >= V)
      fail("EncoderDecoder::decode: bos = {} and eos = {} must be token ids in [0, {})", bos, eos,
           V);
    if (max_len < 1 || max_len + 1 > decoder.config().max_len)
      fail("EncoderDecoder::decode: max_len = {} must be in [1, {}] (the decoder's max_len - 1)",
           max_len, decoder.config().max_len - 1);
    NoGrad no_grad;
    const TensorT<S> memory = encoder.forward(src);  // (S, D)
    const std::vector<bool> valid = encoder.input.valid(src, "EncoderDecoder::decode");
    std::vector<Index> prefix{bos}, out;
    for (Index step = 0; step < max_len; ++step) {
      const MatT<S> logits = decoder.forward(prefix, &memory, valid).value();  // (U, V)
      Index next = 0;
      logits.row(logits.rows() - 1).maxCoeff(&next);
      if (next == eos) break;
      out.push_back(next);
      prefix.push_back(next);
    }
    return out;
  }

  ParametersT<S> parameters() const {
    ParametersT<S> out = encoder.parameters("encoder");
    append(out, decoder.parameters("decoder"));
    return out;
  }
};
using EncoderDecoder = EncoderDecoderT<float>;

// ---- Encoder classifier (BERT-like) -------------------------------------------------------------

// ids (T) -> logits (1, C): the encoder's output rows, averaged over the real (non-padding)
// tokens, through a linear head. Mean pooling rather than BERT's [CLS] token: no special token
// to reserve, and every position's output is trained (Sentence-BERT pools the same way).
template <class S>
struct EncoderClassifierT {
  EncoderT<S> encoder;
  LinearT<S> head;  // (D, C)

  EncoderClassifierT() = default;
  EncoderClassifierT(const StackConfig& c, Index n_classes, Rng& rng) : encoder(c, rng) {
    if (n_classes < 2) fail("EncoderClassifier: need at least 2 classes, got {}", n_classes);
    head = LinearT<S>(c.d_model, n_classes, rng);
  }
  Index n_classes() const { return head.out_features(); }

  // mean pooling: pooled = (1/|real|)·Σ_{t real} h_t, so ∂pooled/∂h_t = 1/|real| on real rows
  // and 0 on padding (gather_rows and mean_cols record exactly that).
  TensorT<S> forward(const std::vector<Index>& ids) const {
    const TensorT<S> h = encoder.forward(ids);  // (T, D)
    const std::vector<bool> valid = encoder.input.valid(ids, "EncoderClassifier::forward");
    std::vector<Index> real;  // positions of the real tokens
    for (std::size_t t = 0; t < valid.size(); ++t)
      if (valid[t]) real.push_back(static_cast<Index>(t));
    const TensorT<S> pooled = mean_cols(gather_rows(h, real));  // (1, D)
    return head.forward(pooled);                                // (1, C)
  }

  // Mean cross-entropy over a batch of sequences and their labels in [0, C).
  TensorT<S> loss(const std::vector<std::vector<Index>>& ids,
                  const std::vector<Index>& labels) const {
    if (ids.empty() || ids.size() != labels.size())
      fail("EncoderClassifier::loss: {} sequences and {} labels", ids.size(), labels.size());
    std::vector<TensorT<S>> logits;  // B × (1, C)
    for (const auto& seq : ids) logits.push_back(forward(seq));
    return cross_entropy(concat_rows(logits), labels);  // (1, 1)
  }

  // The most likely class of one sequence.
  Index predict(const std::vector<Index>& ids) const {
    NoGrad no_grad;
    const MatT<S> logits = forward(ids).value();  // (1, C)
    Index best = 0;
    logits.row(0).maxCoeff(&best);
    return best;
  }

  ParametersT<S> parameters() const {
    ParametersT<S> out = encoder.parameters("encoder");
    append(out, head.parameters("head"));
    return out;
  }
};
using EncoderClassifier = EncoderClassifierT<float>;

}  // namespace aib
