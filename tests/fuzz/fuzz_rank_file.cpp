// libFuzzer target for Encoding::from_tiktoken: any bytes must either load or throw aib::Error.
//
// Any other exception, a crash, an out-of-bounds read (ASan) or undefined behaviour (UBSan) is a
// finding. An accepted rank file must be self-consistent: every rank r has bytes that are not
// empty, rank_of(bytes) == r, encode_piece(bytes) == {r}, and encode_ordinary of them decodes back
// to them (or throws aib::Error when a byte has no token); written back as "<base64> <rank>" lines
// (as save_encoding does) it loads again with the same tokens. Also checks special tokens added
// after the ordinary ones. Run: fuzz_rank_file -max_total_time=60 /tmp/rank-corpus
// tests/fixtures/fuzz/rank_file
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aib/tokenizer/encoding.hpp"

namespace {

namespace tk = aib::tokenizer;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tk::Encoding enc;
  try {
    enc = tk::Encoding::from_tiktoken(text, tk::SplitPattern::gpt2, {}, "fuzz", "fuzz.tiktoken");
  } catch (const aib::Error&) {
    return 0;
  }
  const std::size_t n = enc.n_ranks();
  check(n > 0 && enc.n_vocab() == n);
  std::string again;
  for (tk::Rank r = 0; r < n; ++r) {
    const std::string token(enc.token_bytes(r));
    check(!token.empty());
    check(enc.rank_of(token) == r);
    std::vector<tk::Rank> piece;
    enc.encode_piece(token, piece);
    check(piece.size() == 1 && piece[0] == r);
    try {
      check(enc.decode_bytes(enc.encode_ordinary(token)) == token);
    } catch (const aib::Error&) {  // a byte of it has no single-byte token: allowed to refuse
    }
    again += tk::detail::base64_encode(token) + ' ' + std::to_string(r) + '\n';
  }
  const tk::Encoding back = tk::Encoding::from_tiktoken(again, tk::SplitPattern::gpt2, {}, "again", "again");
  check(back.n_ranks() == n);
  for (tk::Rank r = 0; r < n; ++r) check(back.token_bytes(r) == enc.token_bytes(r));

  // A special token after the ordinary ones: encodes to its id when allowed, decodes to its text.
  const auto special_id = static_cast<tk::Rank>(n + 3);
  enc.set_special_tokens({{"<|endoftext|>", special_id}});
  check(enc.n_vocab() == n + 4);
  check(enc.token_bytes(special_id) == "<|endoftext|>");
  try {
    const std::vector<tk::Rank> ids = enc.encode("<|endoftext|>", {"<|endoftext|>"});
    check(ids.size() == 1 && ids[0] == special_id);
  } catch (const aib::Error&) {
    check(false);  // a special token alone needs no ordinary bytes
  }
  return 0;
}
