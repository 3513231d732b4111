// The per-route counters of the waterfall, for ONE owner: the router actor, which sees every
// attempt, skip and usage report. Label combinations are resolved on first use and cached in
// private maps (labelled_cache), so a warm update is a hash lookup plus an atomic add, with no
// lock and no allocation. Not thread-safe: do not share an instance between actors (another
// actor that needs these counters makes its own instance; the series are the same).
#pragma once

#include "metrics/labelled_cache.hpp"

#include <prometheus/counter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gw::metrics {

class gateway_metrics;

/// One route's series for a successful call, resolved on first use and then kept by the
/// owner's view of the route: a served request costs three atomic adds, not three lookups.
/// Holds the labels it was resolved for, and resolves again when they differ.
struct served_series {
  std::string provider;
  std::string route_id;
  prometheus::Counter* attempts = nullptr;
  prometheus::Counter* prompt_tokens = nullptr;
  prometheus::Counter* completion_tokens = nullptr;
};

class waterfall_metrics {
public:
  /// Ignores every call (actors tested without metrics).
  waterfall_metrics();
  explicit waterfall_metrics(gateway_metrics& metrics);
  ~waterfall_metrics();
  // Move-only: a copy would share the unsynchronized caches between two owners.
  waterfall_metrics(waterfall_metrics&&) noexcept;
  waterfall_metrics& operator=(waterfall_metrics&&) noexcept;

  /// freerouter_upstream_attempts_total: one upstream call and its outcome, the
  /// catalog::to_string(outcome_kind) word ("success", "rate_limited", "timeout",
  /// "provider_5xx", ...), or a stream failure word ("empty_stream", "stream_interrupted"...).
  void count_attempt(std::string_view provider, std::string_view route_id,
                     std::string_view outcome);

  /// freerouter_route_skips_total: a route passed over without a call, with the attempt's skip
  /// reason ("missing_api_key", "context_window_exceeded", "rpm_limit", "cooldown",
  /// "route_rate_limited", ...).
  void count_skip(std::string_view provider, std::string_view route_id, std::string_view reason);

  /// freerouter_tokens_total: the upstream's reported usage (non-positive counts are ignored).
  void count_tokens(std::string_view provider, std::string_view route_id, int64_t prompt_tokens,
                    int64_t completion_tokens);

  /// count_attempt(provider, route_id, "success") and count_tokens(...), through `series`.
  void count_success(served_series& series, std::string_view provider, std::string_view route_id,
                     int64_t prompt_tokens, int64_t completion_tokens);

private:
  struct caches;
  std::unique_ptr<caches> caches_;
};

} // namespace gw::metrics
