# streamlens_add_test(NAME <name> SOURCES <files...> LIBS <targets...> [LABELS unit|integration|e2e]
#                     [TIMEOUT <seconds>])
# One GoogleTest binary per component; registered with ctest under the given labels (default: unit).
function(streamlens_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT STREAMLENS_BUILD_TESTS)
    return()
  endif()
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "STREAMLENS_SOURCE_DIR=${PROJECT_SOURCE_DIR};STREAMLENS_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
endfunction()

# streamlens_add_fuzzer(NAME <fuzz_x> SOURCES <files...> LIBS <targets...>)
# A libFuzzer target (only with -DSTREAMLENS_FUZZ=ON and clang). Output: <build>/bin/<name>.
# scripts/test replays its regressions/ corpus and then fuzzes it for a fixed time.
function(streamlens_add_fuzzer)
  cmake_parse_arguments(F "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT STREAMLENS_FUZZ)
    return()
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
endfunction()
