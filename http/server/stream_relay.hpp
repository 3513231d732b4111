// The byte path of one streaming request (actors::stream_sink). The router decides which route
// to try; the relay pulls that route's upstream SSE body, applies the commit rule, and writes
// to the client. Tokens never pass through a mailbox: the relay reports to the router only
// when an attempt ends (failed before commit, or the stream finished / broke after commit).
//
//   router --open_stream(req)--> transport
//   transport --on_head(head, body)--> relay: read_some -> parse SSE -> commit rule
//        before commit: buffer; a failure -> stream_done(committed=false) -> next route
//        on commit:     200 + X-Gateway-* headers, flush buffer, then relay read by read
//                       (the next upstream read starts once the client took the last bytes)
//        after commit:  a cut/stall/error -> SSE error event "stream_interrupted", no [DONE]
//
// Threading: the relay's state is confined to the client connection's loop (an io_context run
// by one thread, runtime/io_loops). Every entry point (the router's calls, the transport's
// head, each upstream read) is dispatched onto it through exchange::dispatch, so no lock is
// needed; on that loop's thread the work runs at once, without a queue.
#pragma once

#include "actors/stream_sink.hpp"
#include "catalog/failure_classifier.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "http/server/http_types.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace gw::upstream {
class upstream_stream;
} // namespace gw::upstream

namespace gw::server {

using actors::stream_outcome;

/// What the client sees: OpenAI SSE chunks, or the chat page's stream-route events (§9).
enum class stream_format : uint8_t { openai, stream_route };

class stream_relay final : public actors::stream_sink,
                           public std::enable_shared_from_this<stream_relay> {
public:
  struct settings {
    stream_format format = stream_format::openai;
    /// Web-search mode: only a chunk with non-blank text (or a tool call) commits.
    bool require_substantive = false;
    /// The client asked for stream_options.include_usage (else usage chunks are not forwarded).
    bool client_wants_usage = false;
    /// STREAM_FIRST_TOKEN_TIMEOUT_SECONDS: an attempt that has not committed by then fails over.
    std::chrono::milliseconds first_token_timeout{60'000};
    /// Runs once when a route commits (releases the limiter slot early, per settings).
    std::function<void()> on_commit;
    /// Reports an attempt's end to the router (sends stream_done).
    std::function<void(size_t index, stream_outcome)> on_attempt_end;
    /// SSE_CHUNK_REPLAY_SLEEP_SECONDS: stream-route clients get a pause of this long after
    /// each `content` event (the exchange's timer, no thread sleeps); 0 = none.
    std::chrono::microseconds content_pause{0};
    /// A stream broken after commit is logged here; null = not logged (tests).
    const log::logger* log = nullptr;
    /// Removes provider keys from an upstream error forwarded to the client.
    redactor_ptr redact = std::make_shared<redactor>();
  };

  stream_relay(exchange_ptr client, std::string request_id, settings s);
  ~stream_relay() override;
  stream_relay(const stream_relay&) = delete;
  stream_relay& operator=(const stream_relay&) = delete;

  /// Sets settings::on_attempt_end after construction (it needs the job the relay belongs to);
  /// before the relay is shared with the router.
  void set_attempt_end_handler(std::function<void(size_t index, stream_outcome)> handler);

  // -- actors::stream_sink ----------------------------------------------------------------
  void begin_attempt(size_t index, catalog::route_ref route, int upstream_calls) override;
  void on_head(const upstream::upstream_result& head,
               std::shared_ptr<upstream::upstream_stream> body) override;
  /// Written to stream-route clients as it happens; ignored for OpenAI clients.
  void route_event(std::string_view type, const catalog::route_ref& route,
                   std::string_view reason) override;

  /// The waterfall ended without a committed route: the JSON reply for OpenAI clients (503,
  /// 504, a caller error), an `error` event (message, code, the reply's status) for
  /// stream-route clients.
  void answer_without_stream(server_response reply, std::string_view stream_route_message,
                             std::string_view code = {});

  /// Stream-route clients get the 200 at once (routing progress is part of the stream).
  void start_stream_route();

  /// The client disconnected: cancel the upstream body; the attempt ends as client_gone.
  void client_gone();

  bool committed() const;

private:
  /// Runs `work(*this)` on the client's loop (see the threading note above).
  template <class Work>
  void on_client_loop(Work work);

  // -- the entry points' bodies, on the client's loop -------------------------------------
  void start_attempt(size_t index, catalog::route_ref route, int upstream_calls);
  void take_head(const upstream::upstream_result& head,
                 std::shared_ptr<upstream::upstream_stream> body);
  void write_route_event(const std::string& type, const catalog::route_ref& route,
                         const std::string& reason);
  void answer_now(server_response reply, const std::string& stream_route_message,
                  const std::string& code);
  void open_stream_route();
  void drop_client();

  void read_next();
  void on_data(std::string_view data, bool done, upstream::transport_failure failure);
  void handle_event(const std::string& data, const std::string& raw);
  void commit();
  void fail_before_commit(catalog::outcome_kind kind, std::string reason, int status = 0);
  void interrupt(catalog::outcome_kind kind, const std::string& message);
  void finish_success();
  void end_attempt(stream_outcome outcome);
  void write(std::string bytes, std::function<void()> then);
  /// The last bytes of a committed stream, then its end (one send when not paced).
  void finish_writing(std::string last_bytes);
  /// write() for stream-route clients with a content pause: each `content` event is followed
  /// by exchange::pause.
  void write_paced(std::string_view bytes, std::function<void()> then);

  exchange_ptr client_;
  std::string request_id_;
  settings settings_;

  // -- the current attempt ------------------------------------------------------------------
  size_t index_ = 0;
  catalog::route_ref route_;
  int upstream_calls_ = 0;
  std::chrono::steady_clock::time_point attempt_started_;
  /// attempt_started_ + first_token_timeout: no read before commit outlasts it.
  std::chrono::steady_clock::time_point first_token_deadline_{};
  std::shared_ptr<upstream::upstream_stream> body_;
  std::unique_ptr<struct relay_parse_state> parse_;
  bool attempt_open_ = false;
  /// A read_some is outstanding (its callback will end the attempt on cancel).
  bool read_pending_ = false;

  // -- the client side ----------------------------------------------------------------------
  bool stream_started_ = false;
  /// Read off the loop (committed()), hence atomic.
  std::atomic<bool> committed_{false};
  bool client_gone_ = false;
  bool finished_ = false;
};

using stream_relay_ptr = std::shared_ptr<stream_relay>;

} // namespace gw::server
