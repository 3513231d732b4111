// JSON bodies of the admin and status API (reference §11.6-§11.14), built from plain values
// the router collected from its route, bucket and persistence actors.
#pragma once

#include "actors/messages.hpp"
#include "catalog/provider_spec.hpp"
#include "catalog/route.hpp"

#include <map>
#include <string>
#include <vector>

namespace gw::actors {

using health_map = std::map<std::string, health_record>;
using quota_map = std::map<std::string, quota_view>;
using usage_map = std::map<std::string, route_usage>;

/// GET/PUT /v1/gateway/models: {"object":"list","catalog_path":..,"data":[route + "health"]}.
/// A route whose provider is not in `providers` also has "unavailable_reason":
/// "unknown_provider" (it is kept, never routed).
std::string catalog_view_json(const std::vector<catalog::route>& routes, const health_map& health,
                              const std::string& catalog_path,
                              const std::vector<catalog::provider_spec>& providers);

/// enable/disable/health-reset: {"data": route + "health"} (+ "unavailable_reason" as above).
std::string route_view_json(const catalog::route& route, const health_record& health,
                            bool provider_known);

/// GET /v1/providers/status, providers in registry order, each with its routes; then one row
/// per provider the catalog names but the gateway does not know (unavailable_reason
/// "unknown_provider").
std::string providers_status_json(const std::vector<catalog::provider_spec>& providers,
                                  const quota_map& quotas,
                                  const std::vector<catalog::route>& routes,
                                  const health_map& health, const usage_map& usage, int64_t now_ms);

/// Counts for /v1/gateway/health.json: {"providers":{"configured","usable","total"},
/// "routes":{"total","enabled","healthy"}}. A provider is usable when it has a key and its
/// bucket would grant a request now (no cooldown, no failing key, quota left).
std::string route_summary_json(const std::vector<catalog::provider_spec>& providers,
                               const quota_map& quotas, const std::vector<catalog::route>& routes,
                               const health_map& health);

} // namespace gw::actors
