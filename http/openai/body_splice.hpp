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

/// The span of the top-level "model" value of `body`, a JSON object already accepted by
/// parse_chat_request, when splicing gives what build_upstream_body would write for a
/// request that is not streamed: exactly one "model" key, holding a string, and no "stream"
/// or "stream_options" key (those are dropped, which a copy cannot do). None otherwise, and
/// for a key with an escape in it (only the document knows what it spells).
std::optional<text_span> model_splice_span(std::string_view body);

} // namespace gw::openai
