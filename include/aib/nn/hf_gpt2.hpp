// aib/nn/hf_gpt2.hpp — a GPT in Hugging Face's GPT-2 layout: the format open weights travel in.
//
// A directory with two files, as `GPT2LMHeadModel.save_pretrained` writes them:
//   config.json        {"model_type": "gpt2", "vocab_size": V, "n_positions": T, "n_embd": D,
//                       "n_layer": L, "n_head": H, "n_inner": null (4D) or F,
//                       "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, ...}
//   model.safetensors  transformer.wte.weight [V, D], transformer.wpe.weight [T, D], per block
//                      transformer.h.l.ln_1.weight/.bias [D], .attn.c_attn.weight [D, 3D] and
//                      .bias [3D], .attn.c_proj [D, D] and [D], .ln_2 [D], .mlp.c_fc [D, F] and
//                      [F], .mlp.c_proj [F, D] and [D]; transformer.ln_f.weight/.bias [D]; and
//                      lm_head.weight [V, D] only when the head is not tied to wte.
// GPT-2's Conv1D stores its weight (in, out) and computes x·W + b, as our Linear does, so the
// matrices go over unchanged; biases and norm gains are 1-d there, (1, D) rows here. An untied
// head is PyTorch's nn.Linear, (out, in): it is transposed on the way.
// Loading is strict and all or nothing: every tensor the config calls for must be there with its
// GPT-2 shape and a float dtype (F32, or F16 and BF16, widened exactly to float); anything else is
// refused by name, with the file and the tensor in the message. Two documented variants load:
// names without the "transformer." prefix (GPT2Model's own files, e.g. the original gpt2 upload),
// and the attention-mask buffers h.l.attn.bias / h.l.attn.masked_bias older files carry (not
// weights: skipped unread). Only what GptT computes loads: LayerNorm, GELU (tanh or erf), learned
// positions, biases, a causal decoder; a config asking for anything else is refused by its key.
// Each file is written atomically (core/files.hpp): a failed save leaves the previous file.
// Leaves out: sharded checkpoints (model-00001-of-00002.safetensors), pytorch_model.bin (pickle),
// the tokenizer files (the gpt2 encoding comes from tokenizer/tiktoken.hpp), other architectures.
#pragma once

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aib/core/files.hpp"
#include "aib/core/safetensors.hpp"
#include "aib/nn/checkpoint.hpp"  // detail::check_finite_weights
#include "aib/nn/gpt.hpp"

namespace aib {

// What a GPT-2 config.json says, in the terms of our model.
struct HfGpt2Config {
  TransformerConfig config;                       // sizes; LayerNorm, biases, learned positions
  Activation activation = Activation::gelu_tanh;  // "gelu_new" (tanh) or "gelu" (erf)
  double layer_norm_epsilon = 1e-5;
};

inline constexpr const char* hf_config_file = "config.json";
inline constexpr const char* hf_weights_file = "model.safetensors";

namespace detail {

// The Hugging Face name of one of our parameters: "transformer." + name, except the untied head.
inline std::string hf_name(const std::string& ours) {
  return ours == "lm_head.weight" ? ours : "transformer." + ours;
}

// Biases and norm gains are 1-d [n] in GPT-2's files; they are (1, n) rows here.
inline bool hf_is_vector(const std::string& ours) {
  return ours.size() > 5 &&
         (ours.compare(ours.size() - 5, 5, ".bias") == 0 || ours.find("ln_") != std::string::npos);
}

// The HF shape of our parameter `ours` with shape (rows, cols).
inline std::vector<Index> hf_shape(const std::string& ours, Index rows, Index cols) {
  if (hf_is_vector(ours)) return {cols};
  if (ours == "lm_head.weight") return {cols, rows};  // nn.Linear: (out, in)
  return {rows, cols};
}

// h.<digits>.attn.bias or h.<digits>.attn.masked_bias, with or without "transformer.": the causal
// mask buffers some GPT-2 files carry. They hold no weights.
inline bool hf_is_mask_buffer(std::string_view name) {
  if (name.rfind("transformer.", 0) == 0) name.remove_prefix(12);
  if (name.rfind("h.", 0) != 0) return false;
  std::size_t k = 2;
  while (k < name.size() && name[k] >= '0' && name[k] <= '9') ++k;
  if (k == 2) return false;
  const std::string_view rest = name.substr(k);
  return rest == ".attn.bias" || rest == ".attn.masked_bias";
}

inline std::string hf_activation_name(Activation a) {
  return a == Activation::gelu ? "gelu" : "gelu_new";
}

[[noreturn]] inline void hf_fail(std::string_view who, const std::string& path,
                                 std::string_view what) {
  file_error(who, path, what);
}

// A positive integer config key, or fails naming it.
inline Index hf_int(const nlohmann::json& j, const char* key, std::string_view who,
                    const std::string& path) {
  if (!j.contains(key)) hf_fail(who, path, fmt::format("missing key \"{}\"", key));
  const nlohmann::json& v = j.at(key);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
    hf_fail(
        who, path,
        fmt::format("\"{}\" must be a positive integer, found {}", key, printable(v.dump(), 40)));
  return static_cast<Index>(v.get<std::int64_t>());
}

// Our model as a GptT skeleton of zero matrices with the config's shapes (no random draws: a
// 124M-parameter model is filled from the file right after).
inline Gpt hf_skeleton(const HfGpt2Config& hc) {
  const TransformerConfig& c = hc.config;
  const Index D = c.d_model, F = c.ffn_hidden;
  const auto zeros = [](Index r, Index cols) { return Tensor::parameter(Mat::Zero(r, cols)); };
  const auto linear = [&](Index in, Index out) {
    Linear l;
    l.weight = zeros(in, out);  // (in, out)
    l.bias = zeros(1, out);     // (1, out)
    return l;
  };
  const auto norm = [&] {
    Norm n;
    n.layer = true;
    n.ln.weight = zeros(1, D);  // (1, D)
    n.ln.bias = zeros(1, D);    // (1, D)
    n.ln.eps = static_cast<float>(hc.layer_norm_epsilon);
    return n;
  };
  Gpt m;
  m.config = c;
  m.wte.weight = zeros(c.vocab_size, D);  // (V, D)
  m.wpe.weight = zeros(c.context, D);     // (T_max, D)
  for (Index l = 0; l < c.n_layers; ++l) {
    GptBlockT<float> b;
    b.ln_1 = norm();
    b.attn.n_heads = c.n_heads;
    b.attn.qkv = linear(D, 3 * D);
    b.attn.proj = linear(D, D);
    b.ln_2 = norm();
    Mlp mlp;
    mlp.act = hc.activation;
    mlp.up = linear(D, F);
    mlp.down = linear(F, D);
    b.mlp = FeedForward(std::move(mlp));
    m.h.push_back(std::move(b));
  }
  m.ln_f = norm();
  if (!c.tied_embeddings) m.lm_head.weight = zeros(D, c.vocab_size);  // (D, V)
  return m;
}

}  // namespace detail

// Parses a GPT-2 config.json text (`path` names it in errors) and refuses what GptT cannot compute.
inline HfGpt2Config parse_hf_gpt2_config(const std::string& text, const std::string& path) {
  constexpr std::string_view who = "load_hf_gpt2";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    detail::hf_fail(who, path, fmt::format("not valid JSON: {}", printable(e.what(), 200)));
  }
  if (!j.is_object()) detail::hf_fail(who, path, "must hold a JSON object");
  const auto string_of = [&](const char* key, const std::string& fallback) {
    if (!j.contains(key)) return fallback;
    if (!j.at(key).is_string())
      detail::hf_fail(who, path, fmt::format("\"{}\" must be a string", key));
    return j.at(key).get<std::string>();
  };
  const auto bool_of = [&](const char* key, bool fallback) {
    if (!j.contains(key) || j.at(key).is_null()) return fallback;
    if (!j.at(key).is_boolean())
      detail::hf_fail(who, path, fmt::format("\"{}\" must be true or false", key));
    return j.at(key).get<bool>();
  };
  if (!j.contains("model_type"))
    detail::hf_fail(who, path, "missing key \"model_type\" (a GPT-2 config says \"gpt2\")");
  const std::string type = string_of("model_type", "");
  if (type != "gpt2")
    detail::hf_fail(who, path,
                    fmt::format("model_type \"{}\" is not GPT-2; only the GPT-2 architecture loads "
                                "here (LayerNorm, GELU, learned positions, tied head)",
                                printable(type)));
  if (j.contains("architectures")) {
    const nlohmann::json& a = j.at("architectures");
    if (!a.is_array()) detail::hf_fail(who, path, "\"architectures\" must be an array of strings");
    for (const nlohmann::json& name : a)
      if (!name.is_string() ||
          (name.get<std::string>() != "GPT2LMHeadModel" && name.get<std::string>() != "GPT2Model"))
        detail::hf_fail(who, path,
                        fmt::format("architecture {} is not GPT2LMHeadModel or GPT2Model",
                                    printable(name.dump(), 60)));
  }
  HfGpt2Config out;
  TransformerConfig& c = out.config;
  c.name = "GPT-2 (" + path + ")";
  c.vocab_size = detail::hf_int(j, "vocab_size", who, path);
  if (!j.contains("n_positions") && !j.contains("n_ctx"))
    detail::hf_fail(who, path, "missing key \"n_positions\" (the context length; or \"n_ctx\")");
  c.context = detail::hf_int(j, j.contains("n_positions") ? "n_positions" : "n_ctx", who, path);
  c.d_model = detail::hf_int(j, "n_embd", who, path);
  c.n_layers = detail::hf_int(j, "n_layer", who, path);
  c.n_heads = detail::hf_int(j, "n_head", who, path);
  c.ffn_hidden = j.contains("n_inner") && !j.at("n_inner").is_null()
                     ? detail::hf_int(j, "n_inner", who, path)
                     : 4 * c.d_model;
  if (c.d_model % c.n_heads != 0)
    detail::hf_fail(
        who, path,
        fmt::format("n_embd = {} is not divisible by n_head = {}", c.d_model, c.n_heads));
  c.gated_ffn = false;
  c.biases = true;
  c.layernorm = true;
  c.learned_positions = true;
  c.tied_embeddings = bool_of("tie_word_embeddings", true);
  const std::string act = string_of("activation_function", "gelu_new");
  if (act == "gelu_new" || act == "gelu_pytorch_tanh")
    out.activation = Activation::gelu_tanh;
  else if (act == "gelu")
    out.activation = Activation::gelu;
  else
    detail::hf_fail(who, path,
                    fmt::format("activation_function \"{}\" is not one GptT computes (gelu_new, "
                                "gelu_pytorch_tanh or gelu)",
                                printable(act)));
  if (j.contains("layer_norm_epsilon")) {
    const nlohmann::json& e = j.at("layer_norm_epsilon");
    if (!e.is_number() || !(e.get<double>() > 0.0) || !std::isfinite(e.get<double>()))
      detail::hf_fail(who, path, "\"layer_norm_epsilon\" must be a positive number");
    out.layer_norm_epsilon = e.get<double>();
  }
  if (!bool_of("scale_attn_weights", true))
    detail::hf_fail(who, path, "\"scale_attn_weights\": false (unscaled attention) is not GPT-2's");
  if (bool_of("scale_attn_by_inverse_layer_idx", false))
    detail::hf_fail(who, path, "\"scale_attn_by_inverse_layer_idx\": true is not supported");
  if (bool_of("add_cross_attention", false))
    detail::hf_fail(who, path,
                    "\"add_cross_attention\": true (an encoder-decoder) is not supported");
  return out;
}

// The config.json text (sorted keys, 2-space indent, as save_pretrained writes it) of `model`.
inline std::string hf_gpt2_config_json(const Gpt& model) {
  const TransformerConfig& c = model.config;
  const Activation act = c.n_layers > 0 ? model.h[0].mlp.mlp.act : Activation::gelu_tanh;
  const float eps = model.ln_f.ln.eps;
  nlohmann::json j;
  j["architectures"] = {"GPT2LMHeadModel"};
  j["model_type"] = "gpt2";
  j["vocab_size"] = c.vocab_size;
  j["n_positions"] = c.context;
  j["n_ctx"] = c.context;
  j["n_embd"] = c.d_model;
  j["n_layer"] = c.n_layers;
  j["n_head"] = c.n_heads;
  j["n_inner"] =
      c.ffn_hidden == 4 * c.d_model ? nlohmann::json(nullptr) : nlohmann::json(c.ffn_hidden);
  j["activation_function"] = detail::hf_activation_name(act);
  j["layer_norm_epsilon"] = std::stod(fmt::format("{}", eps));  // 1e-05, not float's 9.99e-06
  j["tie_word_embeddings"] = c.tied_embeddings;
  j["scale_attn_weights"] = true;
  j["initializer_range"] = 0.02;
  for (const char* p : {"attn_pdrop", "embd_pdrop", "resid_pdrop"}) j[p] = 0.0;
  if (c.vocab_size == 50257) j["bos_token_id"] = j["eos_token_id"] = 50256;  // <|endoftext|>
  return j.dump(2) + "\n";
}

// Saves `model` as <dir>/config.json and <dir>/model.safetensors (F32, with "format": "pt" and each
// tensor's CRC-32 in the metadata), creating the directory. Refuses a model GPT-2's layout cannot
// describe (RMSNorm, a gated FFN, no biases, no causal mask, mixed activations or epsilons) and
// non-finite weights.
inline void save_hf_gpt2(const Gpt& model, const std::string& dir) {
  constexpr std::string_view who = "save_hf_gpt2";
  const TransformerConfig& c = model.config;
  const auto refuse = [&](const std::string& what) {
    fail("{}: '{}': the model has {}, which GPT-2's layout cannot describe", who, dir, what);
  };
  if (c.gated_ffn) refuse("a gated feed-forward block");
  if (!c.layernorm) refuse("RMSNorm");
  if (!c.biases) refuse("no biases");
  if (!c.learned_positions) refuse("rotary positions");
  if (!model.causal) refuse("no causal mask");
  if (static_cast<Index>(model.h.size()) != c.n_layers)
    fail("{}: '{}': the model has {} blocks, its config says {}", who, dir, model.h.size(),
         c.n_layers);
  const float eps = model.ln_f.ln.eps;
  for (const GptBlockT<float>& b : model.h) {
    const Activation a = b.mlp.mlp.act;
    if (a != Activation::gelu && a != Activation::gelu_tanh)
      refuse("an activation other than GELU");
    if (a != model.h[0].mlp.mlp.act) refuse("different activations in different blocks");
    if (b.ln_1.ln.eps != eps || b.ln_2.ln.eps != eps) refuse("different LayerNorm epsilons");
    if (b.attn.n_heads != c.n_heads) refuse("a block whose head count differs from the config's");
  }
  SafeTensors st;
  st.metadata["format"] = "pt";  // transformers' loader asks for it
  for (const auto& p : model.parameters()) {
    const Mat& m = p.tensor.value();  // (rows, cols)
    detail::check_finite_weights(who, "saved", dir, p.name, m);
    SafeTensor t =
        p.name == "lm_head.weight" ? to_safetensor(Mat(m.transpose())) : to_safetensor(m);
    t.shape = detail::hf_shape(p.name, m.rows(), m.cols());
    st.tensors.emplace_back(detail::hf_name(p.name), std::move(t));
  }
  add_checksums(st);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    file_error(who, dir, "cannot create the directory" + (ec ? ": " + ec.message() : ""));
  const std::string weights = dir + "/" + hf_weights_file;
  detail::st_write_file(weights, st, who);
  write_file(dir + "/" + hf_config_file, hf_gpt2_config_json(model), who);
}

// Loads a directory in GPT-2's layout (config.json + model.safetensors) into a new float GPT.
// Every failure is an aib::IoError naming the file and, for a tensor, its name; nothing is
// returned unless every tensor loaded (the caller's model, assigned from the result, is untouched
// by a failure).
inline Gpt load_hf_gpt2(const std::string& dir) {
  constexpr std::string_view who = "load_hf_gpt2";
  if (!std::filesystem::is_directory(dir))
    file_error(who, dir, "not a directory (expected config.json and model.safetensors in it)");
  const std::string config_path = dir + "/" + hf_config_file;
  if (!std::filesystem::exists(config_path))
    file_error(who, config_path,
               "missing: a GPT-2 directory holds config.json beside model.safetensors");
  const HfGpt2Config hc = parse_hf_gpt2_config(read_file(config_path, who), config_path);
  const TransformerConfig& c = hc.config;
  const std::string path = dir + "/" + hf_weights_file;
  if (!std::filesystem::exists(path))
    file_error(who, path,
               "missing (sharded checkpoints and pytorch_model.bin are not read; convert to one "
               "model.safetensors)");
  SafetensorsReadOptions options;
  options.widen_half = true;
  options.skip = detail::hf_is_mask_buffer;
  SafeTensors st = detail::st_read_file(path, who, options);
  verify_checksums(st, who, path);

  // Our name -> the file's tensor, after removing the optional "transformer." prefix.
  std::map<std::string, std::pair<std::string, SafeTensor*>> by_name;
  for (auto& [name, t] : st.tensors) {
    const std::string ours = name.rfind("transformer.", 0) == 0 ? name.substr(12) : name;
    if (!by_name.emplace(ours, std::make_pair(name, &t)).second)
      detail::st_fail_tensor(
          who, path, name,
          fmt::format("appears twice, as '{}' and '{}'", by_name[ours].first, printable(name)));
  }
  // Every check before anything is allocated: a config with absurd sizes fails on a shape.
  if (c.n_layers > static_cast<Index>(st.tensors.size()))
    file_error(who, config_path,
               fmt::format("n_layer = {} calls for more blocks than {} holds tensors ({})",
                           c.n_layers, path, st.tensors.size()));
  const std::string sizes =
      fmt::format("config.json: vocab_size {}, n_positions {}, n_embd {}, n_layer {}, n_inner {}",
                  c.vocab_size, c.context, c.d_model, c.n_layers, c.ffn_hidden);
  std::set<std::string> used;
  for (const ParamShape& p : parameter_shapes(c)) {
    const std::vector<Index> want = detail::hf_shape(p.name, p.rows, p.cols);
    const auto it = by_name.find(p.name);
    if (it == by_name.end())
      detail::st_fail_tensor(who, path, detail::hf_name(p.name),
                             fmt::format("missing; the config calls for it with shape {} ({})",
                                         shape_string(want, ShapeNotation::list), sizes));
    const auto& [file_name, t] = it->second;
    used.insert(p.name);
    if (t->dtype != DType::f32)
      detail::st_fail_tensor(who, path, file_name,
                             fmt::format("has dtype {}; GPT-2 weights load from F32, F16 or BF16",
                                         safetensors_dtype(t->dtype)));
    if (t->shape != want)
      detail::st_fail_tensor(who, path, file_name,
                             fmt::format("has shape {}, the config calls for {} ({})",
                                         shape_string(t->shape, ShapeNotation::list),
                                         shape_string(want, ShapeNotation::list), sizes));
  }
  for (const auto& [ours, entry] : by_name) {
    if (used.count(ours) != 0) continue;
    const auto& [file_name, t] = entry;
    const SafeTensor* wte = by_name.at("wte.weight").second;
    if (ours == "lm_head.weight" && c.tied_embeddings && t->dtype == DType::f32 &&
        t->shape == wte->shape && t->bytes == wte->bytes)
      continue;  // a tied head saved beside wte: the same numbers
    detail::st_fail_tensor(
        who, path, file_name,
        ours == "lm_head.weight"
            ? std::string("is an output head that differs from wte, but config.json says "
                          "tie_word_embeddings (true by default)")
            : fmt::format("is not a GPT-2 tensor of this config ({}, tied head: {})", sizes,
                          c.tied_embeddings ? "yes" : "no"));
  }
  Gpt model = detail::hf_skeleton(hc);
  for (const auto& p : model.parameters()) {
    Tensor handle = p.tensor;     // the model's node
    Mat& value = handle.value();  // (rows, cols)
    const auto& [file_name, t] = by_name.at(p.name);
    const Mat stored = detail::st_to_mat<float>(*t, who, path, file_name);  // [r, c]; [n] -> (1, n)
    std::vector<unsigned char>().swap(t->bytes);  // freed as we go: a 124M model is 500 MB
    if (p.name == "lm_head.weight")               // [V, D] -> (D, V)
      value = stored.transpose();
    else
      value = stored;
    detail::check_finite_weights(who, "loaded", path, file_name, value);
  }
  return model;
}

}  // namespace aib
