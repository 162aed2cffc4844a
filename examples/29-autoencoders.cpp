// Episode 29 — Autoencoders: squeeze a 16×16 glyph (256 numbers) through Z numbers and back.
//
// The glyphs come from aib::make_digits (aib/generative/glyphs.hpp). For each latent size Z in
// 1, 2, 4, 8, 16 an aib::Autoencoder (aib/generative/autoencoder.hpp: encoder 256 -> H -> Z,
// decoder Z -> H -> 256, sigmoid output, BCE loss) is trained with aib::train_autoencoder and
// scored on glyphs it never saw by the mean squared error per pixel, beside PCA with the same Z
// (aib::fit_pca, one eigen-solve truncated to each Z): the best a linear code can do. Then the
// same four held-out glyphs are shown as originals and as reconstructions.
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/generative/autoencoder.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/nn/module.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;

// Mean squared error per entry, in double.
double mse(const aib::Mat& a, const aib::Mat& b) {
  return (a - b).cast<double>().squaredNorm() / static_cast<double>(a.size());
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  Index train_size = 2000, test_size = 500, hidden = 64;
  aib::AutoencoderTraining training;
  training.steps = 1000;
  training.batch = 32;
  training.lr = 1e-2;
  ep.option("--train", train_size, "Training glyphs", Index(100), Index(100000));
  ep.option("--hidden", hidden, "Hidden width H of encoder and decoder", Index(8), Index(1024));
  ep.option("--steps", training.steps, "Adam steps per autoencoder", 1L, 1000000L);
  ep.option("--lr", training.lr, "Peak learning rate (cosine decay to 0)", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    using show::fixed;
    const aib::GlyphData train = aib::make_digits(train_size, ctx.rng);  // images (N, 256)
    const aib::GlyphData test = aib::make_digits(test_size, ctx.rng);    // (500, 256) held out
    const Index D = train.images.cols();

    // ---- Reconstruction error by latent size ---------------------------------------------------
    ctx.section("Squeezing 256 pixels through Z numbers");
    const std::vector<Index> sizes = {1, 2, 4, 8, 16};
    const aib::Pca pca = aib::fit_pca(train.images, sizes.back());
    std::vector<aib::Autoencoder> models;
    std::vector<std::vector<double>> curves;
    show::Table table({"Z", "256 -> Z", "autoencoder", "PCA", "AE / PCA"});
    for (int c = 1; c < 5; ++c) table.align(c, show::Align::right);
    for (const Index z : sizes) {
      aib::AutoencoderConfig config;
      config.input = D;
      config.hidden = {hidden};
      config.latent = z;
      models.emplace_back(config, ctx.rng);
      curves.push_back(aib::train_autoencoder(models.back(), train.images, ctx.rng, training));
      const double ae_error = models.back().reconstruction_mse(test.images);
      const double pca_error = mse(pca.truncated(z).reconstruct(test.images), test.images);
      table.add_row({std::to_string(z), fmt::format("{}x smaller", fixed(double(D) / z, 0)),
                     fixed(ae_error, 4), fixed(pca_error, 4), fixed(ae_error / pca_error, 2)});
    }
    show::print(table.render(ctx.style));
    aib::Autoencoder linear(aib::AutoencoderConfig::linear(D, sizes[3]), ctx.rng);
    aib::AutoencoderTraining linear_training = training;
    linear_training.steps = 2 * training.steps;
    linear_training.batch = 128;
    aib::train_autoencoder(linear, train.images, ctx.rng, linear_training);
    fmt::print("A linear autoencoder (no ReLU, no sigmoid, MSE) with Z = {}: {}, PCA: {}.\n",
               sizes[3], fixed(linear.reconstruction_mse(test.images), 4),
               fixed(mse(pca.truncated(sizes[3]).reconstruct(test.images), test.images), 4));
    const double mean_pixel = test.images.cast<double>().mean();
    fmt::print(
        "Error: mean squared error per pixel (ink 0 to 1) on {} held-out glyphs.\n"
        "For scale: the average glyph, guessed for every image, scores {};\n"
        "{} ink everywhere scores {}.\n",
        test_size,
        fixed(mse(aib::Mat(test.images.rowwise() - train.images.colwise().mean()), test.images), 4),
        fixed(mean_pixel, 2),
        fixed(mse(aib::Mat::Constant(test.images.rows(), D, static_cast<float>(mean_pixel)),
                  test.images),
              4));
    fmt::print(
        "Each autoencoder: {} -> {} -> Z -> {} -> {}, ReLU between, sigmoid output;\n"
        "Adam, {} steps of {} glyphs drawn from {} training glyphs.\n",
        D, hidden, hidden, D, training.steps, training.batch, train_size);

    // ---- Originals and reconstructions ---------------------------------------------------------
    ctx.section("Held-out glyphs and their reconstructions");
    const aib::Mat originals = test.images.topRows(4);  // (4, 256): digits 0, 1, 2, 3
    const std::vector<int> labels(test.labels.begin(), test.labels.begin() + 4);
    fmt::print("Originals (256 numbers each):\n{}", aib::glyph_grid(originals, 16, labels));
    for (const std::size_t k : {std::size_t(1), std::size_t(3)}) {
      fmt::print("\nAutoencoder, Z = {} numbers each:\n{}", sizes[k],
                 aib::glyph_grid(models[k].reconstruct(originals), 16));
    }
    fmt::print("\nPCA, Z = {} numbers each:\n{}", sizes[3],
               aib::glyph_grid(pca.truncated(sizes[3]).reconstruct(originals), 16));

    // ---- What the code does not hold ----------------------------------------------------------
    ctx.section("Where the rest of the information lives");
    const aib::Autoencoder& eight = models[3];
    const Index decoder_params = aib::count_parameters(eight.decoder.parameters());
    const aib::Mat codes = eight.encode(originals);  // (4, 8)
    fmt::print("The 8 numbers of the first glyph (a {}):\n ", labels[0]);
    for (Index j = 0; j < codes.cols(); ++j) fmt::print(" {}", fixed(codes(0, j), 2));
    fmt::print(
        "\nThe decoder that turns them back into 256 pixels holds {} learned numbers:\n"
        "the code is small only because every glyph shares that decoder.\n",
        show::grouped(decoder_params));
    std::vector<double> curve;  // the Z = 8 training loss, one value per 20 steps
    for (std::size_t s = 0; s < curves[3].size(); s += 20) curve.push_back(curves[3][s]);
    fmt::print("Training loss (BCE) of the Z = 8 model, every 20 steps: {} -> {}\n{}\n",
               fixed(curves[3].front(), 3), fixed(curves[3].back(), 3), show::sparkline(curve));
  });
}
