#include "persistence/usage_series.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace gw::persistence {

series_window make_series_window(int64_t now_ms, int64_t hours, int64_t bucket_minutes) {
  hours = std::clamp<int64_t>(hours, 1, 168);
  bucket_minutes = std::clamp<int64_t>(bucket_minutes, 1, int64_t{24} * 60);
  const int64_t span_ms = hours * 3'600'000;
  int64_t bucket_ms = bucket_minutes * 60'000;
  // Widened to whole minutes (the resolution of route_usage_minutes), rounding up so that
  // span / bucket <= max_series_points.
  const int64_t points_ms = (span_ms + max_series_points - 1) / max_series_points;
  bucket_ms = std::max(bucket_ms, (points_ms + 59'999) / 60'000 * 60'000);
  series_window w;
  w.bucket_ms = bucket_ms;
  w.to_ms = now_ms;
  // Aligned starts keep a bucket's edges stable between two reloads of the page.
  w.from_ms = (now_ms - span_ms) / bucket_ms * bucket_ms + bucket_ms;
  return w;
}

gw::expected<std::vector<route_series>> query_usage_series(const database& db,
                                                           const series_window& window) {
  // The per-minute aggregate (a range of its primary key): at most routes x minutes rows are
  // read, however many requests there were. Minutes are whole, so a bucket edge that is not
  // on a minute counts the minute where it starts.
  auto query = statement::prepare(db, R"sql(
SELECT route_id, provider_name, (minute * 60000 - ?1) / ?2 AS bucket, SUM(requests),
       SUM(successes), SUM(failures), SUM(prompt_tokens), SUM(completion_tokens),
       SUM(total_tokens)
FROM route_usage_minutes
WHERE minute >= ?1 / 60000 AND minute <= ?3 / 60000
GROUP BY route_id, provider_name, bucket
ORDER BY route_id, provider_name, bucket
)sql");
  if (!query) {
    return query.error();
  }
  query->bind(1, window.from_ms);
  query->bind(2, window.bucket_ms);
  query->bind(3, window.to_ms);
  std::vector<route_series> out;
  for (;;) {
    auto row = query->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      break;
    }
    auto route_id = query->column_text(0);
    auto provider = query->column_text(1);
    if (out.empty() || out.back().route_id != route_id || out.back().provider_name != provider) {
      out.push_back({std::move(route_id), std::move(provider), 0, {}});
    }
    series_point p;
    p.bucket_start_ms = window.from_ms + query->column_int64(2) * window.bucket_ms;
    p.requests = query->column_int64(3);
    p.successes = query->column_int64(4);
    p.failures = query->column_int64(5);
    p.prompt_tokens = query->column_int64(6);
    p.completion_tokens = query->column_int64(7);
    p.total_tokens = query->column_int64(8);
    out.back().requests += p.requests;
    out.back().points.push_back(p);
  }
  if (out.size() > max_series_routes) {
    std::stable_sort(out.begin(), out.end(), [](const route_series& a, const route_series& b) {
      return a.requests > b.requests;
    });
    out.resize(max_series_routes);
  }
  return out;
}

std::string usage_series_json(const series_window& window,
                              const std::vector<route_series>& routes) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("usage_series");
  w.Key("from");
  w.Int64(window.from_ms / 1000);
  w.Key("to");
  w.Int64(window.to_ms / 1000);
  w.Key("bucket_seconds");
  w.Int64(window.bucket_ms / 1000);
  w.Key("columns");
  w.StartArray();
  for (const char* c : {"time", "requests", "successes", "failures", "prompt_tokens",
                        "completion_tokens", "total_tokens"}) {
    w.String(c);
  }
  w.EndArray();
  w.Key("routes");
  w.StartArray();
  for (const auto& r : routes) {
    w.StartObject();
    w.Key("route_id");
    w.String(r.route_id.c_str(), static_cast<rapidjson::SizeType>(r.route_id.size()));
    w.Key("provider_name");
    w.String(r.provider_name.c_str(), static_cast<rapidjson::SizeType>(r.provider_name.size()));
    w.Key("requests");
    w.Int64(r.requests);
    w.Key("points");
    w.StartArray();
    for (const auto& p : r.points) {
      w.StartArray();
      w.Int64(p.bucket_start_ms / 1000);
      w.Int64(p.requests);
      w.Int64(p.successes);
      w.Int64(p.failures);
      w.Int64(p.prompt_tokens);
      w.Int64(p.completion_tokens);
      w.Int64(p.total_tokens);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace gw::persistence
