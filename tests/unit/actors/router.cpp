#define CAF_SUITE actors.router

#include "actors/router.hpp"

#include "actors/gateway.hpp"
#include "tests/unit/actors/scripted_transport.hpp"
#include "tests/unit/caf_dsl.hpp"

#include <rapidjson/document.h>

#include <optional>

using namespace gw;
using gw::test::scripted_transport;

namespace {

catalog::provider_spec spec(std::string name, std::string key = "key") {
  catalog::provider_spec p;
  p.name = std::move(name);
  p.base_url = "http://127.0.0.1:1/" + p.name;
  p.api_key_env = "X";
  p.api_key = std::move(key);
  return p;
}

catalog::route make_route(std::string id, std::string provider, std::string model, int64_t rank) {
  catalog::route r;
  r.route_id = std::move(id);
  r.provider_name = std::move(provider);
  r.model_id = std::move(model);
  r.display_name = r.model_id;
  r.rank = rank;
  r.context_window = 100000;
  return r;
}

openai::chat_request
chat(std::string body = R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})") {
  auto parsed = openai::parse_chat_request(body);
  return std::get<openai::chat_request>(std::move(parsed));
}

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<scripted_transport> transport = std::make_shared<scripted_transport>();
  actors::gateway_actors gw;
  std::optional<actors::chat_reply> reply;
  actors::chat_job_ptr job;

  void start(std::vector<catalog::provider_spec> providers, std::vector<catalog::route> routes) {
    actors::gateway_inputs inputs;
    inputs.transports.assign(providers.size(), transport);
    inputs.providers = std::move(providers);
    inputs.catalog = catalog::model_catalog(std::move(routes));
    auto spawned = actors::spawn_gateway(sys, std::move(inputs));
    CAF_REQUIRE(spawned.has_value());
    gw = *spawned;
    run();
  }

  /// Sends one request through the router and runs the system until it is answered.
  const actors::chat_reply& ask(openai::chat_request req = chat()) {
    reply.reset();
    job = std::make_shared<actors::chat_job>(
      "req-1", std::move(req), [this](actors::chat_reply r) { reply = std::move(r); });
    self->send(gw.router, atom::dispatch_v, job);
    run();
    CAF_REQUIRE(reply.has_value());
    return *reply;
  }

  std::string header(const char* name) const {
    auto* value = upstream::find_header(reply->headers, name);
    return value ? *value : std::string{};
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
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "first");
  CAF_CHECK_EQUAL(header("X-Gateway-Provider"), "p1");
  CAF_CHECK_EQUAL(header("X-Gateway-Model"), "m1");
  CAF_CHECK_EQUAL(header("X-Gateway-Attempts"), "1");
  CAF_CHECK(r.body.find("answer from m1") != std::string::npos);
  CAF_CHECK_EQUAL(transport->calls_for("m2"), 0u);
}

CAF_TEST(the provider actor adds the key and the extra headers) {
  auto p = spec("p1", "secret");
  p.extra_headers = {{"X-Title", "FreeRouter"}};
  start({p}, {make_route("r", "p1", "m1", 1)});
  ask();
  CAF_REQUIRE_EQUAL(transport->seen.size(), 1u);
  auto& req = transport->seen[0];
  CAF_CHECK_EQUAL(req.path, "/chat/completions");
  auto* auth = upstream::find_header(req.headers, "authorization");
  CAF_REQUIRE(auth != nullptr);
  CAF_CHECK_EQUAL(*auth, "Bearer secret");
  auto* title = upstream::find_header(req.headers, "x-title");
  CAF_REQUIRE(title != nullptr);
  CAF_CHECK_EQUAL(*title, "FreeRouter");
}

CAF_TEST(the waterfall asks the route before calling the provider) {
  start({spec("p1")}, {make_route("r", "p1", "m1", 1)});
  job = std::make_shared<actors::chat_job>("req-2", chat(),
                                           [this](actors::chat_reply r) { reply = std::move(r); });
  self->send(gw.router, atom::dispatch_v, job);
  expect((atom::dispatch, actors::chat_job_ptr), from(self).to(gw.router));
  auto& state = deref<actors::router_actor::stateful_base<actors::router_state>>(gw.router).state;
  auto route_handle = state.routes.at("r");
  expect((atom::acquire, actors::attempt_request), from(gw.router).to(route_handle));
  // The route delegates the quota check: the bucket answers the router directly.
  expect((atom::reserve, int64_t), from(gw.router).to(gw.buckets[0]));
  expect((actors::route_ticket), from(gw.buckets[0]).to(gw.router));
  expect((atom::call, upstream::upstream_request), from(gw.router).to(gw.providers[0]));
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
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "fine");
  CAF_CHECK_EQUAL(header("X-Gateway-Attempts"), "1");
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
    CAF_CHECK_EQUAL(header("X-Gateway-Route"), "good");
    CAF_CHECK_EQUAL(header("X-Gateway-Attempts"), "2");
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
  CAF_CHECK_EQUAL(transport->calls_for("mgood"), 0u);
}

CAF_TEST(a requested model is tried first and an unknown one is only a preference) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1), make_route("b", "p1", "mb", 2)});
  ask(chat(R"({"model":"b","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "b");
  ask(chat(R"({"model":"ma","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "a");
  ask(chat(R"({"model":"nothing","messages":[{"role":"user","content":"x"}]})"));
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "a");
}

CAF_TEST(exhaustion answers 503 with every attempt) {
  start({spec("p1"), spec("p2", "")},
        {make_route("a", "p1", "ma", 1), make_route("b", "p2", "mb", 2)});
  transport->script["ma"] = scripted_transport::status_result(503);
  auto& r = ask();
  CAF_CHECK_EQUAL(r.status, 503);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  CAF_REQUIRE(doc.IsObject());
  CAF_CHECK_EQUAL(std::string(doc["error"]["code"].GetString()), "waterfall_exhausted");
  CAF_REQUIRE_EQUAL(doc["error"]["attempts"].Size(), 2u);
  CAF_CHECK_EQUAL(std::string(doc["error"]["attempts"][0]["reason"].GetString()), "provider_5xx");
  CAF_CHECK_EQUAL(doc["error"]["attempts"][0]["status_code"].GetInt(), 503);
  CAF_CHECK_EQUAL(std::string(doc["error"]["attempts"][1]["reason"].GetString()),
                  "missing_api_key");
  CAF_CHECK(doc["error"]["attempts"][1]["status_code"].IsNull());
}

CAF_TEST(a request past its deadline is answered 504 without calling upstream) {
  start({spec("p1")}, {make_route("a", "p1", "ma", 1)});
  reply.reset();
  job = std::make_shared<actors::chat_job>("late", chat(),
                                           [this](actors::chat_reply r) { reply = std::move(r); });
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
  job = std::make_shared<actors::chat_job>("gone", chat(),
                                           [this](actors::chat_reply r) { reply = std::move(r); });
  job->cancel();
  self->send(gw.router, atom::dispatch_v, job);
  run();
  CAF_CHECK(!reply.has_value());
  CAF_CHECK_EQUAL(transport->seen.size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
