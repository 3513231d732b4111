// Quota bucket actor: the local free-tier counters of one provider. Serialising every
// reservation through one actor is what makes quotas exact under any concurrency.
#pragma once

#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "catalog/grant_lease.hpp"
#include "catalog/provider_spec.hpp"
#include "catalog/quota_ledger.hpp"
#include "core/log.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/actor_clock.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace gw::actors {

/// A limited reservation made in the ledger, answered once a committed snapshot includes it.
struct held_grant {
  caf::typed_response_promise<route_ticket> promise;
  route_ticket granted;
};

struct quota_bucket_state {
  static inline const char* const name = "quota_bucket";
  std::string key;
  catalog::rate_limit_scope scope = catalog::rate_limit_scope::model;
  std::unique_ptr<catalog::quota_ledger> ledger;
  /// The headroom grant writes persist, so busy day-limited buckets write once per lease.
  std::optional<catalog::grant_lease> lease;
  /// Invalid in tests that do not care about durability.
  persistence_actor persistence;
  wall_clock now;
  /// A failing key is re-tried (one probe) after this instant.
  int64_t key_retry_at_ms = 0;
  /// The reservation that probes a failing key (0 = none in flight).
  uint64_t key_probe_reservation = 0;
  /// A deferred snapshot write is scheduled (unlimited buckets, reconciles, cooldowns).
  bool write_scheduled = false;
  /// Limited grants not covered by the committed lease wait for a commit. One grant write is in
  /// flight at a time and covers grants_in_flight; reservations made meanwhile wait in grants_next
  /// and share the following write, so a busy bucket sends one snapshot per commit, not one per
  /// request.
  std::vector<held_grant> grants_in_flight;
  std::vector<held_grant> grants_next;
  bool grant_write_in_flight = false;
  /// When the grant write in flight was sent (the actor clock) and its number: the watchdog
  /// gives up on a write older than grant_write_timeout, and the late answer of a write it
  /// gave up on (an older number) is ignored.
  caf::actor_clock::time_point grant_write_sent{};
  uint64_t grant_write_number = 0;
  /// A watchdog message is on its way (one at a time).
  bool grant_watchdog_armed = false;
  metrics::provider_metrics series;
  /// Where availability snapshots go (the router, once it sent `watch`).
  snapshot_listener_actor listener;
  /// Reconciles applied so far (bucket_snapshot::applied).
  uint64_t applied = 0;
  /// Reservations refused in a row because the state could not be committed (logged once).
  uint64_t not_persisted_streak = 0;
  /// Last exported cooldown / key state, to touch the gauges only on changes.
  int64_t exported_cooldown_ms = -1;
  bool exported_key_failing = false;
  log::logger log;
};

/// `restored` is the state persisted before the last stop (if any).
quota_bucket_actor::behavior_type
quota_bucket(quota_bucket_actor::stateful_pointer<quota_bucket_state> self,
             const catalog::provider_spec& spec, catalog::day_clock day, persistence_actor store,
             std::optional<quota_record> restored, wall_clock clock,
             metrics::provider_metrics series, log::logger log);

/// How long a failing key (401/403) keeps its provider out before one probe.
constexpr int64_t key_failure_backoff_ms = int64_t{5} * 60 * 1000;
/// How long counter changes that protect no limit may wait before they are written.
constexpr auto deferred_write_delay = std::chrono::seconds(1);
/// How long a grant write may stay unanswered before its grants are refused
/// (quota_not_persisted): a hung disk must not hold the provider's requests forever.
constexpr auto grant_write_timeout = std::chrono::seconds(30);
/// Default cooldown when a provider says "limited" without saying until when.
constexpr int64_t default_cooldown_ms = int64_t{60} * 1000;

} // namespace gw::actors
