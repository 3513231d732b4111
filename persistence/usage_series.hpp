// Per-route usage over time for the /status plots: the per-minute aggregate table
// route_usage_minutes (kept current with every event, pruned with the raw events after
// EVENT_RETENTION_DAYS) grouped into fixed buckets by SQLite, with the window, the bucket
// width and the number of routes bounded so that the answer stays small.
#pragma once

#include "core/expected.hpp"
#include "persistence/sqlite.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gw::persistence {

struct series_window {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  int64_t bucket_ms = 0;
};

/// At most this many buckets per route and this many routes (most requests first).
constexpr int64_t max_series_points = 200;
constexpr size_t max_series_routes = 100;

/// The window ending at `now_ms`: `hours` (1..168) back, buckets of `bucket_minutes` widened
/// until the window holds at most max_series_points of them, the start aligned to a bucket.
series_window make_series_window(int64_t now_ms, int64_t hours, int64_t bucket_minutes);

struct series_point {
  int64_t bucket_start_ms = 0;
  int64_t requests = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
};

struct route_series {
  std::string route_id;
  std::string provider_name;
  int64_t requests = 0;
  /// Only buckets with events, oldest first.
  std::vector<series_point> points;
};

/// Groups the per-minute usage of `window` per route and bucket.
gw::expected<std::vector<route_series>> query_usage_series(const database& db,
                                                           const series_window& window);

/// {"object":"usage_series","from":s,"to":s,"bucket_seconds":n,"routes":[{"route_id",
///  "provider_name","requests","points":[[t_s, requests, successes, failures, prompt,
///  completion, total_tokens], ...]}]}
std::string usage_series_json(const series_window& window, const std::vector<route_series>& routes);

} // namespace gw::persistence
