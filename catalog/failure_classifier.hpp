// What one upstream attempt means for the waterfall (reference §3.5, §7.5, contract §6.9):
// succeed, fall through to the next route (and why), or stop and answer the caller.
// Pure: the router decides what to do with the verdict.
#pragma once

#include "catalog/upstream_answer.hpp"
#include "catalog/usage.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gw::catalog {

enum class outcome_kind : uint8_t {
  /// 2xx with a JSON object body.
  success,
  /// 429.
  rate_limited,
  /// The attempt timed out (transport), or the upstream answered 408.
  timeout,
  /// Connect, TLS, reset, protocol or cancellation failures.
  transport_error,
  /// 5xx.
  provider_5xx,
  /// 413.
  request_too_large,
  /// 401/403: the provider key is failing.
  auth_error,
  /// 404/410, or 400/422 naming an unknown/retired model.
  model_not_found,
  /// Route-specific 4xx: 402 credits, context length, unsupported tools/parameters/format.
  route_rejected,
  /// Any other 4xx: the caller's own mistake, returned to the client.
  caller_error,
  /// 2xx/3xx whose body is not a JSON object (or is an error object), truncated bodies.
  malformed_response,
};

struct attempt_outcome {
  outcome_kind kind = outcome_kind::success;
  /// Attempt reason: "provider_429", "timeout", "connect_error", "tls_error",
  /// "connection_reset", "protocol_error", "cancelled", "provider_5xx", "request_too_large",
  /// "auth_error", "model_not_found", "route_rejected", "caller_error", "malformed_response";
  /// empty on success.
  std::string reason;
  /// Upstream HTTP status; 0 when none was received.
  int status = 0;
  /// False only for caller_error: the waterfall stops and the client gets the upstream error.
  bool fall_through = true;
  /// On success: the answer's `usage`, read from the same parse that validated the body.
  usage_counts usage;
};

/// Reference §3.5: 404/410, or 400/422 whose lowercased body mentions `model` and one of
/// "not found", "does not exist", "not exist", "unknown model".
bool looks_like_missing_model(int status, std::string_view body);

/// The verdict on one attempt's result.
attempt_outcome classify(const gw::catalog::upstream_result& result);

/// Stable lower-case name ("success", "rate_limited", ...), for logs and metrics labels.
const char* to_string(outcome_kind kind);

} // namespace gw::catalog
