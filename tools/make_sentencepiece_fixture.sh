#!/bin/bash
# Reference segmentations for tests/test_sentencepiece.cpp, computed by SentencePiece itself.
#
# Trains a small BPE model with Debian's sentencepiece (0.1.97; `apt-get install sentencepiece`) on
# the sentences of examples/data/course-sentences.txt, writes test lines of our own, and records what
# spm_encode and spm_decode make of them. Provenance and the meaning of each file:
# tests/fixtures/sentencepiece/README.md. Usage, from anywhere:
#
#     tools/make_sentencepiece_fixture.sh
#
# Deterministic: training runs on one thread over every sentence (no sampling), and the script trains
# twice and checks that the two vocabularies are identical before writing anything.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/tests/fixtures/sentencepiece
DATA=$ROOT/examples/data/course-sentences.txt
EXPECTED_VERSION="sentencepiece 0.1.97"

for tool in spm_train spm_encode spm_decode; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install sentencepiece)" >&2; exit 1; }
done
version=$(spm_train --version 2>&1 | head -n 1)
if [ "$version" != "$EXPECTED_VERSION" ]; then
  echo "$0: warning: found '$version', the committed fixture was made with '$EXPECTED_VERSION'" >&2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 1. Training text: the sentences alone (no '#' comments, no blank lines, no "label<TAB>").
grep -v '^#' "$DATA" | grep -v '^[[:space:]]*$' | cut -f2- > "$TMP/train.txt"

# 2. Train. The normalizer flags are spm_train's defaults, spelled out because the C++ side assumes
#    them (the .vocab file does not record them).
FLAGS=(
  --model_type=bpe
  --vocab_size=1000
  --normalization_rule_name=identity
  --add_dummy_prefix=true
  --remove_extra_whitespaces=true
  --byte_fallback=true
  --character_coverage=1.0
  --num_threads=1
  --input_sentence_size=0
  --random_seed=1
)
for run in a b; do
  spm_train --input="$TMP/train.txt" --model_prefix="$TMP/$run" "${FLAGS[@]}" --minloglevel=2
done
cmp -s "$TMP/a.vocab" "$TMP/b.vocab" || { echo "$0: two trainings gave different vocabularies" >&2; exit 1; }
MODEL=$TMP/a.model

# 3. Test lines. Ordinary course sentences; whitespace the normalizer must handle (leading,
#    trailing, repeated spaces; tabs, which are not whitespace under the identity rule); digits and
#    punctuation; characters absent from the training text (Greek, CJK, emoji, accents, 'X', '6',
#    '!'), which fall back to bytes; a literal U+2581; an empty line; long and repetitive lines; and
#    lines that are not valid UTF-8 (spm replaces each bad byte by U+FFFD before encoding).
{
  printf '%s\n' \
    "Each merge in byte-pair encoding adds one new entry to the vocabulary, until a target size is reached." \
    "Tokens are the atoms of language models." \
    "SentencePiece treats the space as an ordinary symbol, so a word start is part of its token." \
    "The transformer's attention lets every token look at every token before it." \
    "Hello world" \
    "hello world" \
    "Hello, world! Is this the 6th episode?" \
    "GPT-2 has 50,257 tokens; cl100k_base has 100,277." \
    "3.14159 2024-01-01 1,000,000 0x1F 42%" \
    "THE QUICK BROWN FOX JUMPS; the quick brown fox jumps." \
    "for (int i = 0; i < n; ++i) { sum += x[i]; }" \
    "quotes \"double\" and 'single', (parentheses) [brackets] {braces} <angle> & \$5 #tag @user ~/path" \
    "   three leading spaces" \
    "three trailing spaces   " \
    "double  spaces  and   triple   spaces   inside" \
    "   spaces   everywhere   " \
    ""
  printf '\ta tab at the start, a tab\there, and one at the end\t\n'
  printf '  \t  spaces around a tab \t  \n'
  printf '     \n'
  printf '%s\n' \
    "Γειά σου κόσμε — Greek letters fall back to bytes." \
    "日本語のテキスト and 中文" \
    "emoji 👍🙂 and a flag 🇫🇷" \
    "Ünïcödé accents: café, naïve, Zürich, façade" \
    "XXX QQQ JJJ ZZZ 666 !!!" \
    "aaaa bbbb oooo pppp ssss llll eeee tttt" \
    "zoo zooo zoooo zooooo balloon coffee" \
    "literal ▁ marks: ▁word, word▁ and ▁▁ here" \
    "▁" \
    "trailing literal marks ▁▁"
  printf 'a non-breaking space (not whitespace here): 100\xc2\xa0km and 5\xc2\xa0kg\n'
  printf 'invalid \xff byte and \xfe\xfd more\n'
  printf 'truncated \xe4\xb8 character and a lone continuation \x80 byte\n'
  printf 'overlong \xc0\xaf surrogate \xed\xa0\x80 beyond U+10FFFF \xf4\x90\x80\x80 end\n'
  printf 'valid after invalid: \xc3\xa9\xc3 caf\xc3\xa9\n'
  # A long line: a paragraph of our own, repeated four times.
  para="A language model reads text as tokens. The tokenizer decides where one token ends and the next begins, and those choices shape what the model can learn cheaply. "
  printf '%s%s%s%s\n' "$para" "$para" "$para" "$para"
  # Repetitive input, where naive BPE merging would be quadratic.
  printf 'o%.0s' $(seq 3000); printf '\n'
  printf 'a %.0s' $(seq 500); printf '\n'
} > "$TMP/inputs.txt"

# 4. Reference outputs, one line per input line.
spm_encode --model="$MODEL" --output_format=piece < "$TMP/inputs.txt" > "$TMP/pieces.txt"
spm_encode --model="$MODEL" --output_format=id < "$TMP/inputs.txt" > "$TMP/ids.txt"
spm_decode --model="$MODEL" --input_format=id < "$TMP/ids.txt" > "$TMP/decoded.txt"
n=$(wc -l < "$TMP/inputs.txt")
for f in pieces ids decoded; do
  [ "$(wc -l < "$TMP/$f.txt")" = "$n" ] || { echo "$0: $f.txt does not have $n lines" >&2; exit 1; }
done

mkdir -p "$OUT"
cp "$TMP/a.vocab" "$OUT/course-bpe.vocab"
cp "$TMP/inputs.txt" "$TMP/pieces.txt" "$TMP/ids.txt" "$TMP/decoded.txt" "$OUT/"
echo "$0: wrote $OUT/{course-bpe.vocab,inputs.txt,pieces.txt,ids.txt,decoded.txt} ($n lines) with $version"
