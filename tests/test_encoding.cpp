// Tests for aib/tokenizer/encoding.hpp and tiktoken.hpp: rank files load or fail with the line,
// BPE merges follow tiktoken's rule (the tree version equals the plain one), decoding is exact,
// special tokens are refused unless allowed, and — when the course's shared data is present — the
// real gpt2, cl100k_base and o200k_base encodings give tiktoken's ids for every recorded case.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "peak_memory.hpp"
#include "test_helpers.hpp"

#include "aib/core/random.hpp"
#include "aib/tokenizer/tiktoken.hpp"

namespace tk = aib::tokenizer;
using aib_test::message_of;
using Ids = std::vector<tk::Rank>;

namespace {

// A .tiktoken text: the 256 single bytes (rank = byte value), then `merged` in order.
std::string rank_text(const std::vector<std::string>& merged) {
  std::string out;
  tk::Rank r = 0;
  for (int b = 0; b < 256; ++b)
    out += tk::detail::base64_encode(std::string(1, static_cast<char>(b))) + " " +
           std::to_string(r++) + "\n";
  for (const std::string& t : merged)
    out += tk::detail::base64_encode(t) + " " + std::to_string(r++) + "\n";
  return out;
}

// A small encoding with merges over a, b, c and spaces, so that pieces merge in several ways.
tk::Encoding toy() {
  return tk::Encoding::from_tiktoken(rank_text({"aa", "ab", "bc", "aaa", "aab", "abc", "ca", "aaaa",
                                                " a", " ab", "bcbc", "cab", "aabc"}),
                                     tk::SplitPattern::gpt2, {{"<|end|>", 300}, {"<|pad|>", 301}},
                                     "toy");
}

std::string token_string(const tk::Encoding& enc, const Ids& ids) {
  std::string s;
  for (tk::Rank id : ids) s += "[" + std::string(enc.token_bytes(id)) + "]";
  return s;
}

std::string encodings_dir() {
  return aib_test::shared_dir() + "/data/encodings";
}

}  // namespace

TEST_CASE("encoding: merges take the lowest-ranked pair first, the leftmost on a tie",
          "[tokenizer][bpe]") {
  const tk::Encoding enc = toy();
  CHECK(enc.n_ranks() == 269);
  CHECK(enc.n_vocab() == 302);
  // "aaaaa": every pair is aa (256), so the leftmost merges: [aa][a][a][a]; then aa again at
  // 1: [aa][aa][a]; then aaa (259) beats aaaa (263): [aa][aaa]; "aaaaa" is not a token.
  CHECK(token_string(enc, enc.encode_ordinary("aaaaa")) == "[aa][aaa]");
  // A piece that is itself a token is one id, whatever the merges would give.
  CHECK(token_string(enc, enc.encode_ordinary("aabc")) == "[aabc]");
  // "cabcab": ab (257) at 1, then ab at 3, then abc (261) beats cab (267): [c][abc][ab].
  CHECK(token_string(enc, enc.encode_ordinary("cabcab")) == "[c][abc][ab]");
  CHECK(token_string(enc, enc.encode_ordinary("bcbcbc")) == "[bcbc][bc]");
  CHECK(token_string(enc, enc.encode_ordinary("x ab")) == "[x][ ab]");
}

TEST_CASE("byte_pair_merge: lowest rank first, leftmost on a tie, over any rank lookup",
          "[tokenizer][bpe]") {
  const std::map<std::string, tk::Rank> ranks = {
      {"ab", 256}, {"cd", 257}, {"abcd", 258}, {"bc", 259}};
  const auto rank_of = [&](const char* p, std::size_t n) {
    const auto it = ranks.find(std::string(p, n));
    return it == ranks.end() ? tk::kNoRank : it->second;
  };
  const auto byte_rank = [](char c) { return tk::Rank{static_cast<unsigned char>(c)}; };
  const auto both = [&](std::string_view piece) {
    Ids plain, tree;
    tk::byte_pair_merge(piece, rank_of, byte_rank, plain);
    tk::byte_pair_merge_tree(piece, rank_of, byte_rank, tree);
    CHECK(plain == tree);
    return plain;
  };
  CHECK(both("abcd") == Ids{258});       // ab (256) first, then cd (257), then abcd (258)
  CHECK(both("bcd") == Ids{'b', 257});   // cd (257) beats bc (259)
  CHECK(both("abab") == Ids{256, 256});  // ab twice; "abab" is no token
  CHECK(both("x") == Ids{'x'});
  CHECK(both("").empty());
  CHECK_THROWS_AS(both(std::string(tk::kMaxPlainPiece + 1, 'a')), aib::Error);  // plain refuses
}

TEST_CASE("encoding: the tree merge equals the plain merge on any piece", "[tokenizer][bpe]") {
  const tk::Encoding enc = toy();
  aib::Rng rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string piece(1 + rng.uniform_int(64), 'a');
    for (char& c : piece) c = "aabc "[rng.uniform_int(5)];
    Ids plain, tree;
    enc.merge_plain(piece, plain);
    enc.merge_tree(piece, tree);
    INFO(piece);
    REQUIRE(plain == tree);
    CHECK(enc.decode_bytes(plain) == piece);
  }
}

// The textbook merge without a length cap, quadratic: the reference for long adversarial pieces.
Ids reference_merge(const tk::Encoding& enc, std::string_view piece) {
  std::vector<std::string> parts;
  for (char c : piece) parts.emplace_back(1, c);
  for (;;) {
    std::size_t best = parts.size();
    tk::Rank best_rank = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const Ids joined = enc.encode_ordinary(parts[i] + parts[i + 1]);
      if (joined.size() != 1) continue;  // no single token for the pair
      if (best == parts.size() || joined[0] < best_rank) best = i, best_rank = joined[0];
    }
    if (best == parts.size()) break;
    parts[best] += parts[best + 1];
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  Ids out;
  for (const std::string& p : parts) out.push_back(enc.encode_ordinary(p).at(0));
  return out;
}

TEST_CASE("encoding: the tree merge equals the textbook merge on adversarial pieces",
          "[tokenizer][bpe]") {
  // Pieces past the plain path's 64 bytes, without spaces, several levels of the tree deep:
  // runs of one letter, alternations, runs of growing length.
  const tk::Encoding enc = toy();
  std::vector<std::string> pieces = {std::string(65, 'a'), std::string(301, 'a'),
                                     std::string(256, 'b')};
  std::string alternating, runs, mixed;
  for (int i = 0; i < 300; ++i) alternating += "ab"[i % 2];
  for (int len = 1; runs.size() < 400; ++len) runs += std::string(len, "abc"[len % 3]);
  aib::Rng rng(5);
  for (int i = 0; i < 500; ++i) mixed += "aaabc"[rng.uniform_int(5)];
  pieces.insert(pieces.end(), {alternating, runs, mixed});
  for (const std::string& piece : pieces) {
    Ids tree;
    enc.merge_tree(piece, tree);
    INFO(piece);
    CHECK(tree == reference_merge(enc, piece));
  }
}

TEST_CASE("encoding: one 5 MB piece without whitespace peaks at a small multiple of its size",
          "[tokenizer][bpe]") {
#if !defined(__linux__) || defined(AIB_TEST_UNDER_ASAN)
  WARN("skipped: needs Linux's /proc/self/status and no AddressSanitizer (its shadow memory)");
#else
  // In a child process, whose high-water mark starts at its resident size: the peak added by
  // building the text and encoding it, 5 MB of one letter (the most merges per byte).
  const tk::Encoding enc = toy();
  std::fflush(nullptr);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const double before = aib_test::peak_resident_bytes();
    const std::size_t n = 5000000;
    const std::string text(n, 'a');
    const Ids ids = enc.encode_ordinary(text);
    const double per_byte = (aib_test::peak_resident_bytes() - before) / double(n);
    std::printf("5 MB of 'a': %zu ids, peak %.1f bytes per input byte\n", ids.size(), per_byte);
    std::fflush(stdout);
    // The text (1), the ids reserved (4/3), a 4-byte rank per byte and the tree's n/15 ranks:
    // about 6.6, within the 8 promised (docs/conventions.md); a heap of (rank, start) entries with
    // linked parts took about 18, versioned parts and a growing heap 41.
    _exit(before < 0 ? 2 : per_byte <= 8 && ids.size() == n / 4 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 2) WARN("skipped: no VmHWM in /proc/self/status");
  CHECK(WEXITSTATUS(status) != 1);
#endif
}

TEST_CASE("encoding: decode(encode(x)) == x for any bytes", "[tokenizer][bpe]") {
  const tk::Encoding enc = toy();
  aib::Rng rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    std::string s(rng.uniform_int(200), '\0');
    for (char& c : s)
      c = static_cast<char>(rng.uniform_int(3) == 0 ? rng.uniform_int(256)
                                                    : "ab c\n'"[rng.uniform_int(6)]);
    CHECK(enc.decode_bytes(enc.encode_ordinary(s)) == s);
  }
  CHECK(enc.encode_ordinary("").empty());
  // Long inputs take the tree path and the piece cache; still exact.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "aabc "[i * 7 % 5];
  CHECK(enc.decode_bytes(enc.encode_ordinary(big)) == big);
  const std::string no_space(100000, 'a');
  const Ids ids = enc.encode_ordinary(no_space);
  CHECK(ids.size() == 25000);  // all "aaaa"
  CHECK(enc.decode_bytes(ids) == no_space);
}

TEST_CASE("encoding: decode gives U+FFFD for ids that end inside a character", "[tokenizer][bpe]") {
  const tk::Encoding enc = toy();
  const Ids euro = enc.encode_ordinary("\xE2\x82\xAC");  // €, three byte tokens
  REQUIRE(euro.size() == 3);
  CHECK(enc.decode(euro) == "\xE2\x82\xAC");
  CHECK(enc.decode({euro[0], euro[1]}) == "\xEF\xBF\xBD");
  CHECK(enc.decode_bytes({euro[0], euro[1]}) == "\xE2\x82");
  CHECK(enc.decode({300}) == "<|end|>");
  CHECK_THAT(message_of([&] { enc.decode({269}); }), Catch::Contains("token id 269 is not in toy"));
  CHECK_THAT(message_of([&] { enc.decode({5, 4000000000u}); }), Catch::Contains("4000000000"));
}

TEST_CASE("encoding: special-token text is refused unless allowed", "[tokenizer][bpe][special]") {
  const tk::Encoding enc = toy();
  const std::string text = "ab<|end|>ca";
  CHECK_THAT(message_of([&] { enc.encode(text); }),
             Catch::Contains("special token '<|end|>' at byte 2"));
  CHECK(enc.encode(text, {"<|end|>"}) == Ids{257, 300, 262});
  const Ids plain = enc.encode(text, {}, tk::Disallowed::text);
  CHECK(plain == enc.encode_ordinary(text));
  CHECK(enc.decode_bytes(plain) == text);
  CHECK(std::find(plain.begin(), plain.end(), 300u) == plain.end());
  // Allowing one special token does not allow the other.
  CHECK_THAT(message_of([&] { enc.encode("<|end|><|pad|>", {"<|end|>"}); }),
             Catch::Contains("'<|pad|>'"));
  CHECK(enc.encode("<|end|><|pad|>", enc.special_names()) == Ids{300, 301});
  CHECK_THAT(message_of([&] { enc.encode("x", {"<|nope|>"}); }),
             Catch::Contains("'<|nope|>' is not a special token"));
  // Many special tokens in a long text, one allowed name absent: each name's next occurrence is
  // searched once, not again after every token found (that was quadratic: minutes for 1 MB).
  std::string many;
  for (int i = 0; i < 50000; ++i) many += "ab<|end|>";
  const Ids ids = enc.encode(many, enc.special_names());
  REQUIRE(ids.size() == 100000);
  CHECK(ids[0] == 257);
  CHECK(ids[99999] == 300);
}

TEST_CASE("encoding: malformed rank files name the line", "[tokenizer][bpe][errors]") {
  const auto error = [](const std::string& text) {
    return message_of(
        [&] { tk::Encoding::from_tiktoken(text, tk::SplitPattern::gpt2, {}, "", "bad.tiktoken"); });
  };
  CHECK_THAT(error(""), Catch::Contains("bad.tiktoken: the rank file has no tokens"));
  CHECK_THAT(error("YQ== 0\nYg== 1\n!!!! 2\n"),
             Catch::Contains("bad.tiktoken:3: '!!!!' is not valid base64"));
  CHECK_THAT(error("YQ== 0\nYg=\n"),
             Catch::Contains("bad.tiktoken:2: expected '<base64 token> <rank>'"));
  CHECK_THAT(error("YQ== 0\nYQ== 1\n"),
             Catch::Contains("bad.tiktoken:2: token \"a\" appears twice (first on line 1)"));
  CHECK_THAT(error("YQ== 0\nYg== 0\n"),
             Catch::Contains("bad.tiktoken:2: rank 0 appears twice (first on line 1)"));
  CHECK_THAT(error("YQ== 0\nYg== 2\n"), Catch::Contains("bad.tiktoken:2: rank 2 is too large"));
  CHECK_THAT(error("YQ== 0\nYg== x\n"),
             Catch::Contains("bad.tiktoken:2: rank 'x' is not a non-negative integer"));
  CHECK_THAT(error("YQ== 0\nYg== -1\n"), Catch::Contains("bad.tiktoken:2:"));
  CHECK_THAT(error("YQ== 0\n\nYg== 1\n"), Catch::Contains("bad.tiktoken:2: empty line"));
  CHECK_THAT(error("YQ 0\n"), Catch::Contains("bad.tiktoken:1: 'YQ' is not valid base64"));
  CHECK_THAT(error("Y=Q= 0\n"), Catch::Contains("not valid base64"));
  // Without the newline at the end, and with Windows line ends, a file still loads.
  CHECK(tk::Encoding::from_tiktoken("YQ== 0\r\nYg== 1", tk::SplitPattern::gpt2, {}).n_ranks() == 2);
  // Special ids must not collide with ordinary ones.
  CHECK_THAT(message_of([] {
               tk::Encoding::from_tiktoken("YQ== 0\n", tk::SplitPattern::gpt2, {{"<|x|>", 0}});
             }),
             Catch::Contains("special token '<|x|>' has id 0"));
  // A vocabulary without every single byte encodes what it can and names the byte it cannot.
  const tk::Encoding ab =
      tk::Encoding::from_tiktoken("YQ== 0\nYg== 1\n", tk::SplitPattern::gpt2, {});
  CHECK(ab.encode_ordinary("ab") == Ids{0, 1});
  CHECK_THAT(message_of([&] { ab.encode_ordinary("abc"); }),
             Catch::Contains("byte 0x63 has no token"));
  CHECK_THAT(
      message_of([] { tk::Encoding::load("/no/such/file.tiktoken", tk::SplitPattern::gpt2); }),
      Catch::Contains("Encoding::load: '/no/such/file.tiktoken': cannot open: No such file"));
}

TEST_CASE("encoding: save and load round-trip ranks, pattern and special tokens",
          "[tokenizer][bpe]") {
  const tk::Encoding enc = tk::Encoding::from_tiktoken(
      rank_text({"ab", "abab"}), tk::SplitPattern::cl100k, {{"<|end|>", 1000}}, "mine");
  const std::string prefix =
      (std::filesystem::temp_directory_path() / "aib_test_encoding_mine").string();
  tk::save_encoding(enc, prefix);
  const tk::Encoding back = tk::load_encoding(prefix + ".tiktoken");
  CHECK(back.name() == "aib_test_encoding_mine");
  CHECK(back.n_ranks() == enc.n_ranks());
  CHECK(back.pattern() == tk::SplitPattern::cl100k);
  CHECK(back.special_tokens() == enc.special_tokens());
  for (tk::Rank r = 0; r < enc.n_ranks(); ++r) REQUIRE(back.token_bytes(r) == enc.token_bytes(r));
  CHECK(back.encode("abab<|end|>", {"<|end|>"}) == Ids{257, 1000});

  // Special-token ids in the meta file are whole numbers within 32 bits, or the file is refused.
  const std::string meta = prefix + ".meta.json";
  const std::string saved = aib::read_file(meta, "test");
  REQUIRE(saved.find("1000") != std::string::npos);
  const auto with_id = [&](const std::string& id) {
    std::string text = saved;
    text.replace(text.find("1000"), 4, id);
    std::ofstream(meta) << text;
    return message_of([&] { tk::load_encoding(prefix + ".tiktoken"); });
  };
  for (const char* bad : {"-1", "-4294967000", "1.7", "true", "4294967296", "\"7\"", "1e3"}) {
    INFO(bad);
    CHECK_THAT(with_id(bad),
               Catch::Contains("load_encoding: '" + meta + "': special token '<|end|>' has id ") &&
                   Catch::Contains("an id must be a whole number from 0 to "
                                   "4294967295"));
  }
  CHECK(with_id("4294967295") == "(no error)");
  std::remove((prefix + ".tiktoken").c_str());
  std::remove(meta.c_str());
}

TEST_CASE("tiktoken: finding the rank files says where to look", "[tokenizer][tiktoken]") {
  CHECK_THAT(message_of([] { tk::load_encoding("cl100k_base", "/no/such/dir"); }),
             Catch::Contains("'/no/such/dir/cl100k_base.tiktoken' does not exist"));
  CHECK_THAT(
      message_of([] { tk::load_encoding("p50k_typo"); }),
      Catch::Contains(
          "'p50k_typo' is neither gpt2, cl100k_base, o200k_base nor an existing .tiktoken file"));
}

TEST_CASE("tiktoken: the real encodings give tiktoken's ids for every recorded case",
          "[tokenizer][tiktoken]") {
  const std::string cases_path = aib_test::shared_path("data/tokenizer/tiktoken_cases.jsonl");
  if (cases_path.empty()) return;
  std::map<std::string, tk::Encoding> enc;
  for (const char* name : {"gpt2", "cl100k_base", "o200k_base"})
    enc[name] = tk::load_encoding(name, encodings_dir());
  CHECK(enc["gpt2"].n_vocab() == 50257);
  CHECK(enc["cl100k_base"].n_vocab() == 100277);
  CHECK(enc["o200k_base"].n_vocab() == 200019);

  std::ifstream in(cases_path);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    const nlohmann::json c = nlohmann::json::parse(line);
    const tk::Encoding& e = enc.at(c["encoding"].get<std::string>());
    const std::string text = c["text"];
    const Ids ids = e.encode_ordinary(text);
    INFO(c["encoding"].get<std::string>() << " " << c["name"].get<std::string>());
    CHECK(ids == c["ids"].get<Ids>());
    CHECK(e.decode(ids) == text);
    ++checked;
  }
  CHECK(checked == 501);
}

TEST_CASE("tiktoken: quick vectors, special tokens and repetitive input", "[tokenizer][tiktoken]") {
  if (aib_test::shared_path("data/encodings/cl100k_base.tiktoken").empty()) return;
  const tk::Encoding gpt2 = tk::load_encoding("gpt2", encodings_dir());
  const tk::Encoding cl100k = tk::load_encoding("cl100k_base", encodings_dir());
  CHECK(gpt2.encode("hello world") == Ids{31373, 995});
  CHECK(gpt2.encode("hello <|endoftext|>", {"<|endoftext|>"}) == Ids{31373, 220, 50256});
  CHECK(cl100k.encode("hello world") == Ids{15339, 1917});
  CHECK(cl100k.encode("\xF0\x9F\x91\x8D") == Ids{9468, 239, 235});  // 👍
  CHECK(cl100k.decode({9468, 239}) == "\xEF\xBF\xBD");              // ends inside the character
  CHECK_THAT(message_of([&] { cl100k.encode("<|im_end|> hi <|endoftext|>"); }),
             Catch::Contains("'<|endoftext|>'"));
  // Long runs of one character: tiktoken's own test inputs. Exact round trip, no quadratic blow-up
  // (ctest's timeout would catch one: 1 MB of 'a' merges in O(n log n)).
  for (const std::string unit : {"^", "0", "a", "'s", " ", "\n"}) {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += unit;
    for (const tk::Encoding* e : {&gpt2, &cl100k})
      CHECK(e->decode_bytes(e->encode_ordinary(s)) == s);
  }
  const std::string mb(1 << 20, 'a');
  CHECK(cl100k.decode_bytes(cl100k.encode_ordinary(mb)) == mb);
  // Random long pieces: tree and plain merges agree on the real vocabulary too.
  aib::Rng rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::string piece(2 + rng.uniform_int(63), 'x');
    for (char& c : piece) c = "etaoinshrdlu"[rng.uniform_int(12)];
    Ids plain, tree;
    cl100k.merge_plain(piece, plain);
    cl100k.merge_tree(piece, tree);
    REQUIRE(plain == tree);
  }
}
