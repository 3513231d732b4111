// The health state machine of one route (reference §5.9), pure: the route actor owns a
// route_health, feeds it the outcome of every attempt and asks evaluate() before each one.
// Contract §6.7: a 429 cools down the route; a recovering route is tried again by exactly one
// probe at a time, across all requests (the probe_in_flight flag, owned by the single actor).
// Times are int64 ms since the Unix epoch, passed in by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::catalog {

enum class health_status : uint8_t { active, rate_limited, too_slow, potentially_outdated };

/// "active", "rate_limited", "too_slow", "potentially_outdated" (the stored and API names).
const char* to_string(health_status status);
std::optional<health_status> health_status_from(std::string_view text);

struct route_health {
  health_status status = health_status::active;
  /// "provider_429", "request_timeout", "model_not_found_404", ...; empty when active after a
  /// success or a clear.
  std::string reason;
  int64_t consecutive_failures = 0;
  int64_t rate_limited_until_ms = 0;
  int64_t next_probe_at_ms = 0;
  int64_t updated_ms = 0;
  /// One request is probing the recovering route; others skip it until the outcome arrives.
  bool probe_in_flight = false;
  /// When that probe was handed out (for probe_lease_ms).
  int64_t probe_started_ms = 0;
};

struct health_verdict {
  bool usable = false;
  /// Usable only as the single probe of a recovering route: report its outcome through one of
  /// the on_* functions (or on_probe_abandoned) so that the next probe can be handed out.
  bool probe = false;
  /// When not usable: "potentially_outdated", "route_rate_limited" or "route_too_slow" (static
  /// text, so that skipping a route copies no string).
  std::string_view skip_reason;
  /// When not usable: the earliest instant worth asking again, 0 = not before a clear.
  int64_t retry_at_ms = 0;
  /// When usable as a probe: "rate_limit_probe" or "too_slow_probe" (the reference's reason).
  std::string_view probe_reason;
};

/// A probe whose outcome never arrived (a lost message, a bug) stops blocking the route after
/// this long; every attempt ends well before it (REQUEST_DEADLINE_SECONDS defaults to 120).
constexpr int64_t probe_lease_ms = int64_t{10} * 60 * 1000;
/// Longest fallback backoff of rate-limited and too-slow routes.
constexpr int64_t max_backoff_ms = int64_t{3600} * 1000;

/// May the route be tried now? active: yes. potentially_outdated: no, until cleared.
/// rate_limited / too_slow: once next_probe_at has come, probe_allowed is set and no other probe
/// is in flight, yes as the probe (this marks it in flight); otherwise no, retry at
/// max(rate_limited_until, next_probe_at), or in 1 s while a probe is in flight.
health_verdict evaluate(route_health& h, int64_t now_ms, bool probe_allowed);

/// Staggers the probes of routes limited at the same moment: (sum of the route id's bytes)
/// mod 60, in seconds, returned in ms.
int64_t jitter_ms(std::string_view route_id);

// Transitions. Each sets updated_ms = now_ms and ends any probe in flight.

/// The route answered: active, reason and failures and times cleared.
void on_success(route_health& h, int64_t now_ms);

/// A 429 (status 0 means 429): failures + 1 if already rate_limited, else 1. Until = the hinted
/// instant (hint_until_ms > 0; the next probe then too: the provider named it, and Retry-After
/// must be honest) or now + min(3600 s, 60 s * 2^min(failures - 1, 5)), the next probe then
/// at until + jitter. Reason "provider_<status>".
void on_rate_limited(route_health& h, std::string_view route_id, int64_t now_ms,
                     int64_t hint_until_ms, int status);

/// How long a route whose answer said "x-ratelimit-remaining: 0" without a reset time rests.
constexpr int64_t remaining_cooldown_ms = int64_t{60} * 1000;

/// The route answered, but its x-ratelimit-remaining-* reached 0 (rate_limit_scope "model":
/// the limit is the route's own): rate_limited until the hinted instant (when in the future,
/// else for remaining_cooldown_ms), probed then; failures 0; reason "remaining_exhausted".
void on_remaining_exhausted(route_health& h, int64_t now_ms, int64_t hint_until_ms);

/// An attempt timed out: failures + 1 if the reason already is "request_timeout", else 1. From
/// two failures on the route is too_slow for min(3600 s, 120 s * 2^(failures - 2)) + jitter.
/// A single timeout leaves an active route active; a rate-limited route whose probe timed out
/// stays rate limited and is re-probed one backoff step later (the reference made it active).
void on_timeout(route_health& h, std::string_view route_id, int64_t now_ms);

/// The provider does not know the model: failures + 1 if the reason already starts with
/// "model_not_found", else 1; potentially_outdated from two failures on, else active. Reason
/// "model_not_found_<status>" ("model_not_found_unknown" for status 0).
void on_model_not_found(route_health& h, int64_t now_ms, int status);

/// Any other failure (5xx, transport error, ...): the state stays; a rate_limited or too_slow
/// route is re-probed one backoff step (plus jitter) from now.
void on_other_failure(route_health& h, std::string_view route_id, int64_t now_ms);

/// The probe ended without an outcome (client gone, deadline): hands the probe to the next
/// request without changing the state.
void on_probe_abandoned(route_health& h, int64_t now_ms);

/// Manual reset or diagnosis restore: active, reason, failures and times cleared.
void clear(route_health& h, int64_t now_ms);

} // namespace gw::catalog
