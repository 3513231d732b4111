// Router actor: owns the catalog and runs the waterfall (reference §7, contract §6).
//
// The common case is decided here, in one place: route actors and quota buckets push compact
// snapshots of what they own (route health, an unlimited bucket's cooldown and key state), so
// a healthy route of an unlimited provider is granted without asking anyone. The router asks
// a route only while its snapshot is stale or a probe is due, and a bucket only when a
// reservation must be exact (limits, cooldown, failing key). The upstream call goes straight
// to the provider's transport; its completion answers the client from the I/O thread and
// reports to the router afterwards (see upstream_call.hpp).
#pragma once

#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "actors/transport.hpp"
#include "actors/upstream_call.hpp"
#include "catalog/model_catalog.hpp"
#include "catalog/provider_spec.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "metrics/gateway_metrics.hpp"
#include "metrics/waterfall_metrics.hpp"

#include <chrono>
#include <memory>
#include <optional>
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
  /// MAX_UPSTREAM_CALLS_PER_REQUEST: a request whose calls reach this many ends exhausted,
  /// however many routes are left (a huge catalog must not mean as many calls).
  int max_upstream_calls = 20;
  /// Where catalog edits are saved (atomically); empty = not saved (tests).
  std::string catalog_path;
  /// STREAM_IDLE_TIMEOUT_SECONDS: the longest silence of a streamed upstream (per read).
  std::chrono::milliseconds stream_idle_timeout{90'000};
  /// STREAM_FIRST_TOKEN_TIMEOUT_SECONDS: also bounds a stream's connect + head.
  std::chrono::milliseconds stream_first_token_timeout{90'000};
  /// How long granted-from-snapshot usage may wait before it is told to the buckets and the
  /// persistence actor (one message per batch instead of one per request).
  std::chrono::milliseconds usage_batch_delay{50};
  /// Where the router and its completions log (copies share one output).
  log::logger log;
  /// Removes provider keys from upstream error text before it reaches a client, the live
  /// monitor or a log line.
  redactor_ptr redact = std::make_shared<redactor>();
};

/// Everything the router is wired to at start-up (spawned by gateway.cpp).
struct router_wiring {
  /// Registry order, for the status page.
  std::vector<catalog::provider_spec> provider_list;
  std::unordered_map<std::string, std::shared_ptr<const catalog::provider_spec>> specs;
  std::unordered_map<std::string, quota_bucket_actor> buckets;
  /// Each provider's transport. The provider actor owns it; the router calls it directly so
  /// that a completion goes straight to whoever acts next (no hop through the provider).
  std::unordered_map<std::string, transport_ptr> transports;
  /// Each provider's metric series (upstream durations, observed on the I/O thread).
  std::unordered_map<std::string, metrics::provider_metrics> series;
  persistence_actor persistence;
  /// Route health persisted before the last stop, by route id.
  std::unordered_map<std::string, health_record> restored_health;
  wall_clock now = system_wall_clock();
  /// Null = no metrics (tests).
  metrics::gateway_metrics* metrics = nullptr;
};

/// The router's view of one route: its handle, its catalog entry and the health it last pushed.
struct route_view {
  route_actor handle;
  catalog::route entry;
  catalog::route_health health;
  /// A snapshot arrived at least once.
  bool known = false;
  /// Health-changing messages sent to the route (report, clear) and how many of them the last
  /// snapshot had applied: while they differ the snapshot is stale and the route is asked.
  uint64_t sent = 0;
  uint64_t applied = 0;
  /// The route's counters for a successful call (waterfall_metrics::count_success).
  metrics::served_series served;

  bool current() const {
    return known && sent == applied;
  }
};

/// The router's view of one provider: how to call it and its quota bucket's last snapshot.
struct provider_view {
  std::shared_ptr<const catalog::provider_spec> spec;
  /// The spec's header fields for a JSON call and for a stream, rendered once (see
  /// render_provider_headers; nullopt: carried per call).
  std::optional<upstream::header_block> json_headers;
  std::optional<upstream::header_block> stream_headers;
  transport_ptr transport;
  /// What the upstream completions of this provider read (metric series, clock).
  std::shared_ptr<provider_link> link;
  /// Invalid = no local quota tracking (tests).
  quota_bucket_actor bucket;
  bucket_snapshot snapshot;
  bool known = false;
  /// Reconciles sent to the bucket (see route_view::sent).
  uint64_t sent = 0;
  /// Granted from the snapshot and served, not yet told to the bucket.
  usage_batch unreported;

  /// Puts the provider's header fields on `req`.
  void add_headers(upstream::upstream_request& req, bool stream) const {
    if (const auto& block = stream ? stream_headers : json_headers) {
      req.fixed_headers = *block;
    } else {
      add_provider_headers(req, *spec, stream);
    }
  }

  /// May the router grant a request without asking the bucket?
  bool grants_locally(int64_t now_ms) const {
    return !bucket
           || (known && sent == snapshot.applied && snapshot.unlimited && !snapshot.key_failing
               && snapshot.cooldown_until_ms <= now_ms);
  }
};

struct router_state {
  static inline const char* const name = "router";
  std::unique_ptr<catalog::model_catalog> catalog;
  router_wiring wiring;
  router_settings settings;
  std::unordered_map<std::string, route_view> routes;
  std::unordered_map<std::string, provider_view> providers;
  /// Streaming jobs with an attempt in flight (their relay reports through stream_done).
  std::unordered_map<const chat_job*, chat_job_ptr> active_streams;
  /// Finished attempts not yet sent to the persistence actor (one batch per flush).
  std::vector<usage_event> unsaved_usage;
  /// A flush (atom::tick) is scheduled.
  bool flush_armed = false;
  /// Attempt/skip/token counters with label series cached by this actor (no locks).
  metrics::waterfall_metrics counters;
};

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   catalog::model_catalog catalog, router_wiring wiring,
                                   router_settings settings);

} // namespace gw::actors
