// The records the persistence layer stores: a quota bucket's state, a route's health, one
// finished attempt, a route's all-time usage, and endpoint diagnosis (its last report and the
// supervisor's verdicts). Plain values; the actors send them as
// messages (actors/messages.hpp adds their CAF inspect()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gw::persistence {

/// Durable state of one quota bucket. Written before a reservation is granted, so a crash
/// never forgets a granted request; restored at start-up.
struct quota_record {
  /// The bucket: a provider name.
  std::string key;
  /// Local date (YYYY-MM-DD) of the bucket's day_reset_timezone the day counters belong to.
  std::string day;
  int64_t requests_today = 0;
  int64_t tokens_today = 0;
  /// The sliding minute: start time and tokens of each request of the last 60 s.
  std::vector<int64_t> minute_times_ms;
  std::vector<int64_t> minute_tokens;
  /// Provider-wide cooldown (429 with scope "provider", remaining=0 hints), ms since epoch.
  int64_t cooldown_until_ms = 0;
  /// The key was rejected (401/403): routes are skipped until a probe succeeds.
  bool key_failing = false;
  int64_t updated_ms = 0;
};

/// Durable health of one route (reference §5.9 route_state).
struct health_record {
  std::string route_id;
  std::string provider_name;
  std::string model_id;
  /// "active", "rate_limited", "too_slow", "potentially_outdated".
  std::string status = "active";
  std::string reason;
  int64_t consecutive_failures = 0;
  int64_t rate_limited_until_ms = 0;
  int64_t next_probe_at_ms = 0;
  int64_t updated_ms = 0;
};

/// One finished attempt, for usage aggregates and the raw event log.
struct usage_event {
  std::string route_id;
  std::string provider_name;
  std::string model_id;
  /// "success", "rate_limited", "timeout", "model_not_found", "provider_5xx", ... (outcome_kind
  /// name).
  std::string outcome;
  int status_code = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int64_t latency_ms = 0;
  int64_t at_ms = 0;
};

/// All-time usage of one route (reference §5.11), from aggregate tables.
struct route_usage {
  std::string route_id;
  int64_t total_events = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t rate_limits = 0;
  int64_t timeouts = 0;
  int64_t not_found = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  /// 0 = never used.
  int64_t last_used_at_ms = 0;
  /// 0 = none.
  int last_status_code = 0;
};

using usage_table = std::vector<route_usage>;

/// One endpoint diagnosis run as stored: the report as the API shows it (catalog/diagnosis_json)
/// and what automatic maintenance applied from it. The last one is restored at start-up.
struct diagnosis_record {
  std::string run_id;
  int64_t started_ms = 0;
  int64_t checked_at_ms = 0;
  std::string report_json;
  /// A JSON array of the suggestions applied automatically after this run ("[]" = none).
  std::string auto_applied_json = "[]";
};

/// The supervisor's answer for one listed model, kept so that each model is asked once.
struct verdict_record {
  /// lower(provider) + "::" + lower(model_id).
  std::string key;
  bool free_chat_model = false;
  std::string confidence;
  std::string reason;
  std::vector<std::string> sources;
  int64_t at_ms = 0;
};

} // namespace gw::persistence
