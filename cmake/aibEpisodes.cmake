# Episode programs: each examples/NN-slug.cpp is built with its narrative (episodes/NN-slug.md)
# embedded, and registered as a golden-output test against examples/expected/NN-slug.txt.
set(AIB_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/aibEmbed.cmake)
set(AIB_GOLDEN_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/aibGolden.cmake)
set(AIB_BIN_DIR ${PROJECT_BINARY_DIR}/bin)
# The course's shared data (the real tiktoken rank files in data/encodings), as for the unit tests.
set(AIB_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared)

# aib_embed(<target> <header-name> name=path ...): generate <header-name> for <target>.
function(aib_embed target header)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated/${target}/${header})
  set(files "")
  foreach(entry IN LISTS ARGN)
    string(REGEX REPLACE "^[^=]*=" "" path "${entry}")
    list(APPEND files "${path}")
  endforeach()
  string(REPLACE ";" "|" entries "${ARGN}")
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${out}" "-DENTRIES=${entries}" -P ${AIB_EMBED_SCRIPT}
    DEPENDS ${files} ${AIB_EMBED_SCRIPT}
    COMMENT "Embedding ${header} for ${target}" VERBATIM)
  target_sources(${target} PRIVATE ${out})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated/${target})
endfunction()

# aib_add_episode(<NN-slug> [DATA name=path ...] [REAL_ENCODINGS]): the episode program, its test
# and its update. A missing program or narrative is a configure error, never a silently absent test.
# Needs the target aib_episode_flags (examples/common/flags.cpp: the programs' command line).
function(aib_add_episode name)
  cmake_parse_arguments(EP "REAL_ENCODINGS" "" "DATA" ${ARGN})
  set(md ${PROJECT_SOURCE_DIR}/episodes/${name}.md)
  foreach(file ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cpp ${md})
    if(NOT EXISTS ${file})
      message(FATAL_ERROR "aib_add_episode(${name}): ${file} does not exist")
    endif()
  endforeach()
  set(target episode_${name})
  add_executable(${target} ${name}.cpp)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name} RUNTIME_OUTPUT_DIRECTORY ${AIB_BIN_DIR})
  target_link_libraries(${target} PRIVATE aibasics aib_project_flags aib_episode_flags)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/examples/common)
  aib_embed(${target} episode_text.hpp episode_markdown=${md} ${EP_DATA})
  set_property(GLOBAL APPEND PROPERTY AIB_EPISODE_TARGETS ${target})

  # The title for the --help check comes from the front matter.
  file(STRINGS ${md} title_line REGEX "^title: ")
  string(REGEX REPLACE "^title: *\"?([^\"]*)\"?$" "\\1" title "${title_line}")
  set(expected ${PROJECT_SOURCE_DIR}/examples/expected/${name}.txt)
  if(AIB_BUILD_TESTS)
    add_test(NAME golden_${name}
             COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DEXPECTED=${expected}
                     -DTITLE=${title} -P ${AIB_GOLDEN_SCRIPT})
    set_tests_properties(golden_${name} PROPERTIES LABELS golden)
  endif()
  if(NOT TARGET update-expected)
    add_custom_target(update-expected COMMENT "Rewriting examples/expected/*.txt")
  endif()
  add_custom_command(TARGET update-expected POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DEXPECTED=${expected} -DUPDATE=ON
            -P ${AIB_GOLDEN_SCRIPT})
  add_dependencies(update-expected ${target})

  # REAL_ENCODINGS: a second saved output, made with the real rank files of ${AIB_SHARED_DIR}
  # (or $AIB_SHARED_DIR when the test runs), its test skipped when they are absent.
  if(EP_REAL_ENCODINGS)
    set(real ${PROJECT_SOURCE_DIR}/examples/expected/real/${name}.txt)
    set(golden_real ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DEXPECTED=${real}
                    -DSHARED_DIR=${AIB_SHARED_DIR})
    if(AIB_BUILD_TESTS)
      add_test(NAME golden_real_${name} COMMAND ${golden_real} -P ${AIB_GOLDEN_SCRIPT})
      set_tests_properties(golden_real_${name} PROPERTIES LABELS golden
                           SKIP_REGULAR_EXPRESSION "AIB_SKIP: ")
    endif()
    if(NOT TARGET update-expected-real)
      add_custom_target(update-expected-real
                        COMMENT "Rewriting examples/expected/real/*.txt with the real rank files")
    endif()
    add_custom_command(TARGET update-expected-real POST_BUILD
                       COMMAND ${golden_real} -DUPDATE=ON -P ${AIB_GOLDEN_SCRIPT})
    add_dependencies(update-expected-real ${target})
  endif()
endfunction()
