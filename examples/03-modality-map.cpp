// Episode 03 — The GenAI modality map: text, image, audio, video, code and 3-D as the tensors a
// model sees, each computed here.
//
// Text and code become tokens (the real cl100k_base encoding when its rank file is found, else a
// vocabulary trained on the spot: aib/tokenizer, examples/common/encodings.hpp); an image becomes
// 16×16 patches (aib/nn/patches.hpp, ViT's recipe); audio becomes a magnitude spectrogram
// (aib/core/spectrum.hpp: a radix-2 FFT over Hann-windowed frames, 100 per second); video is
// frames × patches; a 3-D shape is a point cloud or a voxel grid. The example models of each
// modality come from examples/data/modalities.csv, one sourced row each (sourced_table.hpp).
// The sound analysed is a synthetic whistle and hum, unless --narration speaks this episode's
// narrative with espeak-ng (examples/common/speech.hpp) or --wav names a recording, so the saved
// output never depends on what is installed. (About 240 lines, over the guide of 220: six
// modalities, each computed and shown; the sounds and pictures are drawn in modality_views.hpp.)
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aib/core/check.hpp"
#include "aib/core/spectrum.hpp"
#include "aib/generative/glyphs.hpp"
#include "aib/nn/patches.hpp"
#include "aib/show/format.hpp"
#include "aib/show/plot.hpp"
#include "aib/show/table.hpp"
#include "encodings.hpp"
#include "episode.hpp"
#include "episode_text.hpp"
#include "modality_views.hpp"
#include "sourced_table.hpp"

namespace {

using aib::Index;
using aib::show::fixed;
using aib::show::grouped;

// A few lines of this library's C++, to compare with prose in tokens per character.
constexpr const char* kCode =
    "for (Index i = 0; i < height / patch; ++i)\n"
    "  for (Index j = 0; j < across; ++j)\n"
    "    for (Index dy = 0; dy < patch; ++dy)\n"
    "      out.row(i * across + j).segment(dy * row_len, row_len) =\n"
    "          image.row(i * patch + dy).segment(j * row_len, row_len);\n";

}  // namespace

int main(int argc, char** argv) {
  aib::episode::Program ep(aib_embedded::episode_markdown);
  aib::episode::Encodings encodings(ep.flags());
  std::string patch_side = "16";
  int fps = 24, points = 4096, voxels = 32;
  std::string wav;
  bool narration = false;
  ep.flags()
      .add("--patch", patch_side, "Side of an image patch in pixels (a divisor of 224)")
      .one_of({"1", "2", "4", "7", "8", "14", "16", "28", "32", "56", "112", "224"});
  ep.option("--fps", fps, "Frames per second of the video", 1, 120);
  ep.option("--points", points, "Points in the 3-D point cloud", 8, 200000);
  ep.option("--voxels", voxels, "Voxels along each side of the 3-D grid", 2, 256);
  ep.flags()
      .add("--wav", wav,
           "Analyse this WAV file instead of the synthetic sound (16-bit PCM or float), e.g. "
           "the narration from `aibasics speak 3 --out narration.wav`")
      .existing_file()
      .type_name("FILE");
  ep.flags().flag("--narration", narration,
                  "Analyse this episode's narration, spoken by espeak-ng (needs espeak-ng)");
  ep.usage_rule(
      [&] { return narration && !wav.empty() ? "--narration and --wav exclude each other" : ""; });

  return ep.run(argc, argv, [&](aib::episode::Context& ctx) {
    namespace show = aib::show;
    const Index patch = std::stol(patch_side);
    const auto table = aib::episode::SourcedTable::parse(
        aib_embedded::modalities, "examples/data/modalities.csv",
        {"modality", "example", "organisation", "family", "representation"});

    // ---- Text and code: tokens ------------------------------------------------------------------
    ctx.section("Text and code: tokens");
    aib::tokenizer::TrainOptions options;
    options.vocab_size = 1000;
    options.pattern = aib::tokenizer::SplitPattern::cl100k;
    const aib::episode::Tokenizers tok =
        encodings.real_or_trained({"cl100k_base"}, options, aib_embedded::course_sentences);
    const aib::tokenizer::Encoding& enc = tok.first();
    if (tok.trained)
      fmt::print("A byte-level BPE vocabulary of {} tokens, trained on the course sentences.\n",
                 grouped(enc.n_ranks()));
    else
      fmt::print("Using the real cl100k_base encoding ({} tokens).\n", grouped(enc.n_ranks()));
    const std::string prose = ep.info().narrative;
    const std::string code = kCode;
    const std::size_t prose_tokens = enc.encode_ordinary(prose).size();
    const std::size_t code_tokens = enc.encode_ordinary(code).size();
    show::Table text_table({"text", "characters", "tokens", "tokens per character"});
    for (std::size_t c = 1; c < 4; ++c) text_table.align(c, show::Align::right);
    text_table.add_row({"this episode's narrative (prose)", grouped(prose.size()),
                        grouped(prose_tokens), fixed(double(prose_tokens) / prose.size(), 2)});
    text_table.add_row({"five lines of C++ (code)", grouped(code.size()), grouped(code_tokens),
                        fixed(double(code_tokens) / code.size(), 2)});
    show::print(text_table.render(ctx.style));
    fmt::print("Each token is one integer; the model looks up a learned vector for it.\n");

    // ---- Image: patches -------------------------------------------------------------------------
    ctx.section("Image: a glyph cut into 4×4 patches");
    const aib::Mat glyph =
        Eigen::Map<const aib::Mat>(aib::draw_digit(3, 16).data(), 16, 16);  // (16, 16), grey
    const aib::Mat glyph_patches = aib::patchify(glyph, 1, 4);              // (16, 16)
    fmt::print("{}", aib::episode::glyph_with_patches(glyph, 4));
    fmt::print("A 16×16 grey glyph -> patchify -> ({}, {}): {} tokens of {} numbers.\n",
               glyph_patches.rows(), glyph_patches.cols(), glyph_patches.rows(),
               glyph_patches.cols());
    Index blank = 0;
    for (Index r = 0; r < glyph_patches.rows(); ++r)
      blank += glyph_patches.row(r).maxCoeff() < 0.05f;
    fmt::print("{} of the {} patches hold no ink at all ({}%).\n", blank, glyph_patches.rows(),
               fixed(100.0 * blank / glyph_patches.rows(), 0));
    aib::Mat photo(224, 224 * 3);  // (H, W·C): a random stand-in for a photo
    for (Index i = 0; i < photo.size(); ++i) photo.data()[i] = ctx.rng.uniform();
    const aib::Mat vit = aib::patchify(photo, 3, patch);  // (N, p·p·3)
    fmt::print(
        "ViT's recipe: a 224×224×3 image ({} numbers) -> {}×{} patches ->\n"
        "({}, {}): {} tokens of {} numbers each.\n",
        grouped(photo.size()), patch, patch, grouped(vit.rows()), grouped(vit.cols()),
        grouped(vit.rows()), grouped(vit.cols()));

    // ---- Audio: waveform and spectrogram --------------------------------------------------------
    ctx.section("Audio: a waveform and its spectrogram");
    const aib::episode::Sound sound =
        narration     ? aib::episode::narration_sound(aib_embedded::episode_markdown,
                                                      "episodes/03-modality-map.md")
        : wav.empty() ? aib::episode::synthetic_sound()
                      : aib::episode::wav_sound(wav);
    const auto hop = static_cast<Index>(std::lround(sound.rate / 100.0));  // 10 ms
    Index frame = 1;
    while (frame < sound.rate / 40) frame *= 2;  // a power of two covering 25 ms
    const aib::MatD spec = aib::magnitude_spectrogram(sound.samples, frame, hop);  // (F, frame/2+1)
    const double seconds = double(sound.samples.size()) / sound.rate;
    fmt::print("Signal: {}.\n", sound.what);
    if (wav.empty() && !narration)
      fmt::print("(For this episode's narration instead, spoken by espeak-ng: --narration.)\n");
    fmt::print("Waveform: {} samples per second, {} in all ({} s).\n", grouped(sound.rate),
               grouped(sound.samples.size()), fixed(seconds, 2));
    std::vector<double> wave;  // the first 10 ms, every third sample
    for (std::size_t t = 0; t < std::min<std::size_t>(sound.samples.size(), sound.rate / 100);
         t += 3)
      wave.push_back(sound.samples[t]);
    fmt::print("The first 10 ms, every third sample:\n  {}\n", show::sparkline(wave));
    fmt::print(
        "Spectrogram: frames of {} samples every {} (FFT: aib::fft), {} bins of\n"
        "{} Hz each: {} frames, {} frames per second.\n",
        frame, hop, spec.cols(), fixed(double(sound.rate) / frame, 1), spec.rows(),
        fixed(double(sound.rate) / hop, 1));
    fmt::print(
        "That is {} numbers per second, more than the {} raw samples: models keep\n"
        "fewer bins (a mel scale) and merge frames (see Whisper below).\n",
        grouped(double(sound.rate) / hop * double(spec.cols())), grouped(sound.rate));
    const aib::episode::SpectrogramView view = aib::episode::first_second(spec, sound.rate, hop);
    fmt::print(
        "Loudness in dB below the loudest bin, by time (rows) and frequency (columns of\n"
        "{} Hz; a digit marks each kHz):\n",
        fixed(view.band_hz, 0));
    show::print(show::heatmap(view.db, view.times, view.bands, ctx.style, -60.0, 0.0, 0));

    // ---- Video: frames × patches ----------------------------------------------------------------
    ctx.section("Video: frames × patches");
    const int clip = 8;  // frames of a tiny video: the glyph moving right one pixel per frame
    Index changed = 0;
    aib::Mat previous;  // (16, 16) patches of the frame before
    for (int t = 0; t < clip; ++t) {
      aib::GlyphPose pose;
      pose.dx = float(t) - clip / 2.0f;
      const aib::Mat frame_image = Eigen::Map<const aib::Mat>(
          aib::draw_digit(3, 16, 1.5f, pose).data(), 16, 16);  // (16, 16)
      const aib::Mat now = aib::patchify(frame_image, 1, 4);   // (16, 16)
      if (t > 0)
        for (Index r = 0; r < now.rows(); ++r)
          changed += (now.row(r) - previous.row(r)).cwiseAbs().maxCoeff() > 1e-6f;
      previous = now;
    }
    fmt::print(
        "{} frames of the glyph sliding right: {} × {} = {} patch tokens; between frames,\n"
        "{} of {} patches changed (the others, empty background, repeat exactly).\n",
        clip, clip, previous.rows(), clip * previous.rows(), changed, (clip - 1) * previous.rows());
    const Index per_frame = aib::patch_count(224, 224, patch);
    fmt::print(
        "One second at {} frames per second of 224×224 images: {} × {} = {} tokens\n"
        "({} numbers raw).\n",
        fps, fps, grouped(per_frame), grouped(fps * per_frame),
        grouped(double(fps) * 224 * 224 * 3));

    // ---- 3-D: points and voxels -----------------------------------------------------------------
    ctx.section("3-D: points or voxels");
    const double pi = std::acos(-1.0);
    std::set<Index> occupied;           // voxels holding at least one point
    for (int i = 0; i < points; ++i) {  // points on a torus (radii 0.6 and 0.25) in [-1, 1]³
      const double u = 2 * pi * ctx.rng.uniform(), v = 2 * pi * ctx.rng.uniform();
      const double xyz[3] = {(0.6 + 0.25 * std::cos(v)) * std::cos(u),
                             (0.6 + 0.25 * std::cos(v)) * std::sin(u), 0.25 * std::sin(v)};
      Index key = 0;
      for (const double c : xyz)
        key = key * voxels + std::min<Index>(voxels - 1, Index((c + 1) / 2 * voxels));
      occupied.insert(key);
    }
    const double cells = double(voxels) * voxels * voxels;
    fmt::print(
        "A ring-shaped surface as {} points × 3 coordinates = {} numbers;\n"
        "as a {}³ voxel grid: {} cells, {} of them occupied ({}%).\n",
        grouped(points), grouped(3 * points), voxels, grouped(cells), grouped(occupied.size()),
        fixed(100.0 * occupied.size() / cells, 1));

    // ---- The map --------------------------------------------------------------------------------
    ctx.section("The map: what a model sees, per item");
    const auto examples = [&](const std::string& modality) {
      std::string names;
      for (const aib::episode::SourcedRow& r : table.rows())
        if (table.text(r, "modality") == modality)
          names += (names.empty() ? "" : ", ") + table.text(r, "example");
      return names;
    };
    // Per item: the raw numbers (bytes for text), and the tokens × the numbers in each (a token
    // id is one integer, looked up in an embedding table).
    show::Table map({"modality", "item", "raw numbers", "tokens × size", "for example"});
    for (std::size_t c = 2; c < 4; ++c) map.align(c, show::Align::right);
    const auto times = [](const std::string& n, Index size) {
      return fmt::format("{} × {}", n, grouped(size));
    };
    map.add_row({"text", "narrative", grouped(prose.size()), times(grouped(prose_tokens), 1),
                 examples("text")});
    map.add_row({"code", "5 C++ lines", grouped(code.size()), times(grouped(code_tokens), 1),
                 examples("code")});
    map.add_row({"image", "224×224×3", grouped(photo.size()),
                 times(grouped(vit.rows()), vit.cols()), examples("image")});
    map.add_row({"audio", "1 s", grouped(sound.rate),
                 times(fixed(double(sound.rate) / hop, 1), spec.cols()), examples("audio")});
    map.add_row({"video", fmt::format("1 s, {} fps", fps), grouped(double(fps) * 224 * 224 * 3),
                 times(grouped(fps * per_frame), vit.cols()), examples("video")});
    map.add_row(
        {"3-D", "point cloud", grouped(3 * points), times(grouped(points), 3), examples("3-D")});
    show::print(map.render(ctx.style));
    fmt::print("Example models (examples/data/modalities.csv, one source per row):\n");
    for (const aib::episode::SourcedRow& r : table.rows())
      fmt::print("  {} ({}), {}, read {}:\n    {}.\n    {}\n", table.text(r, "example"),
                 table.text(r, "organisation"), table.text(r, "family"), table.date(r),
                 table.text(r, "representation"), table.source(r));
  });
}
