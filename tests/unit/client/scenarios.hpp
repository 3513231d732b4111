// The checks every client mode must pass, written once: remote.cpp and embedded.cpp run each
// of them on a client of their mode over the same data dir layout (gateway_fixture.hpp).
#pragma once

#include "tests/unit/client/gateway_fixture.hpp"

#include <caf/test/unit_test.hpp>

namespace gw::client_testing {

/// Catalogs of the scenarios.
inline std::vector<route_spec> answering_catalog() {
  return {{"p1-ok", "p1", "ok;content=hello"}};
}
inline std::vector<route_spec> failover_stream_catalog() {
  return {{"p2-down", "p2", "status;code=500"}, {"p1-stream", "p1", "stream;chunks=3"}};
}
inline std::vector<route_spec> failing_catalog() {
  return {{"p2-down", "p2", "status;code=500"}};
}
inline std::vector<route_spec> cut_stream_catalog() {
  return {{"p2-cut", "p2", "stream;chunks=5;cut_after=2"}};
}
inline std::vector<route_spec> quota_catalog() {
  return {{"p1-ok", "p1", "ok"}};
}

inline void check_answers(freerouter::client& c) {
  auto r = c.chat({{"user", "hello"}});
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->content, "hello");
  CAF_CHECK_EQUAL(r->provider, "p1");
  CAF_CHECK_EQUAL(r->route_id, "p1-ok");
  CAF_CHECK_EQUAL(r->model_id, "ok;content=hello");
  CAF_CHECK_EQUAL(r->attempts, 1);
  CAF_CHECK(r->body.find("\"chat.completion\"") != std::string::npos);
  auto text = c.ask("hello again");
  CAF_REQUIRE(text);
  CAF_CHECK_EQUAL(*text, "hello");
  auto models = c.models();
  CAF_REQUIRE(models);
  CAF_REQUIRE_EQUAL(models->size(), 1u);
  CAF_CHECK_EQUAL(models->front().route_id, "p1-ok");
  CAF_CHECK_EQUAL(models->front().health, "active");
  auto status = c.status();
  CAF_REQUIRE(status);
  bool found = false;
  for (const auto& p : *status) {
    if (p.name == "p1") {
      found = true;
      CAF_CHECK(p.configured);
      CAF_CHECK_EQUAL(p.requests_day.used, 2);
      CAF_CHECK(p.requests_day.limit && *p.requests_day.limit == 50);
      CAF_CHECK(p.seconds_until_day_reset && *p.seconds_until_day_reset <= 86400);
    }
  }
  CAF_CHECK(found);
}

inline void check_stream_order(freerouter::client& c) {
  std::vector<freerouter::stream_event> events;
  auto r = c.chat_stream({{"user", "hello"}}, {},
                         [&events](const freerouter::stream_event& e) { events.push_back(e); });
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(kinds(events), "route_trying route_fail route_trying route_selected content "
                                 "content content usage done");
  CAF_REQUIRE_EQUAL(events.size(), 9u);
  CAF_CHECK_EQUAL(events[0].route_id, "p2-down");
  CAF_CHECK_EQUAL(events[1].route_id, "p2-down");
  CAF_CHECK_EQUAL(events[1].reason, "provider_5xx");
  CAF_CHECK_EQUAL(events[3].route_id, "p1-stream");
  CAF_CHECK_EQUAL(events[3].provider, "p1");
  CAF_CHECK_EQUAL(events[4].text + events[5].text + events[6].text, "tok0 tok1 tok2 ");
  CAF_CHECK_EQUAL(events[7].total_tokens, events[7].prompt_tokens + events[7].completion_tokens);
  CAF_CHECK_EQUAL(events[8].text, "tok0 tok1 tok2 ");
  CAF_CHECK_EQUAL(r->content, "tok0 tok1 tok2 ");
  CAF_CHECK_EQUAL(r->route_id, "p1-stream");
  CAF_CHECK_EQUAL(r->attempts, 2);
}

inline void check_exhausted(freerouter::client& c) {
  auto r = c.chat({{"user", "hello"}});
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.error().code, "waterfall_exhausted");
  CAF_CHECK_EQUAL(r.error().http_status, 503);
  std::vector<freerouter::stream_event> events;
  auto s = c.chat_stream({{"user", "hello"}}, {},
                         [&events](const freerouter::stream_event& e) { events.push_back(e); });
  CAF_REQUIRE(!s);
  CAF_CHECK_EQUAL(s.error().code, "waterfall_exhausted");
  CAF_CHECK_EQUAL(s.error().http_status, 503);
  CAF_CHECK_EQUAL(kinds(events), "route_trying route_fail");
  // Refused by the gateway's validation (no messages) and by the client (extra_json).
  auto empty = c.chat({});
  CAF_REQUIRE(!empty);
  CAF_CHECK_EQUAL(empty.error().code, "invalid_request");
  CAF_CHECK_EQUAL(empty.error().http_status, 400);
  freerouter::chat_params bad;
  bad.extra_json = "[1]";
  auto rejected = c.chat({{"user", "hello"}}, bad);
  CAF_REQUIRE(!rejected);
  CAF_CHECK_EQUAL(rejected.error().code, "invalid_request");
}

inline void check_cut_stream(freerouter::client& c) {
  std::string text;
  auto r = c.chat_stream({{"user", "hello"}}, {}, [&text](const freerouter::stream_event& e) {
    if (e.kind == freerouter::event_kind::content) {
      text += e.text;
    }
  });
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.error().code, "stream_interrupted");
  CAF_CHECK_EQUAL(text, "tok0 tok1 ");
}

/// 100 threads, one client, a provider that allows 50 requests a day: exactly 50 reach it.
inline void check_quota_is_exact(freerouter::client& c, const fake_process& fake) {
  auto outcome = chat_from_threads(c, 100);
  CAF_CHECK_EQUAL(outcome.served, 50);
  CAF_CHECK_EQUAL(outcome.exhausted, 50);
  CAF_CHECK(outcome.other_errors.empty());
  for (const auto& e : outcome.other_errors) {
    CAF_MESSAGE("unexpected: " << e);
  }
  CAF_CHECK_EQUAL(upstream_calls(fake, "p1"), 50u);
}

} // namespace gw::client_testing
