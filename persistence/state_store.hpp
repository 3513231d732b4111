// The gateway's durable state in one SQLite file (WAL): quota buckets, route health, usage
// aggregates and a pruned raw event log. Synchronous and single-connection; the persistence
// actor is its only writer in the running gateway (start-up code may read it before that).
#pragma once

#include "core/expected.hpp"
#include "persistence/diagnosis_store.hpp"
#include "persistence/records.hpp"
#include "persistence/sqlite.hpp"
#include "persistence/usage_series.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gw::persistence {

/// All-time usage of one provider account (every route of it).
struct provider_usage {
  std::string provider_name;
  int64_t requests = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int64_t last_used_at_ms = 0;
};

class state_store {
public:
  /// Opens or creates `path` (":memory:" for a private in-memory store), creating missing
  /// parent directories, setting WAL + synchronous=NORMAL + the busy timeout (clamped to
  /// >= 0), and migrating the schema to the latest version. Every error names the file (or
  /// the directory it could not create), so callers print it as it is.
  static gw::expected<std::unique_ptr<state_store>> open(const std::string& path,
                                                         int busy_timeout_ms);

  ~state_store();
  state_store(const state_store&) = delete;
  state_store& operator=(const state_store&) = delete;

  gw::expected<std::vector<quota_record>> load_quotas();
  gw::expected<std::vector<health_record>> load_health();
  /// Route aggregates, ordered by route_id.
  gw::expected<usage_table> load_usage();
  /// Provider aggregates, ordered by provider_name.
  gw::expected<std::vector<provider_usage>> load_provider_usage();

  /// Writes everything in ONE transaction: quota and health rows are upserted as given
  /// (the caller coalesces), each event is appended to the log and added to the route and
  /// provider aggregates. On failure nothing is written.
  std::optional<gw::error> write_batch(const std::vector<quota_record>& quotas,
                                       const std::vector<health_record>& health,
                                       const std::vector<usage_event>& events);

  /// Deletes raw events with at_ms < older_than_ms; aggregates are untouched.
  /// Returns the number of rows deleted.
  gw::expected<int64_t> prune_events(int64_t older_than_ms);

  /// Raw events currently in the log (diagnostics and tests).
  gw::expected<int64_t> event_count();

  /// Per-route usage in the buckets of `window`, from the raw event log (/status plots).
  gw::expected<std::vector<route_series>> load_usage_series(const series_window& window) {
    return query_usage_series(db_, window);
  }

  /// Endpoint diagnosis (diagnosis_store.hpp): written at once, outside the batches (a run
  /// ends every few hours).
  std::optional<gw::error> save_diagnosis(const diagnosis_record& run) {
    return persistence::save_diagnosis(db_, run);
  }
  gw::expected<std::optional<diagnosis_record>> load_last_diagnosis() {
    return persistence::load_last_diagnosis(db_);
  }
  std::optional<gw::error> save_verdict(const verdict_record& verdict) {
    return persistence::save_verdict(db_, verdict);
  }
  gw::expected<std::vector<verdict_record>> load_verdicts() {
    return persistence::load_verdicts(db_);
  }

  int schema_version();

private:
  struct statements;

  state_store(database db, std::unique_ptr<statements> stmts);

  std::optional<gw::error> write_all(const std::vector<quota_record>& quotas,
                                     const std::vector<health_record>& health,
                                     const std::vector<usage_event>& events);
  /// The aggregate tables' share of a batch: one delta row per route and per provider.
  std::optional<gw::error> write_usage_deltas(const std::vector<usage_event>& events);

  // Declared before the statements so that they are finalized first.
  database db_;
  std::unique_ptr<statements> stmts_;
};

} // namespace gw::persistence
