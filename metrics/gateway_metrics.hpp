// The gateway's Prometheus metrics: every family in one place and the handles that update them.
// GET /metrics answers serialize() with `content_type`.
//
// Metric names are a stable API: deploy/alerts.yml and deploy/grafana-dashboard.json use them,
// and tests check that every name they use is exported (deploy/README.md lists them all).
//
//   counters   freerouter_http_requests_total{endpoint,code}
//              freerouter_upstream_attempts_total{provider,route_id,outcome}
//              freerouter_route_skips_total{provider,route_id,reason}
//              freerouter_requests_exhausted_total
//              freerouter_tokens_total{provider,route_id,direction="prompt|completion"}
//              freerouter_limiter_rejections_total
//              freerouter_quota_not_persisted_total{provider}
//              freerouter_diagnosis_runs_total{result="ok|partial|failed"}
//              freerouter_diagnosis_auto_applied_total
//   histograms freerouter_request_duration_seconds{stream="true|false"}
//              freerouter_gateway_overhead_seconds       (total minus upstream time)
//              freerouter_request_fallbacks              (upstream calls - 1, per request)
//              freerouter_upstream_duration_seconds{provider}
//              freerouter_stream_first_token_seconds
//              freerouter_persistence_batch_size         (writes per SQLite transaction)
//              freerouter_diagnosis_run_duration_seconds
//   gauges     freerouter_quota_remaining{provider,kind="rpm|rpd|tpm|tpd"}
//              freerouter_quota_limit{provider,kind}
//              freerouter_provider_cooldown_until_timestamp_seconds{provider}   (0 = none)
//              freerouter_provider_key_failing{provider}                        (0/1)
//              freerouter_route_health{provider,route_id,state}                 (one-hot)
//              freerouter_route_cooldown_until_timestamp_seconds{provider,route_id}
//              freerouter_limiter_slots, freerouter_limiter_slots_in_use,
//              freerouter_limiter_queue_length
//              freerouter_persistence_lag_seconds
//              freerouter_diagnosis_last_run_timestamp_seconds, freerouter_diagnosis_suggestions
//              freerouter_diagnosis_last_success_timestamp_seconds
//              freerouter_diagnosis_models{provider,kind="discovered|new|stale|recovered"}
//              freerouter_build_info{version}, freerouter_start_time_seconds
//
// Cost and thread safety. prometheus-cpp 1.0's Family::Add locks the family and hashes the
// labels, so nothing here calls it per request: every per-request update goes through a series
// resolved once. Counters and gauges are lock-free atomics; histograms are our own lock-free
// histogram_series (prometheus::Histogram locks a mutex per Observe).
//
//   any thread, lock-free        http_endpoint_counters::count (after a code's first use),
//                                observe_request, observe_first_token, the limiter setters,
//                                count_limiter_rejection, observe_persistence_batch,
//                                set_diagnosis_suggestions, count_diagnosis_auto_applied,
//                                provider_metrics::set_cooldown_until /
//                                set_key_failing / observe_upstream_duration /
//                                count_not_persisted
//   any thread, takes a lock     serialize, http_endpoint, provider, set_route_health,
//                                record_diagnosis_run,
//   (start-up and state          set_route_cooldown_until, forget_route
//    transitions, never per request)
//   one owner only (no lock)     provider_metrics::set_quota (resolves a kind on first use),
//                                waterfall_metrics (waterfall_metrics.hpp), labelled_cache
//
// Label values are always chosen by the gateway (endpoint patterns, catalog route ids and
// provider names, fixed outcome/reason words), never a client's string, a prompt or a key.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gw::metrics {

/// Content-Type of serialize()'s text (Prometheus text exposition format 0.0.4).
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

/// The `endpoint` label of requests whose path matches no endpoint (404s): never the path itself.
inline constexpr std::string_view unmatched_endpoint = "unmatched";

/// The families and their fixed series (metrics/families.hpp; internal).
struct families;
class histogram_series;

/// The quota windows of a provider (label `kind`).
enum class quota_kind : uint8_t { rpm, rpd, tpm, tpd };
const char* to_string(quota_kind kind);

/// How a diagnosis run ended (label `result`): every configured provider listed its models,
/// some did, or none did.
enum class diagnosis_result : uint8_t { ok, partial, failed };
const char* to_string(diagnosis_result result);

/// One finished diagnosis run, for record_diagnosis_run.
struct diagnosis_summary {
  diagnosis_result result = diagnosis_result::ok;
  std::size_t suggestions = 0;
  double started_unix_seconds = 0;
  double finished_unix_seconds = 0;
  /// The providers whose listing was read, with what it showed.
  struct provider_counts {
    std::string provider;
    int64_t discovered = 0;
    int64_t added = 0;
    int64_t stale = 0;
    int64_t recovered = 0;
  };
  std::vector<provider_counts> providers;
};

/// The values of freerouter_route_health's `state` label: catalog::health_status names.
inline constexpr std::array<std::string_view, 4> route_health_states = {
  "active", "rate_limited", "too_slow", "potentially_outdated"};

/// One finished inference request (chat completion, web search) that reached the waterfall.
struct request_timing {
  /// From the request's arrival to its last byte written (the stream's end for streams).
  double total_seconds = 0;
  /// Summed duration of every upstream call the request made.
  double upstream_seconds = 0;
  /// Upstream calls made, the successful one included (X-Gateway-Attempts).
  int upstream_calls = 0;
  bool stream = false;
  /// Answered 503 waterfall_exhausted.
  bool exhausted = false;
};

/// freerouter_http_requests_total of one endpoint. count() is safe from any thread; it locks
/// only the first time a status code is seen for this endpoint.
class http_endpoint_counters {
public:
  http_endpoint_counters(prometheus::Family<prometheus::Counter>& family, std::string endpoint);

  /// Counts one answer with this status (100..599; anything else is labelled code="other").
  void count(int status) noexcept;

  const std::string& endpoint() const noexcept {
    return endpoint_;
  }

private:
  static constexpr int first_code = 100;
  static constexpr int last_code = 599;

  prometheus::Family<prometheus::Counter>* family_;
  std::string endpoint_;
  /// [status - 100] for 100..599, the last slot for "other"; null until first used.
  std::array<std::atomic<prometheus::Counter*>, last_code - first_code + 2> by_code_{};
};

/// The series of one provider, resolved once by gateway_metrics::provider(). Copyable; a
/// default-constructed handle ignores every call (for actors tested without metrics).
class provider_metrics {
public:
  provider_metrics() = default;

  /// Quota state after a reservation, reconcile or window change. One owner per handle (the
  /// quota bucket actor): the first call for a kind resolves its two series. Unlimited windows
  /// are simply never set, so they are not exported.
  void set_quota(quota_kind kind, double remaining, double limit);

  /// Provider-wide cooldown end, Unix seconds; 0 = no cooldown. Any thread.
  void set_cooldown_until(double unix_seconds) noexcept;

  /// The provider rejected its key (401/403). Any thread.
  void set_key_failing(bool failing) noexcept;

  /// One upstream call's duration. Any thread, lock-free.
  void observe_upstream_duration(double seconds) noexcept;
  /// A reservation refused because the bucket's state could not be committed. Any thread.
  void count_not_persisted() noexcept;

  bool enabled() const noexcept {
    return families_ != nullptr;
  }

private:
  friend class gateway_metrics;

  families* families_ = nullptr;
  std::string provider_;
  prometheus::Gauge* cooldown_ = nullptr;
  prometheus::Gauge* key_failing_ = nullptr;
  prometheus::Counter* not_persisted_ = nullptr;
  histogram_series* upstream_ = nullptr;
  std::array<prometheus::Gauge*, 4> remaining_{};
  std::array<prometheus::Gauge*, 4> limit_{};
};

/// Owns every family. Create one at start-up and keep it alive until the actor system and the
/// HTTP server are gone: handles point into it.
class gateway_metrics {
public:
  gateway_metrics();
  ~gateway_metrics();
  gateway_metrics(const gateway_metrics&) = delete;
  gateway_metrics& operator=(const gateway_metrics&) = delete;

  /// The text exposition of every family, in a fixed order. Families without any series yet
  /// are still listed (HELP and TYPE lines), so every name above is always discoverable.
  std::string serialize() const;

  // -- HTTP -----------------------------------------------------------------------------------

  /// The counters of one endpoint: its pattern from the endpoint table (e.g.
  /// "/v1/gateway/models/{route_id}/enable"), or unmatched_endpoint for unknown paths. Never the
  /// request's path. Locks: resolve once per endpoint (at start-up) and keep the reference,
  /// which stays valid for this object's lifetime.
  http_endpoint_counters& http_endpoint(std::string_view endpoint);

  // -- Requests (any thread, lock-free) --------------------------------------------------------

  /// Duration{stream}, overhead = max(0, total - upstream), fallbacks = max(0, calls - 1),
  /// and the exhausted counter.
  void observe_request(const request_timing& timing) noexcept;

  /// Time from a stream request's arrival to its first byte sent to the client.
  void observe_first_token(double seconds) noexcept;

  // -- Providers and routes ------------------------------------------------------------------

  /// Resolves the series of one provider (locks). Keep the handle in the owning actor.
  provider_metrics provider(std::string_view provider_name);

  /// One-hot freerouter_route_health: 1 for `state` (one of route_health_states), 0 for the
  /// others; an unknown state sets all four to 0. Call on a transition (locks).
  void set_route_health(std::string_view provider, std::string_view route_id,
                        std::string_view state);

  /// The route's own cooldown end (rate_limited_until), Unix seconds; 0 = none (locks).
  void set_route_cooldown_until(std::string_view provider, std::string_view route_id,
                                double unix_seconds);

  /// Drops the route's health and cooldown series (the route left the catalog). Its counters
  /// stay: they are history. A later set_route_* call creates the series again (locks).
  void forget_route(std::string_view provider, std::string_view route_id);

  // -- Limiter (any thread, lock-free) ---------------------------------------------------------

  void set_limiter_capacity(std::size_t slots) noexcept;
  /// Call while holding the limiter's own lock, so that two threads cannot publish their
  /// snapshots out of order.
  void set_limiter_state(std::size_t slots_in_use, std::size_t queue_length) noexcept;
  /// A request refused with 429 request_queue_timeout (queue full or wait timed out).
  void count_limiter_rejection() noexcept;

  // -- Persistence (the persistence actor) -----------------------------------------------------

  /// One committed transaction: how many writes it held, and the age of its oldest write.
  void observe_persistence_batch(std::size_t writes, double lag_seconds) noexcept;

  // -- Diagnosis (any thread, lock-free) -----------------------------------------------------

  /// One finished diagnosis run: result, duration, suggestions, per-provider model counts.
  /// Takes the lock of the per-provider series (a run ends every few hours).
  void record_diagnosis_run(const diagnosis_summary& run);
  /// Suggestions still pending (after an apply).
  void set_diagnosis_suggestions(std::size_t pending) noexcept;
  /// Suggestions applied by maintenance.
  void count_diagnosis_auto_applied(std::size_t applied) noexcept;

private:
  friend class waterfall_metrics;

  std::unique_ptr<families> families_;
  std::mutex endpoints_mutex_;
  std::map<std::string, std::unique_ptr<http_endpoint_counters>, std::less<>> endpoints_;
};

} // namespace gw::metrics
