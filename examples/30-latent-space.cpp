// Episode 30 — Latent space: where an autoencoder puts the digits, and what lies between them.
//
// Two aib::Autoencoder models (aib/generative/autoencoder.hpp) are trained on aib::make_digits
// glyphs: one with a 2-number code, whose codes of held-out glyphs are drawn as a map (one mark
// per cell: the most common digit there), and one with 8 numbers, which rebuilds glyphs well. A
// walk between two digits in the 8-number code is set beside a pixel cross-fade, each step read
// by aib::GlyphClassifier (aib/generative/classifier.hpp) and measured by its distance to the
// nearest real glyph; then the halfway points of all 45 digit pairs. Nearest neighbours are
// compared in the codes and in the 256 pixels (k-NN accuracy). Last, random points of the code
// space (aib::sample_latent_box, aib::sample_latent_gaussian) are decoded and read: the share
// the reader accepts, and how far those points sit from any training code.
// Long because the episode is four experiments (the map, the walk against the
// cross-fade, the neighbours, the holes), each with its own table; the map's character grid of
// digit marks is its only local helper.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/generative/autoencoder.hpp"
#include "aib/generative/classifier.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/generative/metrics.hpp"
#include "aib/show/format.hpp"
#include "aib/show/svg.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::Mat;

// The codes (N, 2) on a width × height character grid; each cell shows the digit most of its
// points carry (blank: no point).
std::string digit_map(const Mat& codes, const std::vector<int>& labels, int width, int height) {
  const aib::RowVec lo = codes.colwise().minCoeff(), hi = codes.colwise().maxCoeff();  // (1, 2)
  std::vector<std::vector<int>> votes(static_cast<std::size_t>(width * height),
                                      std::vector<int>(10, 0));
  for (Index i = 0; i < codes.rows(); ++i) {
    const long c = std::lround((codes(i, 0) - lo(0)) / (hi(0) - lo(0)) * (width - 1));
    const long r =
        (height - 1) - std::lround((codes(i, 1) - lo(1)) / (hi(1) - lo(1)) * (height - 1));
    ++votes[static_cast<std::size_t>(r * width + c)][static_cast<std::size_t>(labels[i])];
  }
  std::string out = fmt::format("z2 {:>6.2f} ┐\n", hi(1));
  for (int r = 0; r < height; ++r) {
    std::string line = "          │";
    for (int c = 0; c < width; ++c) {
      const std::vector<int>& v = votes[static_cast<std::size_t>(r * width + c)];
      const auto top = std::max_element(v.begin(), v.end());
      line += *top == 0 ? ' ' : static_cast<char>('0' + (top - v.begin()));
    }
    while (line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out + fmt::format("   {:>6.2f} └{}\n{:>16.2f}{:>{}.2f}  z1\n", lo(1),
                           aib::show::repeat("─", width), lo(0), hi(0), width - 5);
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index train_size = 2000, test_size = 500, hidden = 128, random_points = 500;
  int from = 2, to = 6, k = 5;
  std::string svg_path;
  aib::AutoencoderTraining training;
  training.steps = 1500;
  training.batch = 32;
  training.lr = 1e-2;
  ep.option("--train", train_size, "Training glyphs", Index(100), Index(100000));
  ep.option("--steps", training.steps, "Adam steps of the autoencoder", 1L, 1000000L);
  ep.option("--from", from, "Digit the latent walk starts from", 0, 9);
  ep.option("--to", to, "Digit the latent walk ends at", 0, 9);
  ep.option("--k", k, "Neighbours that vote in the k-NN comparison", 1, 50);
  ep.option("--random", random_points, "Random latent points decoded", Index(10), Index(100000));
  ep.flags()
      .add("--svg", svg_path, "Also draw the latent map into this SVG file")
      .type_name("FILE");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    using show::fixed;
    const aib::GlyphData train = aib::make_digits(train_size, ctx.rng);  // images (N, 256)
    const aib::GlyphData test = aib::make_digits(test_size, ctx.rng);    // (500, 256) held out
    // Two autoencoders: 2 numbers to draw the map, 8 to rebuild glyphs well (episode 29).
    aib::AutoencoderConfig config;
    config.hidden = {hidden};
    config.latent = 2;
    aib::Autoencoder ae(config, ctx.rng);
    aib::train_autoencoder(ae, train.images, ctx.rng, training);
    config.latent = 8;
    aib::Autoencoder ae8(config, ctx.rng);
    aib::train_autoencoder(ae8, train.images, ctx.rng, training);
    const aib::GlyphClassifier reader = aib::train_glyph_classifier(ctx.rng);
    const Mat train_codes = ae.encode(train.images);    // (N, 2)
    const Mat test_codes = ae.encode(test.images);      // (500, 2)
    const Mat train_codes8 = ae8.encode(train.images);  // (N, 8)
    const Mat test_codes8 = ae8.encode(test.images);    // (500, 8)

    // ---- The map ------------------------------------------------------------------------------
    ctx.section("Every held-out glyph as two numbers");
    fmt::print("{}", digit_map(test_codes, test.labels, 60, 18));
    fmt::print(
        "{} held-out glyphs through a 256 -> {} -> 2 encoder. Each cell shows the digit\n"
        "most of its glyphs are. Reconstruction error {} per pixel.\n",
        test_size, hidden, fixed(ae.reconstruction_mse(test.images), 4));
    if (!svg_path.empty()) {
      std::vector<double> x, y;
      for (Index i = 0; i < test_codes.rows(); ++i) x.push_back(test_codes(i, 0));
      for (Index i = 0; i < test_codes.rows(); ++i) y.push_back(test_codes(i, 1));
      show::save_svg(svg_path, show::svg_scatter(x, y, test.labels, "Latent codes of the digits"));
      fmt::print("(latent map written to {}; group k is digit k)\n", svg_path);
    }

    // ---- A walk between two digits ------------------------------------------------------------
    ctx.section(fmt::format("From a {} to a {}: through the code or through the pixels", from, to));
    const auto first = [&](int digit) {
      return static_cast<Index>(std::find(test.labels.begin(), test.labels.end(), digit) -
                                test.labels.begin());
    };
    const aib::RowVec a = test.images.row(first(from)), b = test.images.row(first(to));
    const aib::RowVec za = test_codes8.row(first(from)), zb = test_codes8.row(first(to));
    constexpr int steps = 7;
    Mat walk_codes(steps, 8), fade(steps, 256);  // (7, 8), (7, 256)
    for (int s = 0; s < steps; ++s) {
      const float t = static_cast<float>(s) / (steps - 1);
      walk_codes.row(s) = (1 - t) * za + t * zb;
      fade.row(s) = (1 - t) * a + t * b;
    }
    const Mat walk = ae8.decode(walk_codes);                                             // (7, 256)
    const Mat p_walk = reader.probabilities(walk), p_fade = reader.probabilities(fade);  // (7, 10)
    const std::vector<int> read_walk = reader.predict(walk), read_fade = reader.predict(fade);
    fmt::print("Latent walk, decoded (the reader's digit under each):\n{}",
               aib::glyph_grid(walk, 16, read_walk));
    fmt::print("\nPixel cross-fade (the reader's digit under each):\n{}",
               aib::glyph_grid(fade, 16, read_fade));
    // How far each step is from the nearest real glyph: root mean square over the 256 pixels.
    const auto nearest_glyph = [&](const Mat& images) {
      const aib::MatD d = aib::pairwise_squared_distances(images, train.images);  // (7, N)
      return (d.rowwise().minCoeff() / 256.0).cwiseSqrt().eval();                 // (7)
    };
    const aib::VecD near_walk = nearest_glyph(walk), near_fade = nearest_glyph(fade);
    show::Table path({"t", "latent: digit", "p", "nearest", "pixels: digit", "p", "nearest"});
    for (int s = 0; s < steps; ++s) {
      const double pw = p_walk.row(s).maxCoeff(), pf = p_fade.row(s).maxCoeff();
      path.add_row({fmt::format("{}/{}", s, steps - 1), std::to_string(read_walk[s]), fixed(pw, 2),
                    fixed(near_walk(s), 3), std::to_string(read_fade[s]), fixed(pf, 2),
                    fixed(near_fade(s), 3)});
    }
    fmt::print("\n");
    show::print(path.render(ctx.style));
    fmt::print(
        "p: the reader's probability for its digit; nearest: RMS pixel distance to the\n"
        "closest of the {} training glyphs.\n",
        train_size);

    // Every pair of digits, halfway: the first held-out glyph of each digit.
    Mat mid_walk(45, 8), mid_fade(45, 256);  // (45, 8) codes, (45, 256) images
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < 10; ++i)
      for (int j = i + 1; j < 10; ++j) {
        const Index n = static_cast<Index>(pairs.size());
        mid_walk.row(n) = 0.5f * (test_codes8.row(first(i)) + test_codes8.row(first(j)));
        mid_fade.row(n) = 0.5f * (test.images.row(first(i)) + test.images.row(first(j)));
        pairs.emplace_back(i, j);
      }
    const Mat mid_images = ae8.decode(mid_walk);  // (45, 256)
    const aib::VecD mid_near_walk = nearest_glyph(mid_images),
                    mid_near_fade = nearest_glyph(mid_fade);
    const std::vector<int> mid_read_walk = reader.predict(mid_images),
                           mid_read_fade = reader.predict(mid_fade);
    int third_walk = 0, third_fade = 0, closer = 0;
    for (std::size_t n = 0; n < pairs.size(); ++n) {
      const auto [i, j] = pairs[n];
      third_walk += mid_read_walk[n] != i && mid_read_walk[n] != j ? 1 : 0;
      third_fade += mid_read_fade[n] != i && mid_read_fade[n] != j ? 1 : 0;
      closer += mid_near_walk(static_cast<Index>(n)) < mid_near_fade(static_cast<Index>(n)) ? 1 : 0;
    }
    fmt::print(
        "\nAll 45 pairs of digits, halfway between the two. Mean distance to the nearest\n"
        "real glyph: latent walk {}, cross-fade {} (walk closer in {} of 45).\n"
        "Read as a third digit: latent walk {} of 45, cross-fade {} of 45.\n",
        fixed(mid_near_walk.mean(), 3), fixed(mid_near_fade.mean(), 3), closer, third_walk,
        third_fade);

    // ---- Neighbours ---------------------------------------------------------------------------
    ctx.section("Neighbours: 2 numbers against 256 pixels");
    const double knn_latent =
        aib::knn_accuracy(train_codes, train.labels, test_codes, test.labels, k);
    const double knn_pixels =
        aib::knn_accuracy(train.images, train.labels, test.images, test.labels, k);
    const aib::Pca pca = aib::fit_pca(train.images, 2);
    const double knn_pca = aib::knn_accuracy(pca.encode(train.images), train.labels,
                                             pca.encode(test.images), test.labels, k);
    show::Table nn({"space", "numbers per glyph", fmt::format("{}-NN accuracy", k)});
    nn.align(1, show::Align::right).align(2, show::Align::right);
    nn.add_row({"pixels", "256", fixed(100 * knn_pixels, 1) + "%"});
    nn.add_row({"autoencoder code", "2", fixed(100 * knn_latent, 1) + "%"});
    nn.add_row({"PCA", "2", fixed(100 * knn_pca, 1) + "%"});
    const double knn_latent8 =
        aib::knn_accuracy(train_codes8, train.labels, test_codes8, test.labels, k);
    nn.add_row({"autoencoder code", "8", fixed(100 * knn_latent8, 1) + "%"});
    show::print(nn.render(ctx.style));
    fmt::print("Each held-out glyph takes the majority digit of its {} nearest training glyphs.\n",
               k);

    // ---- Random points --------------------------------------------------------------------------
    ctx.section("Decoding random points of the latent space");
    const Mat box = aib::sample_latent_box(train_codes8, random_points, ctx.rng);         // (n, 8)
    const Mat gauss = aib::sample_latent_gaussian(train_codes8, random_points, ctx.rng);  // (n, 8)
    const Mat dreams = ae8.decode(box);  // (n, 256)
    const std::vector<int> read_dreams = reader.predict(dreams.topRows(8));
    fmt::print("Eight decodes of random points (the reader's digit under each):\n{}",
               aib::glyph_grid(dreams.topRows(8), 16, read_dreams));
    const auto nearest_code = [&](const Mat& points) {  // median distance to the nearest code
      const aib::MatD d = aib::pairwise_squared_distances(points, train_codes8);  // (n, N)
      std::vector<double> m;
      for (Index i = 0; i < d.rows(); ++i) m.push_back(std::sqrt(d.row(i).minCoeff()));
      std::nth_element(m.begin(), m.begin() + m.size() / 2, m.end());
      return m[m.size() / 2];
    };
    show::Table reading({"images", "read with p >= 0.9", "digits seen", "to nearest code"});
    for (int c = 1; c < 4; ++c) reading.align(c, show::Align::right);
    const auto row = [&](const char* name, const Mat& images, const std::string& distance) {
      const aib::GlyphReading r = aib::read_glyphs(reader, images);
      reading.add_row({name, fixed(100 * r.confident_share, 1) + "%",
                       std::to_string(r.classes_covered), distance});
    };
    const double real_distance = nearest_code(test_codes8), box_distance = nearest_code(box);
    row("held-out glyphs", test.images, "-");
    row("their reconstructions", ae8.reconstruct(test.images), fixed(real_distance, 2));
    row("random points: box", dreams, fixed(box_distance, 2));
    row("random points: Gaussian", ae8.decode(gauss), fixed(nearest_code(gauss), 2));
    show::print(reading.render(ctx.style));
    fmt::print(
        "{} points each, drawn in the 8-number code space: uniformly in the box the\n"
        "training codes span, or from a Gaussian fitted to them. Last column: median\n"
        "distance to the nearest of the {} training codes: {} times farther for the\n"
        "box's points than for the codes of real glyphs.\n",
        random_points, train_size, fixed(box_distance / real_distance, 1));
  });
}
