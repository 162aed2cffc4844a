# cmake -P cli_tokenize.cmake: the `aibasics tokenize` command, run as a user would run it.
#   -DEXE=<the aibasics launcher> -DWORK=<scratch directory> [-DSHARED_DIR=<../shared>]
#   (environment: AIB_SHARED_DIR overrides SHARED_DIR; AIB_REQUIRE_SHARED=1 makes its absence fail)
# Trains a small encoding with `tokenize train` (so it needs no downloaded data), then checks:
# minbpe's hand-derivable "aaabdaaabac" case, the encode/decode round trip of bytes (from a file
# and from stdin), --allow-special, the count table, the --help texts, and that each error exits
# non-zero with one line on stderr that names the file, line or bad value. When the real rank
# files are in SHARED_DIR/data/encodings, also tiktoken's ids for a few quick vectors.
cmake_minimum_required(VERSION 3.16)
if(NOT EXE OR NOT WORK)
  message(FATAL_ERROR "usage: cmake -DEXE=<aibasics> -DWORK=<dir> [-DSHARED_DIR=<dir>] -P cli_tokenize.cmake")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(failures 0)

function(fail_check what)
  message(SEND_ERROR "FAIL: ${what}")
  math(EXPR n "${failures} + 1")
  set(failures ${n} PARENT_SCOPE)
endfunction()

# run(<out var> <rc var> <err var> [INPUT file] [OUTPUT file] args...): the launcher with args.
function(run out_var rc_var err_var)
  cmake_parse_arguments(R "" "INPUT;OUTPUT" "" ${ARGN})
  set(extra)
  if(R_INPUT)
    list(APPEND extra INPUT_FILE "${R_INPUT}")
  else()
    list(APPEND extra INPUT_FILE "${WORK}/empty")
  endif()
  if(R_OUTPUT)
    list(APPEND extra OUTPUT_FILE "${R_OUTPUT}")
  else()
    list(APPEND extra OUTPUT_VARIABLE out)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=AIB_ENCODINGS NO_COLOR=1 "${EXE}" tokenize
                          ${R_UNPARSED_ARGUMENTS}
                  WORKING_DIRECTORY "${WORK}" ERROR_VARIABLE err RESULT_VARIABLE rc ${extra})
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

# expect_ok(<label> <out var> args...): runs, fails the test unless it exits 0 with an empty stderr.
function(expect_ok label out_var)
  run(out rc err ${ARGN})
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    fail_check("${label}: exit ${rc}, stderr:\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# expect_error(<label> <regex> args...): an error in the input or the run: must exit 1 with
# exactly one stderr line, "aibasics tokenize: <message>", matching regex, and print nothing on
# stdout.
function(expect_error label regex)
  run(out rc err ${ARGN})
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines n_lines)
  if(NOT rc EQUAL 1 OR NOT n_lines EQUAL 1 OR NOT err MATCHES "^aibasics tokenize: [^\n]*${regex}[^\n]*\n$"
     OR NOT out STREQUAL "")
    fail_check("${label}: expected exit 1 and one line 'aibasics tokenize: ...${regex}...'; got exit ${rc}, "
               "stderr:\n${err}stdout:\n${out}")
  else()
    message(STATUS "ok: ${label}: ${err}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# launch(<out var> <rc var> <err var> args...): the launcher itself (no `tokenize` added).
function(launch out_var rc_var err_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env NO_COLOR=1 "${EXE}" ${ARGN}
                  WORKING_DIRECTORY "${WORK}" INPUT_FILE "${WORK}/empty" OUTPUT_VARIABLE out
                  ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

# expect_usage(<label> <command> <regex> args...): a usage error of the launcher (args given
# whole, `tokenize` included): exit 2 (never CLI11's 104..109) and exactly one stderr line,
# "<command>: ...<regex>... (see <command> --help)", nothing on stdout.
function(expect_usage label command regex)
  launch(out rc err ${ARGN})
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines n_lines)
  if(NOT rc EQUAL 2 OR NOT n_lines EQUAL 1 OR NOT out STREQUAL ""
     OR NOT err MATCHES "^${command}: [^\n]*${regex}[^\n]* \\(see ${command} --help\\)\n$")
    fail_check("${label}: expected exit 2 and one line '${command}: ...${regex}... (see ${command} --help)'; got exit ${rc}, stderr:\n${err}stdout:\n${out}")
  else()
    message(STATUS "ok: ${label}: ${err}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# same_bytes(<label> a b): the two files hold identical bytes.
function(same_bytes label a b)
  file(READ "${a}" ha HEX)
  file(READ "${b}" hb HEX)
  if(NOT ha STREQUAL hb)
    fail_check("${label}: ${a} and ${b} differ\n${ha}\n${hb}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

file(WRITE "${WORK}/empty" "")

# ---- --help ---------------------------------------------------------------------------------------
execute_process(COMMAND "${EXE}" --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT help MATCHES "\n  tokenize ")
  fail_check("aibasics --help should list tokenize; exit ${rc}:\n${help}")
endif()
expect_ok("tokenize --help" help --help)
foreach(word encode decode count train)
  if(NOT help MATCHES "\n  ${word} ")
    fail_check("tokenize --help does not list '${word}':\n${help}")
  endif()
endforeach()
foreach(case "encode;--encoding;--encodings;--allow-special"
             "decode;--encoding;--encodings"
             "count;--encoding;--encodings;--price-per-million"
             "train;--vocab-size;--out;--pattern;--special")
  list(GET case 0 sub)
  list(REMOVE_AT case 0)
  expect_ok("tokenize ${sub} --help" help ${sub} --help)
  foreach(flag ${case})
    if(NOT help MATCHES "${flag}")
      fail_check("tokenize ${sub} --help does not list ${flag}:\n${help}")
    endif()
  endforeach()
endforeach()

# ---- train: minbpe's hand-derivable case ----------------------------------------------------------
# "aaabdaaabac" is one piece; three merges: (a,a)->256 "aa", (256,a)->257 "aaa", (257,b)->258 "aaab".
file(WRITE "${WORK}/minbpe.txt" "aaabdaaabac")
expect_ok("train minbpe" out train --vocab-size 259 --out minbpe minbpe.txt)
if(NOT EXISTS "${WORK}/minbpe.tiktoken" OR NOT EXISTS "${WORK}/minbpe.meta.json")
  fail_check("train did not write minbpe.tiktoken and minbpe.meta.json; it printed:\n${out}")
endif()
expect_ok("encode minbpe" ids encode --encoding minbpe.tiktoken minbpe.txt)
if(NOT ids STREQUAL "258 100 258 97 99\n")
  fail_check("encode of aaabdaaabac: expected '258 100 258 97 99', got '${ids}'")
endif()
file(WRITE "${WORK}/minbpe.ids" "258 100\n258\t97 99")
expect_ok("decode minbpe" out decode --encoding minbpe.tiktoken minbpe.ids)
if(NOT out STREQUAL "aaabdaaabac")
  fail_check("decode of 258 100 258 97 99: expected 'aaabdaaabac' with no newline, got '${out}'")
endif()

# ---- train a small encoding, then round trips -----------------------------------------------------
set(paragraph "Tokens are the atoms of language models. A tokenizer splits text into pieces, and \
byte-pair encoding learns which pieces to keep: it starts from the 256 bytes and merges the most \
frequent pair, again and again, until the vocabulary is full. Words that are frequent become one \
token; rare words are spelled from smaller pieces.\n")
set(train_text "")
foreach(i RANGE 1 8)
  string(APPEND train_text "${i}. ${paragraph}")
endforeach()
file(WRITE "${WORK}/train one.txt" "${train_text}")
file(WRITE "${WORK}/train2.txt" "Café, naïve, 東京, 👍 — the tokenizer sees bytes.\r\n\tIt's <|endoftext|> here.\n")
# (--special just before the files: it takes one value, the files stay files.)
expect_ok("train small" out train --vocab-size 400 --pattern cl100k --special "<|endoftext|>" --out small
          --special "<|pad|>" "train one.txt" train2.txt)
if(NOT out MATCHES "trained 400 ordinary tokens \\([0-9]+ merges\\) on 2 files")
  fail_check("train small: unexpected summary:\n${out}")
endif()
file(READ "${WORK}/small.meta.json" meta)
if(NOT meta MATCHES "\"<\\|endoftext\\|>\": 400" OR NOT meta MATCHES "\"<\\|pad\\|>\": 401")
  fail_check("small.meta.json should give the specials ids 400 and 401:\n${meta}")
endif()

# Bytes that are not valid UTF-8 (0xFF, a lone continuation byte, a truncated 3-byte sequence) must
# survive as well: decode writes the exact bytes.
string(ASCII 255 b_ff)
string(ASCII 128 b_80)
string(ASCII 226 b_e2)
file(WRITE "${WORK}/text.txt" "It's 東京 time: 👍👍 naïve café\r\n\n  <|endoftext|> x ${b_ff}${b_80}y${b_e2}${b_80}\n")
expect_ok("encode file" ids encode --encoding small.tiktoken text.txt)
if(NOT ids MATCHES "^[0-9]+( [0-9]+)*\n$")
  fail_check("encode should print ids separated by single spaces, then a newline; got '${ids}'")
endif()
string(REGEX MATCHALL "[0-9]+" id_list "${ids}")
foreach(id ${id_list})
  if(id GREATER_EQUAL 400)
    fail_check("without --allow-special, <|endoftext|> is plain text; got id ${id} in ${ids}")
  endif()
endforeach()
expect_ok("encode stdin" ids_stdin INPUT "${WORK}/text.txt" encode --encoding small.tiktoken)
expect_ok("encode -" ids_dash INPUT "${WORK}/text.txt" encode --encoding small.tiktoken -)
if(NOT ids_stdin STREQUAL ids OR NOT ids_dash STREQUAL ids)
  fail_check("encode of stdin differs from encode of the file:\n${ids}\n${ids_stdin}\n${ids_dash}")
endif()
file(WRITE "${WORK}/text.ids" "${ids}")
expect_ok("decode file" out OUTPUT "${WORK}/text.decoded" decode --encoding small.tiktoken text.ids)
same_bytes("decode(encode(text.txt))" "${WORK}/text.txt" "${WORK}/text.decoded")
expect_ok("decode stdin" out INPUT "${WORK}/text.ids" OUTPUT "${WORK}/text.decoded2" decode --encoding small.tiktoken)
same_bytes("decode(encode(text.txt)) via stdin" "${WORK}/text.txt" "${WORK}/text.decoded2")

# --allow-special: the special token becomes its id, and decodes back to its text.
file(WRITE "${WORK}/special.txt" "a<|endoftext|>b<|pad|>")
expect_ok("encode --allow-special" ids encode --encoding small.tiktoken --allow-special special.txt)
if(NOT ids MATCHES "^97 400 98 401\n$")
  fail_check("encode --allow-special of 'a<|endoftext|>b<|pad|>': expected '97 400 98 401', got '${ids}'")
endif()
expect_ok("encode without --allow-special" ids encode --encoding small.tiktoken special.txt)
if(ids MATCHES "40[01]")
  fail_check("encode without --allow-special must not produce special ids: '${ids}'")
endif()
file(WRITE "${WORK}/special.ids" "97 400 98 401")
expect_ok("decode specials" out decode --encoding small.tiktoken special.ids)
if(NOT out STREQUAL "a<|endoftext|>b<|pad|>")
  fail_check("decode of 97 400 98 401: got '${out}'")
endif()

# ---- count ----------------------------------------------------------------------------------------
# bytes/token is printed with 3 decimals: accept either neighbour of bytes*1000/tokens.
function(check_ratio label printed bytes tokens)
  string(REPLACE "." "" milli "${printed}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" milli "${milli}")
  math(EXPR lo "${bytes} * 1000 / ${tokens}")
  math(EXPR hi "${lo} + 1")
  if(NOT milli EQUAL lo AND NOT milli EQUAL hi)
    fail_check("${label}: bytes/token ${printed} is not ${bytes}/${tokens}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

file(SIZE "${WORK}/text.txt" text_bytes)
expect_ok("encode text" ids encode --encoding small.tiktoken text.txt)
string(REGEX MATCHALL "[0-9]+" id_list "${ids}")
list(LENGTH id_list text_tokens)
expect_ok("count one file" table count --encoding small.tiktoken text.txt)
if(NOT table MATCHES "^bytes +tokens +bytes/token  file\n +${text_bytes} +${text_tokens} +([0-9]+\\.[0-9][0-9][0-9])  text.txt\n$")
  fail_check("count text.txt (${text_bytes} bytes, ${text_tokens} tokens): unexpected table:\n${table}")
else()
  check_ratio("count text.txt" "${CMAKE_MATCH_1}" ${text_bytes} ${text_tokens})
endif()
# The columns line up: every line is as long as the header up to the file name.
string(REGEX MATCHALL "[^\n]+" lines "${table}")
list(GET lines 0 header)
list(GET lines 1 row)
string(FIND "${header}" "file" header_at)
string(FIND "${row}" "text.txt" row_at)
if(NOT header_at EQUAL row_at)
  fail_check("count: the file column is not aligned:\n${table}")
endif()

# Two files, one with a space in its name, and a price: a usd column and a total row. At $1,000,000
# per million tokens, the cost in dollars is the token count.
file(SIZE "${WORK}/train one.txt" train_bytes)
expect_ok("encode train one" ids encode --encoding small.tiktoken "train one.txt")
string(REGEX MATCHALL "[0-9]+" id_list "${ids}")
list(LENGTH id_list train_tokens)
math(EXPR total_bytes "${text_bytes} + ${train_bytes}")
math(EXPR total_tokens "${text_tokens} + ${train_tokens}")
expect_ok("count two files" table count --encoding small.tiktoken text.txt "train one.txt"
          --price-per-million 1000000)
set(num "[0-9]+\\.[0-9][0-9][0-9]")
if(NOT table MATCHES "^ *bytes +tokens +bytes/token +usd  file\n"
   OR NOT table MATCHES "\n +${text_bytes} +${text_tokens} +${num} +${text_tokens}\\.000000  text.txt\n"
   OR NOT table MATCHES "\n +${train_bytes} +${train_tokens} +${num} +${train_tokens}\\.000000  train one.txt\n"
   OR NOT table MATCHES "\n +${total_bytes} +${total_tokens} +(${num}) +${total_tokens}\\.000000  total\n$")
  fail_check("count of two files with a price: unexpected table:\n${table}")
else()
  check_ratio("count total" "${CMAKE_MATCH_1}" ${total_bytes} ${total_tokens})
endif()
expect_ok("count of a price" table count --encoding minbpe.tiktoken --price-per-million 3 minbpe.txt)
if(NOT table MATCHES "\n +11 +5 +2\\.200 +0\\.000015  minbpe.txt\n$")  # 5 tokens * $3 / 1e6
  fail_check("count minbpe.txt at $3 per million: unexpected table:\n${table}")
endif()
expect_ok("count stdin" table INPUT "${WORK}/empty" count --encoding small.tiktoken)
if(NOT table MATCHES "\n +0 +0 +-  <stdin>\n$")
  fail_check("count of empty stdin: unexpected table:\n${table}")
endif()

# ---- errors: exit != 0, one line naming the file, line or value -------------------------------------
expect_error("missing input file" "cannot open 'no-such-file.txt'" encode --encoding small.tiktoken no-such-file.txt)
expect_error("missing file in count" "cannot open 'no-such-file.txt'" count --encoding small.tiktoken text.txt no-such-file.txt)
expect_error("missing training file" "cannot open 'no-such-file.txt'" train --vocab-size 300 --out x no-such-file.txt)
expect_error("unknown encoding" "'no_such_encoding' is neither gpt2, cl100k_base, o200k_base nor an existing .tiktoken file"
             encode --encoding no_such_encoding text.txt)
expect_error("named encoding, no directory" "where is cl100k_base.tiktoken\\? Pass --encodings DIR or set AIB_ENCODINGS"
             encode --encoding cl100k_base text.txt)
expect_error("named encoding, wrong directory" "'${WORK}/o200k_base.tiktoken' does not exist"
             encode --encoding o200k_base --encodings "${WORK}" text.txt)
file(WRITE "${WORK}/bad.ids" "97 98\n400 99999999 1")
expect_error("id out of range" "bad.ids: id #4 '99999999' is out of range for small"
             decode --encoding small.tiktoken bad.ids)
file(WRITE "${WORK}/bad.ids" "97 98 -5")
expect_error("negative id" "bad.ids: id #3 '-5' is not a number" decode --encoding small.tiktoken bad.ids)
file(WRITE "${WORK}/bad.ids" "97 abc")
expect_error("id not a number" "<stdin>: id #2 'abc' is not a number" INPUT "${WORK}/bad.ids"
             decode --encoding small.tiktoken)
file(WRITE "${WORK}/bad.ids" "1 184467440737095516160")
expect_error("id overflowing 64 bits" "id #2 '184467440737095516160' is out of range"
             decode --encoding small.tiktoken bad.ids)
file(WRITE "${WORK}/malformed.tiktoken" "AA== 0\nAQ== 1\nnot base64 here 2\n")
expect_error("malformed rank file" "malformed.tiktoken:3: expected '<base64 token> <rank>'"
             encode --encoding malformed.tiktoken text.txt)
file(WRITE "${WORK}/gap.tiktoken" "AA== 0\nAQ== 1\nAg== 5\n")
expect_error("rank file with a gap" "gap.tiktoken:3: rank 5 is too large" encode --encoding gap.tiktoken text.txt)
expect_error("vocab size < 256" "--vocab-size must be at least 256 \\(the single bytes\\), got 100"
             train --vocab-size 100 --out x minbpe.txt)
expect_error("unwritable output" "'${WORK}/no-such-dir/x.tiktoken': cannot open for writing"
             train --vocab-size 300 --out "${WORK}/no-such-dir/x" minbpe.txt)

# ---- the real encodings, when present ----------------------------------------------------------------
# As in the unit tests (test_helpers.hpp): $AIB_SHARED_DIR overrides SHARED_DIR, and with
# AIB_REQUIRE_SHARED=1 (set by CI) missing rank files are a failure instead of a skip.
if(NOT "$ENV{AIB_SHARED_DIR}" STREQUAL "")
  set(SHARED_DIR "$ENV{AIB_SHARED_DIR}")
endif()
set(encodings "${SHARED_DIR}/data/encodings")
if("$ENV{AIB_REQUIRE_SHARED}" STREQUAL "1")
  foreach(name cl100k_base gpt2)
    if(NOT EXISTS "${encodings}/${name}.tiktoken")
      fail_check("AIB_REQUIRE_SHARED=1 but ${encodings}/${name}.tiktoken is missing")
    endif()
  endforeach()
endif()
if(SHARED_DIR AND EXISTS "${encodings}/cl100k_base.tiktoken")
  file(WRITE "${WORK}/hello.txt" "hello world")
  expect_ok("cl100k hello world" ids encode --encoding cl100k_base --encodings "${encodings}" hello.txt)
  if(NOT ids STREQUAL "15339 1917\n")
    fail_check("cl100k_base 'hello world': expected '15339 1917', got '${ids}'")
  endif()
  # $AIB_ENCODINGS is the fallback for --encodings.
  execute_process(COMMAND ${CMAKE_COMMAND} -E env "AIB_ENCODINGS=${encodings}" "${EXE}" tokenize encode
                          --encoding cl100k_base hello.txt
                  WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE ids RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT ids STREQUAL "15339 1917\n")
    fail_check("AIB_ENCODINGS=${encodings}: expected '15339 1917', got exit ${rc}, '${ids}'")
  endif()
  file(WRITE "${WORK}/thumbs.ids" "9468 239 235")
  expect_ok("cl100k decode 👍" out decode --encoding cl100k_base --encodings "${encodings}" thumbs.ids)
  if(NOT out STREQUAL "👍")
    fail_check("cl100k_base 9468 239 235: expected 👍, got '${out}'")
  endif()
  file(WRITE "${WORK}/bad-cl100k.ids" "1 2 99999999")
  expect_error("cl100k id out of range" "id #3 '99999999' is out of range for cl100k_base"
               INPUT "${WORK}/bad-cl100k.ids" decode --encoding cl100k_base --encodings "${encodings}")
else()
  message(STATUS "skipped: the real encodings (no ${encodings}/cl100k_base.tiktoken)")
endif()
if(SHARED_DIR AND EXISTS "${encodings}/gpt2.tiktoken")
  file(WRITE "${WORK}/hello-eot.txt" "hello <|endoftext|>")
  expect_ok("gpt2 --allow-special" ids encode --encoding gpt2 --encodings "${encodings}" --allow-special hello-eot.txt)
  if(NOT ids STREQUAL "31373 220 50256\n")
    fail_check("gpt2 'hello <|endoftext|>' with --allow-special: expected '31373 220 50256', got '${ids}'")
  endif()
endif()

# ---- exit codes: 0 success, 1 an error of the input or the run, 2 a usage error -------------------
# Every flag-parsing error is exit 2 and one line naming the command, never CLI11's 104..109 and
# its two-line message.
expect_usage("unknown subcommand" "aibasics" "not expected: frob" frob)
expect_usage("unknown flag of the launcher" "aibasics" "not expected: --frob" --frob)
expect_usage("play without an episode" "aibasics play" "episode is required" play)
expect_usage("play with a bad number" "aibasics play" "x" play x)
expect_usage("tokenize without a subcommand" "aibasics tokenize" "subcommand is required" tokenize)
expect_usage("unknown flag of encode" "aibasics tokenize encode" "--frob"
             tokenize encode --encoding small.tiktoken --frob text.txt)
expect_usage("encode without --encoding" "aibasics tokenize encode" "--encoding is required"
             tokenize encode text.txt)
expect_usage("--vocab-size not a number" "aibasics tokenize train"
             "--vocab-size: must be a whole number of tokens, got 'x'"
             tokenize train --vocab-size x --out y text.txt)
expect_usage("--vocab-size negative" "aibasics tokenize train"
             "--vocab-size: must be a whole number of tokens, got '-3'"
             tokenize train --vocab-size -3 --out y text.txt)
expect_usage("train without --out" "aibasics tokenize train" "--out is required"
             tokenize train --vocab-size 300 text.txt)
expect_usage("--pattern not one of three" "aibasics tokenize train" "--pattern"
             tokenize train --vocab-size 300 --out y --pattern nope text.txt)
expect_usage("--price-per-million negative" "aibasics tokenize count"
             "must be a non-negative number of dollars, got '-3'"
             tokenize count --encoding small.tiktoken --price-per-million -3 text.txt)
launch(out rc err play 99)
if(NOT rc EQUAL 2 OR NOT err MATCHES "^aibasics play: there is no episode 99[^\n]*\n$")
  fail_check("play 99: expected exit 2 and one line; got exit ${rc}, stderr:\n${err}")
endif()
# --help of each command states the convention.
foreach(cmd "" "tokenize" "tokenize encode" "tokenize decode" "tokenize count" "tokenize train")
  string(REPLACE " " ";" words "${cmd}")
  launch(out rc err ${words} --help)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL ""
     OR NOT out MATCHES "Exit codes: 0 success; 1 an error in the input or the run[^\n]*\n2 a usage error")
    fail_check("aibasics ${cmd} --help: expected exit 0 and the exit codes; got exit ${rc}:\n${out}${err}")
  endif()
endforeach()

# ---- a failure to write standard output is an error ----------------------------------------------
if(EXISTS /dev/full)
  foreach(cmd "list" "--help" "tokenize;encode;--encoding;small.tiktoken;text.txt"
              "tokenize;count;--encoding;small.tiktoken;text.txt")
    execute_process(COMMAND ${CMAKE_COMMAND} -E env NO_COLOR=1 "${EXE}" ${cmd}
                    WORKING_DIRECTORY "${WORK}" INPUT_FILE "${WORK}/empty" OUTPUT_FILE /dev/full
                    ERROR_VARIABLE err RESULT_VARIABLE rc)
    string(REGEX MATCHALL "\n" newlines "${err}")
    list(LENGTH newlines n_lines)
    if(NOT rc EQUAL 1 OR NOT n_lines EQUAL 1
       OR NOT err MATCHES "^aibasics[a-z ]*: could not write standard output: [^\n]+\n$")
      fail_check("aibasics ${cmd} > /dev/full: expected exit 1 and one line 'could not write standard output'; got exit ${rc}, stderr:\n${err}")
    else()
      message(STATUS "ok: aibasics ${cmd} > /dev/full: ${err}")
    endif()
  endforeach()
else()
  message(STATUS "skipped: writing to a full device (no /dev/full on this system)")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} check(s) failed")
endif()
message(STATUS "all tokenize CLI checks passed")
