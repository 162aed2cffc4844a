// aib/generative/datasets.hpp — the data every generative model of the course is trained on.
//
// Made by the library itself, seeded by aib::Rng, nothing downloaded. Two families, one header
// each: toy2d.hpp (six 2-D point clouds, (N, 2); closed-form log p(x) and entropy for the
// Gaussian mixtures and the checkerboard) and glyphs.hpp (the ten digits at 16×16 from the
// project's own vector font, (N, 256) in [0, 1] with labels; terminal and SVG grids).
// Leaves out: real-world data sets (MNIST and friends are not bundled).
#pragma once

#include "aib/generative/glyphs.hpp"
#include "aib/generative/toy2d.hpp"
