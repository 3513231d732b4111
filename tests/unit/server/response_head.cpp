#define CAF_SUITE server.response_head

#include "http/server/response_head.hpp"

#include <caf/test/dsl.hpp>

using namespace gw::server;

CAF_TEST(a complete answer has its status line content type headers and length) {
  auto head = response_head(200, "application/json", {{"X-Gateway-Route", "r1"}},
                            body_framing::length, 15, true);
  CAF_CHECK_EQUAL(head, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: application/json\r\n"
                        "X-Gateway-Route: r1\r\n"
                        "Content-Length: 15\r\n"
                        "\r\n");
}

CAF_TEST(rendered head lines follow the headers as they are) {
  auto head = response_head(200, "application/json", {{"Retry-After", "1"}}, body_framing::length,
                            2, true, "X-Gateway-Route: r1\r\nX-Gateway-Attempts: 1\r\n");
  CAF_CHECK_EQUAL(head, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: application/json\r\n"
                        "Retry-After: 1\r\n"
                        "X-Gateway-Route: r1\r\n"
                        "X-Gateway-Attempts: 1\r\n"
                        "Content-Length: 2\r\n"
                        "\r\n");
}

CAF_TEST(a connection closed after the answer says so) {
  auto head =
    response_head(429, "application/json", {{"Retry-After", "1"}}, body_framing::length, 0, false);
  CAF_CHECK_EQUAL(head, "HTTP/1.1 429 Too Many Requests\r\n"
                        "Content-Type: application/json\r\n"
                        "Retry-After: 1\r\n"
                        "Content-Length: 0\r\n"
                        "Connection: close\r\n"
                        "\r\n");
}

CAF_TEST(a stream is chunked and has no length) {
  auto head = response_head(200, "text/event-stream", {{"Cache-Control", "no-cache"}},
                            body_framing::chunked, 0, true);
  CAF_CHECK_EQUAL(head, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: text/event-stream\r\n"
                        "Cache-Control: no-cache\r\n"
                        "Transfer-Encoding: chunked\r\n"
                        "\r\n");
}

CAF_TEST(statuses without a body get no content length) {
  for (int status : {204, 304, 101}) {
    CAF_CHECK(status_without_body(status));
    auto head = response_head(status, "", {}, body_framing::length, 0, true);
    CAF_CHECK_EQUAL(head.find("Content-Length"), std::string::npos);
    CAF_CHECK_EQUAL(head.find("Content-Type"), std::string::npos);
  }
  CAF_CHECK(!status_without_body(200));
  CAF_CHECK(!status_without_body(404));
}

CAF_TEST(a value that could split the response is left out) {
  auto head = response_head(200, "text/plain", {{"X-Bad", "a\r\nSet-Cookie: x=1"}, {"X-Ok", "b"}},
                            body_framing::length, 1, true);
  CAF_CHECK_EQUAL(head.find("Set-Cookie"), std::string::npos);
  CAF_CHECK_EQUAL(head.find("X-Bad"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(head.find("X-Ok: b\r\n"), std::string::npos);
}

CAF_TEST(an unknown status still gets a well formed status line) {
  auto head = response_head(599, "application/json", {}, body_framing::length, 2, true);
  CAF_CHECK_EQUAL(head.rfind("HTTP/1.1 599 ", 0), 0u);
  CAF_CHECK_EQUAL(head.find('\n'), head.find("\r\n") + 1);
}

CAF_TEST(a chunk size line is hex then CRLF) {
  CAF_CHECK_EQUAL(chunk_size_line(0), "0\r\n");
  CAF_CHECK_EQUAL(chunk_size_line(10), "a\r\n");
  CAF_CHECK_EQUAL(chunk_size_line(4096), "1000\r\n");
  CAF_CHECK_EQUAL(chunk_size_line(0x1fffff), "1fffff\r\n");
}
