// Internal to http/upstream: one keep-alive socket to a provider (plain TCP or TLS) and the
// mapping of Asio/Beast/OpenSSL errors onto transport_failure. Beast-heavy: include it only
// from this folder's .cpp files.
#pragma once

#include "http/upstream/upstream_types.hpp"
#include "http/upstream/url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace gw::upstream::detail {

namespace net = boost::asio;
namespace beast = boost::beast;

/// What a connection reports to whoever counts open connections.
class connection_owner {
public:
  virtual ~connection_owner() = default;
  /// A counted connection was destroyed: its slot is free again.
  virtual void on_connection_closed() = 0;
};

/// Where in an exchange an error happened; decides connect_error vs tls_error vs reset.
enum class stage : uint8_t { connect, handshake, write, read };

/// Maps an error of `where` onto the failure kinds the router understands.
transport_failure classify(const boost::system::error_code& ec, stage where);

/// True for errors that mean "the peer had already closed this idle connection".
bool is_stale_connection_error(const boost::system::error_code& ec);

/// What one receive on an upstream connection may take.
constexpr size_t read_buffer_bytes = size_t{16} * 1024;

class connection : public std::enable_shared_from_this<connection> {
public:
  /// The io_context's own executor, a concrete type (no type-erased executor per operation).
  /// Its io_context must be run by one thread (runtime/io_loops): that serialises the
  /// connection's handlers as a strand would, without a strand's cost per handler.
  using executor_type = net::io_context::executor_type;
  using tcp_stream = beast::basic_stream<net::ip::tcp, executor_type>;
  using tls_stream = beast::ssl_stream<tcp_stream>;
  using connect_handler = std::function<void(transport_failure, std::string)>;

  connection(net::io_context& ioc, net::ssl::context* tls, std::weak_ptr<connection_owner> owner);
  /// Closes the socket and frees the owner's slot (unless the slot was handed on).
  ~connection();

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  const executor_type& executor() const {
    return executor_;
  }
  /// TLS on top of TCP.
  bool secure() const {
    return tls_.has_value();
  }
  /// The TCP layer (timeouts, close), also under TLS.
  tcp_stream& tcp() {
    return tls_ ? tls_->next_layer() : *plain_;
  }
  /// Calls f with the stream to read/write (tcp_stream or ssl_stream).
  template <class F>
  void visit(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  beast::flat_buffer& buffer() {
    return buffer_;
  }
  bool connected() const {
    return connected_;
  }

  /// Resolve + connect + TLS handshake, on the connection's loop. The caller arms
  /// tcp().expires_after (Beast's per-operation timer: a new connection is rare).
  void connect(const endpoint& ep, connect_handler done);

  /// Bounds the operations of a connected socket from now until clear_deadline(): when `at`
  /// passes first the socket is closed, they fail, and timed_out() says why. On the
  /// connection's loop. One watchdog timer per connection, armed again only when it fires
  /// before the current deadline or a nearer one is set: Beast's per-operation timeouts
  /// armed and cancelled a timer wait for every read (~900 instructions per request).
  void set_deadline(std::chrono::steady_clock::time_point at);
  /// No operation is bounded any more (between the reads of a stream, idle in the pool).
  void clear_deadline() {
    deadline_ = no_deadline;
  }
  /// The watchdog closed the socket because the deadline passed.
  bool timed_out() const {
    return timed_out_;
  }

  /// Closes the socket now; pending operations complete with an error.
  void close();

  /// When this connection went idle (pool expiry).
  std::chrono::steady_clock::time_point idle_since{};
  /// Cleared when the slot this connection occupies is reused by a replacement connection.
  bool counted = true;

private:
  static constexpr auto no_deadline = std::chrono::steady_clock::time_point::max();

  void on_connected(const boost::system::error_code& ec, connect_handler done);
  void handshake(connect_handler done);
  void arm_watchdog(std::chrono::steady_clock::time_point at);
  void on_watchdog();

  executor_type executor_;
  std::optional<tcp_stream> plain_;
  std::optional<tls_stream> tls_;
  beast::flat_buffer buffer_;
  std::weak_ptr<connection_owner> owner_;
  std::unique_ptr<net::ip::tcp::resolver> resolver_;
  std::string host_;
  bool connected_ = false;
  net::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_ = no_deadline;
  /// When the watchdog's pending wait ends (no_deadline: none is pending).
  std::chrono::steady_clock::time_point watchdog_at_ = no_deadline;
  bool timed_out_ = false;
};

} // namespace gw::upstream::detail
