// Token usage reported by an upstream answer (reference §5.6), used to reconcile the quota
// reservation with what the call really cost.
#pragma once

#include <rapidjson/fwd.h>

#include <cstdint>

namespace gw::catalog {

struct usage_counts {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  /// `usage.total_tokens` when truthy, else prompt + completion.
  int64_t total_tokens = 0;
  /// False when the body has no `usage` object.
  bool present = false;
};

/// Reads `usage` from a parsed JSON body (a chat completion or one streamed chunk). Missing or
/// non-numeric counts are 0; negative counts are clamped to 0; floats truncate.
usage_counts usage_from_value(const rapidjson::Value& body);

} // namespace gw::catalog
