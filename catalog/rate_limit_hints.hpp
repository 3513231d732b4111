// When does a provider's rate limit free up? Parses every common hint form (contract §6.6;
// the reference's §5.8 understood only a few): Retry-After (seconds, fractional, HTTP-date),
// retry-after-ms, the x-ratelimit-reset family (Go durations such as "6m0s", "1h2m3.5s",
// "7.66s", "500ms"; "2 seconds"; plain seconds; epoch seconds or milliseconds; HTTP-dates),
// Gemini's error.details[].retryDelay and "try again in <duration>" in the error body.
#pragma once

#include "catalog/upstream_answer.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace gw::catalog {

using sys_time = std::chrono::system_clock::time_point;

/// Hints further ahead than this are clamped: no free tier resets later than a day.
constexpr std::chrono::hours max_hinted_cooldown{24};

/// The instant the limit frees up: the latest of all hints, each rounded up to a whole
/// millisecond and kept within [now, now + max_hinted_cooldown]. A reset header
/// (x-ratelimit-reset<suffix>) is ignored when its x-ratelimit-remaining<suffix> is present and
/// above 0: that limit is not the one that bit. nullopt when nothing usable is given.
std::optional<sys_time> cooldown_from_hints(const gw::catalog::header_list& headers,
                                            std::string_view body, sys_time now);

/// True when any x-ratelimit-remaining* header (requests, tokens, and suffixed forms such as
/// Cerebras' -tokens-minute) is present and <= 0 (parsed as a number and truncated).
bool remaining_exhausted(const gw::catalog::header_list& headers);

/// Parses a duration ("6m0s", "1h2m3.5s", "7.66s", "500ms", "2 seconds", "3" = seconds) into
/// nanoseconds, rounding up. Exposed for tests and the streaming path.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Parses an HTTP-date (IMF-fixdate, RFC 850, asctime), an RFC 2822 date with a numeric or
/// named zone, or an ISO 8601 UTC timestamp.
std::optional<sys_time> parse_http_date(std::string_view text);

} // namespace gw::catalog
