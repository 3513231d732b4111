#define CAF_SUITE persistence.usage_series

#include "persistence/usage_series.hpp"

#include "persistence/schema.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using namespace gw;
using namespace gw::persistence;

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t hour = 60 * minute;
// A whole hour, so that bucket edges are easy to state.
constexpr int64_t now = 1'700'002'800'000;

persistence::usage_event event(std::string route_id, std::string outcome, int64_t at_ms,
                               int64_t tokens = 0) {
  persistence::usage_event e;
  e.route_id = std::move(route_id);
  e.provider_name = "p1";
  e.model_id = "m";
  e.outcome = std::move(outcome);
  e.status_code = 200;
  e.total_tokens = tokens;
  e.prompt_tokens = tokens / 2;
  e.completion_tokens = tokens - tokens / 2;
  e.at_ms = at_ms;
  return e;
}

} // namespace

CAF_TEST(the window is clamped and never holds more than max_series_points buckets) {
  auto w = make_series_window(now, 24, 1);
  // 24 h / 200 = 7.2 minutes, widened to whole minutes.
  CAF_CHECK_EQUAL(w.bucket_ms, 8 * minute);
  CAF_CHECK_LESS_OR_EQUAL((w.to_ms - w.from_ms) / w.bucket_ms, max_series_points);
  CAF_CHECK_EQUAL(w.from_ms % w.bucket_ms, 0);
  auto week = make_series_window(now, 100000, -3);
  CAF_CHECK_LESS_OR_EQUAL(week.to_ms - week.from_ms, 168 * hour);
  auto hourly = make_series_window(now, 6, 10);
  CAF_CHECK_EQUAL(hourly.bucket_ms, 10 * minute);
  CAF_CHECK_EQUAL(hourly.from_ms, now - 6 * hour + 10 * minute);
}

CAF_TEST(events are grouped per route and bucket inside the window only) {
  auto store = state_store::open(":memory:", 1000);
  CAF_REQUIRE(store.has_value());
  auto w = make_series_window(now, 6, 10);
  std::vector<persistence::usage_event> events = {
    event("a", "success", now - 5 * minute, 40),  event("a", "success", now - 4 * minute, 60),
    event("a", "rate_limited", now - 3 * minute), event("a", "success", now - 25 * minute, 10),
    event("b", "provider_5xx", now - 2 * minute), event("a", "success", now - 7 * hour, 99),
  };
  CAF_REQUIRE(!(*store)->write_batch({}, {}, events).has_value());
  auto routes = (*store)->load_usage_series(w);
  CAF_REQUIRE(routes.has_value());
  CAF_REQUIRE_EQUAL(routes->size(), 2u);
  const auto& a = routes->at(0);
  CAF_CHECK_EQUAL(a.route_id, "a");
  // The 7-hour-old event is outside the window.
  CAF_CHECK_EQUAL(a.requests, 4);
  CAF_REQUIRE_EQUAL(a.points.size(), 2u);
  CAF_CHECK_EQUAL(a.points[0].requests, 1);
  CAF_CHECK_EQUAL(a.points[0].total_tokens, 10);
  CAF_CHECK_EQUAL(a.points[1].bucket_start_ms, now - 10 * minute);
  CAF_CHECK_EQUAL(a.points[1].requests, 3);
  CAF_CHECK_EQUAL(a.points[1].successes, 2);
  CAF_CHECK_EQUAL(a.points[1].failures, 1);
  CAF_CHECK_EQUAL(a.points[1].total_tokens, 100);
  CAF_CHECK_EQUAL(routes->at(1).points.at(0).failures, 1);
  auto json = usage_series_json(w, *routes);
  CAF_CHECK(json.find(R"("bucket_seconds":600)") != std::string::npos);
  CAF_CHECK(json.find(R"([)" + std::to_string((now - 10 * minute) / 1000) + ",3,2,1,50,50,100]")
            != std::string::npos);
}

CAF_TEST(pruning the event log prunes the per minute usage too) {
  auto store = state_store::open(":memory:", 1000);
  CAF_REQUIRE(store.has_value());
  CAF_REQUIRE(
    !(*store)
       ->write_batch({}, {}, {event("a", "success", now - 3 * hour), event("a", "success", now)})
       .has_value());
  auto deleted = (*store)->prune_events(now - hour);
  CAF_REQUIRE(deleted.has_value());
  CAF_CHECK_EQUAL(*deleted, 1);
  auto routes = (*store)->load_usage_series(make_series_window(now, 6, 10));
  CAF_REQUIRE(routes.has_value());
  CAF_REQUIRE_EQUAL(routes->size(), 1u);
  CAF_CHECK_EQUAL(routes->front().requests, 1);
}

CAF_TEST(a version 1 database gets its per minute usage from the logged events) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  {
    auto store = state_store::open(path, 1000);
    CAF_REQUIRE(store.has_value());
    CAF_REQUIRE(
      !(*store)->write_batch({}, {}, {event("a", "success", now - minute, 8)}).has_value());
  }
  {
    // Back to what a version 1 binary left: the events, no minute table.
    auto db = database::open(path);
    CAF_REQUIRE(db.has_value());
    CAF_REQUIRE(!db->exec("DROP TABLE route_usage_minutes").has_value());
    CAF_REQUIRE(!db->exec("DROP TABLE diagnosis_runs").has_value());
    CAF_REQUIRE(!db->exec("DROP TABLE supervisor_verdicts").has_value());
    CAF_REQUIRE(!db->exec("DELETE FROM schema_version WHERE version >= 2").has_value());
  }
  auto store = state_store::open(path, 1000);
  CAF_REQUIRE(store.has_value());
  CAF_CHECK_EQUAL((*store)->schema_version(), persistence::latest_schema_version());
  auto routes = (*store)->load_usage_series(make_series_window(now, 1, 1));
  CAF_REQUIRE(routes.has_value());
  CAF_REQUIRE_EQUAL(routes->size(), 1u);
  CAF_CHECK_EQUAL(routes->front().points.at(0).total_tokens, 8);
}
