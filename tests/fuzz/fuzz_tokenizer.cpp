// libFuzzer target for aib::tokenizer::Encoding: any byte string must encode, and decode back.
//
// Three small encodings, one per split pattern (gpt2, cl100k, o200k), are trained once on a fixed
// multilingual text (so they hold merges that end inside a UTF-8 character) and given two special
// tokens. For every input x and each encoding it checks:
//   decode_bytes(encode_ordinary(x)) == x, and encode with Disallowed::text gives the same ids;
//   encode with all specials allowed also gives back x, and the default encode either gives the
//   ordinary ids or throws aib::Error (only if x holds a special token's text);
//   the ids are the pieces of split(x) encoded one by one, and merge_plain and merge_tree agree on
//   every piece (and, for one input in 64 repeated past 16 KB, the cached long-text path agrees);
//   decode() of the ids, and of the ids with the first and last dropped (cut inside a character),
//   is valid UTF-8 — checked by a decoder written here — and equals x when x is valid UTF-8.
// A violation traps. Run:
//   fuzz_tokenizer -max_total_time=60 /tmp/tok-corpus tests/fixtures/fuzz/tokenizer
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aib/tokenizer/bpe_train.hpp"
#include "aib/tokenizer/encoding.hpp"

namespace {

namespace tk = aib::tokenizer;

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

const char kTrainingText[] =
    "It's the tokenizer's job: split text into pieces, then merge the most frequent pairs. "
    "They'll say we've learned THE RULES. Don't PANIC, 42 tokens, 1234567 numbers!\n"
    "Café naïve façade — résumé. Ærøskøbing. Ελληνικά κείμενα. Русский текст, ещё раз.\n"
    "東京は日本の首都です。東京タワー。中文分词很难。한국어 텍스트입니다.\n"
    "  indented\tand\ttabbed\r\n\r\nwindows lines   \n\n\nemoji 👍👍🏽 🎉🎉 family "
    "👨‍👩‍👧\n"
    "https://example.com/path/to/file.txt?x=1&y=2 <tag attr=\"v\">x</tag> {\"k\": [1, 2]}\n"
    "the the the the and and and of of of to to to ing ing ing tion tion tion\n";

struct Fixture {
  std::vector<tk::Encoding> encodings;
  std::set<std::string> specials{"<|endoftext|>", "<|fim|>"};
  Fixture() {
    std::vector<std::string> texts;
    for (int k = 0; k < 3; ++k) texts.emplace_back(kTrainingText);
    for (const tk::SplitPattern p :
         {tk::SplitPattern::gpt2, tk::SplitPattern::cl100k, tk::SplitPattern::o200k}) {
      tk::TrainOptions options;
      options.vocab_size = 700;
      options.pattern = p;
      options.special_tokens = {specials.begin(), specials.end()};
      encodings.push_back(tk::train_bpe(texts, options).encoding);
    }
  }
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_encoding(const tk::Encoding& enc, const std::set<std::string>& specials,
                    std::string_view x) {
  const std::vector<tk::Rank> ids = enc.encode_ordinary(x);
  check(enc.decode_bytes(ids) == x);
  check(enc.encode(x, {}, tk::Disallowed::text) == ids);
  for (const tk::Rank id : ids) check(id < enc.n_ranks());

  // The same ids, piece by piece, with both merge loops.
  std::vector<tk::Rank> by_piece, plain, tree;
  std::string joined;
  tk::split(x, enc.pattern(), [&](std::string_view piece) {
    check(!piece.empty());
    joined.append(piece);
    enc.encode_piece(piece, by_piece);
    if (piece.size() <= tk::Encoding::kShortPiece) {
      plain.clear();
      tree.clear();
      enc.merge_plain(piece, plain);
      enc.merge_tree(piece, tree);
      check(plain == tree);
    }
  });
  check(joined == x);
  check(by_piece == ids);

  // Special tokens allowed: still the same bytes.
  const std::vector<tk::Rank> with_specials = enc.encode(x, specials, tk::Disallowed::text);
  check(enc.decode_bytes(with_specials) == x);
  bool has_special = false;
  for (const std::string& s : specials)
    has_special = has_special || x.find(s) != std::string_view::npos;
  if (!has_special) check(with_specials == ids);
  try {
    check(enc.encode(x) == ids);
    check(!has_special);
  } catch (const aib::Error&) {
    check(has_special);
  }

  // decode: valid UTF-8, also when the ids are cut inside a character.
  const std::string text = enc.decode(ids);
  check(valid_utf8(text));
  if (valid_utf8(x)) check(text == x);
  check(valid_utf8(enc.decode(with_specials)));
  if (ids.size() >= 2) {
    const std::vector<tk::Rank> inner(ids.begin() + 1, ids.end() - 1);
    check(valid_utf8(enc.decode(inner)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  const std::string_view x(reinterpret_cast<const char*>(data), size);
  for (const tk::Encoding& enc : fixture.encodings) check_encoding(enc, fixture.specials, x);
  // One input in 64 (the first byte says which), repeated into a text long enough for the cached
  // path of encode_ordinary (>= 16 KB), for one of the encodings: the same ids as piece by piece.
  if (size >= 2 && size <= 1024 && data[0] % 64 == 42) {
    const tk::Encoding& enc = fixture.encodings[data[1] % 3];
    std::string long_text;
    while (long_text.size() <= 16384) long_text.append(x);
    const std::vector<tk::Rank> ids = enc.encode_ordinary(long_text);
    std::vector<tk::Rank> by_piece;
    tk::split(long_text, enc.pattern(),
              [&](std::string_view piece) { enc.encode_piece(piece, by_piece); });
    check(ids == by_piece);
    check(enc.decode_bytes(ids) == long_text);
  }
  return 0;
}
