# sw_fuzz_target(NAME SOURCE file CORPUS dir SECONDS n LABELS "fuzz;..."
#                LINK lib... [INSTRUMENT lib...] [INCLUDE dir...])
#
# One libFuzzer target and its two tests, the same for every parser:
#   NAME_corpus   replays every committed seed and crash reproducer in CORPUS
#                 (quick, deterministic)
#   NAME_bounded  fuzzes for SECONDS over a copy of CORPUS (cache variable
#                 SW_<NAME>_SECONDS overrides it); any crash fails the test
# INSTRUMENT: the libraries under test, compiled with the coverage libFuzzer
# steers by. Nothing is built without -DSW_FUZZ=ON and clang:
#   CC=clang cmake -S . -B build-fuzz -DSW_SANITIZE=ON -DSW_FUZZ=ON
#   ctest --test-dir build-fuzz -R fuzz_
function(sw_fuzz_target name)
  cmake_parse_arguments(F "" "SOURCE;CORPUS;SECONDS;LABELS" "LINK;INSTRUMENT;INCLUDE" ${ARGN})
  if(NOT SW_FUZZ)
    return()
  endif()
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "SW_FUZZ=ON needs clang (CC=clang): ${name} not built")
    return()
  endif()
  string(TOUPPER "SW_${name}_SECONDS" seconds_var)
  set(${seconds_var} ${F_SECONDS} CACHE STRING "How long the ${name}_bounded test fuzzes")

  foreach(lib ${F_INSTRUMENT})
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
  add_executable(${name} ${F_SOURCE})
  target_include_directories(${name} PRIVATE ${F_INCLUDE} ${PROJECT_SOURCE_DIR}/tests/fuzz)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LINK})

  set(run ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh)
  add_test(NAME ${name}_corpus
    COMMAND ${run} --replay $<TARGET_FILE:${name}> ${F_CORPUS}
            ${CMAKE_CURRENT_BINARY_DIR}/work-replay)
  add_test(NAME ${name}_bounded
    COMMAND ${run} --seconds ${${seconds_var}} $<TARGET_FILE:${name}> ${F_CORPUS}
            ${CMAKE_CURRENT_BINARY_DIR}/work)
  math(EXPR timeout "${${seconds_var}} + 120")
  set_tests_properties(${name}_corpus ${name}_bounded PROPERTIES
    SKIP_RETURN_CODE 77 LABELS "${F_LABELS}")
  set_tests_properties(${name}_bounded PROPERTIES TIMEOUT ${timeout})
endfunction()
