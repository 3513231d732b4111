// Fuzz target: model_catalog.json. A catalog that loads must survive its own round trip: the
// file the gateway writes is parsed back to the same routes.
#include "catalog/catalog_json.hpp"

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto routes = gw::catalog::parse_catalog(gw::fuzz::as_text(data, size));
  if (!routes) {
    return 0;
  }
  auto text = gw::catalog::serialize_catalog(*routes);
  auto again = gw::catalog::parse_catalog(text);
  gw::fuzz::require(again.has_value(), "the serialized catalog does not parse");
  gw::fuzz::require(again->size() == routes->size(), "the round trip changes the route count");
  gw::fuzz::require(gw::catalog::serialize_catalog(*again) == text, "the round trip is not stable");
  return 0;
}
