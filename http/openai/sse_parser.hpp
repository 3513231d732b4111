// Incremental Server-Sent-Events parser for upstream streams (reference §8.1 with the fixes of
// contract §6.4): bytes arrive in arbitrary pieces and every split point must give the same
// events. Pure; one parser per upstream stream.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace gw::openai {

/// One complete SSE event.
struct sse_event {
  /// The `data:` lines of the event joined by "\n" (one leading space of each value removed).
  std::string data;
  /// The last `event:` field of the event, "" when none.
  std::string event;
  /// The event's lines as received, comment lines left out, each ended by "\n", followed by
  /// the blank line: re-sending `raw` downstream reproduces the event.
  std::string raw;
};

/// Splits a byte stream into SSE events (WHATWG rules): line ends LF, CRLF or lone CR (a CR
/// ending one feed and an LF starting the next are one line end); `field:value` with one
/// optional space after the colon; lines starting with ':' are comments; `id:`, `retry:` and
/// unknown fields are kept in `raw` but otherwise ignored; a UTF-8 BOM at stream start is
/// skipped. An event is delivered at its blank line only when it had at least one `data` line
/// (blocks of comments or other fields alone are dropped).
class sse_parser {
public:
  /// The event is the parser's own and valid during the call only: its strings keep their
  /// capacity from event to event (no allocation per event once a stream is under way).
  using event_handler = std::function<void(const sse_event&)>;

  /// `max_event_bytes` bounds one event: its non-comment lines (line ends not counted) plus the
  /// line being read, so a hostile upstream that never sends a line end cannot exhaust memory.
  explicit sse_parser(size_t max_event_bytes = size_t{8} << 20);

  /// Consumes `bytes`, calling `on_event` for every event completed by them. Returns false
  /// when an event grows beyond `max_event_bytes` (an upstream protocol error); the parser then
  /// stays failed: later feed() calls return false and finish() delivers nothing.
  bool feed(std::string_view bytes, const event_handler& on_event);

  /// End of stream: a last line without line end and an event without its blank line are
  /// still delivered. The parser is then reset for a new stream.
  void finish(const event_handler& on_event);

  /// True once feed() returned false.
  bool failed() const {
    return failed_;
  }

private:
  void take_line(std::string_view line, const event_handler& on_event);
  void dispatch(const event_handler& on_event);
  void reset_event();

  size_t max_event_bytes_;
  /// Bytes of the current, not yet terminated line.
  std::string line_;
  /// The previous feed ended with CR: an LF at the start of the next feed belongs to it.
  bool pending_cr_ = false;
  /// No line has been completed yet (the BOM check applies to the first line only).
  bool at_stream_start_ = true;
  bool failed_ = false;
  // -- the event being assembled --
  sse_event current_;
  /// Bytes of the event's lines so far, line ends not counted.
  size_t event_bytes_ = 0;
  bool has_data_ = false;
};

} // namespace gw::openai
