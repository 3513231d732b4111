// Reading the gateway's answers to a chat: the assistant text of a completion body, and the
// OpenAI error envelope {"error": {"message", "type", "code"}} of a refusal. Both modes use
// these (embedded mode reads the provider's own refusal body with the same function).
#pragma once

#include "freerouter/result.hpp"

#include <string>
#include <string_view>

namespace freerouter::detail {

/// choices[0].message.content (plus reasoning when there is no content); "" when absent.
std::string completion_text(std::string_view body);

/// The error in an OpenAI-style envelope; fields that are missing are taken from `fallback`
/// (its http_status is kept as it is).
error error_from_body(std::string_view body, error fallback);

} // namespace freerouter::detail
