#include "persistence/schema.hpp"

#include <array>
#include <string>

namespace gw::persistence {

namespace {

struct migration {
  int version;
  const char* sql;
};

// Append-only: never edit a migration that has shipped, add the next number instead.
constexpr std::array<migration, 4> migrations{{
  {1, R"sql(
CREATE TABLE quota_state (
  key               TEXT PRIMARY KEY,
  day               TEXT    NOT NULL DEFAULT '',
  requests_today    INTEGER NOT NULL DEFAULT 0,
  tokens_today      INTEGER NOT NULL DEFAULT 0,
  minute_json       TEXT    NOT NULL DEFAULT '{"times_ms":[],"tokens":[]}',
  cooldown_until_ms INTEGER NOT NULL DEFAULT 0,
  key_failing       INTEGER NOT NULL DEFAULT 0,
  updated_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE route_health (
  route_id              TEXT PRIMARY KEY,
  provider_name         TEXT    NOT NULL DEFAULT '',
  model_id              TEXT    NOT NULL DEFAULT '',
  status                TEXT    NOT NULL DEFAULT 'active',
  reason                TEXT    NOT NULL DEFAULT '',
  consecutive_failures  INTEGER NOT NULL DEFAULT 0,
  rate_limited_until_ms INTEGER NOT NULL DEFAULT 0,
  next_probe_at_ms      INTEGER NOT NULL DEFAULT 0,
  updated_ms            INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE route_usage (
  route_id          TEXT PRIMARY KEY,
  total_events      INTEGER NOT NULL DEFAULT 0,
  successes         INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  rate_limits       INTEGER NOT NULL DEFAULT 0,
  timeouts          INTEGER NOT NULL DEFAULT 0,
  not_found         INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens      INTEGER NOT NULL DEFAULT 0,
  last_used_at_ms   INTEGER NOT NULL DEFAULT 0,
  last_status_code  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE provider_usage (
  provider_name     TEXT PRIMARY KEY,
  requests          INTEGER NOT NULL DEFAULT 0,
  successes         INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens      INTEGER NOT NULL DEFAULT 0,
  last_used_at_ms   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE events (
  id                INTEGER PRIMARY KEY,
  at_ms             INTEGER NOT NULL,
  route_id          TEXT    NOT NULL,
  provider_name     TEXT    NOT NULL,
  model_id          TEXT    NOT NULL,
  outcome           TEXT    NOT NULL,
  status_code       INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens      INTEGER NOT NULL DEFAULT 0,
  latency_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_at_ms ON events(at_ms);
)sql"},
  // Per-route usage per minute, kept current with every event (like route_usage) and pruned
  // with the raw events: the /status plots read at most routes x minutes rows, however much
  // traffic there was. Filled once from the events already logged.
  {2, R"sql(
CREATE TABLE route_usage_minutes (
  minute            INTEGER NOT NULL,
  route_id          TEXT    NOT NULL,
  provider_name     TEXT    NOT NULL,
  requests          INTEGER NOT NULL DEFAULT 0,
  successes         INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, route_id, provider_name)
) WITHOUT ROWID;
INSERT INTO route_usage_minutes
SELECT at_ms / 60000, route_id, provider_name, COUNT(*), SUM(outcome = 'success'),
       SUM(outcome <> 'success'), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens)
FROM events GROUP BY 1, 2, 3;
)sql"},
  // Endpoint diagnosis: the reports of past runs (the last few kept) and the supervisor's
  // verdicts per listed model.
  {3, R"sql(
CREATE TABLE diagnosis_runs (
  id                INTEGER PRIMARY KEY,
  run_id            TEXT    NOT NULL,
  started_ms        INTEGER NOT NULL DEFAULT 0,
  checked_at_ms     INTEGER NOT NULL DEFAULT 0,
  report_json       TEXT    NOT NULL,
  auto_applied_json TEXT    NOT NULL DEFAULT '[]'
);
CREATE TABLE supervisor_verdicts (
  key             TEXT PRIMARY KEY,
  free_chat_model INTEGER NOT NULL DEFAULT 0,
  confidence      TEXT    NOT NULL DEFAULT '',
  reason          TEXT    NOT NULL DEFAULT '',
  sources         TEXT    NOT NULL DEFAULT '',
  at_ms           INTEGER NOT NULL DEFAULT 0
);
)sql"},
  // The at_ms index cost every logged request a second B-tree insert (callgrind: 4.6k of the
  // 15.8k instructions the persistence thread spent per request), for the prune alone. Events are
  // appended in time order, so the prune now deletes an id range found by walking from the oldest
  // row (state_store.cpp).
  {4, R"sql(
DROP INDEX IF EXISTS events_at_ms;
)sql"},
}};

} // namespace

int latest_schema_version() {
  return migrations.back().version;
}

gw::expected<int> schema_version(database& db) {
  if (auto err = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) {
    return *err;
  }
  auto query = statement::prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!query) {
    return query.error();
  }
  auto row = query->step();
  if (!row) {
    return row.error();
  }
  return static_cast<int>(query->column_int64(0));
}

namespace {

/// Applies one migration unless another connection already did (checked under the lock).
std::optional<gw::error> apply(database& db, const migration& step) {
  // IMMEDIATE: a second process migrating the same file waits here instead of interleaving.
  if (auto err = db.exec("BEGIN IMMEDIATE")) {
    return err;
  }
  auto current = schema_version(db);
  std::optional<gw::error> err;
  if (!current) {
    err = current.error();
  } else if (*current < step.version) {
    err = db.exec(step.sql);
    if (!err) {
      err = db.exec("INSERT INTO schema_version (version) VALUES (" + std::to_string(step.version)
                    + ")");
    }
  }
  if (!err) {
    err = db.exec("COMMIT");
  }
  if (err) {
    db.exec("ROLLBACK");
    err->message = "migration " + std::to_string(step.version) + ": " + err->message;
  }
  return err;
}

} // namespace

std::optional<gw::error> migrate(database& db) {
  auto current = schema_version(db);
  if (!current) {
    return current.error();
  }
  if (*current > latest_schema_version()) {
    return gw::make_error(gw::errc::storage_error, "database schema version "
                                                     + std::to_string(*current)
                                                     + " is newer than this binary's "
                                                     + std::to_string(latest_schema_version()));
  }
  for (const auto& step : migrations) {
    if (step.version > *current) {
      if (auto err = apply(db, step)) {
        return err;
      }
    }
  }
  return std::nullopt;
}

} // namespace gw::persistence
