#define CAF_SUITE quota.grant_lease
#include "catalog/grant_lease.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using gw::catalog::day_totals;
using gw::catalog::grant_lease;
using gw::catalog::quota_limits;
using gw::catalog::quota_snapshot;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;

quota_limits day_limits(std::optional<int64_t> rpd, std::optional<int64_t> tpd) {
  quota_limits l;
  l.requests_per_day = rpd;
  l.tokens_per_day = tpd;
  return l;
}

day_totals totals(int64_t requests, int64_t tokens, std::string day = "2024-05-01") {
  return day_totals{std::move(day), requests, tokens};
}

quota_snapshot snapshot(int64_t requests, int64_t tokens, std::string day = "2024-05-01") {
  quota_snapshot s;
  s.day = std::move(day);
  s.requests_today = requests;
  s.tokens_today = tokens;
  return s;
}

/// Writes and commits one lease for `s` at `now`; returns what was written.
day_totals lease_at(grant_lease& lease, const day_totals& s, int64_t now, int64_t tokens) {
  auto written = lease.next_grant_write(s, now, tokens);
  lease.committed(written, now);
  return written;
}

} // namespace

CAF_TEST(a lease that runs out quickly doubles the next one up to 64 requests) {
  grant_lease lease{day_limits(1'000'000, {})};
  int64_t now = t0;
  int64_t requests = 1;
  std::vector<int64_t> headroom;
  for (int i = 0; i < 9; ++i) {
    auto written = lease_at(lease, totals(requests, 0), now, 10);
    headroom.push_back(written.requests - requests);
    CAF_CHECK(lease.covers(totals(written.requests, 0)));
    CAF_CHECK(!lease.covers(totals(written.requests + 1, 0)));
    requests = written.requests + 1;
    now += 5; // used up 5 ms after its commit: busy
  }
  CAF_CHECK_EQUAL(headroom, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 64, 64}));
  // A lease that lasted longer than lease_busy_ms halves the next one.
  now += grant_lease::lease_busy_ms;
  auto written = lease_at(lease, totals(requests, 0), now, 10);
  CAF_CHECK_EQUAL(written.requests - requests, 32);
}

CAF_TEST(the headroom never takes more than an eighth of what is left of a day limit) {
  grant_lease lease{day_limits(100, 10'000)};
  int64_t now = t0;
  for (int i = 0; i < 8; ++i) {
    lease_at(lease, totals(1, 0), now, 1);
    now += 1; // busy: the lease grows to 64 requests
  }
  // 100 - 60 = 40 left: 5 requests; 10000 - 9000 = 1000 tokens left: 125 tokens.
  auto written = lease_at(lease, totals(60, 9'000), now, 50);
  CAF_CHECK_EQUAL(written.requests, 65);
  CAF_CHECK_EQUAL(written.tokens, 9'125);
  // Near the limit nothing is leased: each grant is written on its own, exactly.
  written = lease_at(lease, totals(95, 9'990), now + 1, 50);
  CAF_CHECK_EQUAL(written.requests, 95);
  CAF_CHECK_EQUAL(written.tokens, 9'991);
  CAF_CHECK(!lease.covers(totals(96, 9'991)));
  // Small limits stay exact from the start.
  grant_lease small{day_limits(3, {})};
  CAF_CHECK_EQUAL(lease_at(small, totals(1, 0), t0, 0).requests, 1);
}

CAF_TEST(a token lease is the largest reservation times the lease size) {
  grant_lease lease{day_limits({}, 1'000'000'000)};
  auto written = lease_at(lease, totals(1, 300), t0, 300);
  CAF_CHECK_EQUAL(written.tokens, 600);
  // Requests are not limited: their count needs no cover and gets no headroom.
  CAF_CHECK_EQUAL(written.requests, 1);
  CAF_CHECK(lease.covers(totals(2, 600)));
  CAF_CHECK(!lease.covers(totals(2, 601)));
  // A reservation so large that the product would overflow takes the share of what is left.
  grant_lease huge{day_limits({}, int64_t{4'000'000'000'000'000'000})};
  auto capped = lease_at(huge, totals(1, 0), t0, int64_t{1'000'000'000'000'000'000});
  CAF_CHECK_EQUAL(capped.tokens, int64_t{500'000'000'000'000'000});
}

CAF_TEST(a bucket with a minute limit gets no lease) {
  auto limits = day_limits(1'000'000, {});
  limits.requests_per_minute = 1'000;
  grant_lease lease{limits};
  auto written = lease_at(lease, totals(5, 0), t0, 1);
  CAF_CHECK_EQUAL(written.requests, 5);
  CAF_CHECK(!lease.covers(totals(5, 0)));
  limits.requests_per_minute.reset();
  limits.tokens_per_minute = 1'000'000;
  grant_lease by_tokens{limits};
  CAF_CHECK_EQUAL(lease_at(by_tokens, totals(5, 0), t0, 1).requests, 5);
  CAF_CHECK(!by_tokens.covers(totals(5, 0)));
  // Without any day limit there is nothing to lease either.
  grant_lease unlimited{quota_limits{}};
  CAF_CHECK_EQUAL(lease_at(unlimited, totals(5, 0), t0, 1).requests, 5);
  CAF_CHECK(!unlimited.covers(totals(5, 0)));
}

CAF_TEST(a lease covers only the day it was written for) {
  grant_lease lease{day_limits(1'000'000, {})};
  auto written = lease_at(lease, totals(10, 0), t0, 0);
  CAF_CHECK(lease.covers(totals(written.requests, 0)));
  CAF_CHECK(!lease.covers(totals(1, 0, "2024-05-02")));
  // The new day's first write starts from its own totals, not from yesterday's promise.
  auto next_day = lease_at(lease, totals(1, 0, "2024-05-02"), t0 + 1, 0);
  CAF_CHECK_EQUAL(next_day.day, "2024-05-02");
  CAF_CHECK_LESS(next_day.requests, 10);
  // A write of yesterday committed late covers nothing today.
  lease.committed(written, t0 + 2);
  CAF_CHECK(!lease.covers(totals(next_day.requests + 1, 0, "2024-05-02")));
  CAF_CHECK(lease.covers(totals(next_day.requests, 0, "2024-05-02")));
}

CAF_TEST(no write lowers the disk under a granted request) {
  grant_lease lease{day_limits(1'000'000, 1'000'000'000)};
  for (int i = 0; i < 4; ++i) {
    lease_at(lease, totals(1, 10), t0 + i, 10); // busy: leases of 2, 4, 8...
  }
  auto promised = lease_at(lease, totals(20, 200), t0 + 5, 10);
  CAF_CHECK_GREATER(promised.requests, 20);
  // Released reservations lowered the real totals: the next grant write still promises at
  // least as much, since grants answered under the old lease may still be running.
  auto next = lease.next_grant_write(totals(3, 30), t0 + 6, 10);
  CAF_CHECK_GREATER_OR_EQUAL(next.requests, promised.requests);
  CAF_CHECK_GREATER_OR_EQUAL(next.tokens, promised.tokens);
  // Every other write (deferred counters, cooldowns) is raised to the promise too.
  auto raised = lease.with_promise(snapshot(3, 30));
  CAF_CHECK_EQUAL(raised.requests_today, next.requests);
  CAF_CHECK_EQUAL(raised.tokens_today, next.tokens);
  CAF_CHECK_EQUAL(lease.with_promise(snapshot(3, 30, "2024-05-02")).requests_today, 3);
}

CAF_TEST(an exact flush takes the headroom back from the disk and from the lease) {
  grant_lease lease{day_limits(1'000'000, {})};
  lease_at(lease, totals(1, 0), t0, 0);
  auto in_flight = lease.next_grant_write(totals(2, 0), t0 + 1, 0);
  CAF_CHECK_GREATER(in_flight.requests, 2);
  // The gateway stops: the exact counters are written after the grant write in flight.
  lease.written_exactly(totals(2, 0));
  CAF_CHECK_EQUAL(lease.with_promise(snapshot(2, 0)).requests_today, 2);
  // The grant write's late commit covers no more than the flush that followed it.
  lease.committed(in_flight, t0 + 2);
  CAF_CHECK(lease.covers(totals(2, 0)));
  CAF_CHECK(!lease.covers(totals(3, 0)));
}
