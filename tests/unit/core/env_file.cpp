#define CAF_SUITE core.env_file
#include "core/env_file.hpp"

#include <caf/test/unit_test.hpp>

#include "temp_dir.hpp"

using namespace gw;
using gw::config::parse_env_file;

namespace {

config::env_map parse_ok(std::string_view text) {
  auto result = parse_env_file(text, "test.env");
  if (!result) {
    CAF_FAIL("unexpected parse error: " << result.error().message);
  }
  return *result;
}

std::string parse_error(std::string_view text) {
  auto result = parse_env_file(text, "test.env");
  if (result) {
    CAF_FAIL("expected a parse error for: " << text);
  }
  CAF_CHECK_EQUAL(to_string(result.error().code), std::string{"config_error"});
  return result.error().message;
}

} // namespace

CAF_TEST(plain key value lines are read and keys are stored upper case) {
  auto env = parse_ok("groq_api_key=abc\nMax_Concurrent_Requests=5\n");
  CAF_CHECK_EQUAL(env.size(), 2u);
  CAF_CHECK_EQUAL(env["GROQ_API_KEY"], "abc");
  CAF_CHECK_EQUAL(env["MAX_CONCURRENT_REQUESTS"], "5");
  CAF_CHECK(env.count("groq_api_key") == 0);
}

CAF_TEST(blank lines and comment lines are skipped) {
  auto env = parse_ok("\n# a comment\n   \n  # indented comment\nA=1\n\n");
  CAF_CHECK_EQUAL(env.size(), 1u);
  CAF_CHECK_EQUAL(env["A"], "1");
}

CAF_TEST(a leading export keyword is ignored) {
  auto env = parse_ok("export A=1\nexport\tB = two\nEXPORTED=3\n");
  CAF_CHECK_EQUAL(env["A"], "1");
  CAF_CHECK_EQUAL(env["B"], "two");
  CAF_CHECK_EQUAL(env["EXPORTED"], "3");
}

CAF_TEST(double quoted values keep spaces and hashes and decode escapes) {
  auto env = parse_ok(R"(A="  hello # not a comment  "
B="line1\nline2"
C="say \"hi\" \\ done"
D="" # empty
E="unknown \q escape")");
  CAF_CHECK_EQUAL(env["A"], "  hello # not a comment  ");
  CAF_CHECK_EQUAL(env["B"], "line1\nline2");
  CAF_CHECK_EQUAL(env["C"], "say \"hi\" \\ done");
  CAF_CHECK_EQUAL(env["D"], "");
  CAF_CHECK_EQUAL(env["E"], "unknown \\q escape");
}

CAF_TEST(single quoted values are literal) {
  auto env = parse_ok("A='raw \\n # kept'   # comment\nB=''\n");
  CAF_CHECK_EQUAL(env["A"], "raw \\n # kept");
  CAF_CHECK_EQUAL(env["B"], "");
}

CAF_TEST(unquoted values are trimmed and lose a trailing comment) {
  auto env =
    parse_ok("A =   spaced value   \nB=value # comment\nC=abc#def\nD=\nE=  # only\nF=#x\n");
  CAF_CHECK_EQUAL(env["A"], "spaced value");
  CAF_CHECK_EQUAL(env["B"], "value");
  CAF_CHECK_EQUAL(env["C"], "abc#def");
  CAF_CHECK_EQUAL(env["D"], "");
  CAF_CHECK_EQUAL(env["E"], "");
  CAF_CHECK_EQUAL(env["F"], "#x");
}

CAF_TEST(values may contain equals signs) {
  auto env = parse_ok("URL=http://x/?a=b&c=d\n");
  CAF_CHECK_EQUAL(env["URL"], "http://x/?a=b&c=d");
}

CAF_TEST(crlf line endings and a utf8 bom are accepted) {
  auto env = parse_ok("\xEF\xBB\xBF"
                      "A=1\r\nB=\"two\"\r\n");
  CAF_CHECK_EQUAL(env["A"], "1");
  CAF_CHECK_EQUAL(env["B"], "two");
}

CAF_TEST(a later duplicate key wins even in another case) {
  auto env = parse_ok("a=1\nA=2\n");
  CAF_CHECK_EQUAL(env.size(), 1u);
  CAF_CHECK_EQUAL(env["A"], "2");
}

CAF_TEST(a line without an equals sign is reported with file and line number) {
  CAF_CHECK_EQUAL(parse_error("A=1\n# ok\nNOEQUALS\n"),
                  "test.env:3: expected KEY=VALUE, got 'NOEQUALS'");
}

CAF_TEST(bad keys and bad quoting are reported with their line) {
  CAF_CHECK_EQUAL(parse_error("=value"), "test.env:1: missing key before '='");
  CAF_CHECK_EQUAL(parse_error("A=1\nMY KEY=x"), "test.env:2: invalid key 'MY KEY'");
  CAF_CHECK_EQUAL(parse_error("1ABC=x"), "test.env:1: invalid key '1ABC'");
  CAF_CHECK_EQUAL(parse_error("\nA=\"open"), "test.env:2: unterminated double-quoted value");
  CAF_CHECK_EQUAL(parse_error("A='open"), "test.env:1: unterminated single-quoted value");
  CAF_CHECK_EQUAL(parse_error("A=\"x\" y"),
                  "test.env:1: unexpected text after the closing double quote");
}

CAF_TEST(read env file parses an existing file and names it in errors) {
  test::temp_dir dir;
  auto good = dir.write("good.env", "GROQ_API_KEY=k\n");
  auto env = config::read_env_file(good);
  CAF_REQUIRE(env.has_value());
  CAF_CHECK_EQUAL((*env)["GROQ_API_KEY"], "k");
  auto bad = dir.write("bad.env", "A=1\nB\n");
  auto err = config::read_env_file(bad);
  CAF_REQUIRE(!err.has_value());
  CAF_CHECK_EQUAL(err.error().message, bad + ":2: expected KEY=VALUE, got 'B'");
}

CAF_TEST(read env file reports a missing file as not found) {
  test::temp_dir dir;
  auto result = config::read_env_file(dir.file("absent.env"));
  CAF_REQUIRE(!result.has_value());
  CAF_CHECK_EQUAL(to_string(result.error().code), std::string{"not_found"});
}
