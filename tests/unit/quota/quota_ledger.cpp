#define CAF_SUITE quota.ledger
#include "catalog/quota_ledger.hpp"

#include "catalog/day_clock.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

using gw::catalog::day_clock;
using gw::catalog::quota_decision;
using gw::catalog::quota_ledger;
using gw::catalog::quota_limits;
using gw::catalog::quota_snapshot;

namespace {

constexpr int64_t sec = 1000;
constexpr int64_t hour = 3600 * sec;
// 2024-01-15 12:00 UTC; the next UTC midnight is 12 h later.
constexpr int64_t noon = int64_t{1705320000} * sec;
constexpr int64_t utc_midnight = noon + 12 * hour;
// 2024-01-16 00:00 in Los Angeles (PST, UTC-8).
constexpr int64_t la_midnight = int64_t{1705392000} * sec;

struct limits_builder {
  std::optional<int64_t> rpm, rpd, tpm, tpd;
  quota_limits build() const {
    quota_limits l;
    l.requests_per_minute = rpm;
    l.requests_per_day = rpd;
    l.tokens_per_minute = tpm;
    l.tokens_per_day = tpd;
    return l;
  }
};

quota_ledger utc_ledger(limits_builder l) {
  return quota_ledger{l.build(), day_clock{}};
}

quota_ledger la_ledger(limits_builder l) {
  auto la = day_clock::load("America/Los_Angeles");
  CAF_REQUIRE(la.has_value());
  return quota_ledger{l.build(), *la};
}

void check_denied(const quota_decision& d, const std::string& reason, int64_t retry_at_ms) {
  CAF_CHECK(!d.granted);
  CAF_CHECK_EQUAL(d.reason, reason);
  CAF_CHECK_EQUAL(d.retry_at_ms, retry_at_ms);
  CAF_CHECK_EQUAL(d.reservation_id, 0u);
}

void check_same(const quota_snapshot& a, const quota_snapshot& b) {
  CAF_CHECK_EQUAL(a.day, b.day);
  CAF_CHECK_EQUAL(a.requests_today, b.requests_today);
  CAF_CHECK_EQUAL(a.tokens_today, b.tokens_today);
  CAF_CHECK_EQUAL(a.minute_times_ms, b.minute_times_ms);
  CAF_CHECK_EQUAL(a.minute_tokens, b.minute_tokens);
  CAF_CHECK_EQUAL(a.cooldown_until_ms, b.cooldown_until_ms);
  CAF_CHECK_EQUAL(a.key_failing, b.key_failing);
  CAF_CHECK_EQUAL(a.requests_this_minute, b.requests_this_minute);
  CAF_CHECK_EQUAL(a.tokens_this_minute, b.tokens_this_minute);
}

} // namespace

CAF_TEST(today gives the day counters of the snapshot without its minute window) {
  auto ledger = utc_ledger({100, 10, {}, {}});
  CAF_CHECK(ledger.reserve(noon, 7).granted);
  CAF_CHECK(ledger.reserve(noon + sec, 5).granted);
  auto today = ledger.today(noon + 2 * sec);
  auto full = ledger.snapshot(noon + 2 * sec);
  CAF_CHECK_EQUAL(today.day, full.day);
  CAF_CHECK_EQUAL(today.requests, 2);
  CAF_CHECK_EQUAL(today.tokens, 12);
  // On a later day the counters are zero, as in the snapshot, before any reservation rolls it.
  auto tomorrow = ledger.today(utc_midnight);
  CAF_CHECK_EQUAL(tomorrow.day, "2024-01-16");
  CAF_CHECK_EQUAL(tomorrow.requests, 0);
  CAF_CHECK_EQUAL(tomorrow.tokens, 0);
}

CAF_TEST(the minute window slides instead of tumbling) {
  auto ledger = utc_ledger({2, {}, {}, {}});
  CAF_CHECK(ledger.reserve(0, 0).granted);
  CAF_CHECK(ledger.reserve(30 * sec, 0).granted);
  check_denied(ledger.reserve(45 * sec, 0), "rpm_limit", 60 * sec);
  CAF_CHECK(ledger.reserve(60 * sec + 1, 0).granted);
  // Now t = 30 s and t = 60.001 s are in the window: the next slot frees at 90 s.
  check_denied(ledger.reserve(60 * sec + 2, 0), "rpm_limit", 90 * sec);
  CAF_CHECK_EQUAL(ledger.snapshot(60 * sec + 2).requests_this_minute, 2);
}

CAF_TEST(reaching the daily token limit exactly is allowed and one more token is not ) {
  auto exact = utc_ledger({{}, {}, {}, 10});
  CAF_CHECK(exact.reserve(noon, 10).granted);
  CAF_CHECK(exact.reserve(noon, 0).granted);
  check_denied(exact.reserve(noon, 1), "daily_token_limit", utc_midnight);

  auto ledger = utc_ledger({{}, {}, {}, 100});
  check_denied(ledger.reserve(noon, 101), "daily_token_limit", 0); // never fits in a day
  CAF_CHECK(ledger.reserve(noon, 60).granted);
  check_denied(ledger.reserve(noon, 41), "daily_token_limit", utc_midnight);
  CAF_CHECK(ledger.reserve(noon, 40).granted);
  CAF_CHECK_EQUAL(ledger.snapshot(noon).tokens_today, 100);
}

CAF_TEST(the daily request limit holds until the next midnight) {
  auto ledger = utc_ledger({{}, 2, {}, {}});
  CAF_CHECK(ledger.reserve(noon, 0).granted);
  CAF_CHECK(ledger.reserve(noon + hour, 0).granted);
  check_denied(ledger.reserve(noon + 2 * hour, 0), "daily_request_limit", utc_midnight);
  check_denied(ledger.reserve(utc_midnight - 1, 0), "daily_request_limit", utc_midnight);
  CAF_CHECK(ledger.reserve(utc_midnight, 0).granted);
  CAF_CHECK_EQUAL(ledger.snapshot(utc_midnight).day, "2024-01-16");
  CAF_CHECK_EQUAL(ledger.snapshot(utc_midnight).requests_today, 1);
}

CAF_TEST(the minute token limit retries when enough tokens leave the window) {
  auto ledger = utc_ledger({{}, {}, 100, {}});
  CAF_CHECK(ledger.reserve(noon, 60).granted);
  CAF_CHECK(ledger.reserve(noon + 10 * sec, 30).granted);
  check_denied(ledger.reserve(noon + 20 * sec, 20), "tpm_limit", noon + 60 * sec);
  check_denied(ledger.reserve(noon + 20 * sec, 80), "tpm_limit", noon + 70 * sec);
  check_denied(ledger.reserve(noon + 20 * sec, 101), "tpm_limit", 0);
  CAF_CHECK(ledger.reserve(noon + 20 * sec, 10).granted); // exactly 100
  CAF_CHECK(ledger.reserve(noon + 60 * sec, 20).granted); // the 60 left
  CAF_CHECK_EQUAL(ledger.snapshot(noon + 60 * sec).tokens_this_minute, 60);
}

CAF_TEST(cooldown comes before a failing key and a failing key before the limits) {
  auto ledger = utc_ledger({1, {}, {}, 5});
  CAF_CHECK(ledger.reserve(noon, 1).granted);
  ledger.cool_down_until(noon + 30 * sec);
  ledger.cool_down_until(noon + 10 * sec); // an earlier end does not shorten it
  ledger.set_key_failing(true);
  check_denied(ledger.reserve(noon + sec, 100), "cooldown", noon + 30 * sec);
  check_denied(ledger.reserve(noon + 30 * sec, 100), "auth_failed", 0);
  ledger.set_key_failing(false);
  check_denied(ledger.reserve(noon + 30 * sec, 100), "daily_token_limit", 0);
  check_denied(ledger.reserve(noon + 30 * sec, 1), "rpm_limit", noon + 60 * sec);
  CAF_CHECK(ledger.reserve(noon + 60 * sec, 1).granted);
  ledger.cool_down_until(noon + 2 * hour);
  CAF_CHECK_EQUAL(ledger.snapshot(noon + 61 * sec).cooldown_until_ms, noon + 2 * hour);
}

CAF_TEST(a call that never reached the provider gives its request and tokens back) {
  auto ledger = utc_ledger({1, {}, {}, 100});
  auto first = ledger.reserve(noon, 50);
  CAF_REQUIRE(first.granted);
  check_denied(ledger.reserve(noon + sec, 10), "rpm_limit", noon + 60 * sec);
  ledger.settle(noon + 2 * sec, first.reservation_id, 0, false);
  auto s = ledger.snapshot(noon + 2 * sec);
  CAF_CHECK_EQUAL(s.requests_today, 0);
  CAF_CHECK_EQUAL(s.tokens_today, 0);
  CAF_CHECK_EQUAL(s.requests_this_minute, 0);
  CAF_CHECK_EQUAL(s.tokens_this_minute, 0);
  auto second = ledger.reserve(noon + 3 * sec, 100);
  CAF_REQUIRE(second.granted);
  CAF_CHECK_NOT_EQUAL(second.reservation_id, first.reservation_id);
}

CAF_TEST(real usage replaces the reserved tokens up and down) {
  auto ledger = utc_ledger({{}, {}, 1000, 1000});
  auto up = ledger.reserve(noon, 100);
  ledger.settle(noon + sec, up.reservation_id, 250, true);
  auto s = ledger.snapshot(noon + sec);
  CAF_CHECK_EQUAL(s.requests_today, 1);
  CAF_CHECK_EQUAL(s.tokens_today, 250);
  CAF_CHECK_EQUAL(s.tokens_this_minute, 250);
  auto down = ledger.reserve(noon + 2 * sec, 50);
  ledger.settle(noon + 3 * sec, down.reservation_id, 10, true);
  s = ledger.snapshot(noon + 3 * sec);
  CAF_CHECK_EQUAL(s.requests_today, 2);
  CAF_CHECK_EQUAL(s.tokens_today, 260);
  CAF_CHECK_EQUAL(s.minute_tokens, (std::vector<int64_t>{250, 10}));
  // Settling twice changes nothing.
  ledger.settle(noon + 4 * sec, down.reservation_id, 999, true);
  ledger.settle(noon + 4 * sec, down.reservation_id, 0, false);
  CAF_CHECK_EQUAL(ledger.snapshot(noon + 4 * sec).tokens_today, 260);
  CAF_CHECK_EQUAL(ledger.snapshot(noon + 4 * sec).requests_today, 2);
}

CAF_TEST(settling after the entry left the minute adjusts only the day counters) {
  auto ledger = utc_ledger({{}, {}, {}, {}});
  auto reached = ledger.reserve(noon, 100);
  auto failed = ledger.reserve(noon, 30);
  ledger.settle(noon + 61 * sec, reached.reservation_id, 40, true);
  ledger.settle(noon + 61 * sec, failed.reservation_id, 0, false);
  auto s = ledger.snapshot(noon + 61 * sec);
  CAF_CHECK_EQUAL(s.requests_today, 1);
  CAF_CHECK_EQUAL(s.tokens_today, 40);
  CAF_CHECK_EQUAL(s.requests_this_minute, 0);
  CAF_CHECK_EQUAL(s.tokens_this_minute, 0);
}

CAF_TEST(settling after the day rolled over leaves the new day alone) {
  auto ledger = la_ledger({{}, {}, 100000, {}});
  auto late = ledger.reserve(la_midnight - 10 * sec, 100);
  auto gone = ledger.reserve(la_midnight - 10 * sec, 100);
  ledger.settle(la_midnight + 10 * sec, late.reservation_id, 500, true);
  ledger.settle(la_midnight + 10 * sec, gone.reservation_id, 0, false);
  auto s = ledger.snapshot(la_midnight + 10 * sec);
  CAF_CHECK_EQUAL(s.day, "2024-01-16");
  CAF_CHECK_EQUAL(s.requests_today, 0);
  CAF_CHECK_EQUAL(s.tokens_today, 0);
  // The minute window does not care about days: the reached call now weighs 500 tokens.
  CAF_CHECK_EQUAL(s.minute_tokens, (std::vector<int64_t>{500}));
}

CAF_TEST(the day rolls over at los angeles midnight and keeps the cooldown) {
  auto ledger = la_ledger({{}, 1, {}, 1000});
  CAF_CHECK(ledger.reserve(la_midnight - 9 * hour, 300).granted);
  // UTC midnight (16:00 PST) is not the provider's midnight.
  auto s = ledger.snapshot(la_midnight - 7 * hour);
  CAF_CHECK_EQUAL(s.day, "2024-01-15");
  CAF_CHECK_EQUAL(s.requests_today, 1);
  CAF_CHECK_EQUAL(s.tokens_today, 300);
  check_denied(ledger.reserve(la_midnight - hour, 0), "daily_request_limit", la_midnight);
  ledger.cool_down_until(la_midnight + hour);
  s = ledger.snapshot(la_midnight + 1);
  CAF_CHECK_EQUAL(s.day, "2024-01-16");
  CAF_CHECK_EQUAL(s.requests_today, 0);
  CAF_CHECK_EQUAL(s.tokens_today, 0);
  CAF_CHECK_EQUAL(s.cooldown_until_ms, la_midnight + hour);
  check_denied(ledger.reserve(la_midnight + 1, 0), "cooldown", la_midnight + hour);
  CAF_CHECK(ledger.reserve(la_midnight + hour, 1000).granted);
  check_denied(ledger.reserve(la_midnight + 2 * hour, 0), "daily_request_limit",
               la_midnight + 24 * hour);
}

CAF_TEST(a snapshot restores into an equal ledger) {
  limits_builder limits{3, 100, 10'000, 10'000};
  auto original = la_ledger(limits);
  auto a = original.reserve(noon, 100);
  CAF_CHECK(original.reserve(noon + 10 * sec, 200).granted);
  CAF_CHECK(original.reserve(noon + 20 * sec, 300).granted);
  original.settle(noon + 25 * sec, a.reservation_id, 150, true);
  original.cool_down_until(noon + 40 * sec);
  const int64_t now = noon + 30 * sec;
  auto saved = original.snapshot(now);
  CAF_CHECK_EQUAL(saved.day, "2024-01-15");
  CAF_CHECK_EQUAL(saved.requests_today, 3);
  CAF_CHECK_EQUAL(saved.tokens_today, 650);
  CAF_CHECK_EQUAL(saved.minute_times_ms,
                  (std::vector<int64_t>{noon, noon + 10 * sec, noon + 20 * sec}));
  CAF_CHECK_EQUAL(saved.minute_tokens, (std::vector<int64_t>{150, 200, 300}));

  auto restored = la_ledger(limits);
  restored.restore(saved, now);
  check_same(restored.snapshot(now), saved);
  // The restored minute entries still count against RPM 3.
  check_denied(restored.reserve(now + 20 * sec, 0), "rpm_limit", noon + 60 * sec);
  CAF_CHECK(restored.reserve(noon + 60 * sec, 0).granted);

  saved.key_failing = true;
  restored.restore(saved, now);
  check_denied(restored.reserve(noon + 45 * sec, 0), "auth_failed", 0);
}

CAF_TEST(a restore keeps only what is still current) {
  auto ledger = la_ledger({{}, {}, {}, {}});
  quota_snapshot saved;
  saved.day = "2024-01-15";
  saved.requests_today = 7;
  saved.tokens_today = 700;
  saved.minute_times_ms = {la_midnight - 90 * sec, la_midnight - 30 * sec};
  saved.minute_tokens = {10, 20};
  saved.cooldown_until_ms = la_midnight + hour;
  saved.key_failing = true;
  const int64_t now = la_midnight + 10 * sec; // the next day in Los Angeles
  ledger.restore(saved, now);
  auto s = ledger.snapshot(now);
  CAF_CHECK_EQUAL(s.day, "2024-01-16");
  CAF_CHECK_EQUAL(s.requests_today, 0);
  CAF_CHECK_EQUAL(s.tokens_today, 0);
  CAF_CHECK_EQUAL(s.minute_times_ms, (std::vector<int64_t>{la_midnight - 30 * sec}));
  CAF_CHECK_EQUAL(s.minute_tokens, (std::vector<int64_t>{20}));
  CAF_CHECK_EQUAL(s.requests_this_minute, 1);
  CAF_CHECK_EQUAL(s.tokens_this_minute, 20);
  CAF_CHECK_EQUAL(s.cooldown_until_ms, la_midnight + hour);
  CAF_CHECK(s.key_failing);
}

CAF_TEST(reservation ids are unique and a flood of unsettled ones stays bounded) {
  auto ledger = utc_ledger({{}, {}, {}, {}});
  std::set<uint64_t> ids;
  const size_t count = quota_ledger::max_pending + 100;
  for (size_t i = 0; i < count; ++i) {
    ids.insert(ledger.reserve(noon, 1).reservation_id);
  }
  CAF_CHECK_EQUAL(ids.size(), count);
  CAF_CHECK_EQUAL(ids.count(0), 0u);
  // The oldest reservation was forgotten: settling it is a no-op; the newest still works.
  ledger.settle(noon, *ids.begin(), 0, false);
  ledger.settle(noon, *ids.rbegin(), 0, false);
  CAF_CHECK_EQUAL(ledger.snapshot(noon).requests_today, static_cast<int64_t>(count) - 1);
}

CAF_TEST(without a minute limit the sliding minute is not tracked) {
  // It would hold one entry per request of the last 60 s and decide nothing.
  auto ledger = utc_ledger({{}, 1000, {}, {}});
  for (int i = 0; i < 100; ++i) {
    CAF_REQUIRE(ledger.reserve(noon + i, 10).granted);
  }
  auto s = ledger.snapshot(noon + 100);
  CAF_CHECK_EQUAL(s.requests_today, 100);
  CAF_CHECK_EQUAL(s.tokens_today, 1000);
  CAF_CHECK(s.minute_times_ms.empty());
  CAF_CHECK_EQUAL(s.requests_this_minute, 0);
}

CAF_TEST(requests served without a reservation count in the day and roll with it) {
  auto ledger = utc_ledger({});
  ledger.count_served(noon, 3, 120);
  ledger.count_served(noon + sec, 1, -5);
  auto s = ledger.snapshot(noon + sec);
  CAF_CHECK_EQUAL(s.requests_today, 4);
  CAF_CHECK_EQUAL(s.tokens_today, 120);
  CAF_CHECK_EQUAL(s.requests_this_minute, 0);
  ledger.count_served(utc_midnight + sec, 2, 10);
  s = ledger.snapshot(utc_midnight + sec);
  CAF_CHECK_EQUAL(s.requests_today, 2);
  CAF_CHECK_EQUAL(s.tokens_today, 10);
}
