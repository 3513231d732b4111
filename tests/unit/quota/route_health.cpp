#define CAF_SUITE quota.route_health
#include "catalog/route_health.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace gw::catalog;

namespace {

constexpr int64_t sec = 1000;
// (97 + 98 + 99) % 60 = 54 s of jitter.
constexpr const char* route_id = "abc";
constexpr int64_t jitter = 54 * sec;

void check_skip(const health_verdict& v, const std::string& reason, int64_t retry_at_ms) {
  CAF_CHECK(!v.usable);
  CAF_CHECK(!v.probe);
  CAF_CHECK_EQUAL(v.skip_reason, reason);
  CAF_CHECK_EQUAL(v.retry_at_ms, retry_at_ms);
}

} // namespace

CAF_TEST(status names round trip and unknown names are rejected) {
  for (auto status : {health_status::active, health_status::rate_limited, health_status::too_slow,
                      health_status::potentially_outdated}) {
    CAF_CHECK(health_status_from(to_string(status)) == status);
  }
  CAF_CHECK_EQUAL(std::string{to_string(health_status::potentially_outdated)},
                  "potentially_outdated");
  CAF_CHECK(!health_status_from("Active").has_value());
  CAF_CHECK(!health_status_from("").has_value());
}

CAF_TEST(jitter is the byte sum of the route id modulo sixty seconds) {
  CAF_CHECK_EQUAL(jitter_ms("abc"), jitter);
  CAF_CHECK_EQUAL(jitter_ms(""), 0);
  CAF_CHECK_EQUAL(jitter_ms("<"), 0);                                // 60
  CAF_CHECK_EQUAL(jitter_ms("groq/llama-3.1-8b-instant"), 51 * sec); // 2211
}

CAF_TEST(two model not found answers mark the route potentially outdated) {
  route_health h;
  on_model_not_found(h, 1000, 404);
  CAF_CHECK(h.status == health_status::active);
  CAF_CHECK_EQUAL(h.reason, "model_not_found_404");
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK(evaluate(h, 1000, true).usable);
  on_model_not_found(h, 2000, 0);
  CAF_CHECK(h.status == health_status::potentially_outdated);
  CAF_CHECK_EQUAL(h.reason, "model_not_found_unknown");
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  CAF_CHECK_EQUAL(h.updated_ms, 2000);
  check_skip(evaluate(h, 3000, true), "potentially_outdated", 0);
  check_skip(evaluate(h, 1'000'000'000, true), "potentially_outdated", 0);
}

CAF_TEST(rate limited routes are probed once next_probe_at has come and a probe is allowed) {
  route_health h;
  on_rate_limited(h, route_id, 1000, 0, 429);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK_EQUAL(h.reason, "provider_429");
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 1000 + 60 * sec);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, h.rate_limited_until_ms + jitter);
  CAF_CHECK(h.next_probe_at_ms > h.rate_limited_until_ms);
  check_skip(evaluate(h, 1000, true), "route_rate_limited", h.next_probe_at_ms);
  check_skip(evaluate(h, h.next_probe_at_ms - 1, true), "route_rate_limited", h.next_probe_at_ms);
  const int64_t due = h.next_probe_at_ms;
  check_skip(evaluate(h, due, false), "route_rate_limited", due + sec);
  CAF_CHECK(!h.probe_in_flight);
  auto probe = evaluate(h, due, true);
  CAF_CHECK(probe.usable);
  CAF_CHECK(probe.probe);
  CAF_CHECK_EQUAL(probe.probe_reason, "rate_limit_probe");
  CAF_CHECK_EQUAL(probe.skip_reason, "");
  CAF_CHECK(h.probe_in_flight);
}

CAF_TEST(two timeouts in a row make the route too slow) {
  route_health h;
  on_timeout(h, route_id, 1000);
  CAF_CHECK(h.status == health_status::active);
  CAF_CHECK_EQUAL(h.reason, "request_timeout");
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 0);
  CAF_CHECK(evaluate(h, 1000, false).usable);
  on_timeout(h, route_id, 2000);
  CAF_CHECK(h.status == health_status::too_slow);
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 2000 + 120 * sec + jitter);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, h.rate_limited_until_ms);
  check_skip(evaluate(h, 2000, true), "route_too_slow", h.next_probe_at_ms);
  auto probe = evaluate(h, h.next_probe_at_ms, true);
  CAF_CHECK(probe.probe);
  CAF_CHECK_EQUAL(probe.probe_reason, "too_slow_probe");
}

CAF_TEST(too slow backoff doubles from 120 seconds up to an hour) {
  route_health h;
  on_timeout(h, route_id, 0);
  const std::vector<int64_t> expected{120, 240, 480, 960, 1920, 3600, 3600};
  for (size_t i = 0; i < expected.size(); ++i) {
    const int64_t now = static_cast<int64_t>(i + 1) * 10'000 * sec;
    on_timeout(h, route_id, now);
    CAF_CHECK_EQUAL(h.consecutive_failures, static_cast<int64_t>(i) + 2);
    CAF_CHECK_EQUAL(h.rate_limited_until_ms - now - jitter, expected[i] * sec);
  }
}

CAF_TEST(not found twice then clear makes the route active again) {
  route_health h;
  on_model_not_found(h, 1000, 404);
  on_model_not_found(h, 2000, 404);
  CAF_REQUIRE(h.status == health_status::potentially_outdated);
  clear(h, 3000);
  CAF_CHECK(h.status == health_status::active);
  CAF_CHECK_EQUAL(h.consecutive_failures, 0);
  CAF_CHECK_EQUAL(h.reason, "");
  CAF_CHECK_EQUAL(h.updated_ms, 3000);
  auto v = evaluate(h, 3000, false);
  CAF_CHECK(v.usable);
  CAF_CHECK(!v.probe);
}

CAF_TEST(rate limit backoff runs 60 120 240 480 960 1920 1920 seconds) {
  route_health h;
  const std::vector<int64_t> expected{60, 120, 240, 480, 960, 1920, 1920};
  for (size_t i = 0; i < expected.size(); ++i) {
    const int64_t now = static_cast<int64_t>(i) * 10'000 * sec;
    on_rate_limited(h, route_id, now, 0, 429);
    CAF_CHECK_EQUAL(h.consecutive_failures, static_cast<int64_t>(i) + 1);
    CAF_CHECK_EQUAL(h.rate_limited_until_ms - now, expected[i] * sec);
    CAF_CHECK_EQUAL(h.next_probe_at_ms - h.rate_limited_until_ms, jitter);
    CAF_CHECK_EQUAL(h.updated_ms, now);
  }
}

CAF_TEST(a hinted reset time replaces the fallback backoff) {
  route_health h;
  on_timeout(h, route_id, 0);
  on_timeout(h, route_id, 0); // too_slow: a 429 starts counting afresh
  on_rate_limited(h, route_id, 5000, 5000 + 7 * sec, 503);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK_EQUAL(h.reason, "provider_503");
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 12 * sec);
  // The provider named the instant: no jitter, so Retry-After can promise it.
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 12 * sec);
  check_skip(evaluate(h, 11 * sec, true), "route_rate_limited", 12 * sec);
  CAF_CHECK(evaluate(h, 12 * sec, true).probe);
}

CAF_TEST(a remaining counter at zero rests the route until the hint without counting a failure) {
  route_health h;
  on_remaining_exhausted(h, 5 * sec, 35 * sec);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK_EQUAL(h.reason, "remaining_exhausted");
  CAF_CHECK_EQUAL(h.consecutive_failures, 0);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 35 * sec);
  check_skip(evaluate(h, 34 * sec, true), "route_rate_limited", 35 * sec);
  auto probe = evaluate(h, 35 * sec, true);
  CAF_CHECK(probe.probe);
  // A 429 on that probe is the first failure of the backoff.
  on_rate_limited(h, route_id, 35 * sec, 0, 429);
  CAF_CHECK_EQUAL(h.consecutive_failures, 1);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 95 * sec);
  // Without a hint, or with one already past, the route rests for the default minute.
  on_remaining_exhausted(h, 100 * sec, 0);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 100 * sec + remaining_cooldown_ms);
  on_remaining_exhausted(h, 200 * sec, 150 * sec);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 200 * sec + remaining_cooldown_ms);
}

CAF_TEST(only one probe of a recovering route is in flight at a time) {
  route_health h;
  on_rate_limited(h, route_id, 0, 0, 429);
  const int64_t due = h.next_probe_at_ms;
  CAF_REQUIRE(evaluate(h, due, true).probe);
  check_skip(evaluate(h, due, true), "route_rate_limited", due + sec);
  check_skip(evaluate(h, due + 500, true), "route_rate_limited", due + 500 + sec);
  // The probe failed with a 5xx: still rate limited, probed again one backoff step later.
  on_other_failure(h, route_id, due + 2 * sec);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK(!h.probe_in_flight);
  CAF_CHECK_EQUAL(h.updated_ms, due + 2 * sec);
  const int64_t again = due + 2 * sec + 60 * sec + jitter;
  CAF_CHECK_EQUAL(h.next_probe_at_ms, again);
  check_skip(evaluate(h, again - 1, true), "route_rate_limited", again);
  CAF_REQUIRE(evaluate(h, again, true).probe);
  check_skip(evaluate(h, again, true), "route_rate_limited", again + sec);
  on_success(h, again + sec);
  CAF_CHECK(h.status == health_status::active);
  CAF_CHECK(!h.probe_in_flight);
  CAF_CHECK_EQUAL(h.consecutive_failures, 0);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, 0);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 0);
  CAF_CHECK(evaluate(h, again + sec, false).usable);
  CAF_CHECK(evaluate(h, again + sec, false).usable);
}

CAF_TEST(an abandoned or lost probe hands the probe to the next request) {
  route_health h;
  on_rate_limited(h, route_id, 0, 0, 429);
  const int64_t due = h.next_probe_at_ms;
  CAF_REQUIRE(evaluate(h, due, true).probe);
  on_probe_abandoned(h, due + sec);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, due);
  CAF_REQUIRE(evaluate(h, due + sec, true).probe);
  // Nobody reports back: after the lease the route is probed again.
  check_skip(evaluate(h, due + sec + probe_lease_ms - 1, true), "route_rate_limited",
             due + probe_lease_ms + 2 * sec - 1);
  CAF_CHECK(evaluate(h, due + sec + probe_lease_ms, true).probe);
}

CAF_TEST(a timed out probe of a rate limited route keeps it rate limited) {
  route_health h;
  on_rate_limited(h, route_id, 0, 0, 429);
  const int64_t due = h.next_probe_at_ms;
  CAF_REQUIRE(evaluate(h, due, true).probe);
  on_timeout(h, route_id, due + 30 * sec);
  CAF_CHECK(h.status == health_status::rate_limited);
  CAF_CHECK_EQUAL(h.reason, "provider_429");
  CAF_CHECK(!h.probe_in_flight);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, due + 30 * sec + 60 * sec + jitter);
}

CAF_TEST(other failures leave active and outdated routes as they are) {
  route_health h;
  on_other_failure(h, route_id, 1000);
  CAF_CHECK(h.status == health_status::active);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 0);
  CAF_CHECK_EQUAL(h.updated_ms, 1000);
  on_model_not_found(h, 2000, 404);
  on_model_not_found(h, 3000, 404);
  on_other_failure(h, route_id, 4000);
  CAF_CHECK(h.status == health_status::potentially_outdated);
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, 0);
}
