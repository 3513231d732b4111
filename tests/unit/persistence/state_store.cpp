#define CAF_SUITE persistence.state_store

#include "persistence/state_store.hpp"

#include "persistence/schema.hpp"
#include "persistence/sqlite.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace gw;
using gw::persistence::state_store;

namespace {

std::unique_ptr<state_store> open_store(const std::string& path, int busy_timeout_ms = 5000) {
  auto store = state_store::open(path, busy_timeout_ms);
  if (!store) {
    CAF_FAIL("open failed: " << store.error().message);
  }
  return std::move(*store);
}

/// The first column of the first row of `sql`, via a separate raw connection.
std::string query_text(const std::string& path, const std::string& sql) {
  auto db = persistence::database::open(path);
  CAF_REQUIRE(db.has_value());
  auto stmt = persistence::statement::prepare(*db, sql);
  if (!stmt) {
    CAF_FAIL("prepare failed: " << stmt.error().message);
  }
  auto row = stmt->step();
  CAF_REQUIRE(row.has_value());
  CAF_REQUIRE(*row);
  return stmt->column_text(0);
}

/// The number of raw events, by value: CAF_CHECK_EQUAL binds its arguments to references,
/// and `*store->event_count()` would dangle into a destroyed temporary.
int64_t events_in(state_store& store) {
  auto count = store.event_count();
  CAF_REQUIRE(count.has_value());
  return *count;
}

persistence::quota_record quota(std::string key, int64_t requests) {
  persistence::quota_record q;
  q.key = std::move(key);
  q.day = "2024-05-01";
  q.requests_today = requests;
  q.tokens_today = requests * 100;
  q.minute_times_ms = {1000, 2000};
  q.minute_tokens = {30, 70};
  q.cooldown_until_ms = 123456;
  q.key_failing = true;
  q.updated_ms = 999;
  return q;
}

persistence::health_record health(std::string route_id, std::string status) {
  persistence::health_record h;
  h.route_id = std::move(route_id);
  h.provider_name = "groq";
  h.model_id = "llama-3.1-8b";
  h.status = std::move(status);
  h.reason = "429 from upstream";
  h.consecutive_failures = 3;
  h.rate_limited_until_ms = 5000;
  h.next_probe_at_ms = 6000;
  h.updated_ms = 4000;
  return h;
}

persistence::usage_event event(std::string route_id, std::string outcome, int status, int64_t at_ms,
                               int64_t prompt = 0, int64_t completion = 0) {
  persistence::usage_event e;
  e.route_id = std::move(route_id);
  e.provider_name = "groq";
  e.model_id = "llama";
  e.outcome = std::move(outcome);
  e.status_code = status;
  e.prompt_tokens = prompt;
  e.completion_tokens = completion;
  e.total_tokens = prompt + completion;
  e.latency_ms = 42;
  e.at_ms = at_ms;
  return e;
}

} // namespace

CAF_TEST(an in memory store opens migrated and empty) {
  auto store = open_store(":memory:");
  CAF_CHECK_EQUAL(store->schema_version(), persistence::latest_schema_version());
  CAF_CHECK_EQUAL(store->schema_version(), 4);
  CAF_CHECK(store->load_quotas()->empty());
  CAF_CHECK(store->load_health()->empty());
  CAF_CHECK(store->load_usage()->empty());
  CAF_CHECK_EQUAL(events_in(*store), 0);
}

CAF_TEST(a file store creates missing parent directories and uses wal) {
  test::scratch_dir dir;
  auto path = dir.file("nested/deeper/state.db");
  {
    auto store = open_store(path);
    CAF_CHECK(!store->write_batch({quota("groq", 1)}, {}, {}).has_value());
  }
  CAF_CHECK(std::filesystem::exists(path));
  CAF_CHECK_EQUAL(query_text(path, "PRAGMA journal_mode"), "wal");
}

CAF_TEST(reopening a file keeps its data and applies the schema only once) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  {
    auto store = open_store(path);
    CAF_CHECK(!store->write_batch({quota("groq", 7)}, {health("r1", "active")}, {}).has_value());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = open_store(path);
    CAF_CHECK_EQUAL(store->schema_version(), 4);
    auto quotas = store->load_quotas();
    CAF_REQUIRE(quotas.has_value());
    CAF_REQUIRE_EQUAL(quotas->size(), 1u);
    CAF_CHECK_EQUAL(quotas->front().requests_today, 7);
    CAF_CHECK_EQUAL(store->load_health()->size(), 1u);
  }
  CAF_CHECK_EQUAL(query_text(path, "SELECT COUNT(*) FROM schema_version"), "4");
  // Migration 4 dropped the index that every logged request paid for.
  CAF_CHECK_EQUAL(
    query_text(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_at_ms'"), "0");
}

CAF_TEST(a database from a newer binary is refused) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  open_store(path);
  {
    auto db = persistence::database::open(path);
    CAF_REQUIRE(db.has_value());
    CAF_REQUIRE(!db->exec("INSERT INTO schema_version (version) VALUES (99)").has_value());
  }
  auto store = state_store::open(path, 1000);
  CAF_REQUIRE(!store.has_value());
  CAF_CHECK(store.error().code == errc::storage_error);
  CAF_CHECK(store.error().message.find("99") != std::string::npos);
}

CAF_TEST(a file that is not a database is refused with one message naming it once) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 8192; ++i) {
      out.put(static_cast<char>((i * 7919 + 13) & 0xff)); // bytes that are no SQLite header
    }
  }
  auto store = state_store::open(path, 1000);
  CAF_REQUIRE(!store.has_value());
  const auto& message = store.error().message;
  CAF_CHECK_EQUAL(message.rfind(path + ": ", 0), 0u);
  CAF_CHECK_EQUAL(message.find(path, 1), std::string::npos);
  CAF_CHECK(message.find("not a database") != std::string::npos);
  CAF_CHECK(message.find('\n') == std::string::npos);
}

CAF_TEST(quota and health records round trip and upserts replace them) {
  auto store = open_store(":memory:");
  auto empty_window = quota("gemini", 0);
  empty_window.minute_times_ms.clear();
  empty_window.minute_tokens.clear();
  empty_window.key_failing = false;
  CAF_REQUIRE(!store
                 ->write_batch({quota("groq", 1), empty_window},
                               {health("r1", "active"), health("r2", "rate_limited")}, {})
                 .has_value());
  auto replaced = quota("groq", 2);
  replaced.minute_times_ms = {3000};
  replaced.minute_tokens = {5};
  auto recovering = health("r2", "active");
  recovering.consecutive_failures = 0;
  recovering.reason = "";
  CAF_REQUIRE(!store->write_batch({replaced}, {recovering}, {}).has_value());

  auto quotas = store->load_quotas();
  CAF_REQUIRE(quotas.has_value());
  CAF_REQUIRE_EQUAL(quotas->size(), 2u);
  // Ordered by key.
  const auto& gemini = (*quotas)[0];
  CAF_CHECK_EQUAL(gemini.key, "gemini");
  CAF_CHECK_EQUAL(gemini.day, "2024-05-01");
  CAF_CHECK(gemini.minute_times_ms.empty());
  CAF_CHECK(gemini.minute_tokens.empty());
  CAF_CHECK_EQUAL(gemini.key_failing, false);
  const auto& groq = (*quotas)[1];
  CAF_CHECK_EQUAL(groq.key, "groq");
  CAF_CHECK_EQUAL(groq.requests_today, 2);
  CAF_CHECK_EQUAL(groq.tokens_today, 200);
  CAF_CHECK_EQUAL(groq.minute_times_ms, std::vector<int64_t>{3000});
  CAF_CHECK_EQUAL(groq.minute_tokens, std::vector<int64_t>{5});
  CAF_CHECK_EQUAL(groq.cooldown_until_ms, 123456);
  CAF_CHECK_EQUAL(groq.key_failing, true);
  CAF_CHECK_EQUAL(groq.updated_ms, 999);

  auto rows = store->load_health();
  CAF_REQUIRE(rows.has_value());
  CAF_REQUIRE_EQUAL(rows->size(), 2u);
  const auto& r1 = (*rows)[0];
  CAF_CHECK_EQUAL(r1.route_id, "r1");
  CAF_CHECK_EQUAL(r1.provider_name, "groq");
  CAF_CHECK_EQUAL(r1.model_id, "llama-3.1-8b");
  CAF_CHECK_EQUAL(r1.status, "active");
  CAF_CHECK_EQUAL(r1.reason, "429 from upstream");
  CAF_CHECK_EQUAL(r1.consecutive_failures, 3);
  CAF_CHECK_EQUAL(r1.rate_limited_until_ms, 5000);
  CAF_CHECK_EQUAL(r1.next_probe_at_ms, 6000);
  CAF_CHECK_EQUAL(r1.updated_ms, 4000);
  const auto& r2 = (*rows)[1];
  CAF_CHECK_EQUAL(r2.route_id, "r2");
  CAF_CHECK_EQUAL(r2.status, "active");
  CAF_CHECK_EQUAL(r2.reason, "");
  CAF_CHECK_EQUAL(r2.consecutive_failures, 0);
}

CAF_TEST(aggregates count a mix of events and follow the newest status) {
  auto store = open_store(":memory:");
  CAF_REQUIRE(
    !store
       ->write_batch({}, {},
                     {event("a", "success", 200, 1000, 10, 20),
                      event("a", "rate_limited", 429, 1100), event("a", "timeout", 0, 1200)})
       .has_value());
  CAF_REQUIRE(
    !store
       ->write_batch({}, {},
                     {event("a", "model_not_found", 404, 1300),
                      event("a", "success", 200, 1400, 1, 2), event("a", "provider_5xx", 502, 1350),
                      event("b", "model_not_found", 404, 900)})
       .has_value());
  auto usage = store->load_usage();
  CAF_REQUIRE(usage.has_value());
  CAF_REQUIRE_EQUAL(usage->size(), 2u);
  const auto& a = (*usage)[0];
  CAF_CHECK_EQUAL(a.route_id, "a");
  CAF_CHECK_EQUAL(a.total_events, 6);
  CAF_CHECK_EQUAL(a.successes, 2);
  CAF_CHECK_EQUAL(a.failures, 4);
  CAF_CHECK_EQUAL(a.rate_limits, 1);
  CAF_CHECK_EQUAL(a.timeouts, 1);
  CAF_CHECK_EQUAL(a.not_found, 1);
  CAF_CHECK_EQUAL(a.prompt_tokens, 11);
  CAF_CHECK_EQUAL(a.completion_tokens, 22);
  CAF_CHECK_EQUAL(a.total_tokens, 33);
  CAF_CHECK_EQUAL(a.last_used_at_ms, 1400);
  // 404 then 200: the newest event (by time) wins, the late 502 at 1350 does not.
  CAF_CHECK_EQUAL(a.last_status_code, 200);
  const auto& b = (*usage)[1];
  CAF_CHECK_EQUAL(b.route_id, "b");
  CAF_CHECK_EQUAL(b.total_events, 1);
  CAF_CHECK_EQUAL(b.not_found, 1);
  CAF_CHECK_EQUAL(b.last_status_code, 404);

  auto providers = store->load_provider_usage();
  CAF_REQUIRE(providers.has_value());
  CAF_REQUIRE_EQUAL(providers->size(), 1u);
  CAF_CHECK_EQUAL(providers->front().provider_name, "groq");
  CAF_CHECK_EQUAL(providers->front().requests, 7);
  CAF_CHECK_EQUAL(providers->front().successes, 2);
  CAF_CHECK_EQUAL(providers->front().failures, 5);
  CAF_CHECK_EQUAL(providers->front().total_tokens, 33);
  CAF_CHECK_EQUAL(providers->front().last_used_at_ms, 1400);
  CAF_CHECK_EQUAL(events_in(*store), 7);
}

CAF_TEST(pruning deletes the oldest rows up to the first young one) {
  auto store = open_store(":memory:");
  // The third row was logged out of order (a clock stepped back): older than the cutoff but
  // behind a young row, it stays until that row is old too.
  CAF_REQUIRE(!store
                 ->write_batch({}, {},
                               {event("a", "success", 200, 100), event("a", "success", 200, 350),
                                event("a", "success", 200, 50), event("a", "success", 200, 360)})
                 .has_value());
  auto deleted = store->prune_events(300);
  CAF_REQUIRE(deleted.has_value());
  CAF_CHECK_EQUAL(*deleted, 1);
  CAF_CHECK_EQUAL(events_in(*store), 3);
  deleted = store->prune_events(355);
  CAF_REQUIRE(deleted.has_value());
  CAF_CHECK_EQUAL(*deleted, 2);
  CAF_CHECK_EQUAL(events_in(*store), 1);
  // Every row old: the table empties.
  deleted = store->prune_events(1000);
  CAF_REQUIRE(deleted.has_value());
  CAF_CHECK_EQUAL(*deleted, 1);
  CAF_CHECK_EQUAL(events_in(*store), 0);
}

CAF_TEST(pruning deletes only old events and keeps the aggregates) {
  auto store = open_store(":memory:");
  CAF_REQUIRE(
    !store
       ->write_batch({}, {},
                     {event("a", "success", 200, 100, 1, 1), event("a", "success", 200, 200, 1, 1),
                      event("a", "timeout", 0, 300), event("a", "success", 200, 400)})
       .has_value());
  auto deleted = store->prune_events(300);
  CAF_REQUIRE(deleted.has_value());
  CAF_CHECK_EQUAL(*deleted, 2);
  CAF_CHECK_EQUAL(events_in(*store), 2);
  auto again = store->prune_events(300);
  CAF_REQUIRE(again.has_value());
  CAF_CHECK_EQUAL(*again, 0);
  auto usage = store->load_usage();
  CAF_REQUIRE(usage.has_value());
  CAF_REQUIRE_EQUAL(usage->size(), 1u);
  CAF_CHECK_EQUAL(usage->front().total_events, 4);
  CAF_CHECK_EQUAL(usage->front().successes, 3);
  CAF_CHECK_EQUAL(usage->front().total_tokens, 4);
}

CAF_TEST(a second connection sees what the first committed) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  auto writer = open_store(path);
  auto reader = open_store(path);
  CAF_CHECK(reader->load_quotas()->empty());
  CAF_REQUIRE(
    !writer->write_batch({quota("groq", 5)}, {}, {event("a", "success", 200, 1)}).has_value());
  auto quotas = reader->load_quotas();
  CAF_REQUIRE(quotas.has_value());
  CAF_REQUIRE_EQUAL(quotas->size(), 1u);
  CAF_CHECK_EQUAL(quotas->front().requests_today, 5);
  CAF_CHECK_EQUAL(reader->load_usage()->size(), 1u);
}

CAF_TEST(a failed batch writes nothing and the store keeps working) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  auto store = open_store(path, 0);
  auto blocker = persistence::database::open(path);
  CAF_REQUIRE(blocker.has_value());
  CAF_REQUIRE(!blocker->exec("BEGIN IMMEDIATE").has_value());
  auto err = store->write_batch({quota("groq", 1)}, {}, {event("a", "success", 200, 1)});
  CAF_REQUIRE(err.has_value());
  CAF_CHECK(err->code == errc::storage_error);
  CAF_REQUIRE(!blocker->exec("ROLLBACK").has_value());
  CAF_CHECK(store->load_quotas()->empty());
  CAF_CHECK_EQUAL(events_in(*store), 0);
  CAF_CHECK(!store->write_batch({quota("groq", 2)}, {}, {}).has_value());
  auto quotas = store->load_quotas();
  CAF_REQUIRE(quotas.has_value());
  CAF_REQUIRE_EQUAL(quotas->size(), 1u);
  CAF_CHECK_EQUAL(quotas->front().requests_today, 2);
}

CAF_TEST(every event of a large batch is logged once in order with all its columns) {
  // 70 events: two multi-row blocks of 32, then six single-row inserts.
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  auto store = open_store(path);
  std::vector<persistence::usage_event> events;
  std::string expected;
  for (int i = 0; i < 70; ++i) {
    auto e = event("r" + std::to_string(i), i % 2 == 0 ? "success" : "timeout", 200 + i, 5000 + i,
                   i, 2 * i);
    e.provider_name = "p" + std::to_string(i % 3);
    e.model_id = "m" + std::to_string(i);
    e.latency_ms = 1000 + i;
    expected += (i == 0 ? "" : ";") + std::to_string(e.at_ms) + ":" + e.route_id + ":"
                + e.provider_name + ":" + e.model_id + ":" + e.outcome + ":"
                + std::to_string(e.status_code) + ":" + std::to_string(e.prompt_tokens) + ":"
                + std::to_string(e.completion_tokens) + ":" + std::to_string(e.total_tokens) + ":"
                + std::to_string(e.latency_ms);
    events.push_back(std::move(e));
  }
  CAF_REQUIRE(!store->write_batch({}, {}, events).has_value());
  CAF_CHECK_EQUAL(
    query_text(path, "SELECT MIN(id) || ',' || MAX(id) || ',' || COUNT(*) FROM events"), "1,70,70");
  CAF_CHECK_EQUAL(
    query_text(path,
               "SELECT group_concat(at_ms || ':' || route_id || ':' || provider_name || ':'"
               " || model_id || ':' || outcome || ':' || status_code || ':' || prompt_tokens"
               " || ':' || completion_tokens || ':' || total_tokens || ':' || latency_ms, ';')"
               " FROM (SELECT * FROM events ORDER BY id)"),
    expected);
}

CAF_TEST(ten thousand events in batches of five hundred are written quickly) {
  test::scratch_dir dir;
  auto store = open_store(dir.file("state.db"));
  auto started = std::chrono::steady_clock::now();
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<persistence::usage_event> events;
    for (int i = 0; i < 500; ++i) {
      auto at = int64_t{batch} * 500 + i;
      events.push_back(event("route-" + std::to_string(i % 10), i % 5 == 0 ? "timeout" : "success",
                             200, at, 1, 2));
    }
    CAF_REQUIRE(!store->write_batch({}, {}, events).has_value());
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  CAF_MESSAGE("10000 events took "
              << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  // Measured around 100 ms in Debug; the bound only catches a per-row commit or a scan.
  CAF_CHECK(elapsed < std::chrono::seconds(5));
  CAF_CHECK_EQUAL(events_in(*store), 10000);
  auto usage = store->load_usage();
  CAF_REQUIRE(usage.has_value());
  CAF_REQUIRE_EQUAL(usage->size(), 10u);
  int64_t total = 0;
  int64_t timeouts = 0;
  for (const auto& row : *usage) {
    total += row.total_events;
    timeouts += row.timeouts;
  }
  CAF_CHECK_EQUAL(total, 10000);
  CAF_CHECK_EQUAL(timeouts, 2000);
}
