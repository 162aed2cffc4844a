// aib/aib.hpp — the whole library in one include. Each header below is also usable on its own.
#pragma once

// core: types, errors, randomness, numerics, files
#include "aib/core/check.hpp"
#include "aib/core/files.hpp"
#include "aib/core/io.hpp"
#include "aib/core/memory.hpp"
#include "aib/core/numeric.hpp"
#include "aib/core/random.hpp"
#include "aib/core/reproducible.hpp"
#include "aib/core/safetensors.hpp"
#include "aib/core/sampling.hpp"
#include "aib/core/text.hpp"
#include "aib/core/timing.hpp"
#include "aib/core/types.hpp"
#include "aib/core/utf8.hpp"

// show: narrative, tables, terminal plots, SVG
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/narrative.hpp"
#include "aib/show/pieces.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "aib/show/terminal.hpp"

// autograd: tensors that learn
#include "aib/autograd/activations.hpp"
#include "aib/autograd/gradcheck.hpp"
#include "aib/autograd/init.hpp"
#include "aib/autograd/losses.hpp"
#include "aib/autograd/norms.hpp"
#include "aib/autograd/ops.hpp"
#include "aib/autograd/optim.hpp"
#include "aib/autograd/tensor.hpp"

// nn: layers and models
#include "aib/nn/attention.hpp"
#include "aib/nn/checkpoint.hpp"
#include "aib/nn/dense.hpp"
#include "aib/nn/embedding.hpp"
#include "aib/nn/ffn.hpp"
#include "aib/nn/fused_attention.hpp"
#include "aib/nn/generate.hpp"
#include "aib/nn/gpt.hpp"
#include "aib/nn/linear.hpp"
#include "aib/nn/module.hpp"
#include "aib/nn/norm.hpp"
#include "aib/nn/param_count.hpp"
#include "aib/nn/positional.hpp"
#include "aib/nn/softmax_regression.hpp"
#include "aib/nn/tiled_attention.hpp"
#include "aib/nn/train.hpp"
#include "aib/nn/transformer.hpp"

#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/chat.hpp"
#include "aib/tokenizer/encoding.hpp"
#include "aib/tokenizer/pretokenize.hpp"
#include "aib/tokenizer/sentencepiece.hpp"
#include "aib/tokenizer/tiktoken.hpp"
#include "aib/tokenizer/unicode.hpp"

// generative
#include "aib/generative/datasets.hpp"
#include "aib/generative/metrics.hpp"
#include "aib/generative/ngram.hpp"
