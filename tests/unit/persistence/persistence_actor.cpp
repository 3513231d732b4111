#define CAF_SUITE persistence.actor

#include "actors/persistence.hpp"
#include "persistence/sqlite.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/caf_dsl.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <optional>

using namespace gw;
using gw::persistence::state_store;

namespace {

std::shared_ptr<state_store> open_store(const std::string& path, int busy_timeout_ms = 5000) {
  auto store = state_store::open(path, busy_timeout_ms);
  if (!store) {
    CAF_FAIL("open failed: " << store.error().message);
  }
  return std::shared_ptr<state_store>(std::move(*store));
}

/// The number of raw events, by value: CAF_CHECK_EQUAL binds its arguments to references,
/// and `*store->event_count()` would dangle into a destroyed temporary.
int64_t events_in(state_store& store) {
  auto count = store.event_count();
  CAF_REQUIRE(count.has_value());
  return *count;
}

actors::quota_record quota(std::string key, int64_t requests) {
  actors::quota_record q;
  q.key = std::move(key);
  q.day = "2024-05-01";
  q.requests_today = requests;
  q.tokens_today = requests * 10;
  q.minute_times_ms = {requests};
  q.minute_tokens = {requests * 10};
  q.updated_ms = requests;
  return q;
}

actors::health_record health(std::string route_id, std::string status) {
  actors::health_record h;
  h.route_id = std::move(route_id);
  h.provider_name = "groq";
  h.model_id = "llama";
  h.status = std::move(status);
  return h;
}

actors::usage_event event(std::string route_id, std::string outcome, int status, int64_t at_ms,
                          int64_t tokens = 0) {
  actors::usage_event e;
  e.route_id = std::move(route_id);
  e.provider_name = "groq";
  e.model_id = "llama";
  e.outcome = std::move(outcome);
  e.status_code = status;
  e.total_tokens = tokens;
  e.at_ms = at_ms;
  return e;
}

/// Asks the persistence actor to store one quota record and, at the moment the reply
/// arrives, looks for the row through its own connection.
struct client_state {
  std::optional<bool> reply;
  bool row_visible_at_reply = false;
};

caf::behavior client(caf::stateful_actor<client_state>* self, actors::persistence_actor store,
                     actors::quota_record rec, std::shared_ptr<state_store> reader) {
  auto expected_requests = rec.requests_today;
  self->request(store, caf::infinite, atom::persist_v, std::move(rec))
    .then(
      [=](bool ok) {
        self->state.reply = ok;
        auto rows = reader->load_quotas();
        self->state.row_visible_at_reply =
          rows && rows->size() == 1 && rows->front().requests_today == expected_requests;
      },
      [=](caf::error&) { self->state.reply = false; });
  return {[](caf::ok_atom) {
  }};
}

struct fixture : test_coordinator_fixture<> {
  test::scratch_dir dir;
  std::string path = dir.file("state.db");
  std::shared_ptr<state_store> store = open_store(path);
  actors::persistence_actor actor;

  void start(actors::persistence_settings settings = quiet()) {
    actor = actors::spawn_persistence(sys, store, settings, false);
    sched.run();
  }

  /// A zero interval keeps the prune timer off: run() would chase it forever.
  static actors::persistence_settings quiet() {
    actors::persistence_settings settings;
    settings.prune_interval = std::chrono::milliseconds{0};
    return settings;
  }

  ~fixture() override {
    if (actor) {
      self->send_exit(actor, caf::exit_reason::user_shutdown);
      run();
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(persistence_actor_tests, fixture)

CAF_TEST(a quota reply arrives only after its transaction committed) {
  start();
  auto reader = open_store(path);
  self->send(actor, atom::persist_v, quota("groq", 3));
  expect((atom::persist, actors::quota_record), from(self).to(actor).with(_, _));
  // Queued, not yet written, not yet answered.
  CAF_CHECK(reader->load_quotas()->empty());
  CAF_CHECK(!received<bool>(self));
  expect((atom::tick), from(actor).to(actor));
  CAF_REQUIRE_EQUAL(reader->load_quotas()->size(), 1u);
  expect((bool), from(actor).to(self).with(true));
}

CAF_TEST(a client that sees the reply also sees the row from another connection) {
  start();
  auto reader = open_store(path);
  auto probe = sys.spawn(client, actor, quota("gemini", 9), reader);
  run();
  auto& st = deref<caf::stateful_actor<client_state>>(probe).state;
  CAF_REQUIRE(st.reply.has_value());
  CAF_CHECK_EQUAL(*st.reply, true);
  CAF_CHECK(st.row_visible_at_reply);
  self->send_exit(probe, caf::exit_reason::user_shutdown);
  run();
}

CAF_TEST(records of one key queued in one drain become one row with the last values) {
  start();
  self->send(actor, atom::persist_v, quota("groq", 1));
  self->send(actor, atom::persist_v, quota("groq", 2));
  self->send(actor, atom::persist_v, quota("groq", 3));
  self->send(actor, atom::persist_v, health("r1", "rate_limited"));
  self->send(actor, atom::persist_v, health("r1", "active"));
  expect((atom::persist, actors::quota_record), from(self).to(actor).with(_, _));
  expect((atom::persist, actors::quota_record), from(self).to(actor).with(_, _));
  expect((atom::persist, actors::quota_record), from(self).to(actor).with(_, _));
  expect((atom::persist, actors::health_record), from(self).to(actor).with(_, _));
  expect((atom::persist, actors::health_record), from(self).to(actor).with(_, _));
  // One tick for the whole drain: one transaction.
  expect((atom::tick), from(actor).to(actor));
  CAF_CHECK(!sched.has_job());
  for (int i = 0; i < 3; ++i) {
    expect((bool), from(actor).to(self).with(true));
  }
  auto quotas = store->load_quotas();
  CAF_REQUIRE(quotas.has_value());
  CAF_REQUIRE_EQUAL(quotas->size(), 1u);
  CAF_CHECK_EQUAL(quotas->front().requests_today, 3);
  CAF_CHECK_EQUAL(quotas->front().tokens_today, 30);
  CAF_CHECK_EQUAL(quotas->front().minute_times_ms, std::vector<int64_t>{3});
  auto rows = store->load_health();
  CAF_REQUIRE(rows.has_value());
  CAF_REQUIRE_EQUAL(rows->size(), 1u);
  CAF_CHECK_EQUAL(rows->front().status, "active");
}

CAF_TEST(usage is answered from memory before the events reach the database) {
  // Usage written by an earlier run is loaded at start.
  CAF_REQUIRE(!store->write_batch({}, {}, {event("a", "success", 200, 100, 5)}).has_value());
  start();
  self->send(actor, atom::persist_v, event("a", "model_not_found", 404, 200));
  self->send(actor, atom::persist_v, event("a", "success", 200, 300, 7));
  self->send(actor, atom::persist_v, event("b", "rate_limited", 429, 250));
  self->send(actor, caf::get_atom_v, atom::usage_v);
  for (int i = 0; i < 3; ++i) {
    expect((atom::persist, actors::usage_event), from(self).to(actor).with(_, _));
  }
  expect((caf::get_atom, atom::usage), from(self).to(actor).with(_, _));
  // The tick has not run: SQLite still has only the old event.
  auto before_commit = store->load_usage();
  CAF_REQUIRE(before_commit.has_value() && before_commit->size() == 1);
  CAF_CHECK_EQUAL(before_commit->front().total_events, 1);
  auto table = std::get<0>(extract<actors::usage_table>(self));
  CAF_REQUIRE_EQUAL(table.size(), 2u);
  CAF_CHECK_EQUAL(table[0].route_id, "a");
  CAF_CHECK_EQUAL(table[0].total_events, 3);
  CAF_CHECK_EQUAL(table[0].successes, 2);
  CAF_CHECK_EQUAL(table[0].not_found, 1);
  CAF_CHECK_EQUAL(table[0].total_tokens, 12);
  CAF_CHECK_EQUAL(table[0].last_status_code, 200);
  CAF_CHECK_EQUAL(table[1].route_id, "b");
  CAF_CHECK_EQUAL(table[1].rate_limits, 1);
  run();
  // After the commit the database agrees with the in-memory copy.
  auto stored = store->load_usage();
  CAF_REQUIRE(stored.has_value());
  CAF_REQUIRE_EQUAL(stored->size(), 2u);
  CAF_CHECK_EQUAL((*stored)[0].total_events, 3);
  CAF_CHECK_EQUAL((*stored)[0].last_status_code, 200);
  CAF_CHECK_EQUAL((*stored)[1].rate_limits, 1);
  CAF_CHECK_EQUAL(events_in(*store), 4);
}

CAF_TEST(flush commits at once and replies true) {
  start();
  self->send(actor, atom::persist_v, health("r1", "too_slow"));
  self->send(actor, atom::flush_v);
  expect((atom::persist, actors::health_record), from(self).to(actor).with(_, _));
  // flush was queued before the group-commit tick, so it is the one that writes.
  expect((atom::flush), from(self).to(actor));
  auto rows = store->load_health();
  CAF_REQUIRE(rows.has_value());
  CAF_REQUIRE_EQUAL(rows->size(), 1u);
  CAF_CHECK_EQUAL(rows->front().status, "too_slow");
  expect((bool), from(actor).to(self).with(true));
  expect((atom::tick), from(actor).to(actor));
  CAF_CHECK_EQUAL(request<bool>(actor, atom::flush_v), true);
}

CAF_TEST(a full batch is committed without waiting for the tick) {
  auto settings = quiet();
  settings.max_batch = 2;
  start(settings);
  self->send(actor, atom::persist_v, event("a", "success", 200, 1));
  self->send(actor, atom::persist_v, event("a", "success", 200, 2));
  expect((atom::persist, actors::usage_event), from(self).to(actor).with(_, _));
  CAF_CHECK_EQUAL(events_in(*store), 0);
  expect((atom::persist, actors::usage_event), from(self).to(actor).with(_, _));
  CAF_CHECK_EQUAL(events_in(*store), 2);
  run();
  CAF_CHECK_EQUAL(events_in(*store), 2);
}

CAF_TEST(a failed write answers false and the next batch still succeeds) {
  store = open_store(path, 0);
  start();
  auto blocker = persistence::database::open(path);
  CAF_REQUIRE(blocker.has_value());
  CAF_REQUIRE(!blocker->exec("BEGIN IMMEDIATE").has_value());
  self->send(actor, atom::persist_v, quota("groq", 1));
  expect((atom::persist, actors::quota_record), from(self).to(actor).with(_, _));
  expect((atom::tick), from(actor).to(actor));
  expect((bool), from(actor).to(self).with(false));
  CAF_REQUIRE(!blocker->exec("ROLLBACK").has_value());
  self->send(actor, atom::persist_v, quota("groq", 2));
  run();
  expect((bool), from(actor).to(self).with(true));
  auto quotas = store->load_quotas();
  CAF_REQUIRE(quotas.has_value());
  CAF_REQUIRE_EQUAL(quotas->size(), 1u);
  CAF_CHECK_EQUAL(quotas->front().requests_today, 2);
}

CAF_TEST(pending writes are committed when the actor terminates) {
  start();
  self->send(actor, atom::persist_v, health("r9", "potentially_outdated"));
  expect((atom::persist, actors::health_record), from(self).to(actor).with(_, _));
  CAF_CHECK(store->load_health()->empty());
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  run();
  auto rows = store->load_health();
  CAF_REQUIRE(rows.has_value());
  CAF_REQUIRE_EQUAL(rows->size(), 1u);
  CAF_CHECK_EQUAL(rows->front().route_id, "r9");
  actor = nullptr;
}

CAF_TEST(old events are pruned at start and on every timer tick) {
  using namespace std::chrono;
  auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  int64_t day = 86'400'000;
  CAF_REQUIRE(!store->write_batch({}, {}, {event("a", "success", 200, now - 8 * day)}).has_value());
  actors::persistence_settings settings;
  settings.event_retention_days = 7;
  settings.prune_interval = hours(1);
  start(settings);
  CAF_CHECK_EQUAL(events_in(*store), 0);
  CAF_REQUIRE(sched.has_pending_timeout());
  CAF_REQUIRE(!store
                 ->write_batch({}, {},
                               {event("a", "timeout", 0, now - 30 * day),
                                event("a", "success", 200, now - 6 * day)})
                 .has_value());
  CAF_CHECK_EQUAL(events_in(*store), 2);
  // Drive the timer by hand: run() would fire the re-armed timer forever.
  advance_time(hours(1));
  expect((atom::tick), from(actor).to(actor));
  CAF_CHECK_EQUAL(events_in(*store), 1);
  CAF_CHECK(sched.has_pending_timeout());
  // The aggregates keep every event, pruned or not (the last two were written behind the
  // actor's back, so only the database knows them).
  auto usage = store->load_usage();
  CAF_REQUIRE(usage.has_value());
  CAF_REQUIRE_EQUAL(usage->size(), 1u);
  CAF_CHECK_EQUAL(usage->front().total_events, 3);
}

CAF_TEST_FIXTURE_SCOPE_END()
