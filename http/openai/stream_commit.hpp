// The first-byte commit rule of streaming failover (reference §8.2, contract §6.4): before a
// route commits, its chunks are buffered and a failure still falls through to the next route;
// the first chunk with visible output (or a tool call) commits the route. Pure.
#pragma once

#include "catalog/usage.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gw::openai {

enum class chunk_kind : uint8_t {
  /// `data: [DONE]`.
  done,
  /// A JSON object with a non-null `error` member.
  error,
  /// A chunk with visible output: it commits the route.
  commit,
  /// Valid JSON without visible output yet (role-only deltas, usage chunks, whitespace in
  /// substantive mode, non-object JSON).
  noise,
  /// The data is not JSON.
  invalid_json,
};

struct chunk_verdict {
  chunk_kind kind = chunk_kind::noise;
  /// choices[0].delta.content + delta.reasoning + delta.reasoning_content + choices[0].text
  /// (strings only), untrimmed; filled for every chunk that has it, whatever the kind.
  std::string visible_text;
  /// The chunk carries a `usage` object (on any kind of chunk; the last one seen wins).
  bool has_usage = false;
  catalog::usage_counts usage;
  /// For `error`: error.message when it is a string, else the error value itself (a string,
  /// or its JSON text).
  std::string error_message;
};

/// Classifies the data of one SSE event. `require_substantive` (web-search mode) needs the
/// visible text to be non-blank; otherwise any non-empty visible text commits. A non-empty
/// `choices[0].delta.tool_calls` array commits in both modes.
chunk_verdict classify_chunk(std::string_view data, bool require_substantive);

} // namespace gw::openai
