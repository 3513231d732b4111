#include "catalog/grant_lease.hpp"

#include <algorithm>

namespace gw::catalog {

grant_lease::grant_lease(const quota_limits& limits)
    : limits_(limits), leases_((limits.requests_per_day || limits.tokens_per_day)
                               && !limits.requests_per_minute && !limits.tokens_per_minute) {}

bool grant_lease::covers(const day_totals& current) const {
  if (!leases_ || committed_.day != current.day) {
    return false;
  }
  // An unlimited dimension needs no cover: nothing is decided from it after a restart.
  bool requests_covered = !limits_.requests_per_day || current.requests <= committed_.requests;
  bool tokens_covered = !limits_.tokens_per_day || current.tokens <= committed_.tokens;
  return requests_covered && tokens_covered;
}

int64_t grant_lease::request_headroom(const day_totals& current) const {
  if (!leases_ || !limits_.requests_per_day) {
    return 0;
  }
  int64_t left = *limits_.requests_per_day - current.requests;
  return left <= 0 ? 0 : std::min(lease_requests_, left / remaining_share);
}

int64_t grant_lease::token_headroom(const day_totals& current, int64_t largest_tokens) const {
  if (!leases_ || !limits_.tokens_per_day) {
    return 0;
  }
  int64_t left = *limits_.tokens_per_day - current.tokens;
  if (left <= 0) {
    return 0;
  }
  int64_t share = left / remaining_share;
  // Compared by division: a large reservation times the lease size could overflow.
  int64_t unit = std::max<int64_t>(largest_tokens, 0);
  return unit > share / lease_requests_ ? share : unit * lease_requests_;
}

day_totals grant_lease::next_grant_write(const day_totals& current, int64_t now_ms,
                                         int64_t largest_tokens) {
  if (leases_) {
    bool busy = committed_ms_ != 0 && now_ms - committed_ms_ < lease_busy_ms;
    lease_requests_ = busy ? std::min(lease_requests_ * 2, max_lease_requests)
                           : std::max<int64_t>(lease_requests_ / 2, 1);
  }
  day_totals totals{current.day, current.requests + request_headroom(current),
                    current.tokens + token_headroom(current, largest_tokens)};
  if (promised_.day == current.day) {
    // Grants answered under an earlier lease must stay covered once this write lands.
    totals.requests = std::max(totals.requests, promised_.requests);
    totals.tokens = std::max(totals.tokens, promised_.tokens);
  }
  promised_ = totals;
  return totals;
}

void grant_lease::committed(const day_totals& written, int64_t now_ms) {
  if (written.day != promised_.day) {
    return; // a write of an earlier day covers nothing today
  }
  // A flush sent after this write may have lowered the disk to the exact state again.
  committed_ = day_totals{written.day, std::min(written.requests, promised_.requests),
                          std::min(written.tokens, promised_.tokens)};
  committed_ms_ = now_ms;
}

quota_snapshot grant_lease::with_promise(quota_snapshot s) const {
  if (promised_.day == s.day) {
    s.requests_today = std::max(s.requests_today, promised_.requests);
    s.tokens_today = std::max(s.tokens_today, promised_.tokens);
  }
  return s;
}

void grant_lease::written_exactly(const day_totals& exact) {
  promised_ = exact;
  // Until the flush lands, the disk holds what the last committed write held; after it, exact.
  if (committed_.day == exact.day) {
    committed_.requests = std::min(committed_.requests, exact.requests);
    committed_.tokens = std::min(committed_.tokens, exact.tokens);
  } else {
    committed_ = day_totals{};
  }
}

} // namespace gw::catalog
