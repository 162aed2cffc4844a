# cmake -P consumer_test.cmake: build and run tests/consumer against this aibasics.
#   -DMODE=find_package -DBUILD_TREE=<aibasics build dir> -DWORK=<scratch dir>
#   -DMODE=add_subdirectory -DSOURCE_DIR=<aibasics source dir> -DWORK=<scratch dir>
# find_package installs the build tree into WORK/prefix first, as a user would.
cmake_minimum_required(VERSION 3.16)
get_filename_component(consumer_dir "${CMAKE_CURRENT_LIST_DIR}/consumer" ABSOLUTE)
file(REMOVE_RECURSE "${WORK}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install "${BUILD_TREE}" --prefix "${WORK}/prefix")
  if(NOT EXISTS "${WORK}/prefix/include/aib/aib.hpp")
    message(FATAL_ERROR "install did not place include/aib/aib.hpp")
  endif()
  run(${CMAKE_COMMAND} -S "${consumer_dir}" -B "${WORK}/build" -DAIB_CONSUME=find_package
      "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
else()
  run(${CMAKE_COMMAND} -S "${consumer_dir}" -B "${WORK}/build" -DAIB_CONSUME=add_subdirectory
      "-DAIB_SOURCE_DIR=${SOURCE_DIR}")
endif()
run(${CMAKE_COMMAND} --build "${WORK}/build")
run("${WORK}/build/consumer")
