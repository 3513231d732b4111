#include "catalog/route_health.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace gw::catalog {

namespace {

constexpr int64_t ms_per_s = 1000;
// While a probe is out, the others ask again this soon: its outcome decides for them.
constexpr int64_t probe_busy_retry_ms = 1000;
// Rate limits and timeouts become route states only after this many in a row.
constexpr int64_t timeout_threshold = 2;
constexpr int64_t not_found_threshold = 2;

constexpr std::array<std::pair<health_status, const char*>, 4> status_names{{
  {health_status::active, "active"},
  {health_status::rate_limited, "rate_limited"},
  {health_status::too_slow, "too_slow"},
  {health_status::potentially_outdated, "potentially_outdated"},
}};

// 60, 120, 240, 480, 960, 1920 s, then 1920 s for ever.
int64_t rate_limit_backoff_ms(int64_t failures) {
  const int64_t doublings = std::clamp(failures - 1, int64_t{0}, int64_t{5});
  return std::min(max_backoff_ms, (int64_t{60} << doublings) * ms_per_s);
}

// 120, 240, 480, 960, 1920, then 3600 s (capped) for ever.
int64_t timeout_backoff_ms(int64_t failures) {
  const int64_t doublings = std::clamp(failures - timeout_threshold, int64_t{0}, int64_t{5});
  return std::min(max_backoff_ms, (int64_t{120} << doublings) * ms_per_s);
}

void touch(route_health& h, int64_t now_ms) {
  h.updated_ms = now_ms;
  h.probe_in_flight = false;
  h.probe_started_ms = 0;
}

void reset(route_health& h, int64_t now_ms) {
  h.status = health_status::active;
  h.reason.clear();
  h.consecutive_failures = 0;
  h.rate_limited_until_ms = 0;
  h.next_probe_at_ms = 0;
  touch(h, now_ms);
}

health_verdict skip(std::string_view reason, int64_t retry_at_ms) {
  health_verdict v;
  v.skip_reason = reason;
  v.retry_at_ms = retry_at_ms;
  return v;
}

} // namespace

const char* to_string(health_status status) {
  for (const auto& [value, name] : status_names) {
    if (value == status) {
      return name;
    }
  }
  return "active";
}

std::optional<health_status> health_status_from(std::string_view text) {
  for (const auto& [value, name] : status_names) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

int64_t jitter_ms(std::string_view route_id) {
  int64_t sum = 0;
  for (char c : route_id) {
    sum += static_cast<unsigned char>(c);
  }
  return (sum % 60) * ms_per_s;
}

health_verdict evaluate(route_health& h, int64_t now_ms, bool probe_allowed) {
  switch (h.status) {
  case health_status::active: {
    health_verdict v;
    v.usable = true;
    return v;
  }
  case health_status::potentially_outdated:
    return skip("potentially_outdated", 0);
  case health_status::rate_limited:
  case health_status::too_slow:
    break;
  }
  const bool rate_limited = h.status == health_status::rate_limited;
  const char* skip_reason = rate_limited ? "route_rate_limited" : "route_too_slow";
  const bool probe_busy = h.probe_in_flight && now_ms - h.probe_started_ms < probe_lease_ms;
  if (probe_busy) {
    return skip(skip_reason, now_ms + probe_busy_retry_ms);
  }
  if (probe_allowed && h.next_probe_at_ms <= now_ms) {
    h.probe_in_flight = true;
    h.probe_started_ms = now_ms;
    health_verdict v;
    v.usable = true;
    v.probe = true;
    v.probe_reason = rate_limited ? "rate_limit_probe" : "too_slow_probe";
    return v;
  }
  int64_t retry_at = std::max(h.rate_limited_until_ms, h.next_probe_at_ms);
  if (retry_at <= now_ms) {
    // Due, but this request may not probe: the reference's max(1 s, ...).
    retry_at = now_ms + probe_busy_retry_ms;
  }
  return skip(skip_reason, retry_at);
}

void on_success(route_health& h, int64_t now_ms) {
  reset(h, now_ms);
}

void on_rate_limited(route_health& h, std::string_view route_id, int64_t now_ms,
                     int64_t hint_until_ms, int status) {
  h.consecutive_failures = h.status == health_status::rate_limited ? h.consecutive_failures + 1 : 1;
  h.status = health_status::rate_limited;
  h.reason = "provider_" + std::to_string(status > 0 ? status : 429);
  if (hint_until_ms > 0) {
    // The provider named the instant: the route is usable then, and Retry-After says so.
    h.rate_limited_until_ms = std::max(hint_until_ms, now_ms);
    h.next_probe_at_ms = h.rate_limited_until_ms;
  } else {
    // A guessed backoff: the jitter spreads the probes of routes limited at the same moment.
    h.rate_limited_until_ms = now_ms + rate_limit_backoff_ms(h.consecutive_failures);
    h.next_probe_at_ms = h.rate_limited_until_ms + jitter_ms(route_id);
  }
  touch(h, now_ms);
}

void on_remaining_exhausted(route_health& h, int64_t now_ms, int64_t hint_until_ms) {
  // Not a failure: a 429 on the probe then counts as the first one.
  h.consecutive_failures = 0;
  h.status = health_status::rate_limited;
  h.reason = "remaining_exhausted";
  h.rate_limited_until_ms = hint_until_ms > now_ms ? hint_until_ms : now_ms + remaining_cooldown_ms;
  h.next_probe_at_ms = h.rate_limited_until_ms;
  touch(h, now_ms);
}

void on_timeout(route_health& h, std::string_view route_id, int64_t now_ms) {
  const int64_t failures = h.reason == "request_timeout" ? h.consecutive_failures + 1 : 1;
  if (failures < timeout_threshold && h.status == health_status::rate_limited) {
    // A probe of a rate-limited route that timed out proves nothing about the limit.
    on_other_failure(h, route_id, now_ms);
    return;
  }
  h.consecutive_failures = failures;
  h.reason = "request_timeout";
  if (failures >= timeout_threshold) {
    h.status = health_status::too_slow;
    h.rate_limited_until_ms = now_ms + timeout_backoff_ms(failures) + jitter_ms(route_id);
    h.next_probe_at_ms = h.rate_limited_until_ms;
  } else {
    h.status = health_status::active;
    h.rate_limited_until_ms = 0;
    h.next_probe_at_ms = 0;
  }
  touch(h, now_ms);
}

void on_model_not_found(route_health& h, int64_t now_ms, int status) {
  const bool repeated = h.reason.compare(0, 15, "model_not_found") == 0;
  h.consecutive_failures = repeated ? h.consecutive_failures + 1 : 1;
  h.status = h.consecutive_failures >= not_found_threshold ? health_status::potentially_outdated
                                                           : health_status::active;
  h.reason = "model_not_found_" + (status > 0 ? std::to_string(status) : std::string{"unknown"});
  h.rate_limited_until_ms = 0;
  h.next_probe_at_ms = 0;
  touch(h, now_ms);
}

void on_other_failure(route_health& h, std::string_view route_id, int64_t now_ms) {
  if (h.status == health_status::rate_limited) {
    h.next_probe_at_ms =
      now_ms + rate_limit_backoff_ms(h.consecutive_failures) + jitter_ms(route_id);
  } else if (h.status == health_status::too_slow) {
    h.next_probe_at_ms = now_ms + timeout_backoff_ms(h.consecutive_failures) + jitter_ms(route_id);
  }
  touch(h, now_ms);
}

void on_probe_abandoned(route_health& h, int64_t now_ms) {
  touch(h, now_ms);
}

void clear(route_health& h, int64_t now_ms) {
  reset(h, now_ms);
}

} // namespace gw::catalog
