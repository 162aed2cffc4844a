// aib/core/wav.hpp — what a WAV file holds: format, sample rate, and how long it plays.
//
// A WAV file is a RIFF container: "RIFF", a 32-bit size, "WAVE", then chunks (a 4-byte id, a
// 32-bit little-endian size, the body, one pad byte when the size is odd). The "fmt " chunk
// gives the encoding (1 = integer PCM, 3 = float, 0xFFFE = extensible), channels, sample rate,
// byte rate and block size; the "data" chunk holds the samples. The duration is
// data bytes / byte rate. wav_info() reads and checks the header of bytes in memory,
// read_wav_info() that of a file (without reading the samples). Every inconsistency is an
// aib::IoError "<who>: '<name>': <what was wrong>". Leaves out: reading the samples, compressed
// encodings (ADPCM, µ-law), RF64 (files over 4 GiB), writing.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "aib/core/files.hpp"

namespace aib {

struct WavInfo {
  std::uint16_t format = 0;           // 1 integer PCM, 3 IEEE float, 0xFFFE extensible
  std::uint16_t channels = 0;         // at least 1
  std::uint32_t sample_rate = 0;      // frames per second
  std::uint32_t byte_rate = 0;        // sample_rate · block_align
  std::uint16_t block_align = 0;      // bytes per frame: channels · bits_per_sample / 8
  std::uint16_t bits_per_sample = 0;  // 8, 16, 24, 32 or 64
  std::uint64_t data_offset = 0;      // where the samples start in the file
  std::uint64_t data_bytes = 0;       // size of the data chunk

  std::uint64_t frames() const { return data_bytes / block_align; }
  double seconds() const { return static_cast<double>(data_bytes) / byte_rate; }
};

namespace detail {

inline std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

inline std::uint16_t le16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

// The header checks shared by wav_info and read_wav_info. read_at(offset, dst, n) copies n bytes
// at offset (the caller guarantees offset + n <= size); fail(what) throws.
template <class ReadAt, class Fail>
WavInfo parse_wav(std::uint64_t size, ReadAt&& read_at, Fail&& fail) {
  unsigned char riff[12];
  if (size < 12)
    fail(fmt::format("{} bytes is too short for a WAV header (RIFF, size, WAVE: 12 bytes)", size));
  read_at(0, riff, 12);
  if (std::memcmp(riff, "RIFF", 4) != 0 || std::memcmp(riff + 8, "WAVE", 4) != 0)
    fail(fmt::format("not a WAV file: it starts with '{}', expected 'RIFF....WAVE'",
                     printable(std::string_view(reinterpret_cast<const char*>(riff), 12))));
  const std::uint64_t riff_end = 8 + static_cast<std::uint64_t>(le32(riff + 4));
  if (riff_end > size)
    fail(fmt::format("the RIFF header says {} bytes but the file has {} (truncated?)", riff_end,
                     size));

  WavInfo info;
  bool have_fmt = false;
  std::uint64_t pos = 12;
  while (true) {
    if (pos + 8 > riff_end)
      fail(have_fmt ? "no 'data' chunk before the end of the RIFF container"
                    : "no 'fmt ' chunk before the end of the RIFF container");
    unsigned char chunk[8];
    read_at(pos, chunk, 8);
    const std::string_view id(reinterpret_cast<const char*>(chunk), 4);
    const std::uint64_t chunk_size = le32(chunk + 4), body = pos + 8;
    if (body + chunk_size > riff_end)
      fail(
          fmt::format("chunk '{}' at byte {} claims {} bytes, past the end of the RIFF "
                      "container (byte {})",
                      printable(id), pos, chunk_size, riff_end));
    if (id == "fmt ") {
      if (have_fmt) fail(fmt::format("a second 'fmt ' chunk at byte {}", pos));
      if (chunk_size < 16)
        fail(fmt::format("the 'fmt ' chunk has {} bytes, fewer than the 16 of PCM", chunk_size));
      unsigned char f[16];
      read_at(body, f, 16);
      info.format = le16(f);
      info.channels = le16(f + 2);
      info.sample_rate = le32(f + 4);
      info.byte_rate = le32(f + 8);
      info.block_align = le16(f + 12);
      info.bits_per_sample = le16(f + 14);
      if (info.format != 1 && info.format != 3 && info.format != 0xFFFE)
        fail(
            fmt::format("format {} is not PCM (1), float (3) or extensible (0xFFFE)", info.format));
      if (info.channels == 0) fail("the 'fmt ' chunk says 0 channels");
      if (info.sample_rate == 0) fail("the 'fmt ' chunk says a sample rate of 0 Hz");
      const std::uint16_t bits = info.bits_per_sample;
      if (bits != 8 && bits != 16 && bits != 24 && bits != 32 && bits != 64)
        fail(fmt::format("{} bits per sample (expected 8, 16, 24, 32 or 64)", bits));
      if (info.block_align != info.channels * (bits / 8))
        fail(fmt::format("block align {} is not channels × bytes per sample = {} × {}",
                         info.block_align, info.channels, bits / 8));
      if (static_cast<std::uint64_t>(info.byte_rate) !=
          static_cast<std::uint64_t>(info.sample_rate) * info.block_align)
        fail(fmt::format("byte rate {} is not sample rate × block align = {} × {}", info.byte_rate,
                         info.sample_rate, info.block_align));
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) fail(fmt::format("the 'data' chunk at byte {} comes before 'fmt '", pos));
      if (chunk_size % info.block_align != 0)
        fail(fmt::format("the 'data' chunk has {} bytes, not a whole number of {}-byte frames",
                         chunk_size, info.block_align));
      info.data_offset = body;
      info.data_bytes = chunk_size;
      return info;
    }
    pos = body + chunk_size + (chunk_size % 2);  // chunks are padded to an even size
  }
}

}  // namespace detail

// The header of a whole WAV file held in `bytes`; `name` appears in the errors.
//   wav_info(bytes, "a.wav").seconds() == data bytes / byte rate
inline WavInfo wav_info(std::string_view bytes, std::string_view name) {
  return detail::parse_wav(
      bytes.size(),
      [&](std::uint64_t offset, unsigned char* dst, std::size_t n) {
        std::memcpy(dst, bytes.data() + offset, n);
      },
      [&](std::string_view what) { file_error("wav_info", name, what); });
}

// The header of the WAV file at `path`, read without its samples.
inline WavInfo read_wav_info(const std::string& path) {
  BinaryReader in(path, "read_wav_info");
  return detail::parse_wav(
      in.size(),
      [&](std::uint64_t offset, unsigned char* dst, std::size_t n) {
        in.seek(static_cast<std::size_t>(offset));
        in.read(dst, n);
      },
      [&](std::string_view what) { in.fail(what); });
}

}  // namespace aib
