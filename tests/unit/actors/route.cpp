#define CAF_SUITE actors.route

#include "actors/route.hpp"

#include "actors/persistence.hpp"
#include "actors/quota_bucket.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/caf_dsl.hpp"

#include <memory>
#include <optional>

using namespace gw;
using actors::attempt_report;
using actors::attempt_request;
using actors::health_record;
using actors::route_ticket;
using catalog::outcome_kind;

namespace {

// 2024-05-01 12:00:00 UTC.
constexpr int64_t t0 = 1'714'564'800'000;
constexpr int64_t second = 1000;
constexpr int64_t minute = 60 * second;

catalog::provider_spec provider(std::string key = "key") {
  catalog::provider_spec p;
  p.name = "groq";
  p.base_url = "http://127.0.0.1:1/groq";
  p.api_key_env = "GROQ_API_KEY";
  p.api_key = std::move(key);
  return p;
}

catalog::route make_route(std::string id = "groq/llama-3.1-8b") {
  catalog::route r;
  r.route_id = std::move(id);
  r.provider_name = "groq";
  r.model_id = "llama-3.1-8b";
  r.display_name = r.model_id;
  r.rank = 1;
  r.context_window = 8000;
  return r;
}

attempt_request ask(int64_t prompt_tokens = 10, bool probe_allowed = true) {
  attempt_request r;
  r.prompt_tokens = prompt_tokens;
  r.total_tokens = prompt_tokens + 100;
  r.probe_allowed = probe_allowed;
  return r;
}

attempt_report outcome(outcome_kind kind, int status) {
  attempt_report r;
  r.kind = kind;
  r.status = status;
  return r;
}

/// The report of a granted ticket: carries its reservation and probe flag back.
attempt_report outcome_of(const route_ticket& ticket, outcome_kind kind, int status) {
  auto r = outcome(kind, status);
  r.probe = ticket.probe;
  r.reservation_id = ticket.reservation_id;
  r.reserved_tokens = ticket.reserved_tokens;
  return r;
}

struct fixture : test_coordinator_fixture<> {
  /// The actors' wall clock, moved by hand (shared: actors may outlive the fixture's members).
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(t0);
  std::shared_ptr<persistence::state_store> store;
  actors::persistence_actor persistence;
  actors::quota_bucket_actor bucket;
  actors::route_actor route;

  actors::wall_clock wall() const {
    return [clock = now] {
      return *clock;
    };
  }

  void with_persistence() {
    auto opened = persistence::state_store::open(":memory:", 1000);
    CAF_REQUIRE(opened.has_value());
    store = std::shared_ptr<persistence::state_store>(std::move(*opened));
    actors::persistence_settings settings;
    settings.prune_interval = std::chrono::milliseconds{0};
    persistence = actors::spawn_persistence(sys, store, settings, /*detached=*/false);
    run();
  }

  void with_bucket(const catalog::provider_spec& spec) {
    bucket = sys.spawn(actors::quota_bucket, spec, catalog::day_clock{}, persistence,
                       std::optional<actors::quota_record>{}, wall(), metrics::provider_metrics{},
                       log::logger{});
    run();
  }

  /// Spawns the route under test; `spec` null = a provider the gateway does not know.
  void start(catalog::route config, std::shared_ptr<const catalog::provider_spec> spec,
             std::optional<health_record> restored = std::nullopt) {
    actors::route_wiring wiring;
    wiring.spec = std::move(spec);
    wiring.bucket = bucket;
    wiring.persistence = persistence;
    wiring.restored = std::move(restored);
    wiring.now = wall();
    route = sys.spawn(actors::route, std::move(config), std::move(wiring));
    run();
  }

  void start(catalog::route config = make_route(),
             const catalog::provider_spec& spec = provider()) {
    start(std::move(config), std::make_shared<const catalog::provider_spec>(spec));
  }

  route_ticket acquire(attempt_request req = ask()) {
    return request<route_ticket>(route, atom::acquire_v, req);
  }

  /// Reports an outcome as the router does: the reconcile straight to the bucket, the report
  /// to the route.
  void report(const attempt_report& r) {
    if (bucket) {
      self->send(bucket, atom::reconcile_v, r);
    }
    self->send(route, atom::report_v, r);
    run();
  }

  health_record health() {
    return request<health_record>(route, caf::get_atom_v, atom::health_v);
  }

  actors::quota_view quota() {
    return request<actors::quota_view>(bucket, caf::get_atom_v, atom::quota_v);
  }

  template <class Handle>
  route_ticket result_of(Handle& handle) {
    route_ticket out;
    handle.receive([&](route_ticket& t) { out = std::move(t); },
                   [&](caf::error& err) { CAF_FAIL("unexpected error: " << to_string(err)); });
    return out;
  }

  ~fixture() override {
    for (auto hdl : {caf::actor_cast<caf::actor>(route), caf::actor_cast<caf::actor>(bucket),
                     caf::actor_cast<caf::actor>(persistence)}) {
      if (hdl) {
        caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
      }
    }
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(route_tests, fixture)

CAF_TEST(a route of an unknown provider is skipped) {
  start(make_route(), nullptr);
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "unknown_provider");
  CAF_CHECK_EQUAL(t.retry_at_ms, 0);
}

CAF_TEST(a route whose provider has no key is skipped before its quota is touched) {
  auto spec = provider("");
  spec.quota.requests_per_day = 10;
  with_bucket(spec);
  start(make_route(), spec);
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "missing_api_key");
  CAF_CHECK_EQUAL(quota().record.requests_today, 0);
}

CAF_TEST(the route context window bounds the prompt and wins over the provider fallback) {
  auto spec = provider();
  spec.max_context_tokens = 50;
  auto r = make_route();
  r.context_window = 100;
  start(r, spec);
  CAF_CHECK(acquire(ask(100)).granted);
  auto t = acquire(ask(101));
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "context_window_exceeded");
}

CAF_TEST(without a route context window the provider fallback applies) {
  auto spec = provider();
  spec.max_context_tokens = 50;
  auto r = make_route();
  r.context_window.reset();
  start(r, spec);
  CAF_CHECK(acquire(ask(50)).granted);
  CAF_CHECK_EQUAL(acquire(ask(51)).skip_reason, "context_window_exceeded");
}

CAF_TEST(without any context limit every prompt fits) {
  auto r = make_route();
  r.context_window.reset();
  start(r, provider());
  CAF_CHECK(acquire(ask(10'000'000)).granted);
}

CAF_TEST(an update of the catalog entry changes the static checks) {
  start();
  CAF_CHECK(acquire(ask(5000)).granted);
  auto smaller = make_route();
  smaller.context_window = 1000;
  self->send(route, atom::update_v, smaller);
  run();
  CAF_CHECK_EQUAL(acquire(ask(5000)).skip_reason, "context_window_exceeded");
}

CAF_TEST(a granted acquire reserves in the bucket) {
  auto spec = provider();
  spec.quota.requests_per_day = 2;
  with_bucket(spec);
  start(make_route(), spec);
  auto t = acquire(ask(10));
  CAF_CHECK(t.granted);
  CAF_CHECK(!t.probe);
  CAF_CHECK_EQUAL(t.reserved_tokens, 110);
  CAF_CHECK_NOT_EQUAL(t.reservation_id, 0u);
  CAF_CHECK(acquire().granted);
  auto denied = acquire();
  CAF_CHECK(!denied.granted);
  CAF_CHECK_EQUAL(denied.skip_reason, "daily_request_limit");
  CAF_CHECK_EQUAL(quota().record.requests_today, 2);
}

CAF_TEST(a rate limited route is skipped then probed by exactly one request) {
  auto spec = provider();
  spec.quota.requests_per_day = 100;
  with_bucket(spec);
  start();
  const int64_t until = t0 + 30 * second;
  const int64_t probe_at = until; // a hinted instant is kept as it is (no jitter)
  auto limited = outcome(outcome_kind::rate_limited, 429);
  limited.cooldown_until_ms = until;
  report(limited);
  auto h = health();
  CAF_CHECK_EQUAL(h.status, "rate_limited");
  CAF_CHECK_EQUAL(h.reason, "provider_429");
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, until);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, probe_at);
  auto skipped = acquire();
  CAF_CHECK(!skipped.granted);
  CAF_CHECK_EQUAL(skipped.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(skipped.retry_at_ms, probe_at);
  *now = probe_at - 1;
  CAF_CHECK_EQUAL(acquire().skip_reason, "route_rate_limited");
  *now = probe_at;
  // A request that already probed another route of this provider may not probe this one.
  auto not_allowed = acquire(ask(10, /*probe_allowed=*/false));
  CAF_CHECK(!not_allowed.granted);
  CAF_CHECK_EQUAL(not_allowed.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(not_allowed.retry_at_ms, probe_at + second);
  // Two requests at once: one probe, the other waits for its outcome.
  auto first = self->request(route, caf::infinite, atom::acquire_v, ask());
  auto second_req = self->request(route, caf::infinite, atom::acquire_v, ask());
  run();
  auto probe = result_of(first);
  auto other = result_of(second_req);
  CAF_CHECK(probe.granted);
  CAF_CHECK(probe.probe);
  CAF_CHECK_NOT_EQUAL(probe.reservation_id, 0u);
  CAF_CHECK(!other.granted);
  CAF_CHECK(!other.probe);
  CAF_CHECK_EQUAL(other.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(other.retry_at_ms, probe_at + second);
  CAF_CHECK_EQUAL(quota().record.requests_today, 1);
  // Still only the one probe while it is out.
  *now = probe_at + 5 * second;
  CAF_CHECK_EQUAL(acquire().skip_reason, "route_rate_limited");
  // The probe succeeded: the route is active again and everyone may use it.
  report(outcome_of(probe, outcome_kind::success, 200));
  h = health();
  CAF_CHECK_EQUAL(h.status, "active");
  CAF_CHECK_EQUAL(h.reason, "");
  CAF_CHECK_EQUAL(h.consecutive_failures, 0);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 0);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 0);
  auto a = acquire();
  auto b = acquire();
  CAF_CHECK(a.granted && !a.probe);
  CAF_CHECK(b.granted && !b.probe);
}

CAF_TEST(a remaining counter at zero rests only this route when the scope is model) {
  auto spec = provider();
  spec.quota.requests_per_day = 100;
  with_bucket(spec);
  start();
  auto granted = acquire();
  CAF_REQUIRE(granted.granted);
  auto spent = outcome_of(granted, outcome_kind::success, 200);
  spent.remaining_exhausted = true;
  spent.cooldown_until_ms = t0 + 20 * second;
  report(spent);
  auto h = health();
  CAF_CHECK_EQUAL(h.status, "rate_limited");
  CAF_CHECK_EQUAL(h.reason, "remaining_exhausted");
  auto skipped = acquire();
  CAF_CHECK_EQUAL(skipped.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(skipped.retry_at_ms, t0 + 20 * second);
  // The provider (and so its other routes) stays usable.
  CAF_CHECK(quota().available);
  CAF_CHECK_EQUAL(quota().record.cooldown_until_ms, 0);
  // POST .../health/reset makes the route usable at once.
  request<health_record>(route, atom::clear_v, atom::health_v);
  CAF_CHECK(acquire().granted);
}

CAF_TEST(a remaining counter at zero cools the provider
         and not the route when the scope is provider) {
  auto spec = provider();
  spec.quota.requests_per_day = 100;
  spec.scope = catalog::rate_limit_scope::provider;
  with_bucket(spec);
  start(make_route(), spec);
  auto granted = acquire();
  CAF_REQUIRE(granted.granted);
  auto spent = outcome_of(granted, outcome_kind::success, 200);
  spent.remaining_exhausted = true;
  spent.cooldown_until_ms = t0 + 20 * second;
  report(spent);
  CAF_CHECK_EQUAL(health().status, "active");
  auto skipped = acquire();
  CAF_CHECK_EQUAL(skipped.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(skipped.retry_at_ms, t0 + 20 * second);
}

CAF_TEST(a probe that fails again backs the route off further) {
  start();
  const std::string id = make_route().route_id;
  report(outcome(outcome_kind::rate_limited, 429));
  auto h = health();
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, t0 + minute);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, t0 + minute + catalog::jitter_ms(id));
  *now = h.next_probe_at_ms;
  auto probe = acquire();
  CAF_REQUIRE(probe.granted);
  CAF_CHECK(probe.probe);
  report(outcome_of(probe, outcome_kind::rate_limited, 429));
  h = health();
  CAF_CHECK_EQUAL(h.status, "rate_limited");
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, *now + 2 * minute);
  // The failed probe ended: the next one is handed out when due.
  *now = h.next_probe_at_ms;
  CAF_CHECK(acquire().probe);
}

CAF_TEST(two timeouts in a row make a route too slow) {
  start();
  const std::string id = make_route().route_id;
  report(outcome(outcome_kind::timeout, 0));
  auto h = health();
  CAF_CHECK_EQUAL(h.status, "active");
  CAF_CHECK_EQUAL(h.reason, "request_timeout");
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK(acquire().granted);
  *now = t0 + second;
  report(outcome(outcome_kind::timeout, 0));
  h = health();
  CAF_CHECK_EQUAL(h.status, "too_slow");
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  const int64_t due = t0 + second + 2 * minute + catalog::jitter_ms(id);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, due);
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "route_too_slow");
  CAF_CHECK_EQUAL(t.retry_at_ms, due);
  *now = due;
  auto probe = acquire();
  CAF_CHECK(probe.granted);
  CAF_CHECK(probe.probe);
}

CAF_TEST(two unknown model answers mark a route potentially outdated until cleared) {
  start();
  report(outcome(outcome_kind::model_not_found, 404));
  auto h = health();
  CAF_CHECK_EQUAL(h.status, "active");
  CAF_CHECK_EQUAL(h.reason, "model_not_found_404");
  CAF_CHECK(acquire().granted);
  report(outcome(outcome_kind::model_not_found, 404));
  h = health();
  CAF_CHECK_EQUAL(h.status, "potentially_outdated");
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "potentially_outdated");
  CAF_CHECK_EQUAL(t.retry_at_ms, 0);
  // Time alone does not bring it back.
  *now = t0 + 24 * 60 * minute;
  CAF_CHECK_EQUAL(acquire().skip_reason, "potentially_outdated");
  auto cleared = request<health_record>(route, atom::clear_v, atom::health_v);
  CAF_CHECK_EQUAL(cleared.status, "active");
  CAF_CHECK_EQUAL(cleared.reason, "");
  CAF_CHECK_EQUAL(cleared.consecutive_failures, 0);
  CAF_CHECK_EQUAL(cleared.updated_ms, *now);
  CAF_CHECK(acquire().granted);
}

CAF_TEST(get health names the route and its state) {
  start();
  auto h = health();
  CAF_CHECK_EQUAL(h.route_id, "groq/llama-3.1-8b");
  CAF_CHECK_EQUAL(h.provider_name, "groq");
  CAF_CHECK_EQUAL(h.model_id, "llama-3.1-8b");
  CAF_CHECK_EQUAL(h.status, "active");
  CAF_CHECK_EQUAL(h.consecutive_failures, 0);
  *now = t0 + 3 * second;
  auto limited = outcome(outcome_kind::rate_limited, 429);
  limited.cooldown_until_ms = t0 + 90 * second;
  report(limited);
  h = health();
  CAF_CHECK_EQUAL(h.status, "rate_limited");
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, t0 + 90 * second);
  CAF_CHECK_EQUAL(h.updated_ms, t0 + 3 * second);
  auto cleared = request<health_record>(route, atom::clear_v, atom::health_v);
  CAF_CHECK_EQUAL(cleared.status, "active");
  CAF_CHECK_EQUAL(cleared.rate_limited_until_ms, 0);
  CAF_CHECK_EQUAL(health().status, "active");
}

CAF_TEST(a probe denied by the quota bucket frees the probe for the next request) {
  auto spec = provider();
  spec.quota.requests_per_minute = 1;
  with_bucket(spec);
  start();
  auto used = acquire();
  CAF_REQUIRE(used.granted);
  auto limited = outcome_of(used, outcome_kind::rate_limited, 429);
  limited.cooldown_until_ms = t0 + second;
  report(limited);
  const int64_t probe_at = health().next_probe_at_ms;
  CAF_REQUIRE_EQUAL(probe_at, t0 + second); // the hinted instant, kept without jitter
  // Due for a probe, but the provider's minute is still full.
  *now = probe_at;
  auto denied = acquire();
  CAF_CHECK(!denied.granted);
  // The ticket still says "probe": the router (played here by the test) must free it.
  CAF_CHECK(denied.probe);
  CAF_CHECK_EQUAL(denied.skip_reason, "rpm_limit");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + minute);
  attempt_report abandoned;
  abandoned.kind = outcome_kind::transport_error;
  abandoned.reached_provider = false;
  abandoned.probe = true;
  report(abandoned);
  // The probe was not lost: the next request gets to the bucket again (not "route_rate_limited").
  auto again = acquire();
  CAF_CHECK_EQUAL(again.skip_reason, "rpm_limit");
  CAF_CHECK(again.probe);
  report(abandoned);
  *now = t0 + minute;
  auto first = self->request(route, caf::infinite, atom::acquire_v, ask());
  auto second_req = self->request(route, caf::infinite, atom::acquire_v, ask());
  run();
  auto probe = result_of(first);
  auto other = result_of(second_req);
  CAF_CHECK(probe.granted);
  CAF_CHECK(probe.probe);
  CAF_CHECK_EQUAL(other.skip_reason, "route_rate_limited");
}

CAF_TEST(a report records health and leaves quota and usage to the router) {
  with_persistence();
  auto spec = provider();
  spec.quota.tokens_per_day = 10'000;
  with_bucket(spec);
  start();
  auto ticket = acquire(ask(400));
  CAF_REQUIRE(ticket.granted);
  CAF_CHECK_EQUAL(quota().record.tokens_today, 500);
  *now = t0 + 2 * second;
  auto r = outcome_of(ticket, outcome_kind::rate_limited, 429);
  r.prompt_tokens = 400;
  r.completion_tokens = 0;
  r.total_tokens = 400;
  r.latency_ms = 321;
  r.cooldown_until_ms = t0 + 40 * second;
  self->send(route, atom::report_v, r);
  expect((atom::report, attempt_report), from(self).to(route));
  expect((atom::persist, health_record), from(route).to(persistence));
  // The router reconciles the bucket and logs the usage itself (protocol.hpp).
  disallow((atom::persist, actors::usage_event), from(route).to(persistence));
  CAF_CHECK(!sched.prioritize(bucket));
  run();
  CAF_CHECK_EQUAL(quota().record.tokens_today, 500);
  auto health_rows = store->load_health();
  CAF_REQUIRE(health_rows.has_value());
  CAF_REQUIRE_EQUAL(health_rows->size(), 1u);
  CAF_CHECK_EQUAL((*health_rows)[0].route_id, "groq/llama-3.1-8b");
  CAF_CHECK_EQUAL((*health_rows)[0].status, "rate_limited");
  CAF_CHECK_EQUAL((*health_rows)[0].rate_limited_until_ms, t0 + 40 * second);
  auto events = store->event_count();
  CAF_REQUIRE(events.has_value());
  CAF_CHECK_EQUAL(*events, 0);
  // The router's reconcile gives back the 100 tokens reserved for the completion.
  self->send(bucket, atom::reconcile_v, r);
  run();
  CAF_CHECK_EQUAL(quota().record.tokens_today, 400);
}

CAF_TEST(a success of an active route changes no health) {
  with_persistence();
  start();
  auto ticket = acquire();
  CAF_REQUIRE(ticket.granted);
  auto r = outcome_of(ticket, outcome_kind::success, 200);
  r.total_tokens = 7;
  self->send(route, atom::report_v, r);
  expect((atom::report, attempt_report), from(self).to(route));
  disallow((atom::persist, health_record), from(route).to(persistence));
  run();
  auto health_rows = store->load_health();
  CAF_REQUIRE(health_rows.has_value());
  CAF_CHECK(health_rows->empty());
}

CAF_TEST(an attempt that never reached the provider frees its quota and logs no usage) {
  with_persistence();
  auto spec = provider();
  spec.quota.requests_per_day = 1;
  with_bucket(spec);
  start();
  auto ticket = acquire();
  CAF_REQUIRE(ticket.granted);
  CAF_CHECK_EQUAL(acquire().skip_reason, "daily_request_limit");
  auto r = outcome_of(ticket, outcome_kind::transport_error, 0);
  r.reached_provider = false;
  report(r);
  CAF_CHECK_EQUAL(quota().record.requests_today, 0);
  CAF_CHECK(acquire().granted);
  auto events = store->event_count();
  CAF_REQUIRE(events.has_value());
  CAF_CHECK_EQUAL(*events, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
