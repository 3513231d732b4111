// Fuzz target: provider base URLs. A URL that parses gives a usable endpoint, and the URL
// rebuilt from it parses to the same endpoint.
#include "http/upstream/url.hpp"

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ep = gw::upstream::parse_base_url(gw::fuzz::as_text(data, size));
  if (!ep) {
    return 0;
  }
  gw::fuzz::require(ep->scheme == "http" || ep->scheme == "https", "odd scheme");
  gw::fuzz::require(!ep->host.empty() && ep->port != 0, "no host or port");
  gw::fuzz::require(ep->base_path.empty()
                      || (ep->base_path.front() == '/' && ep->base_path.back() != '/'),
                    "base path shape");
  auto rebuilt = ep->scheme + "://" + gw::upstream::host_header(*ep) + ep->base_path;
  auto again = gw::upstream::parse_base_url(rebuilt);
  gw::fuzz::require(again.has_value(), "the rebuilt URL does not parse");
  gw::fuzz::require(again->host == ep->host && again->port == ep->port
                      && again->base_path == ep->base_path,
                    "the rebuilt URL parses differently");
  return 0;
}
