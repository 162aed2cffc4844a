# cmake -P aibGolden.cmake: run an episode program and check it against its saved output.
#   -DEXE=<program> -DEXPECTED=<examples/expected/NN-slug.txt> -DTITLE=<episode title>
#   [-DUPDATE=ON]  rewrite EXPECTED with the current output instead of comparing.
#   [-DSHARED_DIR=<../shared>]  run with the real rank files instead of the trained fallback:
#       AIB_ENCODINGS=data/encodings, run in SHARED_DIR (EXPECTED: examples/expected/real/NN-slug.txt).
#       $AIB_SHARED_DIR overrides SHARED_DIR. Without gpt2, cl100k_base and o200k_base .tiktoken
#       there, the run prints "AIB_SKIP: ..." (the test's SKIP_REGULAR_EXPRESSION) and passes,
#       unless AIB_REQUIRE_SHARED=1 (set by CI) or UPDATE, which make it fail.
# AIB_GOLDEN=1 makes measured times print as "[measured]" (aib/core/timing.hpp). GLIBC_TUNABLES
# makes glibc's libm use its portable exp/log/sin/cos rather than the FMA versions it picks on CPUs
# that have FMA (they can differ in the last bit, and training amplifies it): with the fixed product
# blocking of aib/core/reproducible.hpp, the saved outputs are what any x86-64 machine prints.
# Besides the default run, checks that --help names the episode and that a wrong flag fails.
cmake_minimum_required(VERSION 3.16)
get_filename_component(EXE "${EXE}" ABSOLUTE)  # the real run has another working directory
if(DEFINED SHARED_DIR)
  if(NOT "$ENV{AIB_SHARED_DIR}" STREQUAL "")
    set(SHARED_DIR "$ENV{AIB_SHARED_DIR}")
  endif()
  get_filename_component(SHARED_DIR "${SHARED_DIR}" ABSOLUTE)
  set(encodings "${SHARED_DIR}/data/encodings")
  set(missing "")
  foreach(name gpt2 cl100k_base o200k_base)
    if(NOT EXISTS "${encodings}/${name}.tiktoken")
      list(APPEND missing "${name}.tiktoken")
    endif()
  endforeach()
  if(missing)
    string(REPLACE ";" ", " missing "${missing}")
    if("$ENV{AIB_REQUIRE_SHARED}" STREQUAL "1" OR UPDATE)
      message(FATAL_ERROR "${encodings} lacks ${missing} (AIB_SHARED_DIR names the directory "
                          "holding data/encodings)")
    endif()
    message("AIB_SKIP: no real rank files (${encodings} lacks ${missing}); "
            "set AIB_SHARED_DIR to the directory holding data/encodings to run this test")
    return()
  endif()
  # Run from SHARED_DIR with a relative path: the programs print where the files came from, and
  # the saved output must not depend on where this machine keeps them.
  # $AIB_ENCODINGS rather than --encodings: a program with no real-encoding mode (episode 12 today)
  # runs as in the default run instead of refusing the flag.
  set(encodings_env AIB_ENCODINGS=data/encodings)
  set(workdir "${SHARED_DIR}")
else()
  set(encodings_env --unset=AIB_ENCODINGS)
  set(workdir "${CMAKE_CURRENT_BINARY_DIR}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env ${encodings_env} NO_COLOR=1 AIB_GOLDEN=1
                        GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4 "${EXE}"
                WORKING_DIRECTORY "${workdir}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}\n${err}")
endif()
if(UPDATE)
  get_filename_component(dir "${EXPECTED}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${EXPECTED}" "${out}")
  message(STATUS "updated ${EXPECTED}")
  return()
endif()

set(update update-expected)
if(DEFINED SHARED_DIR)
  set(update update-expected-real)
endif()
if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "${EXPECTED} is missing; create it with: cmake --build <build> --target ${update}")
endif()
file(READ "${EXPECTED}" want)
if(NOT out STREQUAL want)
  get_filename_component(name "${EXPECTED}" NAME)
  set(actual "${CMAKE_CURRENT_BINARY_DIR}/actual-${update}-${name}")
  file(WRITE "${actual}" "${out}")
  execute_process(COMMAND diff -u "${EXPECTED}" "${actual}" OUTPUT_VARIABLE diff)
  message(FATAL_ERROR "output of ${EXE} differs from ${EXPECTED} (actual: ${actual})\n${diff}\n"
                      "If the change is intended: cmake --build <build> --target ${update}")
endif()
if(DEFINED SHARED_DIR)
  return()  # --help and a wrong flag do not depend on the rank files: checked by the default run
endif()

execute_process(COMMAND "${EXE}" --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
string(FIND "${help}" "${TITLE}" found)
if(NOT rc EQUAL 0 OR found EQUAL -1)
  message(FATAL_ERROR "${EXE} --help exited with ${rc} or does not name the episode '${TITLE}':\n${help}")
endif()
execute_process(COMMAND "${EXE}" --no-such-flag OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc)
if(rc EQUAL 0 OR NOT e MATCHES "no-such-flag")
  message(FATAL_ERROR "${EXE} --no-such-flag should fail and name the flag; exit ${rc}, stderr:\n${e}")
endif()
