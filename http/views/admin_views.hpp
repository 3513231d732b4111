// JSON bodies of the admin and status API (reference §11.6-§11.14), rendered from the views
// the router answers (actors/messages.hpp). Rendering happens on the caller's thread (the
// HTTP frontend's bridge, the embedded client): the router only gathers the values.
#pragma once

#include "actors/messages.hpp"

#include <cstdint>
#include <string>

namespace gw::views {

/// GET/PUT /v1/gateway/models: {"object":"list","catalog_path":..,"data":[route + "health"]}.
/// A route whose provider is not known also has "unavailable_reason": "unknown_provider" (it
/// is kept, never routed).
std::string view_json(const actors::catalog_view& view);

/// enable/disable/health-reset: {"data": route + "health"} (+ "unavailable_reason" as above).
std::string view_json(const actors::route_with_health& view);

/// GET /v1/providers/status, providers in registry order, each with its routes; then one row
/// per provider the catalog names but the gateway does not know (unavailable_reason
/// "unknown_provider").
std::string view_json(const actors::providers_view& view);

/// What the limiter reports for /v1/gateway/health.json.
struct limiter_counts {
  size_t slots = 0;
  size_t in_use = 0;
  size_t waiting = 0;
};

/// GET /v1/gateway/health.json: {"status":"ok","version","uptime_seconds","providers":
/// {"configured","usable","total"},"routes":{"total","enabled","healthy"},"limiter":{..}}.
std::string health_json(const actors::route_summary& summary, int64_t uptime_seconds,
                        limiter_counts limiter);

/// A refused admin call's HTTP status: 400 (invalid_catalog, unknown_provider), 404
/// (unknown_route), 500 (catalog_write_failed), 503 (route_unavailable).
int admin_error_status(const actors::admin_error& error);

/// Its OpenAI-style error body, with the code named above.
std::string admin_error_json(const actors::admin_error& error);

} // namespace gw::views
