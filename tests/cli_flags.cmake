# cmake -P cli_flags.cmake: the command line of the episode programs (examples/common/flags.hpp),
# run as a user would run it, bad flags first.
#   -DEP01=<01-what-is-generative-ai> -DEP11=<11-what-are-tokens> -DEP12=<12-byte-pair-encoding>
#   -DEP19=<19-the-transformer> -DEP21=<21-query-key-value> -DEP27=<27-attention-bottleneck>
#   -DWORK=<scratch directory>
# A usage error must exit 2 with exactly one line on stderr, "<program>: <flag>: <what was wrong>
# (see <program> --help)", and nothing on stdout: an unknown flag, a missing value, a value out of
# range, nan or inf for a floating-point flag, and integers that are not whole (`--seed -1`,
# `--seed 18446744073709551616`, `--steps 3.5`, `--steps 12abc`) are refused, never wrapped,
# saturated or read by prefix. Valid flags are accepted (with --narrative-only, which runs no
# computation), and --help documents the exit codes.
cmake_minimum_required(VERSION 3.16)
foreach(var EP01 EP11 EP12 EP19 EP21 EP27 WORK)
  if(NOT ${var})
    message(FATAL_ERROR "usage: cmake -DEP01=... -DEP11=... -DEP12=... -DEP19=... -DEP21=... -DEP27=... -DWORK=<dir> -P cli_flags.cmake")
  endif()
  get_filename_component(${var} "${${var}}" ABSOLUTE)  # the programs run in WORK
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/a-directory")
set(failures 0)

function(fail_check)
  string(CONCAT what ${ARGV})
  message(SEND_ERROR "FAIL: ${what}")
  math(EXPR n "${failures} + 1")
  set(failures ${n} PARENT_SCOPE)
endfunction()

function(run exe out_var rc_var err_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=AIB_ENCODINGS NO_COLOR=1 "${exe}" ${ARGN}
                  WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

# usage_error(<program> <label> <regex> args...): exit 2, nothing on stdout, and one stderr line
# "<name>: ...<regex>... (see <name> --help)".
function(usage_error exe label regex)
  get_filename_component(name "${exe}" NAME_WE)
  run("${exe}" out rc err ${ARGN})
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines n_lines)
  if(NOT rc EQUAL 2 OR NOT n_lines EQUAL 1 OR NOT out STREQUAL ""
     OR NOT err MATCHES "^${name}: [^\n]*${regex}[^\n]* \\(see ${name} --help\\)\n$")
    fail_check("${label}: expected exit 2 and one line '${name}: ...${regex}... (see ${name} --help)', "
               "got exit ${rc}, stderr:\n${err}stdout:\n${out}")
  else()
    message(STATUS "ok: ${label}: ${err}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# accepted(<program> <label> args...): exit 0 with an empty stderr (args include --narrative-only).
function(accepted exe label)
  run("${exe}" out rc err ${ARGN})
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "" OR out STREQUAL "")
    fail_check("${label}: expected exit 0, some output and an empty stderr; got exit ${rc}, "
               "stderr:\n${err}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# ---- integers: whole or refused -------------------------------------------------------------------
set(u64 "\\[0, 18446744073709551615\\]")
usage_error("${EP19}" "negative seed" "--seed: -1 is not a whole number in ${u64}" --seed -1)
usage_error("${EP19}" "seed of 2^64" "--seed: 18446744073709551616 is not a whole number in ${u64}"
            --seed 18446744073709551616)
usage_error("${EP19}" "seed with a sign" "--seed: \\+5 is not a whole number" --seed +5)
usage_error("${EP19}" "fractional steps" "--steps: 3.5 is not a whole number in \\[1, 100000\\]"
            --steps 3.5)
usage_error("${EP19}" "steps by prefix" "--steps: 12abc is not a whole number in \\[1, 100000\\]"
            --steps 12abc)
usage_error("${EP19}" "steps in exponent form" "--steps: 1e3 is not a whole number" --steps 1e3)
usage_error("${EP19}" "steps below the range" "--steps: 0 is not a whole number in \\[1, 100000\\]"
            --steps 0)
usage_error("${EP19}" "steps beyond int" "--steps: 4294967297 is not a whole number" --steps 4294967297)
usage_error("${EP19}" "empty steps" "--steps: '' is not a whole number" --steps=)
usage_error("${EP19}" "layers beyond Index" "--layers: 9223372036854775808 is not a whole number in \\[1, 8\\]"
            --layers 9223372036854775808)

# ---- floating point: finite numbers in range --------------------------------------------------------
foreach(bad nan NaN inf -inf infinity 1e400 0x1p-3 " 0.01" 0.01x 2)
  usage_error("${EP19}" "--lr '${bad}'" "--lr: ${bad} is not a number in \\[1e-5, 1\\]" --lr "${bad}")
endforeach()
usage_error("${EP01}" "nan in a list" "--temperatures: nan is not a number in \\[0.01, 100\\]"
            --temperatures 0.5,nan)
usage_error("${EP01}" "list of the wrong length" "--temperatures needs 2 values, got 1" --temperatures 0.5)
usage_error("${EP01}" "list of the wrong length (words)" "--temperatures needs 2 values, got 3"
            --temperatures 0.5 1 2)
usage_error("${EP12}" "word in a list of sizes" "--sizes: abc is not a whole number in \\[256, 20000\\]"
            --sizes 256,abc)
usage_error("${EP12}" "negative size" "--sizes: -300 is not a whole number" --sizes=256,-300)

# ---- text checks --------------------------------------------------------------------------------------
usage_error("${EP11}" "unknown encoding" "--encoding: 'p50k_base' is not gpt2, cl100k_base or o200k_base"
            --encoding p50k_base)
string(ASCII 27 esc)
usage_error("${EP11}" "escape byte echoed escaped" "--encoding: 'a\\\\x1b\\[31mb' is not"
            --encoding "a${esc}[31mb")
usage_error("${EP11}" "empty text" "--text: must not be empty \\(got ''\\)" --text=)
usage_error("${EP12}" "custom check" "--tiny: must be 2 to 40 bytes \\(got 'a'\\)" --tiny a)
usage_error("${EP01}" "missing corpus" "--corpus: 'no-such-file.txt' is not an existing file"
            --corpus no-such-file.txt)
usage_error("${EP01}" "corpus that is a directory" "--corpus: 'a-directory' is not an existing file"
            --corpus a-directory)

# ---- the command line itself ---------------------------------------------------------------------------
usage_error("${EP19}" "unknown flag" "unknown flag --no-such-flag" --no-such-flag)
usage_error("${EP19}" "unknown flag with a value" "unknown flag --stepz" --stepz=3)
usage_error("${EP19}" "stray argument" "unexpected argument 'foo'" foo)
usage_error("${EP19}" "missing value at the end" "--steps needs a value" --steps)
usage_error("${EP19}" "flag instead of a value" "--steps needs a value" --steps --lr 0.1)
usage_error("${EP19}" "flag given twice" "--steps is given twice" --steps 5 --steps 6)
usage_error("${EP19}" "switch with a value" "--numbers-only takes no value" --numbers-only=1)
usage_error("${EP19}" "both -only switches" "--numbers-only and --narrative-only exclude each other"
            --numbers-only --narrative-only)

# ---- accepted ------------------------------------------------------------------------------------------
accepted("${EP19}" "largest seed, --name=value" --narrative-only --seed 18446744073709551615 --steps=12
         --lr 1e-3 --layers 8)
accepted("${EP12}" "a list in commas and words" --narrative-only --sizes 256,300 400)
accepted("${EP01}" "two temperatures" --narrative-only --temperatures 0.3 2)

# ---- --help ---------------------------------------------------------------------------------------------
run("${EP19}" help rc err --help)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  fail_check("--help: exit ${rc}, stderr:\n${err}")
endif()
foreach(want "Usage: 19-the-transformer \\[OPTIONS\\]" "--seed UINT=42" "--lr FLOAT in \\[1e-5, 1\\]=0.006"
             "--steps INT in \\[1, 100000\\]=300"
             "Exit status: 0 success, 1 an error in the input or the run[^\n]*\n2 a usage error")
  if(NOT help MATCHES "${want}")
    fail_check("--help should contain '${want}':\n${help}")
  endif()
endforeach()
run("${EP19}" help2 rc err --steps 0 -h)  # --help wins over a bad value
if(NOT rc EQUAL 0 OR NOT help2 STREQUAL help)
  fail_check("-h after a bad value should print the help and exit 0; exit ${rc}, stderr:\n${err}")
endif()

# ---- flags bounded by the memory they need ------------------------------------------------------
# Episode 21's --samples and 27's --max-tokens are refused (exit 2, one line saying how much the
# run would take) when the estimate exceeds the machine's memory; AIB_MEMORY_LIMIT lowers the
# limit so the check runs on any machine. Under the limit they are accepted (--narrative-only).
foreach(case "EP21;--samples;1000000;20\\.[0-9]" "EP27;--max-tokens;65536;17\\.[0-9]")
  list(GET case 0 ep)
  list(GET case 1 flag)
  list(GET case 2 value)
  list(GET case 3 gb)
  get_filename_component(name "${${ep}}" NAME_WE)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env AIB_MEMORY_LIMIT=2e9 "${${ep}}" ${flag} ${value}
                  WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(want "^${name}: ${flag} ${value} would need about ${gb} GB; AIB_MEMORY_LIMIT allows 2\\.0 GB \\(see ${name} --help\\)\n$")
  if(NOT rc EQUAL 2 OR NOT out STREQUAL "" OR NOT err MATCHES "${want}")
    fail_check("${name} ${flag} ${value} under a 2 GB limit: expected exit 2 and '${want}'; got exit ${rc}, stderr:\n${err}")
  else()
    message(STATUS "ok: ${name} ${flag} ${value}: ${err}")
  endif()
  accepted("${${ep}}" "${name} ${flag} ${value} without the limit, narrative only" --narrative-only)
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E env AIB_MEMORY_LIMIT=2e9 "${EP27}" --max-tokens 8192 --narrative-only
                WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  fail_check("27 --max-tokens 8192 (about 0.3 GB) under a 2 GB limit: expected exit 0; got exit ${rc}, stderr:\n${err}")
endif()

# ---- a failure to write standard output is an error ----------------------------------------------
# examples/common/episode.hpp ends every program: stdout that cannot be written (a full disk) is
# exit 1 and one line, never exit 0 with the output lost.
if(EXISTS /dev/full)
  foreach(args "--narrative-only" "--numbers-only" "--help")
    execute_process(COMMAND ${CMAKE_COMMAND} -E env NO_COLOR=1 "${EP01}" ${args}
                    WORKING_DIRECTORY "${WORK}" OUTPUT_FILE /dev/full ERROR_VARIABLE err
                    RESULT_VARIABLE rc)
    string(REGEX MATCHALL "\n" newlines "${err}")
    list(LENGTH newlines n_lines)
    if(NOT rc EQUAL 1 OR NOT n_lines EQUAL 1
       OR NOT err MATCHES "^01-what-is-generative-ai: could not write standard output: [^\n]+\n$")
      fail_check("01 ${args} > /dev/full: expected exit 1 and one line 'could not write standard ",
                 "output'; got exit ${rc}, stderr:\n${err}")
    else()
      message(STATUS "ok: 01 ${args} > /dev/full: ${err}")
    endif()
  endforeach()
else()
  message(STATUS "skipped: writing to a full device (no /dev/full on this system)")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} check(s) failed")
endif()
message(STATUS "all episode flag checks passed")
