// Internal to metrics/: every family of gateway_metrics, declared once in exposition order,
// plus the series whose labels are fixed (resolved in the constructor, so updating them never
// touches a family lock).
#pragma once

#include "metrics/lockfree_histogram.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_type.h>

#include <memory>
#include <string>
#include <vector>

namespace gw::metrics {

struct families {
  families();
  families(const families&) = delete;
  families& operator=(const families&) = delete;

  /// What serialize() walks: HELP/TYPE for families that have no series yet.
  struct entry {
    std::string name;
    std::string help;
    prometheus::MetricType type;
    const prometheus::Collectable* source;
  };
  std::vector<entry> all;
  std::vector<std::unique_ptr<prometheus::Collectable>> owned;

  prometheus::Family<prometheus::Counter>& counter(std::string name, std::string help);
  prometheus::Family<prometheus::Gauge>& gauge(std::string name, std::string help);
  histogram_family& histogram(std::string name, std::string help, bucket_bounds bounds);

  // Declaration order = exposition order (and `all` must be initialized before these).
  prometheus::Family<prometheus::Counter>& http_requests;
  prometheus::Family<prometheus::Counter>& upstream_attempts;
  prometheus::Family<prometheus::Counter>& route_skips;
  prometheus::Family<prometheus::Counter>& requests_exhausted;
  prometheus::Family<prometheus::Counter>& tokens;
  histogram_family& request_duration;
  histogram_family& gateway_overhead;
  histogram_family& request_fallbacks;
  histogram_family& upstream_duration;
  histogram_family& stream_first_token;
  prometheus::Family<prometheus::Gauge>& quota_remaining;
  prometheus::Family<prometheus::Gauge>& quota_limit;
  prometheus::Family<prometheus::Gauge>& provider_cooldown_until;
  prometheus::Family<prometheus::Gauge>& provider_key_failing;
  prometheus::Family<prometheus::Counter>& quota_not_persisted;
  prometheus::Family<prometheus::Gauge>& route_health;
  prometheus::Family<prometheus::Gauge>& route_cooldown_until;
  prometheus::Family<prometheus::Gauge>& limiter_slots;
  prometheus::Family<prometheus::Gauge>& limiter_slots_in_use;
  prometheus::Family<prometheus::Gauge>& limiter_queue_length;
  prometheus::Family<prometheus::Counter>& limiter_rejections;
  histogram_family& persistence_batch_size;
  prometheus::Family<prometheus::Gauge>& persistence_lag;
  prometheus::Family<prometheus::Counter>& diagnosis_runs;
  prometheus::Family<prometheus::Gauge>& diagnosis_last_run;
  prometheus::Family<prometheus::Gauge>& diagnosis_suggestions;
  histogram_family& diagnosis_duration;
  prometheus::Family<prometheus::Gauge>& diagnosis_last_success;
  prometheus::Family<prometheus::Gauge>& diagnosis_models;
  prometheus::Family<prometheus::Counter>& diagnosis_auto_applied;
  prometheus::Family<prometheus::Gauge>& build_info;
  prometheus::Family<prometheus::Gauge>& start_time;

  // Fixed series.
  prometheus::Counter& exhausted;
  histogram_series& duration_complete;
  histogram_series& duration_stream;
  histogram_series& overhead;
  histogram_series& fallbacks;
  histogram_series& first_token;
  prometheus::Gauge& slots;
  prometheus::Gauge& slots_in_use;
  prometheus::Gauge& queue_length;
  prometheus::Counter& rejections;
  histogram_series& batch_size;
  prometheus::Gauge& lag;
  prometheus::Counter& diagnosis_ok;
  prometheus::Counter& diagnosis_partial;
  prometheus::Counter& diagnosis_failed;
  prometheus::Gauge& diagnosis_at;
  prometheus::Gauge& suggestions;
  histogram_series& diagnosis_seconds;
  prometheus::Gauge& diagnosis_success_at;
  prometheus::Counter& auto_applied;
};

} // namespace gw::metrics
