// The client's chat-completions body: validation (contract §6.1, reference §7.1), the token
// estimate used for quota reservation (§7.2) and the body sent to one upstream route (§3.2,
// contract §6.4, web-search translation §10.3). Pure functions; nothing here throws.
#pragma once

// Router code asks has_assistant_content() of a chat answer through this header.
#include "http/openai/body_splice.hpp"
#include "http/openai/web_search.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gw::openai {

/// A validated client request. The document is shared (not copied) between attempts.
struct chat_request {
  /// The parsed client body; always an object once parse_chat_request() succeeded.
  std::shared_ptr<rapidjson::Document> document;
  /// "" when absent, null or not a string.
  std::string model;
  /// `"stream": true`.
  bool stream = false;
  /// The client asked for the usage chunk (`stream_options.include_usage` truthy).
  bool include_usage = false;
  /// Reference §7.2.
  int64_t prompt_estimate = 1;
  /// `max_completion_tokens`, else `max_tokens`, else 0 (Python `or` semantics).
  int64_t max_output_tokens = 0;
  /// The body as the client sent it, kept by parse_owned_chat_request; null otherwise. Shared
  /// (immutable) with the live monitor's request_started event, which outlives the request.
  std::shared_ptr<const std::string> text;
  /// Where the model value sits in `text` when an upstream body may be `text` with that value
  /// replaced (top_level_model_span); none when `text` is null.
  std::optional<text_span> model_span;

  int64_t total_estimate() const {
    return prompt_estimate + max_output_tokens;
  }
};

/// A request the gateway refuses with 400 invalid_request_error; `param` may be empty.
struct request_error {
  std::string message;
  std::string param;
};

/// Deepest array/object nesting accepted in a client body. Bounds every recursive walk
/// (serialization, estimate) so a hostile body cannot exhaust the stack.
constexpr int max_json_depth = 128;

/// Parses and validates a client body. Never throws.
std::variant<chat_request, request_error> parse_chat_request(std::string_view body);

/// The same, keeping the body in the request: a non-streamed upstream body is then the
/// client's text with the model value replaced, when that is what build_upstream_body would
/// write (top_level_model_span), instead of the document written again for every attempt.
std::variant<chat_request, request_error> parse_owned_chat_request(std::string body);

/// max(1, floor(C / 4) + 4 * messages), C = code points of every message's content text and
/// of every item of a top-level `input` array (reference §7.2, Python str() rules for
/// non-text parts).
int64_t estimate_prompt_tokens(const rapidjson::Value& payload);

/// The body of one upstream attempt, written in one pass over the client document:
/// `model` = model_id; non-streaming: no `stream` and no `stream_options`; streaming:
/// `"stream": true` and `stream_options.include_usage = true` (the client's other
/// stream_options kept). When `tools` holds a `web_search_preview` object and the provider is
/// groq or openrouter, the §10.3 translation is applied. Everything else is passed unchanged:
/// written from the document, or, for a request from parse_owned_chat_request that allows it,
/// copied from the client's text (its own spacing and number spelling, the same JSON values).
std::string build_upstream_body(const chat_request& req, std::string_view provider_name,
                                std::string_view model_id, bool stream);

} // namespace gw::openai
