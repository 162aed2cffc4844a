# cmake -P cli_generate.cmake: `aibasics generate`, run as a user would run it.
#   -DEXE=<the aibasics launcher> -DWORK=<scratch directory> -DMODEL=<tests/fixtures/hf_gpt2/tiny>
#   [-DSHARED_DIR=<../shared>] (environment: AIB_SHARED_DIR overrides SHARED_DIR)
# The tiny GPT-2 fixture has 300 tokens, far fewer than gpt2's 50257, so the script first trains a
# 300-token encoding with `aibasics tokenize train` and generates with that (a model is used with
# any encoding whose ids all fit it). Checks: the prompt comes back followed by new text; the same
# seed gives the same text; temperature 0 ignores the seed; each error (no such directory, no
# config.json, the gpt2 rank file nowhere, a context overflow, an encoding larger than the model
# when ../shared has the real gpt2 ranks) exits non-zero with one line on stderr naming it.
cmake_minimum_required(VERSION 3.16)
if(NOT EXE OR NOT WORK OR NOT MODEL)
  message(FATAL_ERROR "usage: cmake -DEXE=<aibasics> -DWORK=<dir> -DMODEL=<dir> [-DSHARED_DIR=<dir>] -P cli_generate.cmake")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(failures 0)

function(fail_check what)
  message(SEND_ERROR "FAIL: ${what}")
  math(EXPR n "${failures} + 1")
  set(failures ${n} PARENT_SCOPE)
endfunction()

# run(<out var> <rc var> <err var> args...): the launcher with args, without $AIB_ENCODINGS.
function(run out_var rc_var err_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=AIB_ENCODINGS NO_COLOR=1 "${EXE}" ${ARGN}
                  WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

# expect_ok(<label> <out var> args...): must exit 0 with an empty stderr.
function(expect_ok label out_var)
  run(out rc err ${ARGN})
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    fail_check("${label}: exit ${rc}, stderr:\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# expect_error(<label> <regex> args...): must exit non-zero with exactly one stderr line,
# "aibasics generate: <message>", matching regex, and print nothing on stdout.
function(expect_error label regex)
  run(out rc err generate ${ARGN})
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines n_lines)
  if(rc EQUAL 0 OR NOT n_lines EQUAL 1 OR NOT err MATCHES "^aibasics generate: [^\n]*${regex}[^\n]*\n$"
     OR NOT out STREQUAL "")
    fail_check("${label}: expected exit != 0 and one line 'aibasics generate: ...${regex}...'; got exit ${rc}, "
               "stderr:\n${err}stdout:\n${out}")
  else()
    message(STATUS "ok: ${label}: ${err}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# ---- --help ---------------------------------------------------------------------------------------
expect_ok("aibasics --help" help --help)
if(NOT help MATCHES "\n  generate ")
  fail_check("aibasics --help should list generate:\n${help}")
endif()
expect_ok("generate --help" help generate --help)
foreach(flag --model --prompt --tokens --temperature --top-k --seed --encoding --encodings)
  if(NOT help MATCHES "${flag}")
    fail_check("generate --help does not list ${flag}:\n${help}")
  endif()
endforeach()

# ---- a 300-token encoding for the 300-token model -------------------------------------------------
string(REPEAT "The model reads the prompt, one token at a time, and writes what comes next. " 20 text)
file(WRITE "${WORK}/text.txt" "${text}")
expect_ok("tokenize train" out tokenize train --vocab-size 300 --out enc300 text.txt)

set(common --model "${MODEL}" --encoding enc300.tiktoken --prompt "The model reads")
expect_ok("generate" first generate ${common} --tokens 12 --seed 5)
if(NOT first MATCHES "^The model reads" OR NOT first MATCHES "\n$")
  fail_check("generate should print the prompt, its continuation and a newline; got '${first}'")
endif()
string(LENGTH "${first}" n_first)
if(n_first LESS 30)  # 15 prompt bytes + 12 tokens of at least one byte + the newline
  fail_check("generate printed ${n_first} bytes, fewer than the prompt and 12 new tokens: '${first}'")
endif()
expect_ok("generate again" again generate ${common} --tokens 12 --seed 5)
if(NOT again STREQUAL first)
  fail_check("the same seed gave different text:\n'${first}'\n'${again}'")
endif()
expect_ok("generate, another seed" other generate ${common} --tokens 12 --seed 6)
if(other STREQUAL first)
  fail_check("seeds 5 and 6 gave the same 12 tokens: '${first}'")
endif()
expect_ok("greedy, seed 1" greedy1 generate ${common} --tokens 12 --temperature 0 --seed 1)
expect_ok("greedy, seed 2" greedy2 generate ${common} --tokens 12 --temperature 0 --seed 2)
if(NOT greedy1 STREQUAL greedy2)
  fail_check("temperature 0 should not depend on the seed:\n'${greedy1}'\n'${greedy2}'")
endif()

# ---- errors ---------------------------------------------------------------------------------------
expect_error("no such model" "nowhere': not a directory" --model nowhere --encoding enc300.tiktoken)
file(MAKE_DIRECTORY "${WORK}/noconfig")
file(COPY "${MODEL}/model.safetensors" DESTINATION "${WORK}/noconfig")
expect_error("no config.json" "noconfig/config.json': missing" --model noconfig --encoding enc300.tiktoken)
expect_error("gpt2 rank file nowhere" "where is gpt2.tiktoken" --model "${MODEL}" --prompt hi)
expect_error("context overflow" "exceeds the context of 32" ${common} --tokens 40)

if(DEFINED ENV{AIB_SHARED_DIR} AND NOT "$ENV{AIB_SHARED_DIR}" STREQUAL "")
  set(SHARED_DIR "$ENV{AIB_SHARED_DIR}")
endif()
if(SHARED_DIR AND EXISTS "${SHARED_DIR}/data/encodings/gpt2.tiktoken")
  expect_error("gpt2 on a 300-token model" "has 50257 ids but the model .* only 300"
               --model "${MODEL}" --prompt hi --encodings "${SHARED_DIR}/data/encodings")
else()
  message(STATUS "skipped: the gpt2 rank file is not in ${SHARED_DIR}/data/encodings")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} check(s) failed")
endif()
message(STATUS "all checks passed")
