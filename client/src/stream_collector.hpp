// The consumer side of a streamed chat, shared by both modes: each event of the gateway's
// stream-route protocol (reference §9; one JSON object per event) is parsed, handed to the
// caller's callback, and folded into the final result. Remote mode reads the events from the
// gateway's SSE; embedded mode produces the same event texts (http/openai/stream_route_events)
// from its own stream sink, so both modes show the caller identical values.
#pragma once

#include "freerouter/result.hpp"
#include "freerouter/types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace freerouter::detail {

/// One event's JSON as a stream_event; an `error` event as the error it carries (code, message,
/// status); nullopt for JSON that is no known event (ignored).
struct parsed_event {
  std::optional<stream_event> event;
  std::optional<error> failure;
};
parsed_event parse_stream_event(std::string_view json);

class stream_collector {
public:
  explicit stream_collector(const stream_callback& on_event) : on_event_(on_event) {}

  /// Consumes one event; false once the stream has ended (done or error).
  bool feed(std::string_view json);

  /// Ends the stream with an error that came from outside the events (connection, outcome).
  void fail(error e);

  bool ended() const {
    return ended_;
  }

  /// The whole answer, or the error the stream ended with; a stream that ended without
  /// `done` is a protocol_error naming `cut_reason`.
  result<chat_result> finish(std::string_view cut_reason);

private:
  const stream_callback& on_event_;
  chat_result result_;
  std::optional<error> failure_;
  bool done_ = false;
  bool ended_ = false;
};

} // namespace freerouter::detail
