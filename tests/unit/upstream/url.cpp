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

// Found by tests/fuzz/url.cpp (regressions/url/): a bracketed host that is no IPv6 address
// was accepted, and host_header() then wrote it back without brackets, as another URL.
CAF_TEST(brackets hold only an IPv6 literal) {
  for (const char* bad : {"http://[[https]", "http://[]/v1", "http://[host]/v1", "http://[1.2.3.4]",
                          "http://[::1]]/v1", "http://a]b/v1", "http://a[b:80/v1"}) {
    CAF_CHECK(!parse_base_url(bad).has_value());
  }
  for (const char* good : {"http://[::ffff:127.0.0.1]:8080/v1", "https://[2001:DB8::1]/v1"}) {
    auto ep = parse_base_url(good);
    CAF_REQUIRE(ep.has_value());
    auto again = parse_base_url(ep->scheme + "://" + host_header(*ep) + ep->base_path);
    CAF_REQUIRE(again.has_value());
    CAF_CHECK_EQUAL(again->host, ep->host);
    CAF_CHECK_EQUAL(again->port, ep->port);
  }
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
