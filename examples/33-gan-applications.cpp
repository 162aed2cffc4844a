// Episode 33 — GAN applications: a conditional GAN told which digit to draw, read back by the
// glyph classifier, and a toy super-resolution (8×8 glyphs back to 16×16) where an upsampler
// trained with a pixel loss alone meets one with an adversarial term added, measured by PSNR and
// by sharpness against the real images' own. The real systems the narrative names are in a small
// table of facts, each with its source.
//
// The models are aib::ConditionalGan (aib/generative/conditional_gan.hpp) and aib::Upsampler
// (aib/generative/superres.hpp), with gan.hpp's losses; the reader is train_glyph_classifier
// (classifier.hpp). --no-projection shows the conditional GAN without its projection term.
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/generative/classifier.hpp"
#include "aib/generative/conditional_gan.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/generative/superres.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

using aib::Index;
using aib::Mat;
using aib::show::fixed;
using aib::show::percent;

namespace {

// Facts about the systems the narrative names; each row carries its source.
struct Fact {
  const char* system;
  const char* year;
  const char* what;
  const char* source;
};
const Fact kFacts[] = {
    {"conditional GAN", "2014", "MNIST digits (28×28) drawn from a one-hot class",
     "Mirza & Osindero, arXiv 1411.1784"},
    {"SRGAN", "2016", "4× upscaling; lower PSNR than its pixel-loss twin, higher opinion score",
     "Ledig et al., arXiv 1609.04802 (CVPR 2017)"},
    {"deepfakes (the name of a Reddit user)", "2017",
     "face swaps by two autoencoders sharing one encoder, not a GAN",
     "Rössler et al., arXiv 1901.08971; the name: Motherboard, 2017"},
    {"ESRGAN", "2018", "4× upscaling; first place in the PIRM2018-SR challenge",
     "Wang et al., arXiv 1809.00219 (ECCV 2018 workshops)"},
    {"StyleGAN", "2018", "1024×1024 faces, trained on FFHQ: 70,000 photos",
     "Karras et al., arXiv 1812.04948 (CVPR 2019)"},
};

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  aib::ConditionalGanTrainOptions cgan_train;  // 600 steps, Adam 5e-4
  aib::UpsamplerTrainOptions sr_train;         // batches of 64, Adam 1e-3
  sr_train.steps = 300;
  cgan_train.batch = 32;
  double lambda = 0.03;
  bool no_projection = false;
  Index per_class = 100;
  ep.option("--cgan-steps", cgan_train.steps, "Conditional GAN steps", 1, 100000);
  ep.option("--cgan-batch", cgan_train.batch, "Glyphs per conditional GAN step", 1, 4096);
  ep.option("--sr-steps", sr_train.steps, "Upsampler steps (each of the three)", 1, 100000);
  ep.option("--lambda", lambda, "Weight of the adversarial term (also run at 10x)", 1e-4, 10.0);
  ep.option("--per-class", per_class, "Samples drawn per digit to read", 2, 10000);
  ep.flags().flag("--no-projection", no_projection, "Class only concatenated in D (it collapses)");

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    // ---- Choosing the digit ---------------------------------------------------------------------
    ctx.section("A conditional GAN: asked for a digit, does it draw it?");
    const aib::GlyphClassifier reader = aib::train_glyph_classifier(ctx.rng);
    const aib::GlyphData glyphs = aib::make_digits(5000, ctx.rng);  // images (5000, 256)
    aib::ConditionalGanConfig cfg;
    cfg.projection = !no_projection;
    aib::ConditionalGan gan(cfg, ctx.rng);
    aib::Stopwatch watch;
    const aib::ConditionalGanHistory hist =
        aib::train_conditional_gan(gan, glyphs, ctx.rng, cgan_train);
    fmt::print(
        "Generator [noise {} | one-hot class 10] -> {} -> {} -> 256 pixels.\n"
        "Discriminator [image | class] -> {}{}.\n"
        "{} steps of {} glyphs: {}.\n"
        "Last losses: D {}, G {} (D at a coin toss: 1.386).\n\n",
        cfg.noise, cfg.hidden, cfg.hidden, cfg.hidden,
        cfg.projection ? ", plus <features, class embedding>" : " (concatenation only)",
        cgan_train.steps, cgan_train.batch, aib::measured("{:.1f} s", watch.seconds()),
        fixed(hist.discriminator.back(), 3), fixed(hist.generator.back(), 3));
    Mat shown(10, 256);  // (10, 16²): one sample of each digit
    std::vector<int> asked;
    for (int k = 0; k < 10; ++k) {
      shown.row(k) = gan.sample(k, 1, ctx.rng);
      asked.push_back(k);
    }
    fmt::print("One sample of each requested digit (the label is the request):\n{}\n",
               aib::glyph_grid(shown, 16, asked, aib::GlyphChars::shades, 80));

    const aib::ClassFidelity fid = aib::class_fidelity(gan, reader, per_class, ctx.rng);
    show::Table tab({"asked", "read as asked", "confidently", "spread", "real spread"});
    for (int k = 0; k < 10; ++k) {
      Mat real(100, 256);  // (100, 16²) real glyphs of digit k
      for (Index i = 0; i < 100; ++i) real.row(i) = glyphs.images.row(k + 10 * i);
      tab.add_row({std::to_string(k), percent(fid.read_as_requested[k], 0),
                   percent(fid.confident_as_requested[k], 0),
                   fixed(aib::mean_pairwise_distance(gan.sample(k, 100, ctx.rng)), 3),
                   fixed(aib::mean_pairwise_distance(real), 3)});
    }
    show::print(tab.render(ctx.style));
    fmt::print(
        "{} samples per digit, read by the glyph classifier (chance: 10%). Mean: {}.\n"
        "Spread: mean RMS pixel distance between two samples of the same digit.\n",
        per_class, percent(fid.mean, 1));

    // ---- Super-resolution -----------------------------------------------------------------------
    ctx.section("Super-resolution: 8×8 back to 16×16");
    aib::GlyphStyle clean;  // no pixel noise: the detail to restore is the strokes' edges
    clean.noise = 0;
    const aib::GlyphData train = aib::make_digits(2000, ctx.rng, clean);  // (2000, 256)
    const aib::GlyphData test = aib::make_digits(300, ctx.rng, clean);    // (300, 256)
    const Mat low = aib::downsample_2x(test.images);                      // (300, 64)
    // L1 alone, then L1 + λ·adversarial for λ and 10λ: the same budget, fresh weights each.
    const double lambdas[3] = {0.0, lambda, 10 * lambda};
    std::vector<Mat> ups = {aib::upsample_nearest(low), aib::upsample_bilinear(low)};  // (300, 256)
    std::vector<std::string> names = {"nearest", "bilinear"};
    std::vector<double> last_d;  // the discriminator's last loss, per adversarial run
    watch.restart();
    for (const double lam : lambdas) {
      aib::Upsampler up(8, {256}, ctx.rng);  // (B, 8²) -> (B, 16²)
      aib::UpsamplerTrainOptions opt = sr_train;
      opt.adversarial = lam;
      opt.disc_lr = 1e-3;
      opt.disc_hidden = 128;
      const aib::UpsamplerHistory h = aib::train_upsampler(up, train.images, ctx.rng, opt);
      ups.push_back(up.upsample(low));
      names.push_back(lam == 0 ? "L1 alone" : fmt::format("L1 + {} x adversarial", lam));
      if (lam > 0) last_d.push_back(h.discriminator.back());
    }
    fmt::print(
        "Upsampler: bilinear + a 64 -> 256 -> 256 MLP, {} steps of {} each: L1 alone,\n"
        "then L1 + lambda x the generator loss of a 256 -> 128 -> 1 discriminator\n"
        "(lambda {} and {}; last D losses {} and {}): {}.\n\n",
        sr_train.steps, sr_train.batch, lambdas[1], lambdas[2], fixed(last_d[0], 3),
        fixed(last_d[1], 3), aib::measured("{:.1f} s", watch.seconds()));
    const double real_energy = aib::gradient_energy(test.images);
    show::Table sr({"method", "PSNR (dB)", "sharpness", "vs real"});
    for (std::size_t m = 0; m < ups.size(); ++m) {
      const double e = aib::gradient_energy(ups[m]);
      sr.add_row({names[m], fixed(aib::psnr(ups[m], test.images), 2), fixed(e, 4),
                  percent(e / real_energy, 0)});
    }
    sr.add_row({"real 16×16", "-", fixed(real_energy, 4), "100%"});
    show::print(sr.render(ctx.style));
    fmt::print("{} held-out glyphs. Sharpness: mean squared difference of neighbouring pixels.\n\n",
               test.images.rows());
    Mat strip(6, 256);  // (6, 16²): one glyph as the five methods, then the real one
    for (Index m = 0; m < 5; ++m) strip.row(m) = ups[static_cast<std::size_t>(m)].row(0);
    strip.row(5) = test.images.row(0);
    fmt::print("1 nearest, 2 bilinear, 3 L1 alone, 4 and 5 with adversarial, 6 the real:\n{}",
               aib::glyph_grid(strip, 16, {1, 2, 3, 4, 5, 6}, aib::GlyphChars::shades, 80));

    // ---- The real thing -------------------------------------------------------------------------
    ctx.section("The systems this toy stands for");
    for (const Fact& f : kFacts)
      fmt::print("{}  {}\n      {}\n      source: {}\n", f.year, f.system, f.what, f.source);
  });
}
