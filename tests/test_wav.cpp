// Tests for aib/core/wav.hpp: a hand-built WAV header read from memory and from a file, its
// duration, and malformed headers refused with a message naming the file and what was wrong.
#include <cstdint>
#include <string>

#include "catch.hpp"
#include "test_helpers.hpp"

#include "aib/core/files.hpp"
#include "aib/core/wav.hpp"

namespace test_wav {

using aib_test::message_of;
using Catch::Matchers::Contains;

void put32(std::string& s, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
}
void put16(std::string& s, std::uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}

struct Fmt {
  std::uint16_t format = 1, channels = 1;
  std::uint32_t sample_rate = 22050, byte_rate = 44100;
  std::uint16_t block_align = 2, bits = 16;
};

std::string fmt_chunk(const Fmt& f) {
  std::string s = "fmt ";
  put32(s, 16);
  put16(s, f.format);
  put16(s, f.channels);
  put32(s, f.sample_rate);
  put32(s, f.byte_rate);
  put16(s, f.block_align);
  put16(s, f.bits);
  return s;
}

std::string chunk(const std::string& id, const std::string& body) {
  std::string s = id;
  put32(s, static_cast<std::uint32_t>(body.size()));
  s += body;
  if (body.size() % 2 == 1) s += '\0';  // the pad byte
  return s;
}

// RIFF, its size (everything after these 8 bytes), WAVE, then the chunks.
std::string riff(const std::string& chunks) {
  std::string s = "RIFF";
  put32(s, static_cast<std::uint32_t>(4 + chunks.size()));
  return s + "WAVE" + chunks;
}

// A valid file: 16-bit mono at 22050 Hz, a LIST chunk of odd size (padded) before 'data', and
// 11025 frames of samples (0.5 s).
std::string valid_wav(std::size_t frames = 11025) {
  return riff(fmt_chunk(Fmt{}) + chunk("LIST", "INFOabc") +
              chunk("data", std::string(frames * 2, '\x01')));
}

TEST_CASE("wav_info reads a hand-built header: format, rate, data chunk and duration", "[wav]") {
  const std::string bytes = valid_wav();
  const aib::WavInfo info = aib::wav_info(bytes, "a.wav");
  CHECK(info.format == 1);
  CHECK(info.channels == 1);
  CHECK(info.sample_rate == 22050);
  CHECK(info.byte_rate == 44100);
  CHECK(info.block_align == 2);
  CHECK(info.bits_per_sample == 16);
  // 12 (RIFF header) + 24 (fmt) + 8 + 8 (LIST: 7 bytes and a pad) + 8 (data chunk header)
  CHECK(info.data_offset == 60);
  CHECK(info.data_bytes == 22050);
  CHECK(info.frames() == 11025);
  CHECK(info.seconds() == Approx(0.5).margin(1e-12));

  // Stereo float at 48 kHz, 1.25 s: 60000 frames of 8 bytes.
  const Fmt stereo{3, 2, 48000, 384000, 8, 32};
  const aib::WavInfo f =
      aib::wav_info(riff(fmt_chunk(stereo) + chunk("data", std::string(480000, '\0'))), "s.wav");
  CHECK(f.format == 3);
  CHECK(f.channels == 2);
  CHECK(f.frames() == 60000);
  CHECK(f.seconds() == Approx(1.25).margin(1e-12));
}

TEST_CASE("read_wav_info reads the header of a file and agrees with wav_info", "[wav]") {
  aib_test::TempDir tmp;
  const std::string path = tmp.file("speech.wav");
  const std::string bytes = valid_wav(22050 * 3);  // 3 s
  aib::write_file(path, bytes, "test");
  const aib::WavInfo info = aib::read_wav_info(path);
  CHECK(info.data_offset == aib::wav_info(bytes, "x").data_offset);
  CHECK(info.seconds() == Approx(3.0).margin(1e-12));

  CHECK_THAT(message_of([&] { aib::read_wav_info(tmp.file("absent.wav")); }),
             Contains("read_wav_info: '") && Contains("absent.wav': cannot open"));
  aib::write_file(path, bytes.substr(0, 100), "test");  // cut short
  CHECK_THAT(message_of([&] { aib::read_wav_info(path); }), Contains("speech.wav'") &&
                                                                Contains("the RIFF header says") &&
                                                                Contains("the file has 100"));
}

TEST_CASE("wav_info refuses malformed headers, naming the file and what was wrong", "[wav]") {
  auto error = [](const std::string& bytes) {
    return message_of([&] { aib::wav_info(bytes, "bad.wav"); });
  };
  const std::string data = chunk("data", std::string(100, '\0'));
  const std::string good = riff(fmt_chunk(Fmt{}) + data);
  REQUIRE(error(good) == "(no error)");

  CHECK_THAT(error("RIFF"), Contains("wav_info: 'bad.wav': 4 bytes is too short"));
  CHECK_THAT(error("RIFX" + good.substr(4)), Contains("'bad.wav': not a WAV file"));
  CHECK_THAT(error(good.substr(0, 8) + "AVI " + good.substr(12)), Contains("not a WAV file"));
  CHECK_THAT(error(good.substr(0, good.size() - 1)),
             Contains("the RIFF header says 144 bytes but the file has 143"));
  CHECK_THAT(error(riff(data)), Contains("'data' chunk at byte 12 comes before 'fmt '"));
  CHECK_THAT(error(riff(fmt_chunk(Fmt{}))), Contains("no 'data' chunk"));
  CHECK_THAT(error(riff("")), Contains("no 'fmt ' chunk"));
  CHECK_THAT(error(riff(chunk("fmt ", "12345678")) + data),
             Contains("'fmt ' chunk has 8 bytes, fewer than the 16"));
  CHECK_THAT(error(riff(fmt_chunk(Fmt{}) + fmt_chunk(Fmt{}) + data)),
             Contains("a second 'fmt ' chunk at byte 36"));

  // A chunk whose size runs past the container.
  std::string long_chunk = "data";
  put32(long_chunk, 1000);
  CHECK_THAT(error(riff(fmt_chunk(Fmt{}) + long_chunk + std::string(10, '\0'))),
             Contains("chunk 'data' at byte 36 claims 1000 bytes, past the end"));

  Fmt f;
  f.format = 2;  // ADPCM
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("format 2 is not PCM"));
  f = Fmt{};
  f.channels = 0;
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("0 channels"));
  f = Fmt{};
  f.sample_rate = 0;
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("sample rate of 0 Hz"));
  f = Fmt{};
  f.bits = 12;
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("12 bits per sample"));
  f = Fmt{};
  f.block_align = 4;
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("block align 4 is not channels"));
  f = Fmt{};
  f.byte_rate = 22050;
  CHECK_THAT(error(riff(fmt_chunk(f) + data)), Contains("byte rate 22050 is not sample rate"));
  CHECK_THAT(error(riff(fmt_chunk(Fmt{}) + chunk("data", std::string(99, '\0')))),
             Contains("'data' chunk has 99 bytes, not a whole number of 2-byte frames"));
}

}  // namespace test_wav
