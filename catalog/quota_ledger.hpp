// The counters of one quota bucket (a provider, or a route with its own limits): requests and
// tokens per sliding minute and per local day, a cooldown and the "key failing" flag.
// Contract §6.5: requests AND tokens are reserved before the upstream call and reconciled with
// the real usage afterwards, so N concurrent reservations against a limit L grant at most L.
// Pure and single-threaded: the quota-bucket actor owns one ledger and serialises every call.
// Times are int64 ms since the Unix epoch, passed in by the caller.
#pragma once

#include "catalog/day_clock.hpp"
#include "catalog/provider_spec.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace gw::catalog {

/// The answer to a reservation. When denied, `reason` says which limit bit:
/// "cooldown", "auth_failed", "daily_token_limit", "daily_request_limit", "rpm_limit",
/// "tpm_limit"; `retry_at_ms` is the earliest instant it could be granted, 0 when unknown or
/// never (a failing key; a request larger than the whole minute or day token limit).
struct quota_decision {
  bool granted = false;
  std::string reason;
  int64_t retry_at_ms = 0;
  /// Non-zero when granted; pass it to settle() exactly once.
  uint64_t reservation_id = 0;
};

/// The day counters of one local day ("YYYY-MM-DD").
struct day_totals {
  std::string day;
  int64_t requests = 0;
  int64_t tokens = 0;
};

/// Everything that must survive a restart, after window maintenance. minute_times_ms and
/// minute_tokens are parallel, oldest first.
struct quota_snapshot {
  std::string day; // local "YYYY-MM-DD" the day counters belong to
  int64_t requests_today = 0;
  int64_t tokens_today = 0;
  std::vector<int64_t> minute_times_ms;
  std::vector<int64_t> minute_tokens;
  int64_t cooldown_until_ms = 0;
  bool key_failing = false;
  // Derived from the minute entries, for status pages.
  int64_t requests_this_minute = 0;
  int64_t tokens_this_minute = 0;
};

class quota_ledger {
public:
  /// How long the sliding minute window is.
  static constexpr int64_t window_ms = 60'000;
  /// Unsettled reservations remembered for settle(); the oldest are forgotten beyond this (a
  /// caller that never settles must not grow the ledger without bound).
  static constexpr size_t max_pending = 4096;

  quota_ledger(quota_limits limits, day_clock clock);

  const quota_limits& limits() const {
    return limits_;
  }

  /// Checks, in order: cooldown (retry at its end), failing key, daily tokens (used + tokens >
  /// TPD; equality allowed), daily requests (>= RPD), requests in (now - 60 s, now] >= RPM,
  /// minute tokens + tokens > TPM. Day limits retry at the next local midnight, minute limits
  /// when enough entries leave the window. When granted, counts one request and `tokens`
  /// (negative = 0) in the day and in the sliding minute.
  quota_decision reserve(int64_t now_ms, int64_t tokens);

  /// Ends a reservation. reached_provider = false: the request and its tokens are released.
  /// true: its reserved tokens are replaced by `actual_tokens` (may be more or fewer). The day
  /// counters change only while the reservation's day is still the current one; the minute
  /// entry only while it is still in the window. Unknown or already settled ids are ignored.
  void settle(int64_t now_ms, uint64_t reservation_id, int64_t actual_tokens,
              bool reached_provider);

  /// Counts requests that were served without a reservation (an unlimited ledger's grants are
  /// decided from its snapshot by the router): day counters only, no window is tracked.
  void count_served(int64_t now_ms, int64_t requests, int64_t tokens);

  /// Blocks every reservation until `until_ms`; keeps the later of the current and the new end.
  void cool_down_until(int64_t until_ms);

  /// A failing key (401/403) blocks every reservation until cleared.
  void set_key_failing(bool failing);
  bool key_failing() const {
    return key_failing_;
  }

  /// The state as of `now_ms`: entries older than the window dropped, day counters zero when
  /// `now_ms` is on a later local day. Does not modify the ledger.
  quota_snapshot snapshot(int64_t now_ms) const;

  /// The day counters of snapshot(now_ms), without copying the minute window.
  day_totals today(int64_t now_ms) const;

  /// Replaces the whole state with `s` (e.g. loaded at start-up). Day counters are kept only if
  /// s.day is today's local date, minute entries only if younger than the window; cooldown and
  /// key_failing always. Reservations made before are forgotten.
  void restore(const quota_snapshot& s, int64_t now_ms);

private:
  struct minute_entry {
    int64_t at_ms;
    int64_t tokens;
    uint64_t reservation_id; // 0 for entries restored from a snapshot
  };
  struct pending_reservation {
    std::string day;
    int64_t tokens;
  };

  // Rolls the day (zeroing the day counters, never the cooldown) and slides the minute window.
  void maintain(int64_t now_ms);
  bool is_later_day(int64_t now_ms, std::string* today) const;
  int64_t minute_requests() const {
    return static_cast<int64_t>(minute_.size());
  }
  int64_t rpm_retry_at(int64_t limit) const;
  int64_t tpm_retry_at(int64_t limit, int64_t tokens) const;
  std::deque<minute_entry>::iterator find_entry(uint64_t reservation_id);

  quota_limits limits_;
  day_clock clock_;
  std::string day_;
  // The first instant of the day after day_; before it no day_key() computation is needed.
  int64_t day_ends_ms_ = 0;
  int64_t requests_today_ = 0;
  int64_t tokens_today_ = 0;
  // Oldest first; times and reservation ids are both non-decreasing along the deque.
  std::deque<minute_entry> minute_;
  int64_t minute_tokens_ = 0;
  int64_t cooldown_until_ms_ = 0;
  bool key_failing_ = false;
  uint64_t next_id_ = 0;
  std::map<uint64_t, pending_reservation> pending_;
};

} // namespace gw::catalog
