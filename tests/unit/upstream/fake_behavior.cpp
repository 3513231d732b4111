#define CAF_SUITE upstream.fake_behavior
#include "tests/support/fake_behavior.hpp"

#include <caf/test/unit_test.hpp>

using namespace gw::fake;

CAF_TEST(a model id names a behaviour followed by parameters and flags) {
  auto b = parse_behavior("stream;chunks=5;interval_ms=20;no_space;done=0");
  CAF_CHECK(b.kind == behavior_kind::stream);
  CAF_CHECK_EQUAL(b.get_int("chunks", 3), 5);
  CAF_CHECK_EQUAL(b.get_int("interval_ms", 0), 20);
  CAF_CHECK(b.flag("no_space"));
  CAF_CHECK(!b.flag("done"));
  CAF_CHECK(!b.flag("crlf"));
  CAF_CHECK_EQUAL(b.get_int("cut_after", -1), -1);
}

CAF_TEST(status parameters and percent encoded values are decoded) {
  auto b = parse_behavior("status;code=400;body=context%3B length exceeded");
  CAF_CHECK(b.kind == behavior_kind::status);
  CAF_CHECK_EQUAL(b.get_int("code", 500), 400);
  CAF_REQUIRE(b.get("body").has_value());
  CAF_CHECK_EQUAL(std::string(*b.get("body")), "context; length exceeded");
  CAF_CHECK_EQUAL(parse_behavior("status=429").get_int("code", 0), 429);
}

CAF_TEST(a leading parameter means ok and unknown words stay unknown) {
  auto delayed = parse_behavior("delay_ms=250");
  CAF_CHECK(delayed.kind == behavior_kind::ok);
  CAF_CHECK_EQUAL(delayed.get_int("delay_ms", 0), 250);
  CAF_CHECK(parse_behavior("llama-3.1-8b-instant").kind == behavior_kind::unknown);
  CAF_CHECK(parse_behavior("empty_stream").kind == behavior_kind::empty_stream);
  CAF_CHECK(parse_behavior("endless_chunked").kind == behavior_kind::endless_chunked);
  CAF_CHECK(parse_behavior("endless_headers").kind == behavior_kind::endless_headers);
  auto huge = parse_behavior("huge_sse_line;bytes=1000");
  CAF_CHECK(huge.kind == behavior_kind::huge_sse_line);
  CAF_CHECK_EQUAL(huge.get_int("bytes", 0), 1000);
  CAF_CHECK_EQUAL(parse_behavior("ok;prompt_tokens=abc").get_int("prompt_tokens", 10), 10);
}
