// The fake provider's behaviour language. A request's JSON "model" selects what the fake does,
// so integration tests can script a provider through catalog model ids:
//
//   <behaviour>[;key=value|;flag]*      values may be %XX-encoded (e.g. %3B for ';')
//
//   ok            200 chat.completion (content=, prompt_tokens=, completion_tokens=,
//                 pad_bytes= more bytes of content)
//   status        code=429 retry_after= retry_after_ms= reset_requests= reset_tokens=
//                 retry_delay= (Gemini body) body=<error message> raw_body=<verbatim body>
//                 echo_key (the message repeats the key and Authorization header it was sent,
//                 as some providers do: tests that the gateway never passes them on)
//   garbage       200 with a non-JSON body
//   truncated     200 whose Content-Length exceeds the body, then close
//   reset         close without answering
//   stall         never answer (until the client goes away)
//   stream        chunks= interval_ms= cut_after= stall_after= error_first done=0 no_space crlf
//                 first_delay_ms= empty_content_first= usage=1
//                 end_delay_ms= (the terminating chunk that long after the tail with [DONE])
//   empty_stream  only `data: [DONE]`
//   endless_chunked  200 application/json, chunked, 64 KiB chunks of 'x' until bytes= (1 GiB)
//   endless_headers  "HTTP/1.1 200 OK" then header lines until bytes= (1 GiB), never a blank line
//   huge_sse_line    an event stream whose first line is `data: ` and bytes= (10 MB) of 'x' with
//                    no line end, then the end of the event, [DONE] and the end of the stream
//   any:          delay_ms= (before answering), close=1 (close after answering, without
//                 announcing it), connection_close=1 (answer with Connection: close),
//                 rl_remaining_requests= rl_remaining_tokens= rl_reset= (x-ratelimit-* headers)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::fake {

enum class behavior_kind {
  ok,
  status,
  garbage,
  truncated,
  reset,
  stall,
  stream,
  empty_stream,
  endless_chunked,
  endless_headers,
  huge_sse_line,
  unknown,
};

struct behavior {
  behavior_kind kind = behavior_kind::unknown;
  /// The behaviour word as written (for error messages).
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;

  /// The value of `key`, or nullopt. A bare flag has the value "1".
  std::optional<std::string_view> get(std::string_view key) const;
  /// Integer value of `key`, `fallback` when absent or malformed.
  long long get_int(std::string_view key, long long fallback) const;
  bool has(std::string_view key) const {
    return get(key).has_value();
  }
  /// A flag is on when present and not "0"/"false".
  bool flag(std::string_view key) const;
};

behavior parse_behavior(std::string_view model);

} // namespace gw::fake
