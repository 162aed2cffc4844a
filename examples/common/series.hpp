// series.hpp — the catalogue of the 36 episodes of AI Basics, in learning order.
//
// The launcher lists it; tests/test_episodes.cpp checks that every episodes/NN-slug.md agrees
// with it (number, slug, title, one-line summary). Titles and summaries are the series listing.
#pragma once

#include <array>
#include <string_view>

namespace aib::series {

struct EpisodeInfo {
  int number;
  std::string_view slug;
  std::string_view title;
  std::string_view summary;  // the series' one-line summary
};

inline constexpr std::array<EpisodeInfo, 36> episodes{{
    {1, "what-is-generative-ai", "What is generative AI", "Models that create new content"},
    {2, "generation-vs-classification", "Generation vs classification",
     "How GenAI differs from traditional AI"},
    {3, "modality-map", "The GenAI modality map", "Text, image, audio, video, code, 3D"},
    {4, "foundation-models", "Foundation models", "One model, many tasks"},
    {5, "how-genai-generates", "How GenAI generates", "One token or step at a time"},
    {6, "training-vs-inference", "Training vs inference", "The training-inference split"},
    {7, "parameters", "Parameters", "The learned numbers inside a model"},
    {8, "closed-vs-open", "Closed vs open models", "APIs vs downloadable weights"},
    {9, "genai-stack", "The GenAI stack", "Hardware, models, orchestration, apps"},
    {10, "genai-timeline", "GenAI timeline", "From GPT-1 to today's frontier"},
    {11, "what-are-tokens", "What are tokens", "The atoms of language models"},
    {12, "byte-pair-encoding", "Byte-Pair Encoding", "How tokenizers learn to split text"},
    {13, "sentencepiece-and-tiktoken", "SentencePiece & tiktoken", "Tokenizer implementations"},
    {14, "vocabulary-size", "Vocabulary size tradeoffs", "32K, 50K, 100K"},
    {15, "special-tokens", "Special tokens", "Control signals for models"},
    {16, "word-embeddings", "Word embeddings", "Turning tokens into vectors"},
    {17, "positional-encoding", "Positional encoding", "Teaching word order"},
    {18, "token-economics", "Token economics", "Why every token has a price"},
    {19, "the-transformer", "The Transformer", "The engine of modern GenAI"},
    {20, "self-attention", "Self-attention", "Every token looks at every other"},
    {21, "query-key-value", "Query, Key, Value", "How attention decides what to look at"},
    {22, "multi-head-attention", "Multi-head attention", "Several views of the same sequence"},
    {23, "feed-forward-networks", "Feed-forward networks", "Where each token is processed alone"},
    {24, "residual-and-layernorm", "Residual connections & layer norm",
     "Keeping deep networks trainable"},
    {25, "encoder-decoder", "Encoder vs decoder vs encoder-decoder", "Three Transformer shapes"},
    {26, "causal-masking", "Causal masking", "Why decoders can't peek ahead"},
    {27, "attention-bottleneck", "The attention bottleneck", "Why attention costs O(n²)"},
    {28, "swiglu", "SwiGLU & modern activations", "Gates inside the feed-forward network"},
    {29, "autoencoders", "Autoencoders", "Compressing and reconstructing data"},
    {30, "latent-space", "Latent space", "Where generation happens"},
    {31, "variational-autoencoders", "VAEs", "Generating from learned distributions"},
    {32, "gans", "GANs", "Generator vs discriminator"},
    {33, "gan-applications", "GAN applications", "StyleGAN, deepfakes, super-resolution"},
    {34, "gan-challenges", "GAN challenges", "Mode collapse, instability"},
    {35, "normalizing-flows", "Normalizing flows", "Exact likelihoods"},
    {36, "why-diffusion-won", "Why diffusion won", "Diffusion vs GANs, VAEs and flows"},
}};

// The catalogue entry of episode `number`, or nullptr outside 1..36.
inline const EpisodeInfo* find(int number) {
  if (number < 1 || number > static_cast<int>(episodes.size())) return nullptr;
  return &episodes[static_cast<std::size_t>(number - 1)];
}

}  // namespace aib::series
