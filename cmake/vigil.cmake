# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by every folder.

# vigil_add_library(NAME SOURCES... [DEPS ...])
# Public headers live in include/vigil/<name>/ beside the sources.
function(vigil_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# vigil_add_test(NAME SOURCES... DEPS ...): one Catch2 binary per library.
function(vigil_add_test name)
  if(NOT VIGIL_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE vigil_catch_main ${ARG_DEPS})
  # tests/support: helpers every test binary shares (temp_dir.hpp, golden_files.hpp).
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
                                             ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_definitions(${name} PRIVATE VIGIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  # scripts/sanitize runs every test labelled unit under ASan+UBSan.
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
