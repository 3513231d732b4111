# gw_add_caf_test_binary(NAME <target> SOURCES <files...> LIBS <libs...>)
# Builds one CAF test-framework binary and registers one ctest entry per suite,
# found by scanning the sources for `#define CAF_SUITE <name>` (as CAF 0.17's own
# caf_add_test_suites does), so a failing suite is named in ctest's summary.
function(gw_add_caf_test_binary)
  cmake_parse_arguments(arg "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${arg_NAME} ${arg_SOURCES})
  target_link_libraries(${arg_NAME} PRIVATE ${arg_LIBS} CAF::core)
  target_compile_definitions(${arg_NAME} PRIVATE "FAIL(msg)=CAF_FAIL(msg)")
  foreach(source IN LISTS arg_SOURCES)
    file(STRINGS "${source}" suite_lines REGEX "^#define CAF_SUITE ")
    foreach(line IN LISTS suite_lines)
      string(REGEX REPLACE "^#define CAF_SUITE +([^ ]+).*" "\\1" suite "${line}")
      add_test(NAME "${suite}" COMMAND ${arg_NAME} -r 300 -n -s "^${suite}$")
      set_tests_properties("${suite}" PROPERTIES LABELS unit)
    endforeach()
  endforeach()
endfunction()
