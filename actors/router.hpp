// Router actor: owns the catalog and runs the waterfall (reference §7, contract §6).
#pragma once

#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "catalog/model_catalog.hpp"
#include "catalog/provider_spec.hpp"
#include "metrics/waterfall_metrics.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace gw::actors {

struct router_settings {
  /// The alias that means "any route" (GATEWAY_MODEL_NAME, default "auto").
  std::string alias = "auto";
  /// Per-attempt upstream timeout unless the provider sets its own.
  std::chrono::milliseconds attempt_timeout{90'000};
  /// REQUEST_DEADLINE_SECONDS: bounds the whole waterfall.
  std::chrono::seconds deadline{120};
  /// Where catalog edits are saved (atomically); empty = not saved (tests).
  std::string catalog_path;
  /// STREAM_IDLE_TIMEOUT_SECONDS: the longest silence of a streamed upstream (per read).
  std::chrono::milliseconds stream_idle_timeout{60'000};
};

/// Everything the router is wired to at start-up (spawned by gateway.cpp).
struct router_wiring {
  /// Registry order, for the status page.
  std::vector<catalog::provider_spec> provider_list;
  std::unordered_map<std::string, std::shared_ptr<const catalog::provider_spec>> specs;
  std::unordered_map<std::string, provider_actor> providers;
  std::unordered_map<std::string, quota_bucket_actor> buckets;
  persistence_actor persistence;
  /// Route health persisted before the last stop, by route id.
  std::unordered_map<std::string, health_record> restored_health;
  wall_clock now = system_wall_clock();
  /// Null = no metrics (tests).
  metrics::gateway_metrics* metrics = nullptr;
};

struct router_state {
  static inline const char* name = "router";
  std::unique_ptr<catalog::model_catalog> catalog;
  router_wiring wiring;
  router_settings settings;
  std::unordered_map<std::string, route_actor> routes;
  /// The provider of each spawned route (for metric labels once a route is gone).
  std::unordered_map<std::string, std::string> route_providers;
  /// Streaming jobs with an attempt in flight (their relay reports through stream_done).
  std::unordered_map<const chat_job*, chat_job_ptr> active_streams;
  /// Attempt/skip/token counters with label series cached by this actor (no locks).
  metrics::waterfall_metrics counters;
};

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   catalog::model_catalog catalog, router_wiring wiring,
                                   router_settings settings);

} // namespace gw::actors
