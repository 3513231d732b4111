// The client-facing HTTP/1.1 server (Beast). Accepts connections, parses requests with
// bounded sizes and timeouts, and hands each request to a request_handler as plain values.
#pragma once

#include "core/expected.hpp"
#include "http/server/http_types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::server {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  /// Larger bodies get 413 before they are buffered.
  size_t body_limit = size_t{10} * 1024 * 1024;
  /// Bounds the wait for the next request on a kept-alive connection and the read of a whole
  /// request (headers and body): a slow or silent client is dropped after this long.
  std::chrono::seconds request_read_timeout{60};
  /// A client that accepts no response bytes for this long is dropped (slow readers).
  std::chrono::seconds write_timeout{60};
  /// Client connections open at once; one more is answered 503 too_many_connections and
  /// closed (idle or slow clients must not use up the file descriptors).
  size_t max_connections = 10000;
};

class http_server {
public:
  virtual ~http_server() = default;
  /// Binds and starts accepting on `ioc`. Errors name the address ("127.0.0.1:8000: address
  /// in use"). Each accepted connection lives on one of `loops` (in turn; none: on `ioc`).
  /// Every loop must be run by exactly one thread (runtime/io_loops): a connection's handlers
  /// then never overlap, without a strand.
  static gw::expected<std::unique_ptr<http_server>>
  start(boost::asio::io_context& ioc, server_options options,
        std::shared_ptr<request_handler> handler, std::vector<boost::asio::io_context*> loops = {});
  /// The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  /// Stops accepting new connections; open ones finish their current exchange and close.
  virtual void stop_accepting() = 0;
  /// Number of requests currently being answered.
  virtual size_t active_exchanges() const = 0;
  /// The drain deadline has passed: every request still unanswered gets a 503
  /// `shutting_down` (waiting for the waterfall, the limiter or an upstream connection), every
  /// open stream its shutdown chunk and its end. The connections then close.
  virtual void cut_in_flight() = 0;
};

} // namespace gw::server
