// aib/nn/patches.hpp — an image as a sequence of tokens: cut into p×p patches, each flattened.
//
// The Vision Transformer's recipe ("An Image is Worth 16x16 Words"): an image of H×W pixels with
// C channels becomes N = (H/p)·(W/p) patches, each a row of p·p·C numbers; a linear layer then maps
// each row to the model's width, and from there on the patches are tokens like any other. A
// 224×224 RGB image with p = 16 is 14·14 = 196 tokens of 16·16·3 = 768 numbers.
// Layout: an image is a matrix (H, W·C), channels fastest (pixel (y, x) channel c at column
// x·C + c, the HWC order of image files and numpy arrays). Patches are numbered row by row (patch
// (i, j) is row i·(W/p) + j) and each patch row lists its pixels row by row, channels fastest:
// (dy, dx, c) at column (dy·p + dx)·C + c, as einops' "(h p1) (w p2) c -> (h w) (p1 p2 c)".
// unpatchify() puts the patches back; unpatchify(patchify(x)) == x exactly.
// Leaves out: overlapping patches, padding sizes that p does not divide, the learned projection
// and position embeddings (nn/linear.hpp, nn/positional.hpp), video's tubelets (frames × patches).
#pragma once

#include "aib/core/check.hpp"
#include "aib/core/types.hpp"

namespace aib {

namespace detail {

inline void check_patch_geometry(const char* who, Index height, Index width, Index channels,
                                 Index patch) {
  if (channels < 1) fail("{}: channels must be ≥ 1, got {}", who, channels);
  if (patch < 1) fail("{}: the patch side must be ≥ 1, got {}", who, patch);
  if (height < 1 || width < 1) fail("{}: the image is empty ({}×{})", who, height, width);
  if (height % patch != 0 || width % patch != 0)
    fail(
        "{}: a {}×{} image does not cut into whole {}×{} patches ({} and {} are not multiples "
        "of {})",
        who, height, width, patch, patch, height, width, patch);
}

}  // namespace detail

// How many p×p patches an H×W image makes: (H/p)·(W/p); p must divide both sides.
inline Index patch_count(Index height, Index width, Index patch) {
  detail::check_patch_geometry("patch_count", height, width, 1, patch);
  return (height / patch) * (width / patch);
}

// The patches of `image` (H, W·C): (N, p·p·C), N = (H/p)·(W/p), in the layout above.
template <class S>
MatT<S> patchify(const MatT<S>& image, Index channels, Index patch) {
  if (channels < 1) fail("patchify: channels must be ≥ 1, got {}", channels);
  if (image.cols() % channels != 0)
    fail("patchify: the image has {} columns, not a multiple of its {} channels", image.cols(),
         channels);
  const Index height = image.rows(), width = image.cols() / channels;
  detail::check_patch_geometry("patchify", height, width, channels, patch);
  const Index across = width / patch;
  const Index row_len = patch * channels;  // one pixel row of a patch, channels included
  MatT<S> out(patch_count(height, width, patch), patch * row_len);  // (N, p·p·C)
  for (Index i = 0; i < height / patch; ++i)
    for (Index j = 0; j < across; ++j)
      for (Index dy = 0; dy < patch; ++dy)
        out.row(i * across + j).segment(dy * row_len, row_len) =
            image.row(i * patch + dy).segment(j * row_len, row_len);
  return out;
}

// The image (H, W·C) whose patches are `patches` (N, p·p·C): patchify's inverse.
template <class S>
MatT<S> unpatchify(const MatT<S>& patches, Index height, Index width, Index channels, Index patch) {
  detail::check_patch_geometry("unpatchify", height, width, channels, patch);
  const Index n = (height / patch) * (width / patch);
  if (patches.rows() != n || patches.cols() != patch * patch * channels)
    fail("unpatchify: a {}×{}×{} image in {}×{} patches needs ({}, {}) patches, got ({}, {})",
         height, width, channels, patch, patch, n, patch * patch * channels, patches.rows(),
         patches.cols());
  const Index across = width / patch;
  const Index row_len = patch * channels;
  MatT<S> image(height, width * channels);  // (H, W·C)
  for (Index i = 0; i < height / patch; ++i)
    for (Index j = 0; j < across; ++j)
      for (Index dy = 0; dy < patch; ++dy)
        image.row(i * patch + dy).segment(j * row_len, row_len) =
            patches.row(i * across + j).segment(dy * row_len, row_len);
  return image;
}

}  // namespace aib
