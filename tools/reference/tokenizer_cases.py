#!/usr/bin/env python3
"""Reference values for tests/test_tokenizer.cpp, from implementations independent of ours.

  utf8_replace.json   bytes -> text, from CPython's bytes.decode("utf-8", errors="replace")
                      (the call tiktoken's Encoding.decode makes).
  pretokenize.json    text -> pieces for the gpt2, cl100k_base and o200k_base split patterns, from
                      the `regex` module (which, unlike `re`, knows \\p{L} and friends), with the
                      patterns exactly as tiktoken defines them.

Usage: python3 tools/reference/tokenizer_cases.py tests/fixtures/tokenizer
Needs: python3-regex (Debian) or `pip install regex`.
"""
import json
import os
import sys

import regex

out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/tokenizer"

PATTERNS = {
    "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "cl100k": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "o200k": "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]),
}

# Texts chosen to reach every alternative and every backtracking case of the three patterns.
TEXTS = [
    "Hello world", "Hello, world!", "  leading", "trailing   ", "a  b   c", "tab\there", "\t\tx",
    "line\nbreak", "two\n\nbreaks\n", "crlf\r\nline", " \n \n x", "end with space ", "x \n",
    "It's", "IT'S", "they're", "THEY'RE", "we've", "I'm", "you'll", "he'd", "'s", "''s", "x'",
    "'hello", "don't stop", "O'Neil", "rock'n'roll", "it\u017f", "'\u017f", "HELLO's", "Hello'S",
    "123", "1234567", " 42", "x1y22z333", "3.14159", "١٢٣٤", "½ and ⅓",
    "CamelCaseWord", "HTTPServer", "iPhone", "ALLCAPS", "mixedUP", "e\u0301te\u0301", "A\u0301B",
    "naïve café", "Ærøskøbing", "Straße", "ǅemal", "ǈ", "ʰello", "\u02b0\u02b0",
    "日本語のテキスト", "中文 文本", "한국어 텍스트", "مرحبا بالعالم", "עברית", "ελληνικά Λέξεις",
    "Привет, мир!", "हिन्दी भाषा", "ไทย", "👍", "🙂 smile", "a👍b", "👨‍👩‍👧",
    "x = y + z;", "if (a) { b(); }", "path/to/file.txt", "http://example.com/a/b",
    "--flag=value", "...", "!!!\n\n", "a.\nb", "a/\n/b", " /\n", "#include <x>\n",
    "\u00a0nbsp", "x\u00a0y", "x\u3000y", "\u2028", "a\u2029b", "\u0085", "\x0b\x0c",
    "   \t  \n  x", "x\n\n\n", "\r\r\n\n", " ", "\n", "",
    "<|endoftext|> as text", "price: $9.99!", "email@example.org", "C++17 & Eigen",
    "\u0301start with mark", " \u0301", "'\u0301", "x\u0301'S",
]

os.makedirs(out_dir, exist_ok=True)
cases = []
for name, pat in PATTERNS.items():
    r = regex.compile(pat)
    for t in TEXTS:
        pieces = r.findall(t)
        assert "".join(pieces) == t, (name, t)
        cases.append({"pattern": name, "text": t, "pieces": pieces})
with open(os.path.join(out_dir, "pretokenize.json"), "w", encoding="utf-8") as f:
    json.dump({"source": "Python regex module " + regex.__version__, "cases": cases}, f,
              ensure_ascii=True, indent=0)

BYTES = [
    b"", b"plain", b"\xe2\x82\xac", b"\xe2\x82", b"a\xe2\x82b", b"\xff", b"\xff\xfe", b"\x80",
    b"a\x80\x80b", b"\xc0\xaf", b"\xc2", b"\xc2\x41", b"\xe0\x80\x80", b"\xe0\xa0", b"\xed\xa0\x80",
    b"\xed\x9f\xbf", b"\xf0\x9f\x98", b"\xf0\x9f\x98\x80", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe1\x80\xe1\x80\x80",
    b"\xf0\x9f\xe2\x82\xac", b"x\xf0\x9f", b"\xc3\xa9\xc3", b"\xef\xbf\xbd",
]
with open(os.path.join(out_dir, "utf8_replace.json"), "w", encoding="utf-8") as f:
    json.dump({"source": "CPython %d.%d bytes.decode('utf-8', errors='replace')" % sys.version_info[:2],
               "cases": [{"hex": b.hex(), "text": b.decode("utf-8", errors="replace")} for b in BYTES]},
              f, ensure_ascii=True, indent=0)
print(f"wrote {len(cases)} pretokenize cases and {len(BYTES)} utf8 cases to {out_dir}")
