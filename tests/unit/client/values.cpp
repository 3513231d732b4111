// The pure parts of the client: request bodies, stream events, status and diagnosis bodies.
#define CAF_SUITE client.values
#include "client/src/request_json.hpp"
#include "client/src/stream_collector.hpp"
#include "client/src/views_json.hpp"
#include "freerouter/client.hpp"

#include <caf/test/unit_test.hpp>

using namespace freerouter;
using namespace freerouter::detail;

CAF_TEST(the request body holds the messages params and extra members) {
  chat_params p;
  p.temperature = 0.5;
  p.max_tokens = 7;
  p.extra_json = R"({"top_p":0.9,"model":"r1"})";
  auto body = chat_request_json({{"user", "hi \"you\""}}, p, true);
  CAF_REQUIRE(body);
  CAF_CHECK_EQUAL(*body,
                  R"({"messages":[{"role":"user","content":"hi \"you\""}],)"
                  R"("temperature":0.5,"max_tokens":7,"top_p":0.9,"model":"r1","stream":true})");
  p.extra_json = "not json";
  auto bad = chat_request_json({}, p, false);
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(bad.error().code, "invalid_request");
}

CAF_TEST(a stream collector counts attempts and ends on done or error) {
  std::vector<stream_event> seen;
  stream_callback cb = [&seen](const stream_event& e) {
    seen.push_back(e);
  };
  stream_collector ok(cb);
  CAF_CHECK(
    ok.feed(R"({"type": "route_trying", "provider": "p", "model_id": "m", "route_id": "r"})"));
  CAF_CHECK(
    ok.feed(R"({"type": "route_selected", "provider": "p", "model_id": "m", "route_id": "r"})"));
  CAF_CHECK(ok.feed(R"({"type": "content", "text": "Hi"})"));
  CAF_CHECK(ok.feed(R"({"type": "future_event"})")); // unknown types are ignored
  CAF_CHECK(!ok.feed(
    R"({"type": "done", "content": "Hi", "provider": "p", "model_id": "m", "route_id": "r"})"));
  auto r = ok.finish("cut");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->attempts, 1);
  CAF_CHECK_EQUAL(r->content, "Hi");
  CAF_CHECK_EQUAL(r->route_id, "r");
  CAF_CHECK_EQUAL(seen.size(), 4u);
  stream_collector failed(cb);
  CAF_CHECK(!failed.feed(
    R"({"type": "error", "message": "gone", "code": "waterfall_exhausted", "status": 503})"));
  auto e = failed.finish("cut");
  CAF_REQUIRE(!e);
  CAF_CHECK_EQUAL(e.error().code, "waterfall_exhausted");
  CAF_CHECK_EQUAL(e.error().http_status, 503);
  stream_collector cut(cb);
  cut.feed(R"({"type": "content", "text": "Hi"})");
  auto c = cut.finish("the gateway closed the stream");
  CAF_REQUIRE(!c);
  CAF_CHECK_EQUAL(c.error().code, "stream_interrupted");
}

CAF_TEST(the diagnosis state is read from the endpoint shape) {
  auto s = parse_diagnosis(R"({"enabled":true,"auto_maintenance_enabled":false,"running":false,
    "run_id":"run-2","last_auto_applied":[],"last_report":{"run_id":"run-2","started_at":1700000000,
    "checked_at":"2026-01-01T00:00:00Z","providers":[{"provider_name":"groq","configured":true,
    "ok":false,"discovered_model_count":4,"new_route_suggestion_count":1,"confirmed_route_count":2,
    "stale_route_suggestion_count":1,"recovered_route_suggestion_count":0,"error":"HTTP 500"}],
    "suggestions":[{"suggestion_id":"s1","action":"add_route","provider_name":"groq",
    "model_id":"m","route_id":"groq-m","title":"Add groq/m","details":"listed","route":{}}]}})");
  CAF_REQUIRE(s);
  CAF_CHECK(s->enabled);
  CAF_CHECK(!s->running);
  CAF_CHECK_EQUAL(s->run_id, "run-2");
  CAF_REQUIRE(s->last_report);
  CAF_CHECK_EQUAL(s->last_report->started_at, "1700000000");
  CAF_REQUIRE_EQUAL(s->last_report->providers.size(), 1u);
  CAF_CHECK_EQUAL(s->last_report->providers[0].error, "HTTP 500");
  CAF_CHECK_EQUAL(s->last_report->providers[0].discovered_models, 4);
  CAF_REQUIRE_EQUAL(s->last_report->suggestions.size(), 1u);
  CAF_CHECK_EQUAL(s->last_report->suggestions[0].action, "add_route");
  auto none =
    parse_diagnosis(R"({"enabled":false,"running":true,"run_id":"r","last_report":null})");
  CAF_REQUIRE(none);
  CAF_CHECK(!none->last_report);
  CAF_CHECK(none->running);
  CAF_CHECK(!parse_diagnosis("[]"));
  auto started = parse_diagnosis_started(R"({"run_id":"run-3","running":true})");
  CAF_REQUIRE(started);
  CAF_CHECK_EQUAL(*started, "run-3");
}

CAF_TEST(models come sorted by rank and status dates the day reset) {
  auto m = parse_models(R"({"object":"list","data":[{"route_id":"b","rank":2,"enabled":false},
    {"route_id":"a","rank":1,"tags":["text","fast"],"health":{"status":"rate_limited"}}]})");
  CAF_REQUIRE(m);
  CAF_REQUIRE_EQUAL(m->size(), 2u);
  CAF_CHECK_EQUAL(m->at(0).route_id, "a");
  CAF_CHECK_EQUAL(m->at(0).health, "rate_limited");
  CAF_CHECK_EQUAL(m->at(0).tags.size(), 2u);
  CAF_CHECK(!m->at(1).enabled);
  // 2024-01-01T23:00:00Z: one hour to UTC midnight.
  auto s = parse_status(R"({"data":[{"name":"p","requests_today":3,"limits":{"requests_per_day":50,
    "requests_per_minute":null},"day_reset_timezone":"UTC","models":[{},{}]}]})",
                        int64_t{1704150000} * 1000);
  CAF_REQUIRE(s);
  CAF_REQUIRE_EQUAL(s->size(), 1u);
  CAF_CHECK_EQUAL(s->at(0).requests_day.used, 3);
  CAF_CHECK(s->at(0).requests_day.limit == 50);
  CAF_CHECK(!s->at(0).requests_minute.limit);
  CAF_CHECK(s->at(0).seconds_until_day_reset == 3600);
  CAF_CHECK_EQUAL(s->at(0).route_count, 2);
  CAF_CHECK(!parse_status("{}", 0));
}

CAF_TEST(the result as json embeds the provider body) {
  chat_result r;
  r.content = "hi";
  r.provider = "p";
  r.attempts = 2;
  r.body = R"({"id":"x"})";
  CAF_CHECK_EQUAL(to_json(r), R"({"content":"hi","provider":"p","route_id":"","model_id":"",)"
                              R"("attempts":2,"body":{"id":"x"}})");
  r.body.clear();
  CAF_CHECK(to_json(r).find(R"("body":null)") != std::string::npos);
}
