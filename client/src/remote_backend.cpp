#include "client/src/remote_backend.hpp"

#include "client/src/answer_json.hpp"
#include "client/src/stream_collector.hpp"
#include "client/src/views_json.hpp"
#include "http/openai/sse_parser.hpp"
#include "http/upstream/upstream_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <future>

namespace freerouter::detail {

struct remote_backend::io_state {
  io_state() : guard(boost::asio::make_work_guard(ioc)) {}
  boost::asio::io_context ioc{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
};

namespace {

using gw::upstream::transport_failure;
using gw::upstream::upstream_result;
using gw::upstream::upstream_stream;

/// Beyond the request's own timeout (which the transport enforces), only against bugs.
constexpr std::chrono::seconds grace{10};

error no_answer(const remote_options& options, const upstream_result& r) {
  if (r.failure == transport_failure::protocol_error) {
    return error{"protocol_error", {}, options.url + " did not answer HTTP: " + r.detail, 0};
  }
  std::string why = gw::upstream::to_string(r.failure);
  if (!r.detail.empty()) {
    why += " (" + r.detail + ")";
  }
  return error{
    "connection_failed", {}, "cannot reach the gateway at " + options.url + ": " + why, 0};
}

error http_error(int status, const std::string& body) {
  return error_from_body(body, error{"http_" + std::to_string(status),
                                     {},
                                     "the gateway answered HTTP " + std::to_string(status),
                                     status});
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view name) {
  const auto* value = gw::upstream::find_header(headers, name);
  return value == nullptr ? std::string() : *value;
}

int to_int(const std::string& text) {
  return static_cast<int>(std::strtol(text.c_str(), nullptr, 10));
}

} // namespace

remote_backend::remote_backend(remote_options options)
    : options_(std::move(options)), io_(std::make_unique<io_state>()) {}

result<std::unique_ptr<backend>> remote_backend::start(const remote_options& options) {
  auto endpoint = gw::upstream::parse_base_url(options.url);
  if (!endpoint) {
    return error{"config_error", {}, endpoint.error().message, 0};
  }
  auto self = std::make_unique<remote_backend>(options);
  gw::upstream::client_options pool;
  pool.max_connections = std::max<size_t>(1, options.max_connections);
  pool.max_idle_connections = pool.max_connections;
  auto client = gw::upstream::upstream_client::make(self->io_->ioc, *endpoint, pool);
  if (!client) {
    return error{"config_error", {}, client.error().message, 0};
  }
  self->client_ = *client;
  self->io_thread_ = std::thread([io = self->io_.get()] { io->ioc.run(); });
  return std::unique_ptr<backend>(std::move(self));
}

remote_backend::~remote_backend() {
  client_->shutdown();
  io_->guard.reset();
  io_->ioc.stop();
  io_thread_.join();
  client_.reset(); // its sockets belong to the io_context
}

gw::upstream::upstream_request remote_backend::request(const char* method, const char* path,
                                                       std::string body, bool admin) const {
  gw::upstream::upstream_request req;
  req.method = method;
  req.path = path;
  req.body = std::move(body);
  req.timeout = options_.timeout;
  if (!req.body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
  }
  const auto& key = admin && !options_.admin_key.empty() ? options_.admin_key : options_.api_key;
  if (!key.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + key);
  }
  return req;
}

result<remote_backend::answer> remote_backend::send(gw::upstream::upstream_request req) {
  auto done = std::make_shared<std::promise<upstream_result>>();
  auto future = done->get_future();
  auto limit = req.timeout + grace;
  client_->send(std::move(req), [done](upstream_result r) { done->set_value(std::move(r)); });
  if (future.wait_for(limit) != std::future_status::ready) {
    upstream_result late;
    late.failure = transport_failure::timeout;
    return no_answer(options_, late);
  }
  auto r = future.get();
  if (!r.ok()) {
    return no_answer(options_, r);
  }
  return answer{r.status, std::move(r.body), std::move(r.headers)};
}

result<std::string> remote_backend::get_ok(const char* path) {
  auto r = send(request("GET", path, {}, false));
  if (!r) {
    return r.error();
  }
  if (r->status != 200) {
    return http_error(r->status, r->body);
  }
  return std::move(r->body);
}

result<chat_result> remote_backend::chat(const std::string& body) {
  auto r = send(request("POST", "/v1/chat/completions", body, false));
  if (!r) {
    return r.error();
  }
  if (r->status != 200) {
    return http_error(r->status, r->body);
  }
  chat_result out;
  out.content = completion_text(r->body);
  out.body = std::move(r->body);
  out.provider = header(r->headers, "X-Gateway-Provider");
  out.route_id = header(r->headers, "X-Gateway-Route");
  out.model_id = header(r->headers, "X-Gateway-Model");
  out.attempts = to_int(header(r->headers, "X-Gateway-Attempts"));
  return out;
}

result<chat_result> remote_backend::chat_stream(const std::string& body,
                                                const stream_callback& on_event) {
  struct opened {
    upstream_result head;
    std::shared_ptr<upstream_stream> body;
  };
  auto req = request("POST", "/v1/chat/completions/stream-route", body, false);
  auto limit = req.timeout + grace;
  auto done = std::make_shared<std::promise<opened>>();
  auto future = done->get_future();
  client_->open_stream(std::move(req),
                       [done](upstream_result head, std::shared_ptr<upstream_stream> stream) {
                         done->set_value(opened{std::move(head), std::move(stream)});
                       });
  if (future.wait_for(limit) != std::future_status::ready) {
    upstream_result late;
    late.failure = transport_failure::timeout;
    return no_answer(options_, late);
  }
  auto head = future.get();
  if (!head.head.ok()) {
    return no_answer(options_, head.head);
  }
  if (head.head.status != 200 || !head.body) {
    return http_error(head.head.status, head.head.body);
  }
  stream_collector collector(on_event);
  gw::openai::sse_parser parser;
  auto on_sse = [&collector](const gw::openai::sse_event& ev) {
    collector.feed(ev.data);
  };
  // Read to the end of the body even after `done`, so that the connection goes back to the pool.
  for (;;) {
    struct chunk {
      std::string data;
      bool done = false;
      transport_failure failure = transport_failure::none;
    };
    auto next = std::make_shared<std::promise<chunk>>();
    auto arrived = next->get_future();
    head.body->read_some([next](std::string_view data, bool end, transport_failure failure) {
      next->set_value(chunk{std::string(data), end, failure});
    });
    if (arrived.wait_for(limit) != std::future_status::ready) {
      head.body->cancel();
      arrived.wait(); // a cancelled read completes at once
      collector.fail(error{"stream_interrupted", {}, "the gateway's stream stalled", 0});
      break;
    }
    auto piece = arrived.get();
    if (!piece.data.empty() && !parser.feed(piece.data, on_sse)) {
      head.body->cancel();
      collector.fail(error{"protocol_error", {}, "the gateway sent an oversized event", 0});
      break;
    }
    if (piece.done) {
      parser.finish(on_sse);
      break;
    }
    if (piece.failure != transport_failure::none) {
      upstream_result cut;
      cut.failure = piece.failure;
      auto e = no_answer(options_, cut);
      e.code = "stream_interrupted";
      collector.fail(std::move(e));
      break;
    }
  }
  return collector.finish("the gateway closed the stream");
}

result<std::vector<model_info>> remote_backend::models() {
  auto body = get_ok("/v1/gateway/models");
  if (!body) {
    return body.error();
  }
  return parse_models(*body);
}

result<std::vector<provider_status>> remote_backend::status() {
  auto body = get_ok("/v1/providers/status");
  if (!body) {
    return body.error();
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  return parse_status(*body, now);
}

result<std::string> remote_backend::start_diagnosis() {
  auto r = send(request("POST", "/v1/gateway/endpoint-diagnosis/refresh", "{}", true));
  if (!r) {
    return r.error();
  }
  if (r->status != 200 && r->status != 202) {
    return http_error(r->status, r->body);
  }
  return parse_diagnosis_started(r->body);
}

result<diagnosis_state> remote_backend::diagnosis() {
  auto body = get_ok("/v1/gateway/endpoint-diagnosis");
  if (!body) {
    return body.error();
  }
  return parse_diagnosis(*body);
}

} // namespace freerouter::detail
