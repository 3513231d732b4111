// Persistence actor: the only writer of SQLite. It queues records, coalesces them and
// writes each mailbox drain as one transaction (group commit); SQLite work blocks, so
// production spawns it detached (its own thread) and tests spawn it scheduled.
#pragma once

#include "actors/protocol.hpp"
#include "core/log.hpp"

#include <caf/fwd.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gw::persistence {
class state_store;
} // namespace gw::persistence

namespace gw::actors {

struct persistence_settings {
  /// Raw events older than this are deleted (EVENT_RETENTION_DAYS); <= 0 keeps them forever.
  int event_retention_days = 7;
  /// How often to prune; 0 = never (tests: the test coordinator's run() would otherwise
  /// chase the self-rearming timer forever). When > 0 it also prunes once at start-up.
  std::chrono::milliseconds prune_interval{3600'000};
  /// Queued records that force a commit before the mailbox drain ends.
  size_t max_batch = 1000;
  /// Called after every committed batch with its size and the age of its oldest write
  /// (metrics); may be empty.
  std::function<void(size_t writes, double lag_seconds)> on_batch;
  /// Failed writes and prunes are logged here.
  log::logger log;
};

/// Writes accepted but not yet committed.
struct pending_writes {
  /// Latest record per bucket key / per route: older ones would be overwritten anyway.
  std::map<std::string, quota_record> quotas;
  std::map<std::string, health_record> health;
  std::vector<usage_event> events;
  /// persist(quota_record) callers, answered once their transaction committed (or failed).
  std::vector<caf::typed_response_promise<bool>> waiting;
  /// When the oldest write of this batch was queued (steady clock), for the lag metric.
  std::chrono::steady_clock::time_point first_queued{};
  /// Batches failed in a row and the usage events they dropped: a full or read-only disk fails
  /// every batch until it is fixed, which is reported once when it starts and once when it ends.
  uint64_t failed_batches = 0;
  uint64_t dropped_events = 0;

  size_t size() const {
    return quotas.size() + health.size() + events.size();
  }
};

struct persistence_state {
  static inline const char* const name = "persistence";

  persistence_state() = default;
  persistence_state(const persistence_state&) = delete;
  persistence_state& operator=(const persistence_state&) = delete;
  /// Commits what is still pending. CAF destroys the state in on_exit(), before monitors,
  /// linked actors and attached functors learn of the termination, so whoever waits for this
  /// actor to end also sees its last batch on disk. (Messages still in the mailbox are not
  /// absorbed: exit_msg overtakes them, so shut down with `flush` first.)
  ~persistence_state();

  std::shared_ptr<persistence::state_store> store;
  persistence_settings settings;
  pending_writes pending;
  /// A group-commit tick is in the mailbox. Ticks are interchangeable: one that finds this
  /// flag set is counted as the commit tick, any other as the prune timer's.
  bool commit_scheduled = false;
  /// All-time usage per route, kept current in memory so `get usage` never touches SQLite.
  std::map<std::string, route_usage> usage;
};

/// Loads the usage aggregates from `store`, then serves persistence_actor (protocol.hpp).
persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            std::shared_ptr<persistence::state_store> store, const persistence_settings& settings);

/// Spawns the actor; `detached` gives it its own thread (production). Tests pass false:
/// the test coordinator does not drive detached actors.
persistence_actor spawn_persistence(caf::actor_system& sys,
                                    std::shared_ptr<persistence::state_store> store,
                                    persistence_settings settings, bool detached);

} // namespace gw::actors
