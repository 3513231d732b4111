#define CAF_SUITE actors.quota_bucket

#include "actors/quota_bucket.hpp"

#include "actors/persistence.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/caf_dsl.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <vector>

using namespace gw;
using actors::attempt_report;
using actors::quota_record;
using actors::quota_view;
using actors::route_ticket;
using catalog::outcome_kind;

namespace {

// 2024-05-01 12:00:00 UTC: a plain weekday, far from any midnight of the zones used here.
constexpr int64_t t0 = 1'714'564'800'000;
constexpr int64_t second = 1000;
constexpr int64_t minute = 60 * second;

catalog::provider_spec limited(catalog::quota_limits limits,
                               catalog::rate_limit_scope scope = catalog::rate_limit_scope::model) {
  catalog::provider_spec p;
  p.name = "groq";
  p.base_url = "http://127.0.0.1:1/groq";
  p.api_key_env = "GROQ_API_KEY";
  p.api_key = "key";
  p.quota = limits;
  p.scope = scope;
  return p;
}

catalog::quota_limits rpm(int64_t n) {
  catalog::quota_limits l;
  l.requests_per_minute = n;
  return l;
}

catalog::quota_limits rpd(int64_t n) {
  catalog::quota_limits l;
  l.requests_per_day = n;
  return l;
}

/// A day limit too small for any lease headroom (catalog/grant_lease.hpp): each grant is
/// written on its own, which the tests of the write itself need.
catalog::quota_limits unleased_rpd() {
  return rpd(3);
}

catalog::quota_limits day_limits(int64_t requests, std::optional<int64_t> tokens) {
  catalog::quota_limits l;
  l.requests_per_day = requests;
  l.tokens_per_day = tokens;
  return l;
}

catalog::quota_limits tpd(int64_t n) {
  catalog::quota_limits l;
  l.tokens_per_day = n;
  return l;
}

attempt_report outcome(outcome_kind kind) {
  attempt_report r;
  r.kind = kind;
  r.status = kind == outcome_kind::rate_limited ? 429
             : kind == outcome_kind::auth_error ? 401
                                                : 200;
  return r;
}

struct fixture : test_coordinator_fixture<> {
  /// The bucket's wall clock: tests move it by hand. Shared so that actors still running while
  /// the fixture is torn down never read a destroyed member.
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(t0);
  std::shared_ptr<persistence::state_store> store;
  actors::persistence_actor persistence;
  actors::quota_bucket_actor bucket;

  actors::wall_clock wall() const {
    return [clock = now] {
      return *clock;
    };
  }

  void with_persistence(const std::string& path = ":memory:") {
    auto opened = persistence::state_store::open(path, 1000);
    CAF_REQUIRE(opened.has_value());
    store = std::shared_ptr<persistence::state_store>(std::move(*opened));
    actors::persistence_settings settings;
    settings.prune_interval = std::chrono::milliseconds{0};
    persistence = actors::spawn_persistence(sys, store, settings, /*detached=*/false);
    run();
  }

  void start(const catalog::provider_spec& spec, catalog::day_clock day = {},
             std::optional<quota_record> restored = std::nullopt) {
    bucket = sys.spawn(actors::quota_bucket, spec, std::move(day), persistence, std::move(restored),
                       wall(), metrics::provider_metrics{}, log::logger{});
    run();
  }

  route_ticket reserve(int64_t tokens = 0) {
    return request<route_ticket>(bucket, atom::reserve_v, tokens);
  }

  void reconcile(const attempt_report& report) {
    self->send(bucket, atom::reconcile_v, report);
    run();
  }

  quota_view view() {
    return request<quota_view>(bucket, caf::get_atom_v, atom::quota_v);
  }

  std::vector<quota_record> stored_quotas() {
    CAF_REQUIRE(store != nullptr);
    auto rows = store->load_quotas();
    CAF_REQUIRE(rows.has_value());
    return *rows;
  }

  /// The answer to a request sent earlier with self->request(), already in the mailbox.
  template <class Handle>
  route_ticket request_result(Handle& handle) {
    route_ticket out;
    handle.receive([&](route_ticket& t) { out = std::move(t); },
                   [&](caf::error& err) { CAF_FAIL("unexpected error: " << to_string(err)); });
    return out;
  }

  size_t replies_waiting() {
    return self->mailbox().size();
  }

  ~fixture() override {
    if (bucket) {
      caf::anon_send_exit(bucket, caf::exit_reason::user_shutdown);
    }
    if (persistence) {
      caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    }
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(quota_bucket_tests, fixture)

CAF_TEST(with rpm 2 the third request waits until the first leaves the sliding minute) {
  start(limited(rpm(2)));
  auto first = reserve(10);
  CAF_CHECK(first.granted);
  CAF_CHECK_NOT_EQUAL(first.reservation_id, 0u);
  CAF_CHECK_EQUAL(first.reserved_tokens, 10);
  *now = t0 + 1 * second;
  auto second_ticket = reserve(10);
  CAF_CHECK(second_ticket.granted);
  CAF_CHECK_NOT_EQUAL(second_ticket.reservation_id, first.reservation_id);
  *now = t0 + 2 * second;
  auto third = reserve(10);
  CAF_CHECK(!third.granted);
  CAF_CHECK_EQUAL(third.skip_reason, "rpm_limit");
  CAF_CHECK_EQUAL(third.retry_at_ms, t0 + minute);
  CAF_CHECK_EQUAL(third.reservation_id, 0u);
  // One millisecond early the first request is still inside the window.
  *now = t0 + minute - 1;
  CAF_CHECK_EQUAL(reserve(10).skip_reason, "rpm_limit");
  *now = t0 + minute;
  CAF_CHECK(reserve(10).granted);
  // Now the second (t0 + 1 s) and the fourth (t0 + 60 s) fill the window again.
  auto fifth = reserve(10);
  CAF_CHECK(!fifth.granted);
  CAF_CHECK_EQUAL(fifth.retry_at_ms, t0 + 1 * second + minute);
}

CAF_TEST(daily tokens are reserved up front and reconciled with the real usage) {
  start(limited(tpd(1000)));
  auto big = reserve(600);
  CAF_REQUIRE(big.granted);
  auto denied = reserve(500);
  CAF_CHECK(!denied.granted);
  CAF_CHECK_EQUAL(denied.skip_reason, "daily_token_limit");
  // Denied for the rest of the UTC day.
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + 12 * 60 * minute);
  // The call really used 200 tokens: 400 of the reservation come back.
  auto used = outcome(outcome_kind::success);
  used.reservation_id = big.reservation_id;
  used.reserved_tokens = big.reserved_tokens;
  used.prompt_tokens = 150;
  used.completion_tokens = 50;
  used.total_tokens = 200;
  reconcile(used);
  CAF_CHECK_EQUAL(view().record.tokens_today, 200);
  auto fits = reserve(500);
  CAF_REQUIRE(fits.granted);
  CAF_CHECK_EQUAL(view().record.tokens_today, 700);
  CAF_CHECK_EQUAL(view().record.requests_today, 2);
  CAF_CHECK_EQUAL(reserve(400).skip_reason, "daily_token_limit");
  // That call never reached the provider: its request and its 500 tokens are released.
  auto lost = outcome(outcome_kind::transport_error);
  lost.reached_provider = false;
  lost.reservation_id = fits.reservation_id;
  lost.reserved_tokens = fits.reserved_tokens;
  reconcile(lost);
  auto v = view();
  CAF_CHECK_EQUAL(v.record.tokens_today, 200);
  CAF_CHECK_EQUAL(v.record.requests_today, 1);
  CAF_CHECK(reserve(800).granted);
  CAF_CHECK_EQUAL(view().record.tokens_today, 1000);
  // Reconciling the same reservation twice changes nothing.
  reconcile(lost);
  CAF_CHECK_EQUAL(view().record.tokens_today, 1000);
}

CAF_TEST(a reconcile without usage keeps the estimate charged) {
  start(limited(tpd(1000)));
  auto t = reserve(600);
  CAF_REQUIRE(t.granted);
  auto unknown = outcome(outcome_kind::success);
  unknown.reservation_id = t.reservation_id;
  unknown.reserved_tokens = t.reserved_tokens;
  reconcile(unknown);
  CAF_CHECK_EQUAL(view().record.tokens_today, 600);
  CAF_CHECK_EQUAL(reserve(500).skip_reason, "daily_token_limit");
}

CAF_TEST(the day resets at midnight in los angeles and not at utc midnight) {
  auto la = catalog::day_clock::load("America/Los_Angeles");
  CAF_REQUIRE(la.has_value());
  // 2024-01-14 23:00 UTC is 15:00 PST on January 14.
  const int64_t start_ms = 1'705'273'200'000;
  const int64_t utc_midnight_plus = 1'705'278'600'000; // 2024-01-15 00:30 UTC, 16:30 PST
  const int64_t la_midnight = 1'705'305'600'000;       // 2024-01-15 08:00 UTC, 00:00 PST
  *now = start_ms;
  start(limited(rpd(1)), *la);
  CAF_REQUIRE(reserve().granted);
  CAF_CHECK_EQUAL(view().record.day, "2024-01-14");
  auto denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "daily_request_limit");
  CAF_CHECK_EQUAL(denied.retry_at_ms, la_midnight);
  *now = utc_midnight_plus;
  auto still = reserve();
  CAF_CHECK_EQUAL(still.skip_reason, "daily_request_limit");
  CAF_CHECK_EQUAL(still.retry_at_ms, la_midnight);
  auto v = view();
  CAF_CHECK_EQUAL(v.record.day, "2024-01-14");
  CAF_CHECK_EQUAL(v.record.requests_today, 1);
  CAF_CHECK(!v.available);
  *now = la_midnight - 1;
  CAF_CHECK(!reserve().granted);
  *now = la_midnight;
  v = view();
  CAF_CHECK_EQUAL(v.record.day, "2024-01-15");
  CAF_CHECK_EQUAL(v.record.requests_today, 0);
  CAF_CHECK(v.available);
  CAF_CHECK(reserve().granted);
  CAF_CHECK_EQUAL(view().record.requests_today, 1);
  CAF_CHECK_EQUAL(reserve().skip_reason, "daily_request_limit");
}

CAF_TEST(a provider scoped 429 cools the whole provider down until the hint) {
  start(limited(rpm(100), catalog::rate_limit_scope::provider));
  auto limited_report = outcome(outcome_kind::rate_limited);
  limited_report.cooldown_until_ms = t0 + 30 * second;
  reconcile(limited_report);
  auto denied = reserve();
  CAF_CHECK(!denied.granted);
  CAF_CHECK_EQUAL(denied.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + 30 * second);
  CAF_CHECK_EQUAL(view().record.cooldown_until_ms, t0 + 30 * second);
  *now = t0 + 30 * second - 1;
  CAF_CHECK_EQUAL(reserve().skip_reason, "cooldown");
  *now = t0 + 30 * second;
  CAF_CHECK(reserve().granted);
}

CAF_TEST(a provider scoped 429 without a hint cools down for the default minute) {
  start(limited(rpm(100), catalog::rate_limit_scope::provider));
  reconcile(outcome(outcome_kind::rate_limited));
  auto denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + actors::default_cooldown_ms);
}

CAF_TEST(a model scoped 429 leaves the provider usable) {
  start(limited(rpm(100), catalog::rate_limit_scope::model));
  auto limited_report = outcome(outcome_kind::rate_limited);
  limited_report.cooldown_until_ms = t0 + 30 * second;
  reconcile(limited_report);
  CAF_CHECK(reserve().granted);
  CAF_CHECK_EQUAL(view().record.cooldown_until_ms, 0);
}

CAF_TEST(a model scoped remaining counter at zero leaves the provider usable) {
  start(limited(rpm(100), catalog::rate_limit_scope::model));
  for (auto kind : {outcome_kind::success, outcome_kind::rate_limited}) {
    auto spent = outcome(kind);
    spent.remaining_exhausted = true;
    spent.cooldown_until_ms = t0 + 30 * second;
    reconcile(spent);
    CAF_CHECK(reserve().granted);
    CAF_CHECK_EQUAL(view().record.cooldown_until_ms, 0);
  }
}

CAF_TEST(a provider scoped remaining counter at zero cools down until the hint or for a minute) {
  start(limited(rpm(100), catalog::rate_limit_scope::provider));
  auto hinted = outcome(outcome_kind::success);
  hinted.remaining_exhausted = true;
  hinted.cooldown_until_ms = t0 + 7 * second;
  reconcile(hinted);
  auto denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + 7 * second);
  *now = t0 + 7 * second;
  CAF_CHECK(reserve().granted);
  // Without a hint (or with one in the past) the default cooldown applies.
  auto unhinted = outcome(outcome_kind::success);
  unhinted.remaining_exhausted = true;
  unhinted.cooldown_until_ms = t0;
  reconcile(unhinted);
  denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + 7 * second + actors::default_cooldown_ms);
}

CAF_TEST(a cooldown keeps the later end when a shorter one follows) {
  start(limited(rpm(100), catalog::rate_limit_scope::provider));
  auto longer = outcome(outcome_kind::rate_limited);
  longer.cooldown_until_ms = t0 + 50 * second;
  reconcile(longer);
  auto shorter = outcome(outcome_kind::rate_limited);
  shorter.cooldown_until_ms = t0 + 10 * second;
  reconcile(shorter);
  CAF_CHECK_EQUAL(reserve().retry_at_ms, t0 + 50 * second);
}

CAF_TEST(a failing key is skipped for the backoff then probed exactly once) {
  start(limited(rpm(100)));
  reconcile(outcome(outcome_kind::auth_error));
  auto denied = reserve();
  CAF_CHECK(!denied.granted);
  CAF_CHECK_EQUAL(denied.skip_reason, "auth_failed");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + actors::key_failure_backoff_ms);
  CAF_CHECK(view().record.key_failing);
  *now = t0 + actors::key_failure_backoff_ms - 1;
  CAF_CHECK_EQUAL(reserve().skip_reason, "auth_failed");
  *now = t0 + actors::key_failure_backoff_ms;
  const int64_t probe_at = *now;
  // Two requests arrive at once once the backoff is over: one probes the key, the other waits
  // for the probe's outcome.
  auto first = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{0});
  auto second_req = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{0});
  run();
  CAF_REQUIRE_EQUAL(replies_waiting(), 2u);
  auto probe = request_result(first);
  auto other = request_result(second_req);
  CAF_CHECK(probe.granted);
  CAF_CHECK(!other.granted);
  CAF_CHECK_EQUAL(other.skip_reason, "auth_failed");
  CAF_CHECK_EQUAL(other.retry_at_ms, probe_at + actors::key_failure_backoff_ms);
  // The probe is rejected again: another full backoff.
  *now = probe_at + second;
  auto again = outcome(outcome_kind::auth_error);
  again.reservation_id = probe.reservation_id;
  again.reserved_tokens = probe.reserved_tokens;
  reconcile(again);
  denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "auth_failed");
  CAF_CHECK_EQUAL(denied.retry_at_ms, probe_at + second + actors::key_failure_backoff_ms);
  // The next probe succeeds: the key is good again for everyone.
  *now = probe_at + second + actors::key_failure_backoff_ms;
  auto second_probe = reserve();
  CAF_REQUIRE(second_probe.granted);
  auto ok = outcome(outcome_kind::success);
  ok.reservation_id = second_probe.reservation_id;
  ok.reserved_tokens = second_probe.reserved_tokens;
  reconcile(ok);
  CAF_CHECK(!view().record.key_failing);
  CAF_CHECK(reserve().granted);
  CAF_CHECK(reserve().granted);
}

CAF_TEST(a limited grant is answered only after the persistence actor committed it) {
  with_persistence();
  start(limited(unleased_rpd()));
  auto pending = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{42});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{42}));
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  // Queued, not yet committed: still no answer and no row.
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  CAF_CHECK(stored_quotas().empty());
  // The group-commit tick writes the batch and answers the bucket.
  expect((atom::tick), from(persistence).to(persistence));
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].key, "groq");
  CAF_CHECK_EQUAL(rows[0].requests_today, 1);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 42);
  CAF_CHECK_EQUAL(rows[0].day, "2024-05-01");
  CAF_CHECK_EQUAL(rows[0].updated_ms, t0);
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  expect((bool), from(persistence).to(bucket).with(true));
  // Only now does the requester get its ticket.
  CAF_REQUIRE_EQUAL(replies_waiting(), 1u);
  auto ticket = request_result(pending);
  CAF_CHECK(ticket.granted);
  CAF_CHECK_EQUAL(ticket.reserved_tokens, 42);
  CAF_CHECK_NOT_EQUAL(ticket.reservation_id, 0u);
}

CAF_TEST(grants made while a grant write is in flight share the next write) {
  with_persistence();
  start(limited(unleased_rpd()));
  auto first = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{1});
  auto second = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{2});
  auto third = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{3});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{1}));
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  // The first write is in flight: the next two reservations wait instead of writing.
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{2}));
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{3}));
  expect((atom::tick), from(persistence).to(persistence));
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 1);
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_CHECK_EQUAL(replies_waiting(), 1u);
  CAF_CHECK(request_result(first).granted);
  // One write carries both waiting reservations; they are answered after its commit.
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  expect((atom::tick), from(persistence).to(persistence));
  rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 3);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 6);
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_CHECK_EQUAL(replies_waiting(), 2u);
  CAF_CHECK(request_result(second).granted);
  CAF_CHECK(request_result(third).granted);
  CAF_CHECK(!sched.has_job());
}

CAF_TEST(a limited bucket never grants a reservation its store could not commit) {
  gw::test::scratch_dir dir;
  auto path = dir.file("state.sqlite3");
  with_persistence(path);
  start(limited(rpd(3)));
  CAF_REQUIRE(reserve().granted);
  auto break_table = [&path](const char* sql) {
    auto db = persistence::database::open(path);
    CAF_REQUIRE(db.has_value());
    CAF_REQUIRE(!db->exec(sql).has_value());
  };
  // The store fails (as on a full disk): every write of the quota table fails from now on.
  break_table("ALTER TABLE quota_state RENAME TO quota_state_away");
  for (int i = 0; i < 3; ++i) {
    auto refused = reserve();
    CAF_CHECK(!refused.granted);
    CAF_CHECK_EQUAL(refused.skip_reason, "quota_not_persisted");
    CAF_CHECK_GREATER(refused.retry_at_ms, t0);
  }
  // Refused reservations are released: only the committed one counts.
  CAF_CHECK_EQUAL(view().record.requests_today, 1);
  // The store recovers: reservations are committed and granted again, exactly up to the limit.
  break_table("ALTER TABLE quota_state_away RENAME TO quota_state");
  CAF_CHECK(reserve().granted);
  CAF_CHECK(reserve().granted);
  CAF_CHECK_EQUAL(reserve().skip_reason, "daily_request_limit");
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 3);
}

CAF_TEST(a grant write left unanswered is refused at the timeout and its late answer ignored) {
  with_persistence();
  start(limited(unleased_rpd()));
  auto pending = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{5});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{5}));
  // The persistence actor does not get to run (a hung disk): the write stays unanswered.
  advance_time(actors::grant_write_timeout - std::chrono::seconds(1));
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  advance_time(std::chrono::seconds(1));
  expect((atom::persist, atom::tick), from(bucket).to(bucket));
  CAF_REQUIRE_EQUAL(replies_waiting(), 1u);
  auto refused = request_result(pending);
  CAF_CHECK(!refused.granted);
  CAF_CHECK_EQUAL(refused.skip_reason, "quota_not_persisted");
  // The next reservation starts a second write before the disk wakes up (no view() here: its
  // run() would let the persistence actor answer the first write now).
  auto next = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{7});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{7}));
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  expect((atom::tick), from(persistence).to(persistence));
  // The first write's late answer grants nothing: the second write is not its to settle.
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  // Only the second write's own answer grants the waiting reservation.
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_REQUIRE_EQUAL(replies_waiting(), 1u);
  CAF_CHECK(request_result(next).granted);
  // The refused reservation was released: only the granted one counts.
  CAF_CHECK_EQUAL(view().record.requests_today, 1);
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 1);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 7);
}

CAF_TEST(the grant write timeout counts from each write and not from the first one) {
  with_persistence();
  start(limited(unleased_rpd()));
  // A first write, answered at once, arms the watchdog for t + 30 s.
  auto first = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{1});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{1}));
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  expect((atom::tick), from(persistence).to(persistence));
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_CHECK(request_result(first).granted);
  // A second write starts 20 s later and hangs.
  advance_time(std::chrono::seconds(20));
  auto second = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{2});
  expect((atom::reserve, int64_t), from(self).to(bucket).with(atom::reserve_v, int64_t{2}));
  // At t + 30 s it has waited 10 s: the watchdog looks again at its own 30 s.
  advance_time(std::chrono::seconds(10));
  expect((atom::persist, atom::tick), from(bucket).to(bucket));
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  advance_time(std::chrono::seconds(19));
  CAF_CHECK_EQUAL(replies_waiting(), 0u);
  advance_time(std::chrono::seconds(1));
  expect((atom::persist, atom::tick), from(bucket).to(bucket));
  CAF_REQUIRE_EQUAL(replies_waiting(), 1u);
  CAF_CHECK_EQUAL(request_result(second).skip_reason, "quota_not_persisted");
}

CAF_TEST(a denied reservation writes nothing) {
  with_persistence();
  start(limited(rpd(1)));
  CAF_REQUIRE(reserve().granted);
  auto before = stored_quotas();
  CAF_REQUIRE_EQUAL(before.size(), 1u);
  *now = t0 + second;
  auto pending = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{0});
  expect((atom::reserve, int64_t), from(self).to(bucket));
  // Answered at once, without a round trip through the persistence actor.
  CAF_CHECK_EQUAL(replies_waiting(), 1u);
  run();
  CAF_CHECK_EQUAL(request_result(pending).skip_reason, "daily_request_limit");
  auto after = stored_quotas(); // a named copy: the element must outlive the check
  CAF_REQUIRE_EQUAL(after.size(), 1u);
  CAF_CHECK_EQUAL(after[0].updated_ms, t0);
}

CAF_TEST(cooldowns and failing keys are written at once) {
  with_persistence();
  start(limited(rpm(100), catalog::rate_limit_scope::provider));
  auto limited_report = outcome(outcome_kind::rate_limited);
  limited_report.cooldown_until_ms = t0 + 30 * second;
  self->send(bucket, atom::reconcile_v, limited_report);
  expect((atom::reconcile, attempt_report), from(self).to(bucket));
  // No deferred one-second timer: the persist request goes out with the reconcile.
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  run();
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].cooldown_until_ms, t0 + 30 * second);
  reconcile(outcome(outcome_kind::auth_error));
  rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK(rows[0].key_failing);
}

CAF_TEST(an unlimited bucket grants at once and writes its counters later) {
  with_persistence();
  start(limited(catalog::quota_limits{}));
  auto pending = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{5});
  expect((atom::reserve, int64_t), from(self).to(bucket));
  CAF_CHECK_EQUAL(replies_waiting(), 1u);
  CAF_CHECK(stored_quotas().empty());
  // run() fires the one-shot deferred write (1 s) and it does not re-arm itself.
  run();
  CAF_CHECK(request_result(pending).granted);
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 1);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 5);
  CAF_CHECK(!sched.has_pending_timeout());
}

CAF_TEST(flush writes the state at once and answers after the commit) {
  with_persistence();
  start(limited(catalog::quota_limits{}));
  auto granted = self->request(bucket, caf::infinite, atom::reserve_v, int64_t{5});
  expect((atom::reserve, int64_t), from(self).to(bucket));
  CAF_CHECK(request_result(granted).granted);
  auto flushed = self->request(bucket, caf::infinite, atom::flush_v);
  expect((atom::flush), from(self).to(bucket));
  expect((atom::persist, quota_record), from(bucket).to(persistence));
  expect((atom::tick), from(persistence).to(persistence));
  expect((bool), from(persistence).to(bucket).with(true));
  CAF_REQUIRE_EQUAL(replies_waiting(), 1u);
  bool ok = false;
  flushed.receive([&](bool x) { ok = x; },
                  [&](caf::error& err) { CAF_FAIL("unexpected error: " << to_string(err)); });
  CAF_CHECK(ok);
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 1);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 5);
}

CAF_TEST(flush without a persistence actor answers true) {
  start(limited(rpm(1)));
  CAF_CHECK(request<bool>(bucket, atom::flush_v));
}

CAF_TEST(get quota reports limits counters and availability) {
  catalog::quota_limits limits;
  limits.requests_per_minute = 2;
  limits.requests_per_day = 100;
  limits.tokens_per_day = 5000;
  start(limited(limits));
  auto empty = view();
  CAF_CHECK_EQUAL(empty.limit_rpm, 2);
  CAF_CHECK_EQUAL(empty.limit_rpd, 100);
  CAF_CHECK_EQUAL(empty.limit_tpm, -1);
  CAF_CHECK_EQUAL(empty.limit_tpd, 5000);
  CAF_CHECK(empty.available);
  CAF_CHECK_EQUAL(empty.unavailable_reason, "");
  CAF_CHECK_EQUAL(empty.record.key, "groq");
  CAF_CHECK_EQUAL(empty.requests_this_minute, 0);
  CAF_REQUIRE(reserve(100).granted);
  *now = t0 + 10 * second;
  CAF_REQUIRE(reserve(250).granted);
  auto full = view();
  CAF_CHECK_EQUAL(full.record.requests_today, 2);
  CAF_CHECK_EQUAL(full.record.tokens_today, 350);
  CAF_CHECK_EQUAL(full.requests_this_minute, 2);
  CAF_CHECK_EQUAL(full.tokens_this_minute, 350);
  CAF_CHECK_EQUAL(full.record.minute_times_ms, (std::vector<int64_t>{t0, t0 + 10 * second}));
  CAF_CHECK_EQUAL(full.record.minute_tokens, (std::vector<int64_t>{100, 250}));
  CAF_CHECK_EQUAL(full.record.updated_ms, t0 + 10 * second);
  CAF_CHECK(!full.available);
  CAF_CHECK_EQUAL(full.unavailable_reason, "rpm_limit");
  CAF_CHECK_EQUAL(full.retry_at_ms, t0 + minute);
  // Asking reserves nothing.
  *now = t0 + minute;
  auto later = view();
  CAF_CHECK(later.available);
  CAF_CHECK_EQUAL(later.requests_this_minute, 1);
  CAF_CHECK_EQUAL(later.record.requests_today, 2);
}

CAF_TEST(a thousand concurrent reservations against rpd 50 grant exactly 50) {
  with_persistence();
  start(limited(rpd(50)));
  using handle_t = decltype(self->request(bucket, caf::infinite, atom::reserve_v, int64_t{1}));
  std::vector<handle_t> pending;
  pending.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    pending.push_back(self->request(bucket, caf::infinite, atom::reserve_v, int64_t{1}));
  }
  run();
  CAF_REQUIRE_EQUAL(replies_waiting(), 1000u);
  size_t granted = 0;
  size_t denied_by_rpd = 0;
  std::vector<uint64_t> ids;
  for (auto& h : pending) {
    auto t = request_result(h);
    if (t.granted) {
      ++granted;
      ids.push_back(t.reservation_id);
    } else if (t.skip_reason == "daily_request_limit") {
      ++denied_by_rpd;
    }
  }
  CAF_CHECK_EQUAL(granted, 50u);
  CAF_CHECK_EQUAL(denied_by_rpd, 950u);
  std::sort(ids.begin(), ids.end());
  CAF_CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CAF_CHECK_EQUAL(view().record.requests_today, 50);
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 50);
}

/// What the requester below saw: grants answered and not released since.
struct live_grants {
  int64_t requests = 0;
  int64_t tokens = 0;
  int64_t answered = 0;
  std::vector<route_ticket> tickets;
};

/// Reserves on each `reserve` and releases its oldest grant on each `reconcile` (a call that
/// never reached the provider), counting what it holds.
caf::behavior requester(caf::event_based_actor* self, actors::quota_bucket_actor bucket,
                        std::shared_ptr<live_grants> live) {
  return {
    [=](atom::reserve, int64_t tokens) {
      self->request(bucket, caf::infinite, atom::reserve_v, tokens)
        .then([live](const route_ticket& t) {
          if (t.granted) {
            live->requests += 1;
            live->tokens += t.reserved_tokens;
            live->answered += 1;
            live->tickets.push_back(t);
          }
        });
    },
    [=](atom::reconcile) {
      if (live->tickets.empty()) {
        return;
      }
      auto t = live->tickets.front();
      live->tickets.erase(live->tickets.begin());
      live->requests -= 1;
      live->tokens -= t.reserved_tokens;
      attempt_report released = outcome(outcome_kind::transport_error);
      released.reservation_id = t.reservation_id;
      released.reserved_tokens = t.reserved_tokens;
      released.reached_provider = false;
      self->send(bucket, atom::reconcile_v, released);
    },
  };
}

CAF_TEST(a busy day limited bucket writes once per lease and its disk covers every grant) {
  with_persistence();
  start(limited(day_limits(1'000'000, 1'000'000'000)));
  auto live = std::make_shared<live_grants>();
  auto client = sys.spawn(requester, bucket, live);
  run();
  std::mt19937 rng{20261207};
  int64_t row_changes = 0;
  int64_t last_row = -1;
  // Reservations, releases and single scheduler steps in a random order: every interleaving
  // of grants with writes in flight, committed, and answered.
  for (int step = 0; step < 8000; ++step) {
    // Busy phases, where grants wait for writes, alternate with calm ones, where leases have
    // room left. Fewer messages than steps: the requester must keep up with the answers.
    auto dice = rng() % 32;
    unsigned reserve_share = (step / 1000) % 2 == 0 ? 8 : 1;
    if (dice < reserve_share) {
      self->send(client, atom::reserve_v, static_cast<int64_t>(1 + rng() % 200));
    } else if (dice == 8) {
      self->send(client, atom::reconcile_v);
    } else if (dice == 9) {
      // The deferred write of released reservations fires: it must not lower the disk.
      advance_time(actors::deferred_write_delay);
    } else if (sched.has_job()) {
      sched.run_once();
    }
    if (live->answered == 0) {
      continue;
    }
    auto rows = stored_quotas();
    CAF_REQUIRE_EQUAL(rows.size(), 1u);
    CAF_REQUIRE_GREATER_OR_EQUAL(rows[0].requests_today, live->requests);
    CAF_REQUIRE_GREATER_OR_EQUAL(rows[0].tokens_today, live->tokens);
    if (rows[0].requests_today != last_row) {
      last_row = rows[0].requests_today;
      ++row_changes;
    }
  }
  run();
  CAF_CHECK_GREATER(live->answered, 1000);
  // Leases grow to 64 requests while they run out at once: far fewer writes than grants.
  CAF_CHECK_LESS(row_changes * 10, live->answered);
  // A crash now: the restored counters hold at least every grant still running.
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(bucket, caf::exit_reason::user_shutdown);
  run();
  start(limited(day_limits(1'000'000, 1'000'000'000)), {}, rows[0]);
  auto restored = view().record;
  CAF_CHECK_GREATER_OR_EQUAL(restored.requests_today, live->requests);
  CAF_CHECK_GREATER_OR_EQUAL(restored.tokens_today, live->tokens);
  CAF_CHECK_LESS_OR_EQUAL(restored.requests_today, live->answered + 64);
}

CAF_TEST(a flush writes the exact counters without the lease headroom) {
  with_persistence();
  start(limited(day_limits(1'000'000, {})));
  for (int i = 0; i < 20; ++i) {
    CAF_REQUIRE(reserve(5).granted);
  }
  auto rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_GREATER(rows[0].requests_today, 20);
  CAF_CHECK(request<bool>(bucket, atom::flush_v));
  rows = stored_quotas();
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].requests_today, 20);
  CAF_CHECK_EQUAL(rows[0].tokens_today, 100);
  // Serving goes on: the next grant is written before it is answered again.
  CAF_CHECK(reserve(5).granted);
  rows = stored_quotas();
  CAF_CHECK_GREATER_OR_EQUAL(rows[0].requests_today, 21);
}

CAF_TEST_FIXTURE_SCOPE_END()
