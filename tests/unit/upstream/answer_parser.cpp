#define CAF_SUITE upstream.answer_parser
#include "http/upstream/answer_parser.hpp"

#include "tests/support/feed_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <caf/test/unit_test.hpp>

#include <string>
#include <string_view>

using gw::upstream::detail::answer_parser;
namespace http = boost::beast::http;

CAF_TEST(a content length answer keeps its status hint headers in order and body) {
  std::string_view answer = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                            "Retry-After: 7\r\nDate: Mon, 07 Dec 2026 20:00:00 GMT\r\n"
                            "x-ratelimit-remaining-requests: 0\r\nConnection: keep-alive\r\n"
                            "X-Request-Id: abc\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}";
  for (size_t step : {answer.size(), size_t{1}, size_t{5}}) {
    answer_parser each;
    CAF_CHECK(!gw::testing::feed_parser(each, answer, step));
    CAF_REQUIRE(each.is_done());
    CAF_CHECK_EQUAL(each.status(), 429);
    CAF_CHECK_EQUAL(each.body(), R"({"error":"x"})");
    // Framing, transport, type, date and server fields are the parser's or nobody's.
    CAF_REQUIRE_EQUAL(each.headers().size(), 3u);
    CAF_CHECK_EQUAL(each.headers()[0].first, "Retry-After");
    CAF_CHECK_EQUAL(each.headers()[0].second, "7");
    CAF_CHECK_EQUAL(each.headers()[1].first, "x-ratelimit-remaining-requests");
    CAF_CHECK_EQUAL(each.headers()[1].second, "0");
    CAF_CHECK_EQUAL(each.headers()[2].first, "X-Request-Id");
    CAF_CHECK(each.keep_alive());
  }
}

CAF_TEST(a chunked answer is joined without its framing) {
  answer_parser parser;
  std::string_view answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\n\r\n";
  CAF_CHECK(!gw::testing::feed_parser(parser, answer, 3));
  CAF_REQUIRE(parser.is_done());
  CAF_CHECK_EQUAL(parser.status(), 200);
  CAF_CHECK_EQUAL(parser.body(), "hello, world");
}

CAF_TEST(the body limit holds for announced and for chunked bodies) {
  answer_parser announced;
  announced.body_limit(10);
  auto ec = gw::testing::feed_parser(
    announced, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", 64);
  CAF_CHECK(ec == http::error::body_limit);
  answer_parser chunked;
  chunked.body_limit(10);
  ec =
    gw::testing::feed_parser(chunked,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n"
                             "5\r\nworld\r\n0\r\n\r\n",
                             4);
  CAF_CHECK(ec == http::error::body_limit);
}

CAF_TEST(connection close and http 1.0 answers are not kept alive) {
  answer_parser closing;
  CAF_CHECK(!gw::testing::feed_parser(
    closing, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 64));
  CAF_CHECK(closing.is_done());
  CAF_CHECK(!closing.keep_alive());
  answer_parser old;
  CAF_CHECK(!gw::testing::feed_parser(old, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 64));
  CAF_CHECK(!old.keep_alive());
}
