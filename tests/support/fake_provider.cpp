// fake-provider: an OpenAI-compatible HTTP(S) server whose behaviour is scripted by the
// request's "model" (see fake_behavior.hpp). Used by upstream unit tests, integration tests and
// benchmarks, so it must be fast: async Beast, keep-alive, timers instead of sleeps.
//
//   fake-provider --port P [--tls-port P2 --cert F --key F] [--threads N] [--models a,b,c]
//
// Introspection: GET /_fake/stats, GET /_fake/requests?prefix=/p1/v1, POST /_fake/reset.
// Control: PUT /_fake/models?prefix=/p1/v1[&status=429][&delay_ms=N] sets what GET /p1/v1/models
// answers
// (the request body, verbatim); without one the listing is --models.
#include "tests/support/fake_behavior.hpp"
#include "tests/support/fake_responses.hpp"
#include "tests/support/fake_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace gw::fake {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using extra_headers = std::vector<std::pair<std::string, std::string>>;

struct options {
  uint16_t port = 0;
  uint16_t tls_port = 0;
  std::string cert;
  std::string key;
  int threads = 1;
  std::vector<std::string> models{"ok"};
};

struct server_context {
  const options& opts;
  fake_state state;
};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string url_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out +=
        static_cast<char>(std::strtol(std::string(text.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// x-ratelimit-* and retry headers requested by the behaviour.
extra_headers rate_limit_headers(const behavior& b) {
  static constexpr std::pair<const char*, const char*> mapping[] = {
    {"rl_remaining_requests", "x-ratelimit-remaining-requests"},
    {"rl_remaining_tokens", "x-ratelimit-remaining-tokens"},
    {"rl_reset", "x-ratelimit-reset"},
    {"retry_after", "retry-after"},
    {"retry_after_ms", "retry-after-ms"},
    {"reset_requests", "x-ratelimit-reset-requests"},
    {"reset_tokens", "x-ratelimit-reset-tokens"},
  };
  extra_headers out;
  for (const auto& [param, header] : mapping) {
    if (auto value = b.get(param)) {
      out.emplace_back(header, std::string(*value));
    }
  }
  return out;
}

/// What a streamed answer sends: content events M ms apart, then the tail (usage, [DONE]).
struct stream_plan {
  std::vector<std::string> events; // payloads after "data: "
  std::vector<std::string> tail;
  std::chrono::milliseconds interval{0};
  std::chrono::milliseconds first_delay{0};
  long long cut_after = -1;
  long long stall_after = -1;
  /// The terminating chunk waits this long after the tail (0: both in one write).
  std::chrono::milliseconds end_delay{0};
  bool no_space = false;
  bool crlf = false;
};

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  explicit session(server_context& ctx, Args&&... args)
      : ctx_(ctx), stream_(std::forward<Args>(args)...), timer_(stream_.get_executor()) {
    ctx_.state.connection_opened();
  }

  ~session() {
    ctx_.state.connection_closed();
  }

  void run() {
    if constexpr (is_tls) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) {
                                  self->close();
                                  return;
                                }
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

private:
  // -- request loop ---------------------------------------------------------------------

  void do_read() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(64 * 1024 * 1024);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (ec) {
                         self->close();
                         return;
                       }
                       self->req_ = self->parser_->release();
                       self->handle();
                     });
  }

  void handle() {
    keep_alive_ = req_.keep_alive();
    close_after_ = false;
    announce_close_ = false;
    std::string_view target = req_.target();
    auto q = target.find('?');
    auto path = target.substr(0, q);
    auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (starts_with(path, "/_fake/")) {
      introspect(path, query);
    } else if (req_.method() == http::verb::post && ends_with(path, "/chat/completions")) {
      chat(std::string(path.substr(0, path.size() - std::string_view("/chat/completions").size())));
    } else if (req_.method() == http::verb::get && ends_with(path, "/models")) {
      auto prefix = std::string(path.substr(0, path.size() - 7));
      ctx_.state.count_request(prefix, {}, log_entry());
      if (auto set = ctx_.state.listing_for(prefix)) {
        if (set->delay_ms <= 0) {
          send_json(static_cast<http::status>(set->status), set->body);
          return;
        }
        timer_.expires_after(std::chrono::milliseconds(set->delay_ms));
        timer_.async_wait([self = this->shared_from_this(), answer = *set](error_code ec) {
          if (!ec && !self->closed_) {
            self->send_json(static_cast<http::status>(answer.status), answer.body);
          }
        });
      } else {
        send_json(http::status::ok, models_json(ctx_.opts.models));
      }
    } else {
      send_json(http::status::not_found, error_json("no such path: " + std::string(path),
                                                    "invalid_request_error", "not_found"));
    }
  }

  void introspect(std::string_view path, std::string_view query) {
    if (path == "/_fake/stats") {
      send_json(http::status::ok, ctx_.state.stats_json());
    } else if (path == "/_fake/requests") {
      send_json(http::status::ok, ctx_.state.requests_json(query_param(query, "prefix")));
    } else if (path == "/_fake/models" && req_.method() == http::verb::put) {
      fake_state::listing answer;
      answer.status = std::stoi(query_param(query, "status").value_or("200"));
      answer.delay_ms = std::stoll(query_param(query, "delay_ms").value_or("0"));
      answer.body = req_.body();
      ctx_.state.set_listing(query_param(query, "prefix").value_or(""), std::move(answer));
      send_json(http::status::ok, R"({"ok":true})");
    } else if (path == "/_fake/reset" && req_.method() == http::verb::post) {
      ctx_.state.reset();
      send_json(http::status::ok, R"({"ok":true})");
    } else {
      send_json(http::status::not_found,
                error_json("unknown introspection path", "invalid_request_error", "not_found"));
    }
  }

  logged_request log_entry() const {
    logged_request entry;
    entry.method = std::string(req_.method_string());
    entry.target = std::string(req_.target());
    for (const auto& field : req_) {
      std::string name(field.name_string());
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      entry.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    entry.body = req_.body();
    return entry;
  }

  // -- chat completions -----------------------------------------------------------------

  void chat(std::string prefix) {
    rapidjson::Document doc;
    doc.Parse(req_.body().data(), req_.body().size());
    model_.clear();
    if (!doc.HasParseError() && doc.IsObject()) {
      auto it = doc.FindMember("model");
      if (it != doc.MemberEnd() && it->value.IsString()) {
        model_.assign(it->value.GetString(), it->value.GetStringLength());
      }
    }
    auto seq = ctx_.state.count_request(prefix, model_, log_entry());
    if (model_.empty()) {
      send_json(http::status::bad_request,
                error_json(doc.HasParseError() ? "request body is not JSON" : "missing model",
                           "invalid_request_error", "invalid_request"));
      return;
    }
    stream_requested_ = false;
    include_usage_ = false;
    if (auto it = doc.FindMember("stream"); it != doc.MemberEnd() && it->value.IsBool()) {
      stream_requested_ = it->value.GetBool();
    }
    if (auto it = doc.FindMember("stream_options"); it != doc.MemberEnd() && it->value.IsObject()) {
      auto usage = it->value.FindMember("include_usage");
      include_usage_ =
        usage != it->value.MemberEnd() && usage->value.IsBool() && usage->value.GetBool();
    }
    id_ = "chatcmpl-fake-" + std::to_string(seq);
    behavior_ = parse_behavior(model_);
    close_after_ = behavior_.flag("close");
    announce_close_ = behavior_.flag("connection_close");
    auto delay = behavior_.get_int("delay_ms", 0);
    if (delay <= 0) {
      act();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(delay));
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec && !self->closed_) {
        self->act();
      }
    });
  }

  void act() {
    switch (behavior_.kind) {
    case behavior_kind::ok:
      answer_ok();
      return;
    case behavior_kind::status:
      answer_status();
      return;
    case behavior_kind::garbage:
      send(http::status::ok, "text/html", "<html><body>this is not JSON</body></html>",
           rate_limit_headers(behavior_));
      return;
    case behavior_kind::truncated:
      write_raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                "\r\n{\"id\":\"chatcmpl-truncated\",\"choices\":[",
                [](session& s) { s.close(); });
      return;
    case behavior_kind::reset:
      close();
      return;
    case behavior_kind::stall:
      watch();
      return;
    case behavior_kind::stream:
      start_stream(stream_behavior_plan());
      return;
    case behavior_kind::empty_stream: {
      stream_plan plan;
      if (behavior_.get_int("done", 1) != 0) {
        plan.tail.emplace_back("[DONE]");
      }
      start_stream(std::move(plan));
      return;
    }
    case behavior_kind::endless_chunked:
    case behavior_kind::endless_headers:
    case behavior_kind::huge_sse_line:
      start_flood();
      return;
    case behavior_kind::unknown:
      break;
    }
    send_json(http::status::bad_request, error_json("unknown fake behaviour '" + behavior_.name
                                                      + "' in model '" + model_ + "'",
                                                    "invalid_request_error", "model_not_found"));
  }

  usage_counts usage(long long default_completion) const {
    return usage_counts{behavior_.get_int("prompt_tokens", 10),
                        behavior_.get_int("completion_tokens", default_completion)};
  }

  void answer_ok() {
    std::string content =
      behavior_.has("content") ? std::string(*behavior_.get("content")) : "ok from " + model_;
    // pad_bytes=N: that many more bytes of content (an oversized answer).
    content.append(static_cast<size_t>(std::max(0LL, behavior_.get_int("pad_bytes", 0))), 'x');
    if (!stream_requested_) {
      send(http::status::ok, "application/json", completion_json(id_, model_, content, usage(5)),
           rate_limit_headers(behavior_));
      return;
    }
    // A plain behaviour asked to stream: three chunks that concatenate to the content.
    stream_plan plan;
    size_t third = (content.size() + 2) / 3;
    for (size_t i = 0; i < 3; ++i) {
      auto part = i * third < content.size() ? content.substr(i * third, third) : std::string();
      plan.events.push_back(chunk_json(id_, model_, part, i == 0, i == 2));
    }
    plan.interval = std::chrono::milliseconds(behavior_.get_int("interval_ms", 0));
    if (include_usage_ || behavior_.flag("usage")) {
      plan.tail.push_back(usage_chunk_json(id_, model_, usage(5)));
    }
    plan.tail.emplace_back("[DONE]");
    start_stream(std::move(plan));
  }

  void answer_status() {
    auto code = behavior_.get_int("code", 500);
    if (code < 200 || code > 599) {
      code = 500;
    }
    auto headers = rate_limit_headers(behavior_);
    if (auto raw = behavior_.get("raw_body")) {
      send(static_cast<http::status>(code), "application/json", std::string(*raw), headers);
      return;
    }
    std::string message;
    std::string type = code >= 500 ? "server_error" : "invalid_request_error";
    std::string code_name = "fake_status_" + std::to_string(code);
    if (code == 429) {
      message = "Rate limit reached for model `" + model_ + "`";
      type = "rate_limit_exceeded";
      code_name = "rate_limit_exceeded";
    } else if (code == 404) {
      message = "model `" + model_ + "` not found";
      code_name = "model_not_found";
    } else {
      message = "fake provider answered " + std::to_string(code) + " for model `" + model_ + "`";
    }
    if (auto text = behavior_.get("body")) {
      message = std::string(*text);
    }
    if (behavior_.flag("echo_key")) {
      auto auth = req_.find(http::field::authorization);
      std::string sent = auth == req_.end() ? std::string() : std::string(auth->value());
      std::string key = sent.rfind("Bearer ", 0) == 0 ? sent.substr(7) : sent;
      message = "Incorrect API key provided: " + key + ". You sent 'Authorization: " + sent + "'. "
                + message;
    }
    auto retry_delay = behavior_.get("retry_delay").value_or(std::string_view{});
    send(static_cast<http::status>(code), "application/json",
         error_json(message, type, code_name, retry_delay), headers);
  }

  stream_plan stream_behavior_plan() {
    stream_plan plan;
    auto chunks = std::max(0LL, behavior_.get_int("chunks", 3));
    auto empty_first = behavior_.get_int("empty_content_first", 0);
    plan.interval = std::chrono::milliseconds(std::max(0LL, behavior_.get_int("interval_ms", 0)));
    plan.first_delay =
      std::chrono::milliseconds(std::max(0LL, behavior_.get_int("first_delay_ms", 0)));
    plan.cut_after = behavior_.get_int("cut_after", -1);
    plan.stall_after = behavior_.get_int("stall_after", -1);
    plan.end_delay = std::chrono::milliseconds(std::max(0LL, behavior_.get_int("end_delay_ms", 0)));
    plan.no_space = behavior_.flag("no_space");
    plan.crlf = behavior_.flag("crlf");
    if (behavior_.flag("error_first")) {
      plan.events.push_back(
        error_json("fake stream error for model `" + model_ + "`", "server_error", "stream_error"));
      return plan; // the stream ends after the error, without [DONE]
    }
    for (long long i = 0; i < chunks; ++i) {
      std::string content = i < empty_first ? std::string() : "tok" + std::to_string(i) + " ";
      plan.events.push_back(chunk_json(id_, model_, content, i == 0, i + 1 == chunks));
    }
    if (include_usage_ || behavior_.flag("usage")) {
      plan.tail.push_back(usage_chunk_json(id_, model_, usage(chunks)));
    }
    if (behavior_.get_int("done", 1) != 0) {
      plan.tail.emplace_back("[DONE]");
    }
    return plan;
  }

  // -- streaming --------------------------------------------------------------------------

  void start_stream(stream_plan plan) {
    plan_ = std::move(plan);
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n";
    for (const auto& [name, value] : rate_limit_headers(behavior_)) {
      head += name + ": " + value + "\r\n";
    }
    if (!keep_alive_ || announce_close_) {
      head += "Connection: close\r\n";
    }
    head += "\r\n";
    write_raw(std::move(head), [](session& s) { s.schedule_event(0, s.plan_.first_delay); });
  }

  void schedule_event(size_t index, std::chrono::milliseconds delay) {
    if (delay.count() <= 0) {
      send_event(index);
      return;
    }
    timer_.expires_after(delay);
    timer_.async_wait([self = this->shared_from_this(), index](error_code ec) {
      if (!ec && !self->closed_) {
        self->send_event(index);
      }
    });
  }

  std::string frame(const std::string& payload) const {
    const char* eol = plan_.crlf ? "\r\n" : "\n";
    std::string event = plan_.no_space ? "data:" : "data: ";
    event += payload;
    event += eol;
    event += eol;
    return event;
  }

  static void append_chunk(std::string& out, const std::string& data) {
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out += size;
    out += data;
    out += "\r\n";
  }

  void send_event(size_t index) {
    auto n = plan_.events.size();
    if (plan_.cut_after >= 0 && index == static_cast<size_t>(plan_.cut_after)) {
      close();
      return;
    }
    if (plan_.stall_after >= 0 && index == static_cast<size_t>(plan_.stall_after)) {
      watch();
      return;
    }
    std::string out;
    if (index < n) {
      append_chunk(out, frame(plan_.events[index]));
      auto next_delay = index + 1 < n ? plan_.interval : std::chrono::milliseconds(0);
      write_raw(std::move(out),
                [index, next_delay](session& s) { s.schedule_event(index + 1, next_delay); });
      return;
    }
    std::string tail;
    for (const auto& payload : plan_.tail) {
      tail += frame(payload);
    }
    if (!tail.empty()) {
      append_chunk(out, tail);
    }
    if (plan_.end_delay.count() > 0) {
      write_raw(std::move(out), [](session& s) {
        s.timer_.expires_after(s.plan_.end_delay);
        s.timer_.async_wait([self = s.shared_from_this()](error_code ec) {
          if (!ec && !self->closed_) {
            self->write_raw("0\r\n\r\n", [](session& later) { later.after_response(); });
          }
        });
      });
      return;
    }
    out += "0\r\n\r\n";
    write_raw(std::move(out), [](session& s) { s.after_response(); });
  }

  // -- floods (hostile upstreams) ----------------------------------------------------------

  /// Writes the behaviour's head, then one piece over and over until bytes= bytes of pieces
  /// (each write waits for the last, so a reader that stops reading stops the flood), then
  /// the tail (none for the endless ones: they close at the cap).
  void start_flood() {
    constexpr size_t piece_bytes = 64 * 1024;
    std::string head;
    std::string piece;
    flood_tail_.clear();
    if (behavior_.kind == behavior_kind::endless_headers) {
      head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
      piece = "X-Flood: " + std::string(1000, 'x') + "\r\n";
      flood_left_ = behavior_.get_int("bytes", 1LL << 30);
    } else if (behavior_.kind == behavior_kind::endless_chunked) {
      head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n";
      append_chunk(piece, std::string(piece_bytes, 'x'));
      flood_left_ = behavior_.get_int("bytes", 1LL << 30);
    } else { // huge_sse_line
      head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
             "Transfer-Encoding: chunked\r\n\r\n";
      append_chunk(head, "data: ");
      append_chunk(piece, std::string(piece_bytes, 'x'));
      flood_left_ = behavior_.get_int("bytes", 10'000'000);
      append_chunk(flood_tail_, "\n\ndata: [DONE]\n\n");
      flood_tail_ += "0\r\n\r\n";
    }
    flood_piece_ = std::move(piece);
    write_raw(std::move(head), [](session& s) { s.flood_step(); });
  }

  void flood_step() {
    if (flood_left_ <= 0) {
      if (flood_tail_.empty()) {
        close();
        return;
      }
      write_raw(std::move(flood_tail_), [](session& s) { s.close(); });
      return;
    }
    flood_left_ -= static_cast<long long>(flood_piece_.size());
    write_raw(flood_piece_, [](session& s) { s.flood_step(); });
  }

  // -- output -----------------------------------------------------------------------------

  void send_json(http::status status, std::string body) {
    send(status, "application/json", std::move(body), {});
  }

  void send(http::status status, const char* content_type, std::string body,
            const extra_headers& headers) {
    res_.emplace(status, req_.version());
    res_->set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) {
      res_->set(name, value);
    }
    res_->keep_alive(keep_alive_ && !announce_close_);
    res_->body() = std::move(body);
    res_->prepare_payload();
    http::async_write(stream_, *res_, [self = this->shared_from_this()](error_code ec, size_t) {
      self->res_.reset();
      if (ec) {
        self->close();
        return;
      }
      self->after_response();
    });
  }

  template <class Next>
  void write_raw(std::string data, Next next) {
    out_ = std::move(data);
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this(), next](error_code ec, size_t) {
                       if (ec || self->closed_) {
                         self->close();
                         return;
                       }
                       next(*self);
                     });
  }

  void after_response() {
    if (!keep_alive_ || close_after_ || announce_close_) {
      close();
      return;
    }
    do_read();
  }

  /// Never answer; close once the client goes away (or sends anything else).
  void watch() {
    stream_.async_read_some(net::buffer(watch_buffer_), [self = this->shared_from_this()](
                                                          error_code, size_t) { self->close(); });
  }

  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  server_context& ctx_;
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  std::optional<http::response<http::string_body>> res_;
  std::string out_;
  std::array<char, 512> watch_buffer_{};
  behavior behavior_;
  std::string model_;
  std::string id_;
  stream_plan plan_;
  std::string flood_piece_;
  std::string flood_tail_;
  long long flood_left_ = 0;
  bool keep_alive_ = true;
  bool close_after_ = false;    // close after answering, without saying so (stale keep-alive)
  bool announce_close_ = false; // answer with Connection: close
  bool stream_requested_ = false;
  bool include_usage_ = false;
  bool closed_ = false;
};

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(net::io_context& ioc, server_context& ctx, ssl::context* tls)
      : ioc_(ioc), ctx_(ctx), tls_(tls), acceptor_(ioc) {}

  /// Binds 127.0.0.1:port; returns an error text or "".
  std::string listen(uint16_t port) {
    error_code ec;
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(ep, ec);
    }
    if (!ec) {
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    return ec ? "127.0.0.1:" + std::to_string(port) + ": " + ec.message() : std::string();
  }

  uint16_t port() const {
    error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }

  void accept() {
    // One io thread needs no strand; several do (a session's handlers must not overlap).
    net::any_io_executor ex = ctx_.opts.threads > 1 ? net::any_io_executor(net::make_strand(ioc_))
                                                    : net::any_io_executor(ioc_.get_executor());
    acceptor_.async_accept(ex, [self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (!ec) {
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (self->tls_ != nullptr) {
          std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
            self->ctx_, std::move(socket), *self->tls_)
            ->run();
        } else {
          std::make_shared<session<beast::tcp_stream>>(self->ctx_, std::move(socket))->run();
        }
      }
      if (ec != net::error::operation_aborted) {
        self->accept();
      }
    });
  }

private:
  net::io_context& ioc_;
  server_context& ctx_;
  ssl::context* tls_;
  tcp::acceptor acceptor_;
};

int usage_error(const std::string& message) {
  std::cerr << "fake-provider: " << message << "\n"
            << "usage: fake-provider --port P [--tls-port P2 --cert F --key F] [--threads N]"
               " [--models a,b,c]\n";
  return 2;
}

bool parse_port(const char* text, uint16_t& port) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 65535) {
    return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

int run(int argc, char** argv) {
  options opts;
  bool has_port = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) {
      return usage_error("missing value for " + arg);
    }
    const char* value = argv[++i];
    if (arg == "--port") {
      if (!parse_port(value, opts.port)) {
        return usage_error("bad --port");
      }
      has_port = true;
    } else if (arg == "--tls-port") {
      if (!parse_port(value, opts.tls_port)) {
        return usage_error("bad --tls-port");
      }
    } else if (arg == "--cert") {
      opts.cert = value;
    } else if (arg == "--key") {
      opts.key = value;
    } else if (arg == "--threads") {
      opts.threads = std::max(1, std::atoi(value));
    } else if (arg == "--models") {
      opts.models.clear();
      std::string_view list = value;
      while (!list.empty()) {
        auto comma = list.find(',');
        if (!list.substr(0, comma).empty()) {
          opts.models.emplace_back(list.substr(0, comma));
        }
        if (comma == std::string_view::npos) {
          break;
        }
        list.remove_prefix(comma + 1);
      }
    } else {
      return usage_error("unknown option " + arg);
    }
  }
  if (!has_port) {
    return usage_error("--port is required");
  }
  if (opts.tls_port != 0 && (opts.cert.empty() || opts.key.empty())) {
    return usage_error("--tls-port needs --cert and --key");
  }

  net::io_context ioc{opts.threads};
  server_context ctx{opts, {}};
  std::optional<ssl::context> tls;
  if (opts.tls_port != 0) {
    tls.emplace(ssl::context::tls_server);
    error_code ec;
    tls->use_certificate_chain_file(opts.cert, ec);
    if (!ec) {
      tls->use_private_key_file(opts.key, ssl::context::pem, ec);
    }
    if (ec) {
      return usage_error("cannot load " + opts.cert + " / " + opts.key + ": " + ec.message());
    }
  }
  auto plain = std::make_shared<listener>(ioc, ctx, nullptr);
  if (auto err = plain->listen(opts.port); !err.empty()) {
    return usage_error(err);
  }
  plain->accept();
  std::shared_ptr<listener> secure;
  if (tls) {
    secure = std::make_shared<listener>(ioc, ctx, &*tls);
    if (auto err = secure->listen(opts.tls_port); !err.empty()) {
      return usage_error(err);
    }
    secure->accept();
  }
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](error_code, int) { ioc.stop(); });

  std::cout << "fake-provider listening on http://127.0.0.1:" << plain->port();
  if (secure) {
    std::cout << " and https://127.0.0.1:" << secure->port();
  }
  std::cout << std::endl;

  std::vector<std::thread> threads;
  for (int i = 1; i < opts.threads; ++i) {
    threads.emplace_back([&ioc] { ioc.run(); });
  }
  ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  return 0;
}

} // namespace

} // namespace gw::fake

int main(int argc, char** argv) {
  return gw::fake::run(argc, argv);
}
