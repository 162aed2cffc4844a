// Episode 31 — VAEs: an autoencoder whose code is a distribution, so that a point drawn from the
// prior decodes to a digit.
//
// The model is aib::Vae (aib/generative/vae.hpp): encoder 256 -> H -> 2Z (μ, log σ²), z = μ + σ·ε,
// decoder Z -> H -> 256 logits (Bernoulli), trained by aib::train_vae (Adam) on the 16x16 digits
// of aib/generative/glyphs.hpp. Its loss is printed as its two terms, each summed over its
// dimensions and averaged over the glyphs; kl_per_dimension and active_units read the code,
// iwae_bound tightens the bound. New digits are judged by the glyph reader of
// aib/generative/classifier.hpp (read_glyphs: confident share, digits covered).
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/timing.hpp"
#include "aib/generative/autoencoder.hpp"
#include "aib/generative/classifier.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/generative/vae.hpp"
#include "aib/show/columns.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "episode.hpp"
#include "episode_text.hpp"

namespace {

using aib::Index;
using aib::show::fixed;

// The held-out loss terms (one ε per glyph), in nats per glyph.
aib::VaeLossT<float> held_out(const aib::Vae& vae, const aib::Mat& x, double beta, aib::Rng& rng) {
  const aib::NoGrad no_grad;
  return vae.loss(x, rng, beta);
}

// Σ_d −[x log x + (1 − x) log(1 − x)] averaged over the rows: the reconstruction term's floor for
// grey pixels (the cross-entropy of x with itself), 0 for pure black and white.
double pixel_entropy(const aib::Mat& x) {
  const Eigen::ArrayXXd p = x.cast<double>().array().min(1.0 - 1e-12).max(1e-12);  // (N, D)
  return -(p * p.log() + (1 - p) * (1 - p).log()).sum() / static_cast<double>(x.rows());
}

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  int latent = 8, hidden = 64, steps = 1000, train_n = 2000, samples_n = 1000;
  double lr = 5e-3;
  ep.option("--latent", latent, "Latent dimensions Z", 1, 64);
  ep.option("--hidden", hidden, "Hidden width of the encoder and of the decoder", 8, 1024);
  ep.option("--steps", steps, "Adam steps per model (64 glyphs each)", 1, 100000);
  ep.option("--train", train_n, "Training glyphs", 100, 100000);
  ep.option("--samples", samples_n, "Digits drawn from the prior and read by the classifier", 10,
            100000);
  ep.option("--lr", lr, "Adam learning rate", 1e-5, 1.0);

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const aib::GlyphData train = aib::make_digits(train_n, ctx.rng);  // (N, 256)
    const aib::GlyphData test = aib::make_digits(500, ctx.rng);       // (500, 256)
    aib::Rng reader_rng(ctx.seed, 3);
    const aib::GlyphClassifier reader = aib::train_glyph_classifier(reader_rng);
    aib::VaeTrainOptions opt;
    opt.steps = steps;
    opt.lr = lr;
    const auto fit = [&](double beta) {
      aib::Rng init(ctx.seed, 7);  // the same start for every β
      aib::Vae vae(256, {hidden}, latent, init);
      opt.beta = beta;
      aib::train_vae(vae, train.images, init, opt);
      return vae;
    };

    // ---- The model and its two terms --------------------------------------------------------
    ctx.section("A VAE learns the 16x16 digits");
    aib::Stopwatch watch;
    const aib::Vae vae = fit(1.0);
    fmt::print(
        "Encoder 256 -> {} -> 2 x {} (mean and log-variance of z), decoder {} -> {} -> 256\n"
        "pixel logits; {} Adam steps of 64 from {} training glyphs ({}).\n\n",
        hidden, latent, latent, hidden, show::grouped(steps), show::grouped(train_n),
        aib::measured("{:.2f} s", watch.seconds()));
    aib::Rng eval(ctx.seed, 9);
    const aib::VaeLossT<float> t = held_out(vae, test.images, 1.0, eval);
    show::Table terms({"term", "reduction", "nats per glyph"});
    terms.add_row(
        {"reconstruction -log p(x|z)", "sum over 256 pixels", fixed(t.reconstruction.item(), 2)});
    terms.add_row({"KL(q(z|x) || N(0, I))", fmt::format("sum over {} latent dims", latent),
                   fixed(t.kl.item(), 2)});
    terms.add_row({"loss = reconstruction + KL", "", fixed(t.loss.item(), 2)});
    show::print(terms.render(ctx.style));
    fmt::print(
        "Each term is summed over its dimensions, then averaged over the 500 held-out\n"
        "glyphs (one draw of z each). Grey pixels put a floor under the reconstruction:\n"
        "their own entropy, {} nats per glyph.\n\n",
        fixed(pixel_entropy(test.images), 2));
    const aib::VecD kl_dim = vae.kl_per_dimension(test.images);  // (Z)
    std::vector<std::string> names;
    for (Index i = 0; i < kl_dim.size(); ++i) names.push_back(fmt::format("z{}", i + 1));
    fmt::print("KL of each latent dimension (nats, averaged over the glyphs):\n{}\n",
               show::bar_chart(names, std::vector<double>(kl_dim.data(), kl_dim.data() + latent),
                               ctx.style, 30, 2));
    fmt::print("Four held-out glyphs, then their reconstructions:\n{}{}",
               aib::glyph_grid(test.images.topRows(4), 16),
               aib::glyph_grid(vae.reconstruct(test.images.topRows(4)), 16));

    // ---- Sampling from the prior ------------------------------------------------------------
    ctx.section("New digits from the prior");
    const aib::Mat drawn = vae.sample(samples_n, ctx.rng);  // (n, 256)
    const std::vector<int> read = reader.predict(drawn.topRows(8));
    fmt::print("z ~ N(0, I), decoded; the glyph reader's guess under each:\n{}\n",
               aib::glyph_grid(drawn.topRows(8), 16, read));
    show::Table quality({"images", "read confidently", "digits covered", "reverse KL"});
    const auto row = [&](const std::string& what, const aib::Mat& images) {
      const aib::GlyphReading r = aib::read_glyphs(reader, images);
      quality.add_row({what, show::percent(r.confident_share),
                       fmt::format("{} of 10", r.classes_covered), fixed(r.reverse_kl, 3)});
    };
    // The plain autoencoder of episodes 29 and 30 with the same widths, trained the same way
    // without the KL term: it has no prior, so random codes come from around its training codes.
    aib::AutoencoderConfig config;
    config.hidden = {hidden};
    config.latent = latent;
    aib::Rng ae_rng(ctx.seed, 7);
    aib::Autoencoder ae(config, ae_rng);
    aib::AutoencoderTraining training;
    training.steps = steps;
    training.lr = training.lr_min = lr;  // constant, as the VAE's
    aib::train_autoencoder(ae, train.images, ae_rng, training);
    const aib::Mat codes = ae.encode(train.images);  // (N, Z)
    row("500 real held-out glyphs", test.images);
    row(fmt::format("{} VAE samples, z ~ N(0, I)", show::grouped(samples_n)), drawn);
    row("autoencoder, z in its codes' box",
        ae.decode(aib::sample_latent_box(codes, samples_n, ctx.rng)));
    row("autoencoder, z ~ fit to its codes",
        ae.decode(aib::sample_latent_gaussian(codes, samples_n, ctx.rng)));
    show::print(quality.render(ctx.style));
    fmt::print(
        "Confident: the reader's top probability is at least 0.9. Reverse KL of the\n"
        "confident digits' histogram from uniform: 0 when all ten are equally common.\n"
        "The plain autoencoder has the same widths and training, without the KL term; it\n"
        "has no prior, so its random codes are drawn uniformly in the box around its\n"
        "training codes, or from a Gaussian fitted to them (episode 30).\n");

    // ---- β ----------------------------------------------------------------------------------
    ctx.section("Turning up beta, the weight of the KL term");
    show::Table sweep(
        {"beta", "reconstruction", "KL", "active dims", "read confidently", "digits"});
    for (const double beta : {0.5, 1.0, 4.0, 16.0}) {
      const aib::Vae v = beta == 1.0 ? vae : fit(beta);
      aib::Rng r(ctx.seed, 9);
      const aib::VaeLossT<float> tb = held_out(v, test.images, beta, r);
      const aib::GlyphReading g = aib::read_glyphs(reader, v.sample(samples_n, r));
      sweep.add_row({fixed(beta, 1), fixed(tb.reconstruction.item(), 2), fixed(tb.kl.item(), 2),
                     fmt::format("{} of {}", v.active_units(test.images), latent),
                     show::percent(g.confident_share), std::to_string(g.classes_covered)});
    }
    show::print(sweep.render(ctx.style));
    fmt::print(
        "Active: a latent dimension whose KL is above 0.01 nats, so it says something\n"
        "about the glyph. Reconstruction and KL in nats per held-out glyph; confident\n"
        "reading and digits covered of {} samples from the prior.\n",
        show::grouped(samples_n));

    // ---- The importance-weighted bound ------------------------------------------------------
    ctx.section("A tighter bound with more samples of z");
    const aib::Mat few = test.images.topRows(200);  // (200, 256)
    show::Table iwae({"k samples of z", "bound on log p(x), nats", "gain over k = 1"});
    double first = 0;
    for (const Index k : {1, 4, 16, 64}) {
      aib::Rng r(ctx.seed, 11);
      const double bound = vae.iwae_bound(few, k, r);
      if (k == 1) first = bound;
      iwae.add_row({std::to_string(k), fixed(bound, 2), fixed(bound - first, 2)});
    }
    show::print(iwae.render(ctx.style));
    fmt::print(
        "Bound: log of the mean of p(x, z_i)/q(z_i|x) over k draws z_i from the encoder,\n"
        "averaged over 200 held-out glyphs. k = 1 is the ELBO (minus the loss); the\n"
        "model's true log p(x) lies above every row.\n");
  });
}
