// Where the model value sits in a client's body, so that an upstream body can be the client's
// own text with that value replaced: one copy, instead of writing the whole document again for
// every attempt (a long conversation is kilobytes of messages).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace gw::openai {

/// [begin, end) of a value in the body's text, its quotes included.
struct text_span {
  size_t begin = 0;
  size_t end = 0;
};

/// The span of the value of the first top-level key spelled "model" without escapes in `body`
/// (a JSON object), when that value is a string; none otherwise. The scan stops there: most
/// clients write "model" first. Whether a splice gives what build_upstream_body would write
/// is the parsed document's to say (parse_owned_chat_request: exactly one "model" member, a
/// string, and no "stream" or "stream_options" member, which a copy could not drop).
std::optional<text_span> top_level_model_span(std::string_view body);

} // namespace gw::openai
