#include "persistence/state_store.hpp"

#include "persistence/minute_json.hpp"
#include "persistence/schema.hpp"
#include "persistence/usage_aggregate.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>

namespace gw::persistence {

namespace {

constexpr const char* upsert_quota_sql = R"sql(
INSERT INTO quota_state (key, day, requests_today, tokens_today, minute_json,
                         cooldown_until_ms, key_failing, updated_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (key) DO UPDATE SET
  day = excluded.day, requests_today = excluded.requests_today,
  tokens_today = excluded.tokens_today, minute_json = excluded.minute_json,
  cooldown_until_ms = excluded.cooldown_until_ms, key_failing = excluded.key_failing,
  updated_ms = excluded.updated_ms
)sql";

constexpr const char* upsert_health_sql = R"sql(
INSERT INTO route_health (route_id, provider_name, model_id, status, reason,
                          consecutive_failures, rate_limited_until_ms, next_probe_at_ms,
                          updated_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (route_id) DO UPDATE SET
  provider_name = excluded.provider_name, model_id = excluded.model_id,
  status = excluded.status, reason = excluded.reason,
  consecutive_failures = excluded.consecutive_failures,
  rate_limited_until_ms = excluded.rate_limited_until_ms,
  next_probe_at_ms = excluded.next_probe_at_ms, updated_ms = excluded.updated_ms
)sql";

/// The columns of one event row, bound as ?(base + 1) .. ?(base + event_columns).
constexpr int event_columns = 10;

/// Events per multi-row INSERT. A busy batch (thousands of events) is written in blocks:
/// each statement's fixed cost (callgrind: ~2.4k of the ~5.5k instructions SQLite spent per
/// single-row insert, mostly sqlite3VdbeHalt) is paid once per block, not per request.
constexpr int event_block_rows = 32;

/// `INSERT INTO events (...) VALUES (?1, ..., ?10), (?11, ..., ?20), ...` for `rows` rows.
std::string insert_events_sql(int rows) {
  std::string sql = "INSERT INTO events (at_ms, route_id, provider_name, model_id, outcome,"
                    " status_code, prompt_tokens, completion_tokens, total_tokens, latency_ms)"
                    " VALUES ";
  for (int row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 1; column <= event_columns; ++column) {
      sql += (column == 1 ? "?" : ", ?") + std::to_string(row * event_columns + column);
    }
    sql += ")";
  }
  return sql;
}

// Aggregates are maintained by arithmetic on one row per key, never by scanning events
// (contract §6.10): each batch adds one delta row per route and per provider. The SET
// expressions read the row's values from before the update, so last_status_code compares
// against the previous last_used_at_ms (see apply_event()).
constexpr const char* upsert_route_usage_sql = R"sql(
INSERT INTO route_usage (route_id, total_events, successes, failures, rate_limits, timeouts,
                         not_found, prompt_tokens, completion_tokens, total_tokens,
                         last_used_at_ms, last_status_code)
VALUES (?1, ?12, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (route_id) DO UPDATE SET
  total_events = total_events + excluded.total_events,
  successes = successes + excluded.successes,
  failures = failures + excluded.failures,
  rate_limits = rate_limits + excluded.rate_limits,
  timeouts = timeouts + excluded.timeouts,
  not_found = not_found + excluded.not_found,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  total_tokens = total_tokens + excluded.total_tokens,
  last_status_code = CASE WHEN excluded.last_used_at_ms >= last_used_at_ms
                          THEN excluded.last_status_code ELSE last_status_code END,
  last_used_at_ms = MAX(last_used_at_ms, excluded.last_used_at_ms)
)sql";

// One row per route and minute (schema migration 2), for the usage plots.
constexpr const char* upsert_usage_minute_sql = R"sql(
INSERT INTO route_usage_minutes (minute, route_id, provider_name, requests, successes, failures,
                                 prompt_tokens, completion_tokens, total_tokens)
VALUES (?1, ?2, ?3, ?9, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (minute, route_id, provider_name) DO UPDATE SET
  requests = requests + excluded.requests,
  successes = successes + excluded.successes,
  failures = failures + excluded.failures,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  total_tokens = total_tokens + excluded.total_tokens
)sql";

constexpr const char* upsert_provider_usage_sql = R"sql(
INSERT INTO provider_usage (provider_name, requests, successes, failures, prompt_tokens,
                            completion_tokens, total_tokens, last_used_at_ms)
VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (provider_name) DO UPDATE SET
  requests = requests + excluded.requests,
  successes = successes + excluded.successes,
  failures = failures + excluded.failures,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  total_tokens = total_tokens + excluded.total_tokens,
  last_used_at_ms = MAX(last_used_at_ms, excluded.last_used_at_ms)
)sql";

/// Creates the directory that will hold `path`, unless it is an in-memory or URI name.
std::optional<gw::error> ensure_parent_dir(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return std::nullopt;
  }
  auto parent = std::filesystem::path{path}.parent_path();
  if (parent.empty()) {
    return std::nullopt;
  }
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return gw::make_error(gw::errc::io_error,
                          "cannot create directory " + parent.string() + ": " + ec.message());
  }
  return std::nullopt;
}

std::optional<gw::error> configure(database& db, int busy_timeout_ms) {
  // journal_mode=WAL persists in the file; synchronous and busy_timeout are per connection.
  // WAL + NORMAL: a commit survives a process crash (kill -9); only an OS crash may lose
  // the last transactions, which is the trade-off the reference makes too.
  auto timeout = std::to_string(std::max(0, busy_timeout_ms));
  return db.exec("PRAGMA busy_timeout=" + timeout
                 + "; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   " PRAGMA temp_store=MEMORY;");
}

/// Runs `query` to completion, handing each row to `on_row`.
template <class OnRow>
std::optional<gw::error> for_each_row(statement& query, OnRow on_row) {
  for (;;) {
    auto row = query.step();
    if (!row) {
      query.reset();
      return row.error();
    }
    if (!*row) {
      query.reset();
      return std::nullopt;
    }
    on_row(query);
  }
}

/// Binds one event as parameters base + 1 .. base + event_columns. Its strings are borrowed:
/// they live in the caller's events until run() has reset the statement.
void bind_event(statement& insert, int base, const usage_event& e) {
  insert.bind(base + 1, e.at_ms);
  insert.bind_borrowed(base + 2, e.route_id);
  insert.bind_borrowed(base + 3, e.provider_name);
  insert.bind_borrowed(base + 4, e.model_id);
  insert.bind_borrowed(base + 5, e.outcome);
  insert.bind(base + 6, int64_t{e.status_code});
  insert.bind(base + 7, e.prompt_tokens);
  insert.bind(base + 8, e.completion_tokens);
  insert.bind(base + 9, e.total_tokens);
  insert.bind(base + 10, e.latency_ms);
}

} // namespace

struct state_store::statements {
  statement begin;
  statement commit;
  statement rollback;
  statement upsert_quota;
  statement upsert_health;
  statement upsert_route_usage;
  statement upsert_provider_usage;
  statement upsert_usage_minute;
  statement prune;
  statement prune_minutes;
  statement count_events;
  statement select_quotas;
  statement select_health;
  statement select_usage;
  statement select_provider_usage;
  // Prepared last, from insert_events_sql().
  statement insert_event;
  statement insert_event_block; // event_block_rows rows at once

  static gw::expected<std::unique_ptr<statements>> prepare(const database& db) {
    // Prepared once per store: a batch only binds and steps.
    const char* sql[] = {
      "BEGIN IMMEDIATE",
      "COMMIT",
      "ROLLBACK",
      upsert_quota_sql,
      upsert_health_sql,
      upsert_route_usage_sql,
      upsert_provider_usage_sql,
      upsert_usage_minute_sql,
      // Rows are appended in time order, so the old ones are the ids below the oldest row
      // that is still young; the scan that finds it walks only the rows about to go. (A row
      // logged out of order, after a clock step back, is kept until a later prune.)
      "DELETE FROM events WHERE id < COALESCE((SELECT id FROM events WHERE at_ms >= ?1"
      " ORDER BY id LIMIT 1), (SELECT MAX(id) + 1 FROM events))",
      // Whole minutes only: a minute partly before the cutoff stays until it is all older.
      "DELETE FROM route_usage_minutes WHERE minute < ?1 / 60000",
      "SELECT COUNT(*) FROM events",
      "SELECT key, day, requests_today, tokens_today, minute_json, cooldown_until_ms,"
      " key_failing, updated_ms FROM quota_state ORDER BY key",
      "SELECT route_id, provider_name, model_id, status, reason, consecutive_failures,"
      " rate_limited_until_ms, next_probe_at_ms, updated_ms FROM route_health ORDER BY route_id",
      "SELECT route_id, total_events, successes, failures, rate_limits, timeouts, not_found,"
      " prompt_tokens, completion_tokens, total_tokens, last_used_at_ms, last_status_code"
      " FROM route_usage ORDER BY route_id",
      "SELECT provider_name, requests, successes, failures, prompt_tokens, completion_tokens,"
      " total_tokens, last_used_at_ms FROM provider_usage ORDER BY provider_name",
    };
    std::vector<statement> prepared;
    auto prepare_one = [&](const std::string& text) -> std::optional<gw::error> {
      auto stmt = statement::prepare(db, text);
      if (!stmt) {
        return stmt.error();
      }
      prepared.push_back(std::move(*stmt));
      return std::nullopt;
    };
    for (const char* text : sql) {
      if (auto err = prepare_one(text)) {
        return *err;
      }
    }
    for (int rows : {1, event_block_rows}) {
      if (auto err = prepare_one(insert_events_sql(rows))) {
        return *err;
      }
    }
    size_t i = 0;
    auto next = [&]() {
      return std::move(prepared[i++]);
    };
    // An aggregate: make_unique cannot brace-initialize it in C++17.
    // NOLINTNEXTLINE(modernize-make-unique)
    return std::unique_ptr<statements>(
      new statements{next(), next(), next(), next(), next(), next(), next(), next(), next(), next(),
                     next(), next(), next(), next(), next(), next(), next()});
  }
};

state_store::state_store(database db, std::unique_ptr<statements> stmts)
    : db_(std::move(db)), stmts_(std::move(stmts)) {}

state_store::~state_store() = default;

gw::expected<std::unique_ptr<state_store>> state_store::open(const std::string& path,
                                                             int busy_timeout_ms) {
  if (auto err = ensure_parent_dir(path)) {
    return *err;
  }
  auto db = database::open(path);
  if (!db) {
    return db.error();
  }
  if (auto err = configure(*db, busy_timeout_ms)) {
    err->message = path + ": " + err->message;
    return *err;
  }
  if (auto err = migrate(*db)) {
    err->message = path + ": " + err->message;
    return *err;
  }
  auto stmts = statements::prepare(*db);
  if (!stmts) {
    auto err = stmts.error();
    err.message = path + ": " + err.message;
    return err;
  }
  return std::unique_ptr<state_store>(new state_store(std::move(*db), std::move(*stmts)));
}

gw::expected<std::vector<quota_record>> state_store::load_quotas() {
  std::vector<quota_record> out;
  auto err = for_each_row(stmts_->select_quotas, [&](const statement& row) {
    quota_record rec;
    rec.key = row.column_text(0);
    rec.day = row.column_text(1);
    rec.requests_today = row.column_int64(2);
    rec.tokens_today = row.column_int64(3);
    auto window = decode_minute_window(row.column_text(4));
    rec.minute_times_ms = std::move(window.times_ms);
    rec.minute_tokens = std::move(window.tokens);
    rec.cooldown_until_ms = row.column_int64(5);
    rec.key_failing = row.column_int64(6) != 0;
    rec.updated_ms = row.column_int64(7);
    out.push_back(std::move(rec));
  });
  if (err) {
    return *err;
  }
  return out;
}

gw::expected<std::vector<health_record>> state_store::load_health() {
  std::vector<health_record> out;
  auto err = for_each_row(stmts_->select_health, [&](const statement& row) {
    health_record rec;
    rec.route_id = row.column_text(0);
    rec.provider_name = row.column_text(1);
    rec.model_id = row.column_text(2);
    rec.status = row.column_text(3);
    rec.reason = row.column_text(4);
    rec.consecutive_failures = row.column_int64(5);
    rec.rate_limited_until_ms = row.column_int64(6);
    rec.next_probe_at_ms = row.column_int64(7);
    rec.updated_ms = row.column_int64(8);
    out.push_back(std::move(rec));
  });
  if (err) {
    return *err;
  }
  return out;
}

gw::expected<usage_table> state_store::load_usage() {
  usage_table out;
  auto err = for_each_row(stmts_->select_usage, [&](const statement& row) {
    route_usage rec;
    rec.route_id = row.column_text(0);
    rec.total_events = row.column_int64(1);
    rec.successes = row.column_int64(2);
    rec.failures = row.column_int64(3);
    rec.rate_limits = row.column_int64(4);
    rec.timeouts = row.column_int64(5);
    rec.not_found = row.column_int64(6);
    rec.prompt_tokens = row.column_int64(7);
    rec.completion_tokens = row.column_int64(8);
    rec.total_tokens = row.column_int64(9);
    rec.last_used_at_ms = row.column_int64(10);
    rec.last_status_code = static_cast<int>(row.column_int64(11));
    out.push_back(std::move(rec));
  });
  if (err) {
    return *err;
  }
  return out;
}

gw::expected<std::vector<provider_usage>> state_store::load_provider_usage() {
  std::vector<provider_usage> out;
  auto err = for_each_row(stmts_->select_provider_usage, [&](const statement& row) {
    provider_usage rec;
    rec.provider_name = row.column_text(0);
    rec.requests = row.column_int64(1);
    rec.successes = row.column_int64(2);
    rec.failures = row.column_int64(3);
    rec.prompt_tokens = row.column_int64(4);
    rec.completion_tokens = row.column_int64(5);
    rec.total_tokens = row.column_int64(6);
    rec.last_used_at_ms = row.column_int64(7);
    out.push_back(std::move(rec));
  });
  if (err) {
    return *err;
  }
  return out;
}

std::optional<gw::error> state_store::write_batch(const std::vector<quota_record>& quotas,
                                                  const std::vector<health_record>& health,
                                                  const std::vector<usage_event>& events) {
  if (quotas.empty() && health.empty() && events.empty()) {
    return std::nullopt;
  }
  if (auto err = stmts_->begin.run()) {
    return err;
  }
  auto err = write_all(quotas, health, events);
  if (!err) {
    err = stmts_->commit.run();
  }
  if (err) {
    // A failed COMMIT can leave the transaction open (e.g. SQLITE_BUSY); roll it back so
    // the next batch starts clean. Harmless when SQLite already rolled back.
    stmts_->rollback.run();
  }
  return err;
}

std::optional<gw::error> state_store::write_all(const std::vector<quota_record>& quotas,
                                                const std::vector<health_record>& health,
                                                const std::vector<usage_event>& events) {
  auto& s = *stmts_;
  for (const auto& q : quotas) {
    s.upsert_quota.bind(1, q.key);
    s.upsert_quota.bind(2, q.day);
    s.upsert_quota.bind(3, q.requests_today);
    s.upsert_quota.bind(4, q.tokens_today);
    s.upsert_quota.bind(5, encode_minute_window(q.minute_times_ms, q.minute_tokens));
    s.upsert_quota.bind(6, q.cooldown_until_ms);
    s.upsert_quota.bind(7, int64_t{q.key_failing ? 1 : 0});
    s.upsert_quota.bind(8, q.updated_ms);
    if (auto err = s.upsert_quota.run()) {
      return err;
    }
  }
  for (const auto& h : health) {
    s.upsert_health.bind(1, h.route_id);
    s.upsert_health.bind(2, h.provider_name);
    s.upsert_health.bind(3, h.model_id);
    s.upsert_health.bind(4, h.status);
    s.upsert_health.bind(5, h.reason);
    s.upsert_health.bind(6, h.consecutive_failures);
    s.upsert_health.bind(7, h.rate_limited_until_ms);
    s.upsert_health.bind(8, h.next_probe_at_ms);
    s.upsert_health.bind(9, h.updated_ms);
    if (auto err = s.upsert_health.run()) {
      return err;
    }
  }
  // One row per request, in order (ids follow time, which the prune relies on): whole blocks
  // first, then the rest one by one.
  size_t next = 0;
  for (; next + event_block_rows <= events.size(); next += event_block_rows) {
    for (int row = 0; row < event_block_rows; ++row) {
      bind_event(s.insert_event_block, row * event_columns, events[next + row]);
    }
    if (auto err = s.insert_event_block.run()) {
      return err;
    }
  }
  for (; next < events.size(); ++next) {
    bind_event(s.insert_event, 0, events[next]);
    if (auto err = s.insert_event.run()) {
      return err;
    }
  }
  return write_usage_deltas(events);
}

std::optional<gw::error> state_store::write_usage_deltas(const std::vector<usage_event>& events) {
  // One delta per route, per provider and per route-minute for the whole batch: the same sums
  // as one upsert per event, at a fraction of the statements.
  struct provider_delta {
    int64_t requests = 0;
    int64_t successes = 0;
    int64_t failures = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    int64_t total_tokens = 0;
    int64_t last_used_at_ms = 0;
  };
  std::map<std::string, route_usage> routes;
  std::map<std::string, provider_delta> providers;
  // (minute, route, provider) -> that minute's delta, for the usage plots.
  std::map<std::tuple<int64_t, std::string, std::string>, provider_delta> minutes;
  for (const auto& e : events) {
    apply_event(routes[e.route_id], e);
    auto counts = classify_outcome(e.outcome);
    auto& m = minutes[{e.at_ms / 60'000, e.route_id, e.provider_name}];
    m.requests += 1;
    m.successes += counts.success;
    m.failures += counts.failure;
    m.prompt_tokens += e.prompt_tokens;
    m.completion_tokens += e.completion_tokens;
    m.total_tokens += e.total_tokens;
    auto& p = providers[e.provider_name];
    p.requests += 1;
    p.successes += counts.success;
    p.failures += counts.failure;
    p.prompt_tokens += e.prompt_tokens;
    p.completion_tokens += e.completion_tokens;
    p.total_tokens += e.total_tokens;
    p.last_used_at_ms = std::max(p.last_used_at_ms, e.at_ms);
  }
  auto& s = *stmts_;
  for (const auto& [route_id, r] : routes) {
    s.upsert_route_usage.bind(1, route_id);
    s.upsert_route_usage.bind(2, r.successes);
    s.upsert_route_usage.bind(3, r.failures);
    s.upsert_route_usage.bind(4, r.rate_limits);
    s.upsert_route_usage.bind(5, r.timeouts);
    s.upsert_route_usage.bind(6, r.not_found);
    s.upsert_route_usage.bind(7, r.prompt_tokens);
    s.upsert_route_usage.bind(8, r.completion_tokens);
    s.upsert_route_usage.bind(9, r.total_tokens);
    s.upsert_route_usage.bind(10, r.last_used_at_ms);
    s.upsert_route_usage.bind(11, int64_t{r.last_status_code});
    s.upsert_route_usage.bind(12, r.total_events);
    if (auto err = s.upsert_route_usage.run()) {
      return err;
    }
  }
  for (const auto& [name, p] : providers) {
    s.upsert_provider_usage.bind(1, name);
    s.upsert_provider_usage.bind(2, p.successes);
    s.upsert_provider_usage.bind(3, p.failures);
    s.upsert_provider_usage.bind(4, p.prompt_tokens);
    s.upsert_provider_usage.bind(5, p.completion_tokens);
    s.upsert_provider_usage.bind(6, p.total_tokens);
    s.upsert_provider_usage.bind(7, p.last_used_at_ms);
    s.upsert_provider_usage.bind(8, p.requests);
    if (auto err = s.upsert_provider_usage.run()) {
      return err;
    }
  }
  for (const auto& [key, m] : minutes) {
    s.upsert_usage_minute.bind(1, std::get<0>(key));
    s.upsert_usage_minute.bind(2, std::get<1>(key));
    s.upsert_usage_minute.bind(3, std::get<2>(key));
    s.upsert_usage_minute.bind(4, m.successes);
    s.upsert_usage_minute.bind(5, m.failures);
    s.upsert_usage_minute.bind(6, m.prompt_tokens);
    s.upsert_usage_minute.bind(7, m.completion_tokens);
    s.upsert_usage_minute.bind(8, m.total_tokens);
    s.upsert_usage_minute.bind(9, m.requests);
    if (auto err = s.upsert_usage_minute.run()) {
      return err;
    }
  }
  return std::nullopt;
}

gw::expected<int64_t> state_store::prune_events(int64_t older_than_ms) {
  stmts_->prune.bind(1, older_than_ms);
  if (auto err = stmts_->prune.run()) {
    return *err;
  }
  auto deleted = db_.changes();
  stmts_->prune_minutes.bind(1, older_than_ms);
  if (auto err = stmts_->prune_minutes.run()) {
    return *err;
  }
  return deleted;
}

gw::expected<int64_t> state_store::event_count() {
  int64_t count = 0;
  auto err =
    for_each_row(stmts_->count_events, [&](const statement& row) { count = row.column_int64(0); });
  if (err) {
    return *err;
  }
  return count;
}

int state_store::schema_version() {
  auto version = persistence::schema_version(db_);
  return version ? *version : 0;
}

} // namespace gw::persistence
