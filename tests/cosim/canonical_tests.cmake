# Included by ctest (TEST_INCLUDE_FILES), not by cmake: registers the tests of the canonical set, which the
# built binary prints (`logmac cosim --list-canonical` = logmac::canonical_set()), so the list lives once, in
# sim/workload.cpp. Expects LOGMAC and RANDOM_VECTORS (set by the generated file that includes this one).
# In this context add_test/set_tests_properties take ctest's form: add_test(NAME-OF-TEST COMMAND ARGS...).
execute_process(COMMAND "${LOGMAC}" cosim --list-canonical OUTPUT_VARIABLE canonical_out
                RESULT_VARIABLE canonical_rc ERROR_QUIET)
string(STRIP "${canonical_out}" canonical_out)
string(REPLACE "\n" ";" canonical_specs "${canonical_out}")
if(NOT canonical_rc EQUAL 0 OR canonical_specs STREQUAL "")
  # The binary is missing or broken: a test that fails and says so, instead of silently testing nothing.
  add_test(cosim.canonical_set "${LOGMAC}" cosim --list-canonical)
  return()
endif()
foreach(spec IN LISTS canonical_specs)
  string(REGEX REPLACE ":.*" "" variant "${spec}")
  # Random streams with en_i bubbles and mid-stream resets, one per canonical spec.
  add_test(cosim.random.${variant} "${LOGMAC}" cosim --mac "${spec}" --random ${RANDOM_VECTORS} --seed 11)
  set_tests_properties(cosim.random.${variant} PROPERTIES TIMEOUT 300)
  # Exhaustive at 8-bit operands (every pair; lns also every pair through the accumulator).
  add_test(cosim.exhaustive8.${variant} "${LOGMAC}" cosim --mac ${variant}:w=8 --exhaustive)
  set_tests_properties(cosim.exhaustive8.${variant} PROPERTIES TIMEOUT 300)
  # `make test-long`: exhaustive at 12-bit operands (lean --cc driver).
  add_test(cosim.exhaustive12.${variant} "${LOGMAC}" cosim --mac ${variant}:w=12 --exhaustive)
  set_tests_properties(cosim.exhaustive12.${variant} PROPERTIES TIMEOUT 1800 LABELS long)
endforeach()
