// A provider account the gateway can call: where, with which key, and its free-tier limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gw::catalog {

/// Local quota limits of one provider (or one route). nullopt = unlimited / not tracked.
struct quota_limits {
  std::optional<int64_t> requests_per_minute;
  std::optional<int64_t> requests_per_day;
  std::optional<int64_t> tokens_per_minute;
  std::optional<int64_t> tokens_per_day;

  bool unlimited() const {
    return !requests_per_minute && !requests_per_day && !tokens_per_minute && !tokens_per_day;
  }
};

/// What a 429 cools down: the route that got it, or every route of the provider.
enum class rate_limit_scope : uint8_t { model, provider };

struct provider_spec {
  std::string name;
  /// e.g. "https://api.groq.com/openai/v1" (no trailing slash after normalisation).
  std::string base_url;
  /// Name of the variable holding the key, e.g. "GROQ_API_KEY".
  std::string api_key_env;
  /// The resolved key; empty = not configured. Never logged, never shown.
  std::string api_key;
  std::string default_model;
  /// Fallback context limit when a route sets none.
  std::optional<int64_t> max_context_tokens;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  quota_limits quota;
  /// IANA zone whose midnight resets the day window.
  std::string day_reset_timezone = "UTC";
  rate_limit_scope scope = rate_limit_scope::model;
  /// Per-attempt timeout override; nullopt = REQUEST_TIMEOUT_SECONDS.
  std::optional<double> timeout_seconds;

  bool configured() const {
    return !api_key.empty();
  }
};

} // namespace gw::catalog
