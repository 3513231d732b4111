// What the HTTP frontend hands to endpoint handlers and gets back: plain values, no Beast,
// no CAF, so handlers and the connection code compile (and change) independently.
#pragma once

#include "http/upstream/upstream_types.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace gw::server {

using upstream::header_list;

struct server_request {
  std::string method;
  /// Path without the query string, e.g. "/v1/chat/completions".
  std::string path;
  std::string query;
  header_list headers;
  std::string body;
  std::string client_ip;

  const std::string* header(std::string_view name) const {
    return upstream::find_header(headers, name);
  }
};

struct server_response {
  int status = 200;
  /// Always text with static storage (a literal, a bundled asset's type): a view, because
  /// "application/json" is one byte too long for a string's inline buffer and so cost an
  /// allocation per response.
  std::string_view content_type = "application/json";
  std::string body;
  header_list headers;
  /// Header lines rendered by the handler ("Name: value\r\n" each, values already checked),
  /// sent after `headers`: a fixed set of fields in one string, not two strings a field.
  std::string head_lines;
};

/// One request/response exchange on a client connection. Thread-safe: handlers may answer
/// from any thread (actor workers); every call is dispatched onto the connection's loop
/// (run at once when the caller is on that loop's thread, otherwise queued to it).
class exchange {
public:
  virtual ~exchange() = default;

  /// Runs `work` on the connection's loop, like the calls below: a producer whose state is
  /// confined to the connection (the stream relay) enters it through here.
  virtual void dispatch(std::function<void()> work) = 0;

  /// Sends a complete response. Only the first call of respond/start_stream counts.
  virtual void respond(server_response response) = 0;

  /// Starts a streamed (chunked) response with the given status and headers.
  virtual void start_stream(int status, std::string content_type, header_list headers) = 0;
  /// Queues one chunk; `on_written(true)` once the client accepted it, `false` if it is gone.
  /// Callers send the next chunk only after on_written: that is the backpressure.
  virtual void write_chunk(std::string data, std::function<void(bool)> on_written) = 0;
  /// Queues a pause: what is queued after it is written `delay` later (a timer on the
  /// connection, no thread waits). SSE_CHUNK_REPLAY_SLEEP_SECONDS paces content events so.
  virtual void pause(std::chrono::microseconds delay) = 0;
  /// Ends a streamed response (terminating chunk), or closes the connection when
  /// `abort` is set (the client must see an incomplete body).
  virtual void end_stream(bool abort = false) = 0;
  /// write_chunk(last_data) then end_stream(), sent together: the last events and the
  /// terminating chunk leave in one send instead of two.
  virtual void finish_stream(std::string last_data) = 0;

  /// Registers a callback run once if the client disconnects before the exchange ends.
  virtual void on_client_gone(std::function<void()> callback) = 0;

  /// The last chunk written if shutdown cuts this stream at the drain deadline (e.g. an SSE
  /// `stream_interrupted` error event), so the client can tell a cut stream from a complete
  /// one. Only the formats' owners know these bytes; the server only writes them.
  virtual void set_shutdown_chunk(std::string chunk) = 0;
};

using exchange_ptr = std::shared_ptr<exchange>;

/// Routes a request to its handler (implemented by the endpoint table).
class request_handler {
public:
  virtual ~request_handler() = default;
  virtual void handle(server_request request, exchange_ptr exchange) = 0;
};

} // namespace gw::server
