#define CAF_SUITE actors.diagnosis

#include "actors/diagnosis.hpp"

#include "actors/gateway.hpp"
#include "actors/router.hpp"
#include "tests/unit/actors/scripted_transport.hpp"
#include "tests/unit/actors/test_catalog.hpp"
#include "tests/unit/caf_dsl.hpp"

#include <algorithm>
#include <optional>

using namespace gw;
using gw::test::make_route;
using gw::test::scripted_transport;
using gw::test::spec;
using namespace std::chrono_literals;

namespace {

/// A listing answer with these models, each a free text chat model unless said otherwise.
upstream::upstream_result listing(const std::vector<std::string>& free_ids,
                                  const std::vector<std::string>& unpriced_ids = {}) {
  std::string body = R"({"object":"list","data":[)";
  bool first = true;
  auto item = [&](const std::string& id, bool free) {
    body += first ? "" : ",";
    first = false;
    body += R"({"id":")" + id + R"(","name":")" + id
            + R"(","architecture":{"input_modalities":["text"],"output_modalities":["text"]})";
    if (free) {
      body += R"(,"pricing":{"prompt":"0","completion":"0"})";
    }
    body += "}";
  };
  for (const auto& id : free_ids) {
    item(id, true);
  }
  for (const auto& id : unpriced_ids) {
    item(id, false);
  }
  body += "]}";
  return scripted_transport::status_result(200, body);
}

upstream::upstream_result model_not_found() {
  return scripted_transport::status_result(
    404, R"({"error":{"message":"The model does not exist","code":"model_not_found"}})");
}

// The fixture's run() also fires timers, jumping virtual time forward; the diagnosis actor's
// timer re-arms itself, so these tests run messages with settle() and move time with pass().
struct fixture : test_coordinator_fixture<> {
  int64_t now_ms = 1'700'000'000'000;
  std::vector<std::shared_ptr<scripted_transport>> transports;
  actors::gateway_actors gw;

  /// Spawns the gateway with diagnosis; provider i answers through transports[i].
  void start(std::vector<catalog::provider_spec> providers, std::vector<catalog::route> routes,
             actors::diagnosis_settings settings) {
    actors::gateway_inputs inputs;
    for (size_t i = 0; i < providers.size(); ++i) {
      transports.push_back(std::make_shared<scripted_transport>());
      inputs.transports.push_back(transports.back());
    }
    inputs.providers = std::move(providers);
    inputs.catalog = catalog::model_catalog(std::move(routes));
    inputs.now = [this] {
      return now_ms;
    };
    settings.request_timeout = 5s;
    inputs.diagnosis = std::move(settings);
    auto spawned = actors::spawn_gateway(sys, std::move(inputs));
    CAF_REQUIRE(spawned.has_value());
    gw = *spawned;
    settle();
  }

  /// Runs every message there is, without firing timers.
  void settle() {
    sched.run();
  }

  /// Moves simulated time (CAF timers and the actors' wall clock) and runs what is due.
  void pass(std::chrono::milliseconds d) {
    now_ms += d.count();
    advance_time(d);
    settle();
  }

  actors::diagnosis_status status() {
    std::optional<actors::diagnosis_status> out;
    self->send(gw.diagnosis, caf::get_atom_v, atom::diagnosis_v);
    settle();
    self->receive([&](actors::diagnosis_status& s) { out = std::move(s); },
                  [](caf::error& err) { CAF_FAIL("status: " << to_string(err)); });
    CAF_REQUIRE(out.has_value());
    return *out;
  }

  actors::diagnosis_ticket refresh() {
    self->send(gw.diagnosis, atom::refresh_v);
    std::optional<actors::diagnosis_ticket> out;
    sched.run_once();
    self->receive([&](actors::diagnosis_ticket& t) { out = std::move(t); },
                  [](caf::error& err) { CAF_FAIL("refresh: " << to_string(err)); });
    CAF_REQUIRE(out.has_value());
    return *out;
  }

  actors::applied_suggestions apply(std::vector<std::string> ids) {
    self->send(gw.diagnosis, atom::apply_v, std::move(ids));
    settle();
    std::optional<actors::applied_suggestions> out;
    self->receive([&](actors::applied_suggestions& a) { out = std::move(a); },
                  [](caf::error& err) { CAF_FAIL("apply: " << to_string(err)); });
    CAF_REQUIRE(out.has_value());
    return *out;
  }

  const catalog::model_catalog& catalog() {
    return *deref<actors::router_actor::stateful_base<actors::router_state>>(gw.router)
              .state.catalog;
  }

  static std::vector<std::string> ids_of(const std::vector<catalog::suggestion>& list) {
    std::vector<std::string> ids;
    for (const auto& s : list) {
      ids.push_back(s.suggestion_id);
    }
    return ids;
  }

  ~fixture() override {
    actors::stop_gateway(gw);
    settle();
  }
};

actors::diagnosis_settings manual() {
  actors::diagnosis_settings s;
  s.scheduled = false;
  return s;
}

actors::diagnosis_settings timed(bool maintenance) {
  actors::diagnosis_settings s;
  s.scheduled = true;
  s.maintenance = maintenance;
  s.startup_delay = 10s;
  s.interval = 60s;
  return s;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(diagnosis_tests, fixture)

CAF_TEST(the first run waits for the start - up delay and the next for the interval) {
  start({spec("p1")}, {make_route("r1", "p1", "m1", 1)}, timed(false));
  transports[0]->listing = listing({"m1"});
  pass(9s);
  CAF_CHECK_EQUAL(transports[0]->listings_served, 0u);
  CAF_CHECK(!status().last_report.has_value());
  CAF_CHECK_EQUAL(status().next_run_at_ms, 1'700'000'010'000);
  pass(1s);
  CAF_CHECK_EQUAL(transports[0]->listings_served, 1u);
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK(!s.running);
  CAF_REQUIRE_EQUAL(s.last_report->providers.size(), 1u);
  CAF_CHECK(s.last_report->providers[0].ok);
  CAF_CHECK_EQUAL(s.last_report->providers[0].confirmed_route_count, 1);
  CAF_CHECK_EQUAL(s.next_run_at_ms, now_ms + 60'000);
  pass(59s);
  CAF_CHECK_EQUAL(transports[0]->listings_served, 1u);
  pass(1s);
  CAF_CHECK_EQUAL(transports[0]->listings_served, 2u);
}

CAF_TEST(a refresh during a run joins it and a hung provider does not hold up the others) {
  start({spec("p1"), spec("p2")},
        {make_route("r1", "p1", "m1", 1), make_route("r2", "p2", "m2", 2)}, manual());
  transports[0]->hold_listing = true;
  transports[1]->listing = listing({"m2", "fresh-model"});
  auto first = refresh();
  CAF_CHECK(!first.joined);
  settle();
  auto second = refresh();
  CAF_CHECK(second.joined);
  CAF_CHECK_EQUAL(second.run_id, first.run_id);
  auto running = status();
  CAF_CHECK(running.running);
  CAF_CHECK_EQUAL(running.run_id, first.run_id);
  // p2 answered at once; the run ends when p1's call runs out of time.
  pass(6s);
  sched.trigger_timeouts();
  settle();
  auto s = status();
  CAF_CHECK(!s.running);
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK_EQUAL(s.last_report->run_id, first.run_id);
  CAF_REQUIRE_EQUAL(s.last_report->providers.size(), 2u);
  CAF_CHECK(!s.last_report->providers[0].ok);
  CAF_CHECK_EQUAL(s.last_report->providers[0].error, "timeout");
  CAF_CHECK(s.last_report->providers[1].ok);
  CAF_CHECK_EQUAL(ids_of(s.last_report->suggestions),
                  std::vector<std::string>{"add:p2-fresh-model"});
  // Only one listing per provider per run, however many refreshes.
  CAF_CHECK_EQUAL(transports[1]->listings_served, 1u);
}

CAF_TEST(maintenance applies only the safe suggestions of a scheduled run) {
  start({spec("p1")}, {make_route("kept", "p1", "m1", 1), make_route("dead", "p1", "gone", 2)},
        timed(true));
  transports[0]->listing = listing({"m1", "brand-new"});
  transports[0]->script["gone"] = model_not_found();
  pass(10s);
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK_EQUAL(ids_of(s.last_auto_applied), std::vector<std::string>{"remove:dead"});
  // The add waits for a person; the removal is done.
  CAF_CHECK_EQUAL(ids_of(s.last_report->suggestions), std::vector<std::string>{"add:p1-brand-new"});
  CAF_CHECK(catalog().find("dead") == nullptr);
  CAF_CHECK(catalog().find("kept") != nullptr);
  CAF_CHECK(catalog().find("p1-brand-new") == nullptr);
  // The probe of the absent model went through the provider like any request.
  CAF_CHECK_EQUAL(transports[0]->calls_for("gone"), 1u);
}

CAF_TEST(a manual run applies nothing until asked and apply adds the route disabled) {
  start({spec("p1")}, {make_route("kept", "p1", "m1", 1), make_route("dead", "p1", "gone", 2)},
        manual());
  transports[0]->listing = listing({"m1", "brand-new"});
  transports[0]->script["gone"] = model_not_found();
  refresh();
  settle();
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK_EQUAL(ids_of(s.last_report->suggestions),
                  (std::vector<std::string>{"add:p1-brand-new", "remove:dead"}));
  CAF_CHECK(s.last_auto_applied.empty());
  CAF_CHECK(catalog().find("dead") != nullptr);
  auto applied = apply({"add:p1-brand-new", "unknown-id"});
  CAF_CHECK(applied.error.empty());
  CAF_CHECK_EQUAL(ids_of(applied.applied), std::vector<std::string>{"add:p1-brand-new"});
  const auto* added = catalog().find("p1-brand-new");
  CAF_REQUIRE(added != nullptr);
  CAF_CHECK(!added->enabled);
  CAF_CHECK_EQUAL(ids_of(status().last_report->suggestions),
                  std::vector<std::string>{"remove:dead"});
  // Applying again finds nothing left to apply.
  CAF_CHECK(apply({"add:p1-brand-new"}).applied.empty());
}

CAF_TEST(a 429 on the listing cools the provider and names the error) {
  start({spec("p1")}, {make_route("r1", "p1", "m1", 1)}, manual());
  transports[0]->listing = scripted_transport::status_result(429, "{}", {{"retry-after", "30"}});
  refresh();
  settle();
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK_EQUAL(s.last_report->providers[0].error, "rate_limited_429");
  std::optional<actors::quota_view> view;
  self->send(gw.buckets[0], caf::get_atom_v, atom::quota_v);
  settle();
  self->receive([&](actors::quota_view& v) { view = std::move(v); }, [](caf::error&) {});
  CAF_REQUIRE(view.has_value());
  CAF_CHECK(!view->available);
  CAF_CHECK_EQUAL(view->record.cooldown_until_ms, now_ms + 30'000);
}

CAF_TEST(a provider without a key is reported and never called) {
  start({spec("p1", "")}, {make_route("r1", "p1", "m1", 1)}, manual());
  refresh();
  settle();
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK(!s.last_report->providers[0].configured);
  CAF_CHECK_EQUAL(s.last_report->providers[0].error, "missing_api_key");
  CAF_CHECK(transports[0]->seen.empty());
}

CAF_TEST(the supervisor is asked through the waterfall once per model) {
  auto settings = manual();
  settings.supervisor = true;
  start({spec("p1"), spec("judge")},
        {make_route("r1", "p1", "m1", 1), make_route("judge-route", "judge", "judge-model", 2)},
        settings);
  transports[0]->listing = listing({"m1"}, {"llama-unpriced"});
  transports[1]->listing = listing({"judge-model"});
  auto verdict = scripted_transport::ok_result(
    R"({\"free_chat_model\": true, \"confidence\": \"high\", \"reason\": \"free tier documented\", \"sources\": [\"https://example.test/pricing\"]})");
  transports[0]->script["m1"] = verdict;
  transports[1]->script["judge-model"] = verdict;
  refresh();
  settle();
  auto s = status();
  CAF_REQUIRE(s.last_report.has_value());
  CAF_CHECK_EQUAL(ids_of(s.last_report->suggestions),
                  std::vector<std::string>{"add:p1-llama-unpriced"});
  const auto& route = s.last_report->suggestions[0].new_route;
  CAF_REQUIRE(route.has_value());
  CAF_CHECK_EQUAL(route->rank_source, "ai_supervisor");
  CAF_CHECK(route->notes.find("Supervisor web search verified") != std::string::npos);
  auto asked = transports[0]->calls_for("m1") + transports[1]->calls_for("judge-model");
  CAF_CHECK_EQUAL(asked, 1u);
  // The second run answers from the cached verdict.
  refresh();
  settle();
  CAF_CHECK_EQUAL(transports[0]->calls_for("m1") + transports[1]->calls_for("judge-model"), asked);
}

CAF_TEST_FIXTURE_SCOPE_END()
