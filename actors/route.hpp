// Route actor: one catalog route. The only writer of the route's health (reference §5.9,
// contract §6.7): pushes a snapshot of it to the router after every change, and answers
// "may I be tried now?" (static checks, health, quota) when the router asks (stale snapshot,
// probe due).
#pragma once

#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "catalog/provider_spec.hpp"
#include "catalog/route.hpp"
#include "catalog/route_health.hpp"

#include <memory>
#include <optional>

namespace gw::metrics {
class gateway_metrics;
} // namespace gw::metrics

namespace gw::actors {

struct route_state {
  static inline const char* const name = "route";
  catalog::route route;
  /// Null when the catalog names a provider the gateway does not know.
  std::shared_ptr<const catalog::provider_spec> spec;
  /// The provider's quota bucket (invalid handle = no local quota tracking).
  quota_bucket_actor bucket;
  /// Invalid in tests that do not care about durability.
  persistence_actor persistence;
  catalog::route_health health;
  /// Health-changing router messages (report, clear) applied so far (route_snapshot::applied).
  uint64_t applied = 0;
  /// Where health snapshots go (the router); invalid in tests that do not watch them.
  snapshot_listener_actor listener;
  wall_clock now;
  /// Null = no metrics (tests).
  metrics::gateway_metrics* metrics = nullptr;
};

/// Everything a route actor is wired to.
struct route_wiring {
  std::shared_ptr<const catalog::provider_spec> spec;
  quota_bucket_actor bucket;
  persistence_actor persistence;
  std::optional<health_record> restored;
  snapshot_listener_actor listener;
  wall_clock now;
  metrics::gateway_metrics* metrics = nullptr;
};

route_actor::behavior_type route(route_actor::stateful_pointer<route_state> self,
                                 catalog::route config, route_wiring wiring);

/// The static skip checks of reference §7.4 (steps 1-3), in order; empty = none applies.
std::string_view static_skip_reason(const catalog::route& route, const catalog::provider_spec* spec,
                                    int64_t prompt_tokens);

/// Conversions between the pure health state and its durable record.
health_record to_health_record(const catalog::route& route, const catalog::route_health& health);
catalog::route_health from_health_record(const health_record& record);

} // namespace gw::actors
