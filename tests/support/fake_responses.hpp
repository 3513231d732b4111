// JSON bodies the fake provider answers with (OpenAI chat.completion shapes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gw::fake {

struct usage_counts {
  long long prompt_tokens = 10;
  long long completion_tokens = 5;
};

/// `id` is the response id ("chatcmpl-fake-7"); all chunks of one stream share it.

/// A non-streaming chat.completion with one assistant message.
std::string completion_json(std::string_view id, std::string_view model, std::string_view content,
                            usage_counts usage);

/// One chat.completion.chunk; `role` is sent on the first chunk only (as OpenAI does).
std::string chunk_json(std::string_view id, std::string_view model, std::string_view content,
                       bool with_role, bool last);

/// The final usage chunk (empty choices), sent when usage was asked for.
std::string usage_chunk_json(std::string_view id, std::string_view model, usage_counts usage);

/// OpenAI error envelope {"error":{"message","type","param":null,"code"}}.
/// A non-empty `retry_delay` adds Gemini's details[].retryDelay.
std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view retry_delay = {});

/// {"object":"list","data":[{"id":..,"object":"model","owned_by":"fake"}]}
std::string models_json(const std::vector<std::string>& ids);

} // namespace gw::fake
