// Providers and routes for the actor suites that spawn a whole gateway (router, diagnosis):
// a keyed provider on an unreachable address (the scripted transport answers instead) and a
// route with the fields the waterfall reads.
#pragma once

#include "catalog/provider_spec.hpp"
#include "catalog/route.hpp"

#include <cstdint>
#include <string>

namespace gw::test {

/// A provider with a key (`key` empty = not configured).
inline catalog::provider_spec spec(std::string name, std::string key = "key") {
  catalog::provider_spec p;
  p.name = std::move(name);
  p.base_url = "http://127.0.0.1:1/" + p.name;
  p.api_key_env = "X";
  p.api_key = std::move(key);
  return p;
}

/// An enabled text route with a 100k context window.
inline catalog::route make_route(std::string id, std::string provider, std::string model,
                                 int64_t rank) {
  catalog::route r;
  r.route_id = std::move(id);
  r.provider_name = std::move(provider);
  r.model_id = std::move(model);
  r.display_name = r.model_id;
  r.rank = rank;
  r.context_window = 100000;
  return r;
}

} // namespace gw::test
