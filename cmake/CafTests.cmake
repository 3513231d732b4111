# gw_add_caf_test_binary(NAME <target> SOURCES <files...> LIBS <libs...>)
# Builds one CAF test-framework binary and registers one ctest entry per suite,
# found by scanning the sources for `#define CAF_SUITE <name>` (as CAF 0.17's own
# caf_add_test_suites does), so a failing suite is named in ctest's summary.
# A missing source is a configure error (it once dropped the whole binary with a warning), and
# a suite run that executes no test or no check fails: CAF's runner exits 0 for both.
function(gw_add_caf_test_binary)
  cmake_parse_arguments(arg "" "NAME" "SOURCES;LIBS" ${ARGN})
  foreach(source IN LISTS arg_SOURCES)
    get_filename_component(path "${source}" ABSOLUTE)
    if(NOT EXISTS "${path}")
      message(FATAL_ERROR "${arg_NAME}: test source ${source} does not exist")
    endif()
  endforeach()
  add_executable(${arg_NAME} ${arg_SOURCES})
  target_link_libraries(${arg_NAME} PRIVATE ${arg_LIBS} CAF::core)
  foreach(source IN LISTS arg_SOURCES)
    get_filename_component(path "${source}" ABSOLUTE)
    file(STRINGS "${path}" suite_lines REGEX "^#define CAF_SUITE ")
    foreach(line IN LISTS suite_lines)
      string(REGEX REPLACE "^#define CAF_SUITE +([^ ]+).*" "\\1" suite "${line}")
      add_test(NAME "${suite}" COMMAND ${arg_NAME} -r 300 -n -s "^${suite}$")
      # The summary prints "tests:   0" / "checks:  0" (-n: no colour codes) when the filter
      # matched nothing or the tests ran no CAF_CHECK.
      set_tests_properties("${suite}" PROPERTIES LABELS unit
                           FAIL_REGULAR_EXPRESSION "tests: +0[^0-9];checks: +0[^0-9]")
    endforeach()
  endforeach()
endfunction()
