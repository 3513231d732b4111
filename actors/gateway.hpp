// Spawns and wires the long-lived actors: one provider and one quota bucket per provider
// account, the router, and through it one route actor per catalog route, and the diagnosis
// actor.
#pragma once

#include "actors/clock.hpp"
#include "actors/diagnosis.hpp"
#include "actors/protocol.hpp"
#include "actors/router.hpp"
#include "actors/transport.hpp"
#include "catalog/model_catalog.hpp"
#include "catalog/provider_spec.hpp"
#include "core/expected.hpp"
#include "core/log.hpp"

#include <caf/fwd.hpp>

namespace gw::metrics {
class gateway_metrics;
} // namespace gw::metrics

#include <vector>

namespace gw::actors {

struct gateway_inputs {
  std::vector<catalog::provider_spec> providers;
  /// `transports[i]` serves `providers[i]`.
  std::vector<transport_ptr> transports;
  catalog::model_catalog catalog{{}};
  router_settings settings;
  /// Invalid = nothing is persisted (tests).
  persistence_actor persistence;
  /// State persisted before the last stop.
  std::vector<quota_record> restored_quotas;
  std::vector<health_record> restored_health;
  wall_clock now = system_wall_clock();
  /// Null = no metrics (tests). Must outlive the actors.
  metrics::gateway_metrics* metrics = nullptr;
  /// Endpoint diagnosis; nullopt = no diagnosis actor (tests).
  std::optional<diagnosis_settings> diagnosis;
  /// What diagnosis stored before the last stop.
  std::optional<diagnosis_record> restored_diagnosis;
  std::vector<verdict_record> restored_verdicts;
  /// For the quota buckets (the router and diagnosis take theirs from their settings).
  log::logger log;
};

struct gateway_actors {
  router_actor router;
  std::vector<provider_actor> providers;
  std::vector<quota_bucket_actor> buckets;
  /// Invalid when gateway_inputs::diagnosis was not set.
  diagnosis_actor diagnosis;
  persistence_actor persistence;
};

/// Fails only when a provider's day_reset_timezone cannot be loaded.
gw::expected<gateway_actors> spawn_gateway(caf::actor_system& sys, gateway_inputs inputs);

/// Asks every long-lived actor but the persistence actor to terminate (shutdown); the
/// caller flushes and stops persistence last, once nothing writes anymore.
void stop_gateway(const gateway_actors& actors);

} // namespace gw::actors
