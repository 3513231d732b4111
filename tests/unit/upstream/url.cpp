#define CAF_SUITE upstream.url
#include "http/upstream/url.hpp"

#include <caf/test/unit_test.hpp>

using namespace gw::upstream;

CAF_TEST(a provider base url splits into scheme host default port and base path) {
  auto ep = parse_base_url("https://api.groq.com/openai/v1");
  CAF_REQUIRE(ep.has_value());
  CAF_CHECK_EQUAL(ep->scheme, "https");
  CAF_CHECK_EQUAL(ep->host, "api.groq.com");
  CAF_CHECK_EQUAL(ep->port, 443);
  CAF_CHECK_EQUAL(ep->base_path, "/openai/v1");
  CAF_CHECK(ep->is_tls());
  CAF_CHECK_EQUAL(host_header(*ep), "api.groq.com");
}

CAF_TEST(an explicit port and a trailing slash are handled) {
  auto ep = parse_base_url("http://127.0.0.1:18080/p1/v1/");
  CAF_REQUIRE(ep.has_value());
  CAF_CHECK_EQUAL(ep->scheme, "http");
  CAF_CHECK_EQUAL(ep->host, "127.0.0.1");
  CAF_CHECK_EQUAL(ep->port, 18080);
  CAF_CHECK_EQUAL(ep->base_path, "/p1/v1");
  CAF_CHECK(!ep->is_tls());
  CAF_CHECK_EQUAL(host_header(*ep), "127.0.0.1:18080");
}

CAF_TEST(a url without path has an empty base path and port 80 for http) {
  auto ep = parse_base_url("HTTP://Example.COM");
  CAF_REQUIRE(ep.has_value());
  CAF_CHECK_EQUAL(ep->scheme, "http");
  CAF_CHECK_EQUAL(ep->host, "example.com");
  CAF_CHECK_EQUAL(ep->port, 80);
  CAF_CHECK_EQUAL(ep->base_path, "");
}

CAF_TEST(an IPv6 literal keeps its address without brackets) {
  auto ep = parse_base_url("https://[::1]:8443/v1");
  CAF_REQUIRE(ep.has_value());
  CAF_CHECK_EQUAL(ep->host, "::1");
  CAF_CHECK_EQUAL(ep->port, 8443);
  CAF_CHECK_EQUAL(host_header(*ep), "[::1]:8443");
}

CAF_TEST(malformed urls are config errors naming the url) {
  for (const char* bad :
       {"api.groq.com/v1", "ftp://host/x", "https://", "https://:443/v1", "http://host:0/",
        "http://host:65536/", "http://host:x/", "http://host:/v1", "https://host/v1?x=1",
        "https://host/v1#f", "https://user:pw@host/v1", "https://[::1/v1", "http://ho st/"}) {
    auto ep = parse_base_url(bad);
    CAF_CHECK(!ep.has_value());
    if (!ep) {
      CAF_CHECK(ep.error().code == gw::errc::config_error);
      CAF_CHECK(ep.error().message.find(bad) != std::string::npos);
    }
  }
}
