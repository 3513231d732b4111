// The leased headroom of a day-limited quota bucket's grant writes.
//
// A limited bucket never grants a reservation the disk does not cover: a kill -9 must not
// forget a request a provider may already be serving. Writing every grant on its own costs a
// commit and two thread hops per request. Instead each grant write persists the day totals
// plus some headroom (the lease), and a later grant whose totals still fit under the committed
// ones is answered at once. The disk then always holds at least every granted request and
// token. After a crash the restored counters exceed the real ones by at most the unused
// headroom. That errs on the safe side: it can never lead to an over-spend.
//
// The headroom adapts to demand: it doubles while leases run out within lease_busy_ms of
// their commit and halves when they last longer, up to max_lease_requests. It never takes
// more than an eighth of what is left of a limit, so a bucket near its limit writes every
// grant and small limits stay exact. A bucket with a minute limit gets no headroom: a
// sliding window cannot be leased ahead, and its own limit bounds its write rate.
// Pure and single-threaded, like the ledger it sits beside.
#pragma once

#include "catalog/provider_spec.hpp"
#include "catalog/quota_ledger.hpp"

#include <cstdint>
#include <string>

namespace gw::catalog {

class grant_lease {
public:
  /// Most requests one lease may cover.
  static constexpr int64_t max_lease_requests = 64;
  /// A lease used up sooner than this after its commit means the bucket is busy.
  static constexpr int64_t lease_busy_ms = 100;
  /// A lease takes at most this share (1/n) of what is left of a day limit.
  static constexpr int64_t remaining_share = 8;

  explicit grant_lease(const quota_limits& limits);

  /// Whether the current day totals (which include a grant just reserved) are covered by
  /// the committed ones, so the grant may be answered without a write.
  bool covers(const day_totals& current) const;

  /// The totals the next grant write persists for the current ones: those plus the headroom,
  /// never less than what an earlier write promised. `largest_tokens` is the largest token
  /// reservation the write covers, the unit of the token headroom. Records the promise.
  day_totals next_grant_write(const day_totals& current, int64_t now_ms, int64_t largest_tokens);

  /// A grant write persisted `written` at `now_ms`: grants up to it may be answered at once.
  void committed(const day_totals& written, int64_t now_ms);

  /// `s` with its day totals raised to what earlier writes promised: what every other write
  /// (deferred counters, cooldowns) persists, so that none lowers the disk under a granted
  /// request.
  quota_snapshot with_promise(quota_snapshot s) const;

  /// The exact totals were written (a flush at shutdown): no headroom is left on disk, and a
  /// grant write committed before it covers no more than `exact`.
  void written_exactly(const day_totals& exact);

private:
  int64_t request_headroom(const day_totals& current) const;
  int64_t token_headroom(const day_totals& current, int64_t largest_tokens) const;

  quota_limits limits_;
  bool leases_ = false;
  /// The highest totals any write has sent (in flight or committed).
  day_totals promised_;
  /// The totals of the latest committed grant write, at most promised_.
  day_totals committed_;
  int64_t committed_ms_ = 0;
  /// Requests the next lease covers beyond the write's own grants.
  int64_t lease_requests_ = 1;
};

} // namespace gw::catalog
