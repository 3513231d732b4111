#include "metrics/families.hpp"

#include <chrono>
#include <utility>

namespace gw::metrics {

namespace {

#ifdef GW_VERSION
constexpr const char* version = GW_VERSION;
#else
constexpr const char* version = "unknown";
#endif

// Bucket layouts. Upstream LLM calls take from ~100 ms to the 120 s request deadline; the
// gateway's own overhead should stay well below a millisecond.
const bucket_bounds latency_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                       2.5,   5,    10,    20,   30,  60,   120};
const bucket_bounds overhead_buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1};
const bucket_bounds first_token_buckets = {0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60};
// le="0" counts the requests served by their first upstream call.
const bucket_bounds fallback_buckets = {0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50};
const bucket_bounds diagnosis_buckets = {1, 5, 15, 30, 60, 120, 300, 600, 1800};
const bucket_bounds batch_buckets = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

double now_unix_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace

prometheus::Family<prometheus::Counter>& families::counter(std::string name, std::string help) {
  auto family =
    std::make_unique<prometheus::Family<prometheus::Counter>>(name, help, prometheus::Labels{});
  auto& ref = *family;
  all.push_back({std::move(name), std::move(help), prometheus::MetricType::Counter, &ref});
  owned.push_back(std::move(family));
  return ref;
}

prometheus::Family<prometheus::Gauge>& families::gauge(std::string name, std::string help) {
  auto family =
    std::make_unique<prometheus::Family<prometheus::Gauge>>(name, help, prometheus::Labels{});
  auto& ref = *family;
  all.push_back({std::move(name), std::move(help), prometheus::MetricType::Gauge, &ref});
  owned.push_back(std::move(family));
  return ref;
}

histogram_family& families::histogram(std::string name, std::string help, bucket_bounds bounds) {
  auto family = std::make_unique<histogram_family>(name, help, std::move(bounds));
  auto& ref = *family;
  all.push_back({std::move(name), std::move(help), prometheus::MetricType::Histogram, &ref});
  owned.push_back(std::move(family));
  return ref;
}

// The names and help texts of every family. Names follow Prometheus conventions: base units
// as suffixes (_seconds), _total for counters, _timestamp_seconds for instants.
families::families()
    : http_requests(counter("freerouter_http_requests_total",
                            "HTTP requests answered, by endpoint pattern and status code.")),
      upstream_attempts(
        counter("freerouter_upstream_attempts_total",
                "Upstream calls made by the waterfall, by provider, route and outcome "
                "(success, rate_limited, timeout, provider_5xx, transport_error, ...).")),
      route_skips(counter("freerouter_route_skips_total",
                          "Routes passed over without an upstream call, by reason "
                          "(missing_api_key, rpm_limit, cooldown, route_rate_limited, ...).")),
      requests_exhausted(counter("freerouter_requests_exhausted_total",
                                 "Requests answered 503 waterfall_exhausted: no route succeeded.")),
      tokens(counter("freerouter_tokens_total",
                     "Tokens reported by upstream usage, by provider and route; direction is "
                     "prompt or completion.")),
      request_duration(histogram("freerouter_request_duration_seconds",
                                 "Inference request duration, arrival to last byte sent.",
                                 latency_buckets)),
      gateway_overhead(histogram("freerouter_gateway_overhead_seconds",
                                 "Gateway's own share of a request: total minus upstream time.",
                                 overhead_buckets)),
      request_fallbacks(histogram("freerouter_request_fallbacks",
                                  "Upstream calls beyond the first, per inference request.",
                                  fallback_buckets)),
      upstream_duration(histogram("freerouter_upstream_duration_seconds",
                                  "Duration of one upstream call, by provider.", latency_buckets)),
      stream_first_token(histogram("freerouter_stream_first_token_seconds",
                                   "Stream requests: arrival to the first byte sent to the client.",
                                   first_token_buckets)),
      quota_remaining(gauge("freerouter_quota_remaining",
                            "Requests (rpm, rpd) or tokens (tpm, tpd) left in a provider's quota "
                            "window; only limited windows are exported.")),
      quota_limit(
        gauge("freerouter_quota_limit", "Size of a provider's quota window (requests or tokens).")),
      provider_cooldown_until(
        gauge("freerouter_provider_cooldown_until_timestamp_seconds",
              "Unix time at which a provider-wide cooldown ends; 0 when there is none.")),
      provider_key_failing(gauge("freerouter_provider_key_failing",
                                 "1 while the provider rejects its API key (401/403), else 0.")),
      quota_not_persisted(
        counter("freerouter_quota_not_persisted_total",
                "Reservations a limited quota bucket refused because its state could not be "
                "committed to SQLite (disk full, read-only, I/O error).")),
      route_health(gauge("freerouter_route_health",
                         "1 for the route's current health state (active, rate_limited, too_slow, "
                         "potentially_outdated), 0 for the others.")),
      route_cooldown_until(gauge(
        "freerouter_route_cooldown_until_timestamp_seconds",
        "Unix time at which a rate-limited route may be probed again; 0 when there is none.")),
      limiter_slots(gauge("freerouter_limiter_slots", "Concurrent request slots (capacity).")),
      limiter_slots_in_use(gauge("freerouter_limiter_slots_in_use", "Request slots held now.")),
      limiter_queue_length(
        gauge("freerouter_limiter_queue_length", "Requests waiting for a slot now.")),
      limiter_rejections(counter("freerouter_limiter_rejections_total",
                                 "Requests refused with 429 request_queue_timeout (queue full or "
                                 "wait timed out).")),
      persistence_batch_size(histogram("freerouter_persistence_batch_size",
                                       "Writes committed per SQLite transaction.", batch_buckets)),
      persistence_lag(gauge("freerouter_persistence_lag_seconds",
                            "Age of the oldest write of the last committed batch.")),
      diagnosis_runs(counter("freerouter_diagnosis_runs_total",
                             "Endpoint diagnosis runs, by result (ok, partial, failed).")),
      diagnosis_last_run(gauge("freerouter_diagnosis_last_run_timestamp_seconds",
                               "Unix time the last diagnosis run ended; 0 before the first.")),
      diagnosis_suggestions(gauge("freerouter_diagnosis_suggestions",
                                  "Catalog suggestions left by the last diagnosis run.")),
      diagnosis_duration(histogram("freerouter_diagnosis_run_duration_seconds",
                                   "Duration of one endpoint diagnosis run.", diagnosis_buckets)),
      diagnosis_last_success(
        gauge("freerouter_diagnosis_last_success_timestamp_seconds",
              "Unix time the last diagnosis run with result ok ended; 0 before the first.")),
      diagnosis_models(gauge("freerouter_diagnosis_models",
                             "Models found by the last diagnosis run that listed the provider, by "
                             "kind: discovered (listed), new (add suggestions), stale (remove "
                             "suggestions), recovered (restore suggestions).")),
      diagnosis_auto_applied(counter("freerouter_diagnosis_auto_applied_total",
                                     "Suggestions applied automatically by maintenance.")),
      build_info(gauge("freerouter_build_info", "Always 1; the version is a label.")),
      start_time(gauge("freerouter_start_time_seconds", "Unix time the gateway started.")),
      exhausted(requests_exhausted.Add({})),
      duration_complete(request_duration.add({{"stream", "false"}})),
      duration_stream(request_duration.add({{"stream", "true"}})),
      overhead(gateway_overhead.add({})), fallbacks(request_fallbacks.add({})),
      first_token(stream_first_token.add({})), slots(limiter_slots.Add({})),
      slots_in_use(limiter_slots_in_use.Add({})), queue_length(limiter_queue_length.Add({})),
      rejections(limiter_rejections.Add({})), batch_size(persistence_batch_size.add({})),
      lag(persistence_lag.Add({})), diagnosis_ok(diagnosis_runs.Add({{"result", "ok"}})),
      diagnosis_partial(diagnosis_runs.Add({{"result", "partial"}})),
      diagnosis_failed(diagnosis_runs.Add({{"result", "failed"}})),
      diagnosis_at(diagnosis_last_run.Add({})), suggestions(diagnosis_suggestions.Add({})),
      diagnosis_seconds(diagnosis_duration.add({})),
      diagnosis_success_at(diagnosis_last_success.Add({})),
      auto_applied(diagnosis_auto_applied.Add({})) {
  build_info.Add({{"version", version}}).Set(1);
  start_time.Add({}).Set(now_unix_seconds());
}

} // namespace gw::metrics
