# cmake -P aibGolden.cmake: run an episode program and check it against its saved output.
#   -DEXE=<program> -DEXPECTED=<examples/expected/NN-slug.txt> -DTITLE=<episode title>
#   [-DUPDATE=ON]  rewrite EXPECTED with the current output instead of comparing.
# AIB_GOLDEN=1 makes measured times print as "[measured]" (aib/core/timing.hpp).
# Besides the default run, checks that --help names the episode and that a wrong flag fails.
cmake_minimum_required(VERSION 3.16)
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=AIB_ENCODINGS NO_COLOR=1 AIB_GOLDEN=1 "${EXE}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}\n${err}")
endif()
if(UPDATE)
  file(WRITE "${EXPECTED}" "${out}")
  message(STATUS "updated ${EXPECTED}")
  return()
endif()

if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "${EXPECTED} is missing; create it with: cmake --build <build> --target update-expected")
endif()
file(READ "${EXPECTED}" want)
if(NOT out STREQUAL want)
  get_filename_component(name "${EXPECTED}" NAME)
  set(actual "${CMAKE_CURRENT_BINARY_DIR}/actual-${name}")
  file(WRITE "${actual}" "${out}")
  execute_process(COMMAND diff -u "${EXPECTED}" "${actual}" OUTPUT_VARIABLE diff)
  message(FATAL_ERROR "output of ${EXE} differs from ${EXPECTED} (actual: ${actual})\n${diff}\n"
                      "If the change is intended: cmake --build <build> --target update-expected")
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
