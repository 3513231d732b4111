#define CAF_SUITE core.log
#include "core/log.hpp"

#include <caf/test/unit_test.hpp>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace gw::log;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

const std::string ts = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)";

} // namespace

CAF_TEST(levels and formats parse in any case) {
  CAF_CHECK(parse_level("DEBUG") == level::debug);
  CAF_CHECK(parse_level("info") == level::info);
  CAF_CHECK(parse_level("Warning") == level::warn);
  CAF_CHECK(parse_level("warn") == level::warn);
  CAF_CHECK(parse_level("error") == level::error);
  CAF_CHECK(!parse_level("loud"));
  CAF_CHECK(parse_format("JSON") == format::json);
  CAF_CHECK(parse_format("text") == format::text);
  CAF_CHECK(!parse_format("xml"));
}

CAF_TEST(lines below the level are not written) {
  std::ostringstream out;
  logger log(level::warn, format::text, out);
  CAF_CHECK(!log.enabled(level::debug));
  CAF_CHECK(!log.enabled(level::info));
  CAF_CHECK(log.enabled(level::warn));
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  auto lines = lines_of(out.str());
  CAF_REQUIRE_EQUAL(lines.size(), 2u);
  CAF_CHECK(std::regex_match(lines[0], std::regex(ts + " warn w")));
  CAF_CHECK(std::regex_match(lines[1], std::regex(ts + " error e")));
}

CAF_TEST(a text line carries time level request id message and fields) {
  std::ostringstream out;
  logger log(level::debug, format::text, out);
  log.warn("waterfall exhausted", "abc123", {{"attempts", "3"}, {"reason", "all routes failed"}});
  auto lines = lines_of(out.str());
  CAF_REQUIRE_EQUAL(lines.size(), 1u);
  CAF_CHECK(std::regex_match(
    lines[0],
    std::regex(
      ts + R"( warn \[req=abc123\] waterfall exhausted attempts=3 reason="all routes failed")")));
  CAF_MESSAGE(lines[0]);
}

CAF_TEST(a json line is one object with ts level request id msg and fields) {
  std::ostringstream out;
  logger log(level::info, format::json, out);
  log.info("listening", "", {{"port", "8000"}});
  log.error("bad \"thing\"\nsecond line", "r1");
  auto lines = lines_of(out.str());
  CAF_REQUIRE_EQUAL(lines.size(), 2u);
  CAF_CHECK(std::regex_match(
    lines[0],
    std::regex(R"(\{"ts":")" + ts + R"(","level":"info","msg":"listening","port":"8000"\})")));
  CAF_CHECK(std::regex_match(lines[1], std::regex(R"(\{"ts":")" + ts
                                                  + R"(","level":"error","request_id":"r1",)"
                                                    R"("msg":"bad \\"thing\\"\\nsecond line"\})")));
}

CAF_TEST(control characters never split a text line) {
  CAF_CHECK_EQUAL(format_body(format::text, level::info, "a\nb\r\tc\x01", "", {}),
                  "info a\\nb\\r\\tc\\u0001");
  CAF_CHECK_EQUAL(format_body(format::text, level::warn, "m", "id", {{"k", "x\ny"}}),
                  "warn [req=id] m k=\"x\\ny\"");
  CAF_CHECK_EQUAL(format_body(format::text, level::info, "m", "", {{"empty", ""}}),
                  "info m empty=\"\"");
}

CAF_TEST(copies share one output) {
  std::ostringstream out;
  logger log(level::info, format::text, out);
  auto copy = log;
  log.info("one");
  copy.info("two");
  CAF_CHECK_EQUAL(lines_of(out.str()).size(), 2u);
}
