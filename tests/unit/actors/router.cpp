#define CAF_SUITE actors.router

#include "actors/router.hpp"

#include "actors/gateway.hpp"
#include "tests/unit/actors/scripted_transport.hpp"
#include "tests/unit/actors/test_catalog.hpp"
#include "tests/unit/caf_dsl.hpp"

#include <rapidjson/document.h>

#include <optional>

using namespace gw;
using gw::test::make_route;
using gw::test::scripted_transport;
using gw::test::spec;

namespace {

openai::chat_request
chat(std::string body = R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})") {
  auto parsed = openai::parse_chat_request(body);
  return std::get<openai::chat_request>(std::move(parsed));
}

/// The typed outcome in the few words the tests check.
struct answer {
  /// 200 served, 503 exhausted, 504 deadline, the upstream status of a caller error.
  int status = 0;
  std::string route_id;
  std::string provider;
  std::string model;
  /// The served body, or the caller error's upstream body.
  std::string body;
  int64_t retry_at_ms = 0;
};

struct describe {
  answer operator()(const actors::chat_served& s) const {
    return {200, s.route->route_id, s.route->provider_name, s.route->model_id, s.body, 0};
  }
  answer operator()(const actors::chat_exhausted& e) const {
    return {503, {}, {}, {}, {}, e.retry_at_ms};
  }
  answer operator()(const actors::chat_deadline&) const {
    return {504, {}, {}, {}, {}, 0};
  }
  answer operator()(const actors::chat_caller_error& e) const {
    return {e.status,          e.route->route_id, e.route->provider_name,
            e.route->model_id, e.upstream_body,   0};
  }
  answer operator()(const actors::chat_streamed& s) const {
    return {200, s.route->route_id, s.route->provider_name, s.route->model_id, {}, 0};
  }
};

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<scripted_transport> transport = std::make_shared<scripted_transport>();
  actors::gateway_actors gw;
  std::optional<answer> reply;
  actors::chat_job_ptr job;

  actors::chat_job::sink keep_reply() {
    return [this](actors::chat_outcome outcome, const actors::chat_job&) {
      reply = std::visit(describe{}, outcome);
    };
  }

  void start(std::vector<catalog::provider_spec> providers, std::vector<catalog::route> routes,
             actors::router_settings settings = {}) {
    actors::gateway_inputs inputs;
    inputs.settings = settings;
    inputs.transports.assign(providers.size(), transport);
    inputs.providers = std::move(providers);
    inputs.catalog = catalog::model_catalog(std::move(routes));
    auto spawned = actors::spawn_gateway(sys, std::move(inputs));
    CAF_REQUIRE(spawned.has_value());
    gw = *spawned;
    run();
  }

  /// Sends one request through the router and runs the system until it is answered.
  const answer& ask(openai::chat_request req = chat()) {
    reply.reset();
    job = std::make_shared<actors::chat_job>("req-1", std::move(req), keep_reply());
    self->send(gw.router, atom::dispatch_v, job);
    run();
    CAF_REQUIRE(reply.has_value());
    return *reply;
  }

  actors::router_state& router_state() {
    return deref<actors::router_actor::stateful_base<actors::router_state>>(gw.router).state;
  }

  ~fixture() override {
    actors::stop_gateway(gw);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(router_tests, fixture)

CAF_TEST(the best ranked route answers first) {
  start({spec("p1"), spec("p2")},
        {make_route("second", "p2", "m2", 2), make_route("first", "p1", "m1", 1)});
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.route_id, "first");
  CAF_CHECK_EQUAL(r.provider, "p1");
  CAF_CHECK_EQUAL(r.model, "m1");
  CAF_CHECK_EQUAL(job->upstream_calls, 1);
  CAF_CHECK(r.body.find("answer from m1") != std::string::npos);
  CAF_CHECK_EQUAL(transport->calls_for("m2"), 0u);
}

CAF_TEST(every upstream call carries the key and the extra headers) {
  auto p = spec("p1", "secret");
  p.extra_headers = {{"X-Title", "FreeRouter"}};
  start({p}, {make_route("r", "p1", "m1", 1)});
  ask();
  CAF_REQUIRE_EQUAL(transport->seen.size(), 1u);
  auto& req = transport->seen[0];
  CAF_CHECK_EQUAL(req.path, "/chat/completions");
  // Rendered once per provider: the fields arrive as text, checked when the router started.
  auto fields = std::string(req.fixed_headers.text());
  CAF_CHECK(req.headers.empty());
  CAF_CHECK(fields.find("Authorization: Bearer secret\r\n") != std::string::npos);
  CAF_CHECK(fields.find("Content-Type: application/json\r\n") != std::string::npos);
  CAF_CHECK(fields.find("X-Title: FreeRouter\r\n") != std::string::npos);
}

CAF_TEST(a provider header that breaks the rules is carried per call) {
  auto p = spec("p1", "secret");
  p.extra_headers = {{"X-Title", "bad\r\nInjected: 1"}};
  start({p}, {make_route("r", "p1", "m1", 1)});
  ask();
  CAF_REQUIRE_EQUAL(transport->seen.size(), 1u);
  auto& req = transport->seen[0];
  // Not rendered: the transport's own check of every call refuses it (never sent).
  CAF_CHECK(req.fixed_headers.text().empty());
  auto* title = upstream::find_header(req.headers, "x-title");
  CAF_REQUIRE(title != nullptr);
  CAF_CHECK_EQUAL(*title, "bad\r\nInjected: 1");
}

CAF_TEST(a healthy route of an unlimited provider is granted from the snapshots) {
  start({spec("p1")}, {make_route("r", "p1", "m1", 1)});
  CAF_REQUIRE(router_state().routes.at("r").current());
  job = std::make_shared<actors::chat_job>("req-2", chat(), keep_reply());
  self->send(gw.router, atom::dispatch_v, job);
  expect((atom::dispatch, actors::chat_job_ptr), from(self).to(gw.router));
  // No acquire, no reserve: the router called the transport, whose completion answered the
  // client and then reported to the router.
  CAF_REQUIRE(reply.has_value());
  CAF_CHECK_EQUAL(reply->status, 200);
  expect((atom::call_done, actors::chat_job_ptr, uint64_t, actors::call_settlement), to(gw.router));
  // A success on a pristine route changes nothing the route or the bucket must hear of now:
  // the bucket learns of it through the next usage batch.
  auto route_handle = router_state().routes.at("r").handle;
  disallow((atom::report, actors::attempt_report), from(gw.router).to(route_handle));
  disallow((atom::reconcile, actors::attempt_report), from(gw.router).to(gw.buckets[0]));
  CAF_CHECK_EQUAL(router_state().providers.at("p1").unreported.requests, 1);
  sched.trigger_timeouts();
  expect((atom::tick), to(gw.router));
  expect((atom::usage, actors::usage_batch), from(gw.router).to(gw.buckets[0]));
  CAF_CHECK_EQUAL(router_state().providers.at("p1").unreported.requests, 0);
}

CAF_TEST(a limited provider is asked for an exact reservation) {
  auto limited = spec("p1");
  limited.quota.requests_per_day = 10;
  start({limited}, {make_route("r", "p1", "m1", 1)});
  job = std::make_shared<actors::chat_job>("req-3", chat(), keep_reply());
  self->send(gw.router, atom::dispatch_v, job);
  expect((atom::dispatch, actors::chat_job_ptr), from(self).to(gw.router));
  // The route's health is known: the router asks the bucket directly, not the route.
  expect((atom::reserve, int64_t), from(gw.router).to(gw.buckets[0]));
  expect((actors::route_ticket), from(gw.buckets[0]).to(gw.router));
  run();
  CAF_REQUIRE(reply.has_value());
  CAF_CHECK_EQUAL(reply->status, 200);
}

CAF_TEST(a rate - limited route is skipped from its snapshot and asked once its probe is due) {
  start({spec("p1"), spec("p2")},
        {make_route("limited", "p1", "m1", 1), make_route("other", "p2", "m2", 2)});
  transport->script["m1"] = scripted_transport::status_result(429);
  ask();
  CAF_CHECK_EQUAL(reply->route_id, "other");
  // The route applied the 429 and pushed its snapshot: the next request skips it without a
  // message to the route.
  CAF_REQUIRE(router_state().routes.at("limited").current());
  CAF_CHECK_EQUAL(catalog::to_string(router_state().routes.at("limited").health.status),
                  std::string("rate_limited"));
  auto calls = transport->calls_for("m1");
  ask();
  CAF_CHECK_EQUAL(reply->route_id, "other");
  CAF_CHECK_EQUAL(transport->calls_for("m1"), calls);
  CAF_CHECK_EQUAL(job->attempts[0].reason, "route_rate_limited");
}

CAF_TEST(a stale route snapshot makes the router ask the route) {
  start({spec("p1")}, {make_route("r", "p1", "m1", 1)});
  // A health report is on its way to the route: until the route applied it, its snapshot
  // says nothing reliable.
  auto& view = router_state().routes.at("r");
  ++view.sent;
  job = std::make_shared<actors::chat_job>("req-4", chat(), keep_reply());
  self->send(gw.router, atom::dispatch_v, job);
  expect((atom::dispatch, actors::chat_job_ptr), from(self).to(gw.router));
  expect((atom::acquire, actors::attempt_request), from(gw.router).to(view.handle));
  run();
  CAF_REQUIRE(reply.has_value());
  CAF_CHECK_EQUAL(reply->status, 200);
}

CAF_TEST(static skip reasons are recorded in rank order) {
  catalog::provider_spec small = spec("small");
  small.max_context_tokens = 5;
  auto tiny = make_route("tiny", "small", "mt", 3);
  tiny.context_window.reset();
  start({spec("nokey", ""), small, spec("good")},
        {make_route("ghost", "missing", "mg", 1), make_route("unkeyed", "nokey", "mk", 2), tiny,
         make_route("fine", "good", "mf", 4)});
  auto& r =
    ask(chat(R"({"messages":[{"role":"user","content":"a long enough prompt for five tokens"}]})"));
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.route_id, "fine");
  CAF_CHECK_EQUAL(job->upstream_calls, 1);
  CAF_REQUIRE_EQUAL(job->attempts.size(), 4u);
  CAF_CHECK_EQUAL(job->attempts[0].reason, "unknown_provider");
  CAF_CHECK_EQUAL(job->attempts[1].reason, "missing_api_key");
  CAF_CHECK_EQUAL(job->attempts[2].reason, "context_window_exceeded");
  CAF_CHECK_EQUAL(job->attempts[3].status, "selected");
}

CAF_TEST(every retryable failure class falls through to the next route) {
  using upstream::transport_failure;
  std::vector<std::pair<upstream::upstream_result, std::string>> cases = {
    {scripted_transport::status_result(429), "provider_429"},
    {scripted_transport::failure(transport_failure::timeout), "timeout"},
    {scripted_transport::failure(transport_failure::connect_error), "connect_error"},
    {scripted_transport::failure(transport_failure::connection_reset), "connection_reset"},
    {scripted_transport::status_result(500), "provider_5xx"},
    {scripted_transport::status_result(413), "request_too_large"},
    {scripted_transport::status_result(401), "auth_error"},
    {scripted_transport::status_result(404), "model_not_found"},
    {scripted_transport::status_result(200, "not json"), "malformed_response"},
  };
  for (auto& [result, reason] : cases) {
    CAF_MESSAGE("case " << reason);
    // A fresh gateway per case: a 429 or 401 also changes route health and key state.
    actors::stop_gateway(gw);
    run();
    start({spec("p1"), spec("p2")},
          {make_route("bad", "p1", "mbad", 1), make_route("good", "p2", "mgood", 2)});
    transport->script["mbad"] = result;
    auto& r = ask();
    CAF_CHECK_EQUAL(r.status, 200);
    CAF_CHECK_EQUAL(r.route_id, "good");
    CAF_CHECK_EQUAL(job->upstream_calls, 2);
    CAF_REQUIRE_EQUAL(job->attempts.size(), 2u);
    CAF_CHECK_EQUAL(job->attempts[0].reason, reason);
  }
}

CAF_TEST(a caller error stops the waterfall with the upstream status) {
  start({spec("p1"), spec("p2")},
        {make_route("bad", "p1", "mbad", 1), make_route("good", "p2", "mgood", 2)});
  transport->script["mbad"] = scripted_transport::status_result(
    400, R"({"error":{"message":"temperature too high","type":"invalid_request_error"}})");
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK(r.body.find("temperature too high") != std::string::npos);
  CAF_CHECK_EQUAL(r.route_id, "bad");
  CAF_CHECK_EQUAL(transport->calls_for("mgood"), 0u);
}

CAF_TEST(a requested model is tried first and an unknown one is only a preference) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1), make_route("b", "p1", "mb", 2)});
  ask(chat(R"({"model":"b","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(reply->route_id, "b");
  ask(chat(R"({"model":"ma","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(reply->route_id, "a");
  ask(chat(R"({"model":"nothing","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(reply->route_id, "a");
}

CAF_TEST(a request stops after the configured number of upstream calls) {
  actors::router_settings settings;
  settings.max_upstream_calls = 3;
  std::vector<catalog::route> routes;
  for (int i = 0; i < 10; ++i) {
    auto model = "m" + std::to_string(i);
    routes.push_back(make_route("r" + std::to_string(i), "p1", model, i + 1));
    transport->script[model] = scripted_transport::status_result(500);
  }
  start({spec("p1")}, routes, settings);
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK_EQUAL(job->upstream_calls, 3);
  CAF_CHECK_EQUAL(transport->seen.size(), 3u);
  CAF_CHECK_EQUAL(job->attempts.size(), 3u);
}

CAF_TEST(exhaustion answers 503 with every attempt) {
  start({spec("p1"), spec("p2", "")},
        {make_route("a", "p1", "ma", 1), make_route("b", "p2", "mb", 2)});
  transport->script["ma"] = scripted_transport::status_result(503);
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_REQUIRE_EQUAL(job->attempts.size(), 2u);
  CAF_CHECK_EQUAL(job->attempts[0].reason, "provider_5xx");
  CAF_CHECK_EQUAL(job->attempts[0].status_code, 503);
  CAF_CHECK_EQUAL(job->attempts[1].reason, "missing_api_key");
  CAF_CHECK_EQUAL(job->attempts[1].status_code, 0);
}

CAF_TEST(a 429 whose remaining counter is zero leaves the other routes of its provider usable) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1), make_route("b", "p1", "mb", 2)});
  transport->script["ma"] = scripted_transport::status_result(
    429, "{}", {{"retry-after", "30"}, {"x-ratelimit-remaining-requests", "0"}});
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.route_id, "b");
  CAF_CHECK_EQUAL(job->upstream_calls, 2);
  ask();
  CAF_CHECK_EQUAL(reply->route_id, "b");
  CAF_CHECK_EQUAL(job->attempts[0].reason, "route_rate_limited");
  CAF_CHECK_EQUAL(transport->calls_for("ma"), 1u);
  CAF_CHECK_EQUAL(transport->calls_for("mb"), 2u);
}

CAF_TEST(with scope provider a remaining counter at zero skips the other routes of its provider) {
  auto p1 = spec("p1");
  p1.scope = catalog::rate_limit_scope::provider;
  start({p1, spec("p2")}, {make_route("a", "p1", "ma", 1), make_route("b", "p1", "mb", 2),
                           make_route("c", "p2", "mc", 3)});
  transport->script["ma"] = scripted_transport::status_result(
    429, "{}", {{"retry-after", "30"}, {"x-ratelimit-remaining-requests", "0"}});
  auto& r = ask();
  CAF_CHECK_EQUAL(r.route_id, "c");
  CAF_REQUIRE_EQUAL(job->attempts.size(), 3u);
  CAF_CHECK_EQUAL(job->attempts[1].reason, "cooldown");
  CAF_CHECK_EQUAL(transport->calls_for("mb"), 0u);
}

CAF_TEST(exhaustion retries when the first rate limited route frees up) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1), make_route("b", "p1", "mb", 2)});
  transport->script["ma"] = scripted_transport::status_result(
    429, "{}", {{"retry-after", "30"}, {"x-ratelimit-remaining-requests", "0"}});
  transport->script["mb"] = scripted_transport::status_result(429, "{}", {{"retry-after", "20"}});
  auto before = actors::system_wall_clock()();
  auto& first = ask();
  CAF_CHECK_EQUAL(first.status, 503);
  // The 429s' own hints: b frees up first.
  CAF_CHECK_GREATER_OR_EQUAL(first.retry_at_ms, before + 20'000);
  CAF_CHECK_LESS(first.retry_at_ms, before + 21'000);
  auto& second = ask();
  CAF_CHECK_EQUAL(second.status, 503);
  CAF_CHECK_EQUAL(job->attempts[0].reason, "route_rate_limited");
  CAF_CHECK_EQUAL(job->attempts[1].reason, "route_rate_limited");
  CAF_CHECK_GREATER_OR_EQUAL(second.retry_at_ms, before + 20'000);
  CAF_CHECK_LESS(second.retry_at_ms, before + 21'000);
}

CAF_TEST(a request past its deadline is answered 504 without calling upstream) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1)});
  reply.reset();
  job = std::make_shared<actors::chat_job>("late", chat(), keep_reply());
  job->deadline = job->started - std::chrono::seconds(1);
  self->send(gw.router, atom::dispatch_v, job);
  run();
  CAF_REQUIRE(reply.has_value());
  CAF_CHECK_EQUAL(reply->status, 504);
  CAF_CHECK_EQUAL(transport->seen.size(), 0u);
}

CAF_TEST(a cancelled request stops before its next step) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1)});
  reply.reset();
  job = std::make_shared<actors::chat_job>("gone", chat(), keep_reply());
  job->cancel();
  self->send(gw.router, atom::dispatch_v, job);
  run();
  CAF_CHECK(!reply.has_value());
  CAF_CHECK_EQUAL(transport->seen.size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
