#define CAF_SUITE server.request_reader
#include "http/server/request_reader.hpp"

#include "tests/support/feed_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <caf/test/dsl.hpp>

#include <string>
#include <string_view>

using gw::server::request_reader;
namespace http = boost::beast::http;

CAF_TEST(a request is split into method path query headers and body) {
  std::string_view text = "POST /v1/chat/completions?debug=1&x=2 HTTP/1.1\r\nHost: gw\r\n"
                          "Content-Type: application/json\r\nAuthorization: Bearer k\r\n"
                          "Content-Length: 11\r\n\r\n{\"a\":\"bc\"}\n";
  for (size_t step : {text.size(), size_t{1}, size_t{7}}) {
    request_reader reader;
    CAF_CHECK(!gw::testing::feed_parser(reader, text, step));
    CAF_REQUIRE(reader.is_done());
    const auto& req = reader.request();
    CAF_CHECK_EQUAL(req.method, "POST");
    CAF_CHECK_EQUAL(req.path, "/v1/chat/completions");
    CAF_CHECK_EQUAL(req.query, "debug=1&x=2");
    CAF_CHECK_EQUAL(req.body, "{\"a\":\"bc\"}\n");
    CAF_REQUIRE_EQUAL(req.headers.size(), 4u);
    CAF_CHECK_EQUAL(req.headers[1].first, "Content-Type");
    CAF_CHECK_EQUAL(*req.header("authorization"), "Bearer k");
    CAF_CHECK_EQUAL(reader.version(), 11);
    CAF_CHECK(reader.keep_alive());
  }
}

CAF_TEST(a path without query leaves the query empty) {
  request_reader reader;
  CAF_CHECK(!gw::testing::feed_parser(reader, "GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n", 64));
  CAF_REQUIRE(reader.is_done());
  CAF_CHECK_EQUAL(reader.request().path, "/v1/models");
  CAF_CHECK_EQUAL(reader.request().query, "");
  CAF_CHECK(reader.request().body.empty());
}

CAF_TEST(a chunked body is joined without its framing) {
  request_reader reader;
  CAF_CHECK(!gw::testing::feed_parser(
    reader,
    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n"
    "\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n",
    5));
  CAF_REQUIRE(reader.is_done());
  CAF_CHECK_EQUAL(reader.request().body, R"({"a":1})");
}

CAF_TEST(the body limit holds for announced and for chunked bodies) {
  request_reader announced;
  announced.body_limit(4);
  auto ec =
    gw::testing::feed_parser(announced, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 64);
  CAF_CHECK(ec == http::error::body_limit);
  request_reader chunked;
  chunked.body_limit(4);
  ec = gw::testing::feed_parser(
    chunked,
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 6);
  CAF_CHECK(ec == http::error::body_limit);
}

CAF_TEST(http 1.0 and connection close are not kept alive and the version is kept) {
  request_reader old;
  CAF_CHECK(!gw::testing::feed_parser(old, "GET / HTTP/1.0\r\n\r\n", 64));
  CAF_CHECK_EQUAL(old.version(), 10);
  CAF_CHECK(!old.keep_alive());
  request_reader closing;
  CAF_CHECK(!gw::testing::feed_parser(closing, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 64));
  CAF_CHECK(!closing.keep_alive());
}
