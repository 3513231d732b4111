// Beast connection handling. The only translation unit of the frontend that includes Beast;
// everything a request means is decided by the request_handler.
#include "http/server/http_server.hpp"

#include "catalog/ids.hpp"
#include "http/openai/error_body.hpp"
#include "http/server/close_watch_sweep.hpp"
#include "http/server/request_reader.hpp"
#include "http/server/response_head.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gw::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
/// A connection's executor: its loop's own, as a concrete type (Beast and Asio then call it
/// directly instead of through any_io_executor's type erasure on every operation). One thread
/// runs each loop (http_server::start), so the loop serialises the connection's handlers as a
/// strand would, without a strand's mutex and shared_ptr copies per handler.
using executor_type = net::io_context::executor_type;
using socket_type = tcp::socket::rebind_executor<executor_type>::other;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr size_t header_limit = size_t{64} * 1024;
/// The interim answer to `Expect: 100-continue`.
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view crlf = "\r\n";
/// Chunks gathered into one send at most (three buffers each; Asio sends 64 per call).
constexpr size_t max_gathered_chunks = 16;
/// Lingering close after a 413: how long and how much of the rest of a body is read and
/// dropped before the connection is closed anyway.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr size_t linger_bytes = size_t{64} * 1024 * 1024;
constexpr size_t linger_read = size_t{64} * 1024;

class session;

/// Counts requests being answered, for graceful shutdown and health, and knows the open
/// sessions so that shutdown can answer what is left at its deadline.
struct server_stats {
  std::atomic<size_t> active{0};
  /// Client connections open now (sessions alive), for the connection cap.
  std::atomic<size_t> connections{0};
  /// Shutting down: answer what is in flight, then close instead of waiting for more.
  std::atomic<bool> draining{false};

  /// Per connection, not per request: a lock at open and close only.
  void add(const std::shared_ptr<session>& s) {
    std::lock_guard<std::mutex> guard(sessions_mutex_);
    sessions_.emplace(s.get(), s);
  }
  void remove(const session* s) {
    std::lock_guard<std::mutex> guard(sessions_mutex_);
    sessions_.erase(s);
  }
  std::vector<std::shared_ptr<session>> open_sessions() {
    std::vector<std::shared_ptr<session>> out;
    std::lock_guard<std::mutex> guard(sessions_mutex_);
    out.reserve(sessions_.size());
    for (auto& [ptr, weak] : sessions_) {
      if (auto strong = weak.lock()) {
        out.push_back(std::move(strong));
      }
    }
    return out;
  }

private:
  std::mutex sessions_mutex_;
  std::unordered_map<const session*, std::weak_ptr<session>> sessions_;
};

/// The exchange handed to handlers: dispatches every call onto the session's loop.
class session_exchange final : public exchange {
public:
  explicit session_exchange(std::shared_ptr<session> owner) : owner_(std::move(owner)) {}
  void dispatch(std::function<void()> work) override;
  void respond(server_response response) override;
  void start_stream(int status, std::string content_type, header_list headers) override;
  void write_chunk(std::string data, std::function<void(bool)> on_written) override;
  void pause(std::chrono::microseconds delay) override;
  void end_stream(bool abort) override;
  void finish_stream(std::string last_data) override;
  void on_client_gone(std::function<void()> callback) override;
  void set_shutdown_chunk(std::string chunk) override;

private:
  /// Runs `call(session&)` on the session's loop (net::dispatch: see dispatch()).
  template <class Call>
  void on_loop(Call call);

  std::shared_ptr<session> owner_;
};

class session final : public std::enable_shared_from_this<session>, public close_watch_target {
public:
  session(socket_type&& socket, server_options options, std::shared_ptr<request_handler> handler,
          std::shared_ptr<server_stats> stats, std::shared_ptr<close_watch_sweep> sweep)
      : socket_(std::move(socket)), options_(std::move(options)), handler_(std::move(handler)),
        stats_(std::move(stats)), sweep_(std::move(sweep)) {
    stats_->connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~session() {
    stats_->remove(this);
    stats_->connections.fetch_sub(1, std::memory_order_relaxed);
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  executor_type executor() {
    return socket_.get_executor();
  }

  void run() {
    stats_->add(shared_from_this());
    // Lets respond() try a send without blocking (one ioctl per connection; Asio's own
    // operations already use the socket non-blocking).
    beast::error_code ignored;
    socket_.non_blocking(true, ignored);
    net::dispatch(socket_.get_executor(),
                  beast::bind_front_handler(&session::read_request, shared_from_this()));
  }

  // -- called on the loop through session_exchange --------------------------------------

  void respond(server_response&& response) {
    if (state_ != exchange_state::waiting) {
      return;
    }
    state_ = exchange_state::done;
    bool keep_alive = keep_alive_ && !stats_->draining.load(std::memory_order_relaxed);
    if (status_without_body(response.status)) {
      response.body.clear();
    }
    // Head and body stay members until the write completes: one answer at a time.
    out_head_ =
      response_head(response.status, response.content_type, response.headers, body_framing::length,
                    response.body.size(), keep_alive, response.head_lines);
    out_body_ = std::move(response.body);
    std::array<net::const_buffer, 2> buffers{net::buffer(out_head_), net::buffer(out_body_)};
    // Most answers fit the socket's send buffer: one send now, finished here, and an
    // asynchronous write (a timeout timer, a completion through the queue: ~2.5k instructions)
    // only for what a slow reader left.
    beast::error_code ec;
    auto total = net::buffer_size(buffers);
    auto sent = socket_.send(buffers, 0, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      sent = 0;
    }
    if (ec || sent == total) {
      answer_written(ec, keep_alive);
      return;
    }
    beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
    rest.consume(sent);
    expire_after(options_.write_timeout);
    net::async_write(socket_, rest,
                     [self = shared_from_this(), keep_alive](beast::error_code err, size_t) {
                       self->expire_never();
                       self->answer_written(err, keep_alive);
                     });
  }

  void answer_written(beast::error_code ec, bool keep_alive) {
    out_body_ = std::string{}; // a page can be megabytes
    finish_exchange(ec, keep_alive);
  }

  void start_stream(int status, const std::string& content_type, const header_list& headers) {
    if (state_ != exchange_state::waiting) {
      return;
    }
    state_ = exchange_state::streaming;
    out_head_ = response_head(status, content_type, headers, body_framing::chunked, 0, keep_alive_);
    head_pending_ = true;
    // The head leaves with the first chunk if the producer queues one in this same handler
    // (a relay commits and writes its buffered events together): one send, not two. If not,
    // this pump, right after the handler, sends it alone.
    net::defer(socket_.get_executor(), [self = shared_from_this()] { self->pump_chunks(); });
  }

  void write_chunk(std::string data, std::function<void(bool)> on_written) {
    if (state_ != exchange_state::streaming || cut_) {
      if (on_written) {
        on_written(false);
      }
      return;
    }
    pending_chunks_.push_back({std::move(data), std::move(on_written), false, false});
    pump_chunks();
  }

  void pause(std::chrono::microseconds delay) {
    if (state_ != exchange_state::streaming || cut_) {
      return;
    }
    pending_chunks_.push_back({{}, {}, false, false, delay});
    pump_chunks();
  }

  void end_stream(bool abort) {
    if (state_ != exchange_state::streaming || cut_) {
      return;
    }
    pending_chunks_.push_back({{}, {}, true, abort});
    pump_chunks();
  }

  void finish_stream(std::string last_data) {
    if (state_ != exchange_state::streaming || cut_) {
      return;
    }
    // Both queued before the pump: they are gathered into one send.
    pending_chunks_.push_back({std::move(last_data), {}, false, false});
    pending_chunks_.push_back({{}, {}, true, false});
    pump_chunks();
  }

  void on_client_gone(std::function<void()> callback) {
    if (state_ == exchange_state::idle || state_ == exchange_state::done) {
      return;
    }
    if (client_gone_) {
      callback();
      return;
    }
    gone_callbacks_.push_back(std::move(callback));
    if (!watching_ && enlisted_exchange_ != exchange_) {
      enlisted_exchange_ = exchange_;
      sweep_->enlist(weak_from_this(), exchange_);
    }
  }

  /// The sweep's call, a period or two after on_client_gone: the exchange is still open.
  void arm_close_watch(uint64_t exchange) override {
    bool open = state_ == exchange_state::waiting || state_ == exchange_state::streaming;
    if (exchange != exchange_ || !open || watching_ || client_gone_ || gone_callbacks_.empty()) {
      return;
    }
    watching_ = true;
    watch_for_close();
  }

  void set_shutdown_chunk(std::string chunk) {
    shutdown_chunk_ = std::move(chunk);
  }

  /// Shutdown's drain deadline: answer or end the exchange now and close the connection.
  void cut_for_shutdown() {
    keep_alive_ = false;
    if (state_ == exchange_state::waiting) {
      server_response res;
      res.status = 503;
      res.headers = {{"Retry-After", "1"}};
      res.body =
        openai::error_json("The gateway is shutting down; the request was not completed. Retry it.",
                           "server_error", "shutting_down");
      respond(std::move(res));
      return;
    }
    if (state_ != exchange_state::streaming || cut_) {
      return;
    }
    for (const auto& item : pending_chunks_) {
      if (item.last) {
        return; // the stream is ending by itself
      }
    }
    cut_ = true;
    // What the producer queued is dropped; telling it so cancels its upstream read.
    auto dropped = std::move(pending_chunks_);
    pending_chunks_.clear();
    for (auto& item : dropped) {
      if (item.on_written) {
        item.on_written(false);
      }
    }
    if (!shutdown_chunk_.empty()) {
      pending_chunks_.push_back({std::move(shutdown_chunk_), {}, false, false});
    }
    pending_chunks_.push_back({{}, {}, true, false});
    pump_chunks();
  }

private:
  enum class exchange_state { idle, waiting, streaming, done };
  /// The peer's address, read once per connection.
  std::string client_ip_;

  struct chunk_item {
    std::string data;
    std::function<void(bool)> on_written;
    bool last = false;
    bool abort = false;
    /// A pause item (no data): the chunks behind it wait this long.
    std::chrono::microseconds pause{0};
    /// The chunk's framing, written before the data.
    std::string size_line{};
  };

  /// The header first, so that a client sending `Expect: 100-continue` gets its 100 before
  /// it sends the body (curl otherwise waits a second per upload). The request timeout set
  /// here bounds the header and the body together.
  void read_request() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(header_limit);
    expire_after(options_.request_read_timeout);
    http::async_read_header(socket_, buffer_, *parser_,
                            beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (ec || parser_->is_done()) {
      on_read(ec, 0);
      return;
    }
    const auto* expect = parser_->request().header("expect");
    if (expect != nullptr && parser_->version() >= 11 && beast::iequals(*expect, "100-continue")) {
      expire_after(options_.write_timeout);
      net::async_write(socket_, net::buffer(continue_line),
                       [self = shared_from_this()](beast::error_code err, size_t) {
                         if (err) {
                           self->close();
                           return;
                         }
                         self->expire_after(self->options_.request_read_timeout);
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    // The body, or all of it, usually came in the same read as the head: what is buffered is
    // parsed here first, and only a body still incomplete waits for an asynchronous read (each
    // costs a composed operation and a queued completion).
    beast::error_code ec;
    while (!parser_->is_done() && buffer_.size() != 0) {
      auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || used == 0) {
        break;
      }
    }
    if (ec || parser_->is_done()) {
      on_read(ec, 0);
      return;
    }
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout
        || ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      close();
      return;
    }
    if (ec == http::error::body_limit) {
      // The client may still be sending: read and drop the rest after the answer, so that
      // it reads the 413 instead of a reset (a close with unread data sends a RST).
      linger_ = true;
      reply_and_close(
        413, "Request body exceeds the limit of " + std::to_string(options_.body_limit) + " bytes",
        "request_too_large");
      return;
    }
    if (ec == http::error::header_limit) {
      reply_and_close(431, "Request headers are too large", "headers_too_large");
      return;
    }
    if (ec) {
      reply_and_close(400, std::string("Malformed HTTP request: ") + ec.message(),
                      "malformed_request");
      return;
    }
    keep_alive_ = parser_->keep_alive();
    server_request req = std::move(parser_->request());
    if (client_ip_.empty()) {
      // Once per connection: a getpeername() per request is a syscall on the hot path.
      beast::error_code ignored;
      auto remote = socket_.remote_endpoint(ignored);
      if (!ignored) {
        client_ip_ = remote.address().to_string();
      }
    }
    req.client_ip = client_ip_;
    state_ = exchange_state::waiting;
    ++exchange_;
    stats_->active.fetch_add(1, std::memory_order_relaxed);
    counted_ = true;
    // While the handler works the connection is quiet; no read timeout applies.
    expire_never();
    handler_->handle(std::move(req), std::make_shared<session_exchange>(shared_from_this()));
  }

  void reply_and_close(int status, const std::string& message, const char* code) {
    state_ = exchange_state::waiting;
    keep_alive_ = false;
    server_response res;
    res.status = status;
    res.body = openai::error_json(message, "invalid_request_error", code);
    respond(std::move(res));
  }

  /// Writes what is queued: the head if it has not left yet, then every chunk up to a pause
  /// or the end, gathered into one send. Each chunk's on_written runs when the send is done.
  void pump_chunks() {
    if (writing_ || state_ != exchange_state::streaming
        || (pending_chunks_.empty() && !head_pending_)) {
      return;
    }
    if (!head_pending_) {
      auto& front = pending_chunks_.front();
      if (front.last && front.abort) {
        // The client must be able to tell a cut stream from a complete one.
        pending_chunks_.pop_front();
        keep_alive_ = false;
        finish_exchange({}, false);
        return;
      }
      if (front.pause.count() > 0) {
        pause_timer_.expires_after(front.pause);
        pending_chunks_.pop_front();
        // writing_ stays set: a client that leaves meanwhile is noticed when the timer fires.
        writing_ = true;
        pause_timer_.async_wait([self = shared_from_this()](beast::error_code) {
          self->writing_ = false;
          if (self->client_gone_) {
            self->stream_failed();
            return;
          }
          self->pump_chunks();
        });
        return;
      }
    }
    bool ending = false;
    in_flight_.clear();
    while (!pending_chunks_.empty() && in_flight_.size() < max_gathered_chunks) {
      auto& item = pending_chunks_.front();
      if (item.pause.count() > 0 || (item.last && item.abort)) {
        break; // handled at the front of the next pump
      }
      ending = item.last;
      if (!ending) {
        in_flight_.push_back(std::move(item));
      }
      pending_chunks_.pop_front();
      if (ending) {
        break;
      }
    }
    // The buffers point into in_flight_, so they are taken once it stops growing.
    out_buffers_.clear();
    if (head_pending_) {
      head_pending_ = false;
      out_buffers_.emplace_back(net::buffer(out_head_));
    }
    for (auto& item : in_flight_) {
      if (item.data.empty()) {
        continue; // an empty chunk would end the body: it only reports its turn
      }
      item.size_line = chunk_size_line(item.data.size());
      out_buffers_.emplace_back(net::buffer(item.size_line));
      out_buffers_.emplace_back(net::buffer(item.data));
      out_buffers_.push_back(net::buffer(crlf));
    }
    if (ending) {
      out_buffers_.push_back(net::buffer(last_chunk_));
    }
    if (out_buffers_.empty()) {
      report_written(true);
      pump_chunks();
      return;
    }
    writing_ = true;
    expire_after(options_.write_timeout);
    net::async_write(socket_, out_buffers_,
                     [self = shared_from_this(), ending](beast::error_code ec, size_t) {
                       self->expire_never(); // a quiet stream between chunks is no timeout
                       self->writing_ = false;
                       self->report_written(!ec);
                       if (ending) {
                         self->finish_exchange(ec, self->keep_alive_);
                       } else if (ec) {
                         self->stream_failed();
                       } else {
                         self->pump_chunks();
                       }
                     });
  }

  /// Runs the on_written of the chunks just sent (they may queue more: in_flight_ is free).
  void report_written(bool ok) {
    auto sent = std::move(in_flight_);
    in_flight_.clear();
    for (auto& item : sent) {
      if (item.on_written) {
        item.on_written(ok);
      }
    }
    if (in_flight_.empty()) {
      sent.clear();
      in_flight_ = std::move(sent); // keeps its capacity for the next send
    }
  }

  void stream_failed() {
    for (auto& item : pending_chunks_) {
      if (item.on_written) {
        item.on_written(false);
      }
    }
    pending_chunks_.clear();
    mark_client_gone();
    finish_exchange(net::error::connection_reset, false);
  }

  /// Detects a client that hangs up while its request is being worked on: a one-byte read on
  /// the socket that ends with EOF or an error when the client goes. A read, not
  /// async_wait(wait_read): Asio re-arms a wait with epoll_ctl every time. The read costs one
  /// syscall too, a first non-blocking recv that finds nothing: Boost 1.74 stops speculating
  /// only after a read that hit EOF, not after one that emptied the socket. That is why it is
  /// armed late, by the loop's close_watch_sweep, for requests still open after a while.
  /// A byte it takes (a pipelined next request) goes into buffer_, where the next read
  /// starts; the read is never left pending under another one (see after_watch).
  void watch_for_close() {
    socket_.async_read_some(
      net::buffer(&watch_byte_, 1),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_watch(ec, n); });
  }

  void on_watch(beast::error_code ec, size_t n) {
    watching_ = false;
    if (n == 1) {
      buffer_.commit(net::buffer_copy(buffer_.prepare(1), net::buffer(&watch_byte_, 1)));
    }
    if (resume_after_watch_ != nullptr) {
      // The exchange ended and cancelled the watch: its next step reads the socket now.
      (this->*std::exchange(resume_after_watch_, nullptr))();
      return;
    }
    if (n == 1 || ec == net::error::operation_aborted || state_ == exchange_state::idle
        || state_ == exchange_state::done) {
      return; // the client is alive (its next request is read after this one), or we closed
    }
    mark_client_gone();
  }

  /// Runs `next` (the connection's next read) once the close watch is out of the way: a watch
  /// still pending is cancelled and `next` runs from its handler, after the byte it may have
  /// taken is in buffer_. Two reads never wait on the socket at once.
  void after_watch(void (session::*next)()) {
    if (!watching_) {
      (this->*next)();
      return;
    }
    resume_after_watch_ = next;
    beast::error_code ignored;
    socket_.cancel(ignored); // nothing else is pending: the answer is written
  }

  void mark_client_gone() {
    if (client_gone_) {
      return;
    }
    client_gone_ = true;
    keep_alive_ = false;
    auto callbacks = std::move(gone_callbacks_);
    gone_callbacks_.clear();
    for (auto& callback : callbacks) {
      callback();
    }
    // Nobody will answer a cancelled request: end the exchange here (frees the connection and
    // the drain count). A write in flight ends it through its own failure instead.
    if ((state_ == exchange_state::waiting || state_ == exchange_state::streaming) && !writing_) {
      finish_exchange(net::error::connection_reset, false);
    }
  }

  void finish_exchange(beast::error_code ec, bool keep_alive) {
    state_ = exchange_state::idle;
    gone_callbacks_.clear();
    shutdown_chunk_.clear();
    if (counted_) {
      counted_ = false;
      stats_->active.fetch_sub(1, std::memory_order_relaxed);
    }
    if (linger_ && !ec) {
      after_watch(&session::linger);
      return;
    }
    if (ec || !keep_alive || client_gone_ || stats_->draining.load(std::memory_order_relaxed)) {
      close();
      return;
    }
    after_watch(&session::read_next_request);
  }

  /// Asio 1.74 tries every read at once, before it waits for the socket: right after the
  /// answer left, the client has not sent its next request yet and that try fails (EAGAIN, a
  /// wasted system call: ~1 µs on this VM). Started behind the handlers already queued, the
  /// read usually finds the request there under load; alone, it costs one queued handler more.
  void read_next_request() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

  /// nginx's lingering close: after the answer, send FIN, then read and drop what the client
  /// still sends for at most linger_time or linger_bytes, then close.
  void linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    linger_left_ = linger_bytes;
    expire_after(linger_time); // one deadline for all the reads below
    discard();
  }

  void discard() {
    buffer_.consume(buffer_.size());
    socket_.async_read_some(buffer_.prepare(linger_read),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec || n >= self->linger_left_) {
                                self->close();
                                return;
                              }
                              self->linger_left_ -= n;
                              self->discard();
                            });
  }

  void close() {
    if (counted_) {
      counted_ = false;
      stats_->active.fetch_sub(1, std::memory_order_relaxed);
    }
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    deadline_timer_.cancel(); // its wait holds the session
  }

  // -- the connection's one deadline --------------------------------------------------------
  // Beast's basic_stream starts a timer wait with every read and write and cancels it when the
  // operation completes: a timer queue insertion, a removal and an aborted handler per
  // operation (~1k instructions a request). Here a deadline is a time stored on the session;
  // the timer is re-armed only when it fires early (the deadline moved later meanwhile) or when
  // a deadline comes closer than its wait. Past its deadline the connection is closed: the
  // pending operation then ends with an error.

  /// The operation about to start must end within `limit`.
  void expire_after(clock_type::duration limit) {
    deadline_ = clock_type::now() + limit;
    if (!timer_waiting_ || deadline_ < timer_at_) {
      wait_for_deadline();
    }
  }

  /// No operation is bounded now (the handler works, a stream waits for its next chunk).
  void expire_never() {
    deadline_ = clock_type::time_point::max();
  }

  void wait_for_deadline() {
    timer_at_ = deadline_;
    timer_waiting_ = true;
    deadline_timer_.expires_at(timer_at_); // a wait still pending ends as operation_aborted
    deadline_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec == net::error::operation_aborted) {
        return; // re-armed (a newer wait is pending) or closed
      }
      self->timer_waiting_ = false;
      self->on_deadline();
    });
  }

  void on_deadline() {
    if (deadline_ == clock_type::time_point::max()) {
      return; // nothing bounded: the next expire_after arms the timer again
    }
    if (clock_type::now() >= deadline_) {
      close();
      return;
    }
    wait_for_deadline();
  }

  socket_type socket_;
  beast::flat_buffer buffer_;
  const server_options options_;
  std::shared_ptr<request_handler> handler_;
  std::shared_ptr<server_stats> stats_;
  std::optional<request_reader> parser_;
  exchange_state state_ = exchange_state::idle;
  bool keep_alive_ = true;
  bool counted_ = false;
  bool client_gone_ = false;
  /// Arms the close watch of a request still open after a while (see on_client_gone).
  std::shared_ptr<close_watch_sweep> sweep_;
  /// Counts the connection's requests: the sweep's entry names the one it was made for.
  uint64_t exchange_ = 0;
  uint64_t enlisted_exchange_ = 0;
  /// The close watch's read is pending; it ends before the connection's next read starts.
  bool watching_ = false;
  char watch_byte_ = 0;
  /// What the exchange's end left to run once the cancelled watch has returned.
  void (session::*resume_after_watch_)() = nullptr;
  bool writing_ = false;
  std::vector<std::function<void()>> gone_callbacks_;
  /// The answer being written: its head (or a stream's head) and a complete answer's body.
  std::string out_head_;
  std::string out_body_;
  std::deque<chunk_item> pending_chunks_;
  /// The chunks of the send in flight, and that send's buffers (kept: their capacity is reused).
  std::vector<chunk_item> in_flight_;
  std::vector<net::const_buffer> out_buffers_;
  /// A stream's head waits for its first chunk (see start_stream).
  bool head_pending_ = false;
  /// Runs the pauses of pause() on the connection's loop.
  net::steady_timer pause_timer_{socket_.get_executor()};
  net::steady_timer deadline_timer_{socket_.get_executor()};
  /// When the pending operation must have ended (max: none is bounded), and when the timer's
  /// wait ends if one is pending.
  clock_type::time_point deadline_ = clock_type::time_point::max();
  clock_type::time_point timer_at_{};
  bool timer_waiting_ = false;
  const std::string last_chunk_ = "0\r\n\r\n";
  /// Written last if shutdown cuts the stream (see exchange::set_shutdown_chunk).
  std::string shutdown_chunk_;
  /// Shutdown cut the stream: the producer's further chunks are refused.
  bool cut_ = false;
  /// Close after the answer by lingering (see linger()).
  bool linger_ = false;
  size_t linger_left_ = 0;
};

// net::dispatch, not post: on the session's own loop thread (the io scheduler's actors, the
// stream relay) the call runs at once instead of going through the io_context's queue.
void session_exchange::dispatch(std::function<void()> work) {
  net::dispatch(owner_->executor(), std::move(work));
}

template <class Call>
void session_exchange::on_loop(Call call) {
  // On the loop's thread (a JSON answer and a relayed chunk usually are: they complete there)
  // the call runs at once, without being moved into a dispatch handler first.
  if (owner_->executor().running_in_this_thread()) {
    call(*owner_);
    return;
  }
  net::dispatch(owner_->executor(),
                [owner = owner_, call = std::move(call)]() mutable { call(*owner); });
}

void session_exchange::respond(server_response response) {
  on_loop([r = std::move(response)](session& s) mutable { s.respond(std::move(r)); });
}

void session_exchange::start_stream(int status, std::string content_type, header_list headers) {
  on_loop([status, type = std::move(content_type), h = std::move(headers)](session& s) {
    s.start_stream(status, type, h);
  });
}

void session_exchange::write_chunk(std::string data, std::function<void(bool)> on_written) {
  on_loop([d = std::move(data), cb = std::move(on_written)](session& s) mutable {
    s.write_chunk(std::move(d), std::move(cb));
  });
}

void session_exchange::pause(std::chrono::microseconds delay) {
  on_loop([delay](session& s) { s.pause(delay); });
}

void session_exchange::end_stream(bool abort) {
  on_loop([abort](session& s) { s.end_stream(abort); });
}

void session_exchange::finish_stream(std::string last_data) {
  on_loop([d = std::move(last_data)](session& s) mutable { s.finish_stream(std::move(d)); });
}

void session_exchange::on_client_gone(std::function<void()> callback) {
  on_loop([cb = std::move(callback)](session& s) mutable { s.on_client_gone(std::move(cb)); });
}

void session_exchange::set_shutdown_chunk(std::string chunk) {
  on_loop([c = std::move(chunk)](session& s) mutable { s.set_shutdown_chunk(std::move(c)); });
}

class listener final : public http_server {
public:
  listener(net::io_context& ioc, server_options options, std::shared_ptr<request_handler> handler,
           std::vector<net::io_context*> loops)
      : ioc_(ioc), acceptor_(ioc), options_(std::move(options)), handler_(std::move(handler)),
        stats_(std::make_shared<server_stats>()), loops_(std::move(loops)) {
    if (loops_.empty()) {
      loops_.push_back(&ioc);
    }
    for (auto* loop : loops_) {
      sweeps_.push_back(std::make_shared<close_watch_sweep>(loop->get_executor()));
    }
  }

  std::optional<std::string> open() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    auto where = options_.host + ":" + std::to_string(options_.port);
    if (ec) {
      return where + ": invalid listen address";
    }
    tcp::endpoint endpoint{address, options_.port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return where + ": " + ec.message();
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return std::nullopt;
  }

  /// Over the connection cap: a short 503 and close, so the client knows instead of waiting.
  static void refuse(socket_type socket) {
    static const std::string answer = [] {
      auto body = openai::error_json("Too many open connections; retry shortly", "server_error",
                                     "too_many_connections");
      return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
             "Connection: close\r\nRetry-After: 1\r\nContent-Length: "
             + std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    auto owned = std::make_shared<socket_type>(std::move(socket));
    net::async_write(*owned, net::buffer(answer), [owned](beast::error_code, size_t) {
      beast::error_code ignored;
      owned->shutdown(tcp::socket::shutdown_both, ignored);
      owned->close(ignored);
    });
  }

  void accept() {
    auto loop_index = next_loop_++ % loops_.size();
    auto& loop = *loops_[loop_index];
    acceptor_.async_accept(
      loop.get_executor(), [this, loop_index](beast::error_code ec, socket_type s) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
          return;
        }
        if (ec) {
          // Out of file descriptors and the like: back off instead of spinning on accept.
          retry_timer_.expires_after(std::chrono::milliseconds(100));
          retry_timer_.async_wait([this](beast::error_code timer_ec) {
            if (!timer_ec) {
              accept();
            }
          });
          return;
        }
        beast::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        if (stats_->connections.load(std::memory_order_relaxed) >= options_.max_connections) {
          refuse(std::move(s));
        } else {
          std::make_shared<session>(std::move(s), options_, handler_, stats_, sweeps_[loop_index])
            ->run();
        }
        accept();
      });
  }

  uint16_t port() const override {
    return port_;
  }

  void stop_accepting() override {
    stats_->draining.store(true, std::memory_order_relaxed);
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
  }

  size_t active_exchanges() const override {
    return stats_->active.load(std::memory_order_relaxed);
  }

  void cut_in_flight() override {
    for (auto& s : stats_->open_sessions()) {
      net::post(s->executor(), [s] { s->cut_for_shutdown(); });
    }
  }

private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_{ioc_};
  server_options options_;
  std::shared_ptr<request_handler> handler_;
  std::shared_ptr<server_stats> stats_;
  /// Where accepted connections live, in turn (only the acceptor's loop touches next_loop_).
  std::vector<net::io_context*> loops_;
  /// Each loop's close-watch sweep, by the loop's index in loops_.
  std::vector<std::shared_ptr<close_watch_sweep>> sweeps_;
  size_t next_loop_ = 0;
  uint16_t port_ = 0;
};

} // namespace

gw::expected<std::unique_ptr<http_server>>
http_server::start(boost::asio::io_context& ioc, server_options options,
                   std::shared_ptr<request_handler> handler,
                   std::vector<boost::asio::io_context*> loops) {
  auto server =
    std::make_unique<listener>(ioc, std::move(options), std::move(handler), std::move(loops));
  if (auto failure = server->open()) {
    return gw::make_error(errc::config_error, *failure);
  }
  server->accept();
  return std::unique_ptr<http_server>(std::move(server));
}

} // namespace gw::server
