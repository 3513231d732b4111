// Async HTTP/1.1 + HTTPS client for one provider endpoint, with a keep-alive connection pool.
// Free of Beast/Asio so that actors can hold a client without the heavy headers; the
// implementation lives in upstream_client.cpp (pool, exchanges) and connection.cpp (sockets).
//
//   send(req) ──> idle connection (LIFO) ──┐
//             ├─> new connection (< max) ──┼─> write ─> read ─> back to the pool ─> on_done
//             └─> FIFO wait queue ─────────┘   (a stale pooled connection is retried once, fresh)
#pragma once

#include "core/expected.hpp"
#include "http/upstream/upstream_types.hpp"
#include "http/upstream/url.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::upstream {

namespace detail {
class client_core;
} // namespace detail

struct client_options {
  /// Connections open at once (connecting, busy or idle); further sends wait in FIFO order.
  size_t max_connections = 400;
  /// Idle keep-alive connections kept for reuse. Extra ones are closed once they have been
  /// idle a sweep period (min(idle_expiry / 2, 1 s), at least 100 ms), so a load steadily above
  /// the limit does not close and reopen connections; 0 closes every connection after use.
  size_t max_idle_connections = 200;
  /// An idle connection older than this is closed instead of reused.
  std::chrono::milliseconds idle_expiry{30000};
  /// PEM file with CAs trusted in addition to the system store (tests, private CAs).
  std::string extra_ca_file;
  /// MAX_UPSTREAM_RESPONSE_BYTES: the most a buffered (non-streamed) answer may hold; a
  /// longer one fails the attempt (protocol_error) and the waterfall goes on. Bounds memory.
  uint64_t max_response_bytes = 16ull * 1024 * 1024;
};

/// One streaming response body. Pull-based, so a slow consumer never makes us buffer:
/// nothing is read from the socket until read_some is called.
class upstream_stream {
public:
  virtual ~upstream_stream() = default;

  /// Reads the next available body bytes (chunked encoding removed; whatever has arrived).
  /// `data` is valid only during the callback. `done` is true once at the clean end of the
  /// body; `failure` != none on idle timeout (the request's read_timeout, re-armed per call,
  /// or the read deadline when sooner), reset or cancel — `data` may still carry the bytes
  /// read before the failure.
  /// At most one read_some may be outstanding; calling again after done/failure repeats it.
  /// The callback runs on an io thread; callable from any thread.
  virtual void read_some(
    std::function<void(std::string_view data, bool done, transport_failure failure)> cb) = 0;

  /// Reads that start from now on fail with transport_failure::timeout once `deadline` has
  /// passed (a first-token deadline); a default time_point removes it. Takes effect for the
  /// next read_some called after it. Callable from any thread.
  virtual void set_read_deadline(std::chrono::steady_clock::time_point deadline) = 0;

  /// Closes the connection (it is not returned to the pool). A pending read_some completes
  /// with transport_failure::cancelled. Callable from any thread.
  virtual void cancel() = 0;

  /// The consumer needs no more of the body (an SSE stream after its [DONE]): what is left is
  /// read and dropped for at most `wait`, so that a body whose end comes in time returns its
  /// connection to the pool; one that does not is closed. Call with no read_some pending;
  /// the stream stays alive until this is over. Callable from any thread.
  virtual void discard_rest(std::chrono::milliseconds wait) = 0;
};

class upstream_client : public std::enable_shared_from_this<upstream_client> {
public:
  using done_handler = std::function<void(upstream_result)>;
  using head_handler = std::function<void(upstream_result, std::shared_ptr<upstream_stream>)>;

  /// Fails (config_error) only when the TLS context cannot be set up, e.g. a missing CA file.
  static gw::expected<std::shared_ptr<upstream_client>> make(boost::asio::io_context& ioc,
                                                             endpoint ep, client_options opts);

  /// Calls shutdown(); exchanges in flight still complete.
  ~upstream_client();

  upstream_client(const upstream_client&) = delete;
  upstream_client& operator=(const upstream_client&) = delete;

  /// Sends one request and reads the whole response. Thread-safe; `on_done` is called exactly
  /// once, on an io thread. `req.path` is appended to the endpoint's base_path; Host,
  /// Content-Length and Connection: keep-alive are added (caller values for them are ignored).
  void send(upstream_request req, done_handler on_done);

  /// Sends one request and reads only the response head. Status < 400: `on_head` gets
  /// status + headers (empty body) and a stream to pull the body. Status >= 400: the whole
  /// body is read and `on_head` gets it with a null stream. Transport failure: failure set,
  /// null stream. Called exactly once, on an io thread.
  void open_stream(upstream_request req, head_handler on_head);

  /// Closes idle connections and fails queued and later requests with
  /// transport_failure::cancelled. Exchanges already on a connection complete normally.
  void shutdown();

  const endpoint& target() const;

  /// Pool gauges (for metrics and tests).
  size_t open_connections() const;
  size_t idle_connections() const;
  size_t queued_requests() const;

  /// Internal: use make().
  explicit upstream_client(std::shared_ptr<detail::client_core> core);

private:
  std::shared_ptr<detail::client_core> core_;
};

} // namespace gw::upstream
