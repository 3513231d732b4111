#include "client/src/embedded_backend.hpp"

#include "actors/chat_job.hpp"
#include "actors/protocol.hpp"
#include "client/src/answer_json.hpp"
#include "client/src/embedded_stream.hpp"
#include "client/src/event_channel.hpp"
#include "client/src/outcome_error.hpp"
#include "client/src/request_json.hpp"
#include "client/src/stream_collector.hpp"
#include "client/src/views_json.hpp"
#include "core/config.hpp"
#include "http/openai/chat_payload.hpp"
#include "http/views/admin_views.hpp"
#include "runtime/gateway_runtime.hpp"
#include "runtime/startup.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <future>

namespace freerouter::detail {

/// One loop, run by one thread: upstream connections use the io_context's own executor, which
/// serialises their handlers only while a single thread runs it (runtime/io_loops). Without a
/// server there are no client connections to spread over more loops.
struct embedded_backend::io_state {
  io_state() : ioc(1), guard(boost::asio::make_work_guard(ioc)) {}
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
};

namespace {

using std::chrono::milliseconds;

milliseconds seconds_setting(double seconds) {
  return milliseconds(static_cast<int64_t>(seconds * 1000));
}

/// Waits beyond the gateway's own deadline only to survive a bug: the router always answers.
constexpr milliseconds grace{30'000};

/// The JSON of one stream-route event (`data: {...}\n\n` -> `{...}`).
std::string_view event_data(std::string_view sse) {
  constexpr std::string_view prefix = "data: ";
  if (sse.substr(0, prefix.size()) == prefix) {
    sse.remove_prefix(prefix.size());
  }
  while (!sse.empty() && (sse.back() == '\n' || sse.back() == '\r')) {
    sse.remove_suffix(1);
  }
  return sse;
}

error config_error(std::string message) {
  return error{"config_error", {}, std::move(message), 0};
}

} // namespace

embedded_backend::embedded_backend(std::unique_ptr<gw::config::gateway_config> cfg)
    : cfg_(std::move(cfg)), io_(std::make_unique<io_state>()) {}

result<std::unique_ptr<backend>> embedded_backend::start(const embedded_options& options) {
  std::vector<std::string> args{"--data-dir", options.data_dir};
  if (!options.env_file.empty()) {
    args.insert(args.end(), {"--env-file", options.env_file});
  }
  gw::config::env_map env;
  if (options.use_process_environment) {
    env = gw::runtime::process_environment();
  }
  for (const auto& [key, value] : options.environment) {
    std::string upper = key;
    for (auto& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    env[upper] = value;
  }
  auto cfg = gw::config::load_config(args, env);
  if (!cfg) {
    return config_error(cfg.error().message);
  }
  auto self = std::make_unique<embedded_backend>(
    std::make_unique<gw::config::gateway_config>(std::move(*cfg)));
  auto rt = gw::runtime::gateway_runtime::start(*self->cfg_, self->io_->ioc, nullptr);
  if (!rt) {
    if (rt.error().code == gw::errc::locked) {
      return error{"data_dir_locked", {}, rt.error().message, 0};
    }
    return config_error(rt.error().message);
  }
  self->runtime_ = std::move(*rt);
  self->io_thread_ = std::thread([io = self->io_.get()] { io->ioc.run(); });
  return std::unique_ptr<backend>(std::move(self));
}

embedded_backend::~embedded_backend() {
  if (runtime_) {
    runtime_->stop();
  }
  io_->guard.reset();
  io_->ioc.stop();
  if (io_thread_.joinable()) {
    io_thread_.join();
  }
  // The runtime (actors, transports with sockets of the io_context) goes before the context.
  runtime_.reset();
}

std::string embedded_backend::next_request_id() {
  return "embedded-" + std::to_string(++requests_);
}

result<chat_result> embedded_backend::chat(const std::string& body) {
  auto parsed = gw::openai::parse_chat_request(body);
  if (auto* bad = std::get_if<gw::openai::request_error>(&parsed)) {
    return invalid_request(bad->message);
  }
  struct answer {
    gw::actors::chat_outcome outcome;
    int calls = 0;
  };
  auto done = std::make_shared<std::promise<answer>>();
  auto future = done->get_future();
  auto job = std::make_shared<gw::actors::chat_job>(
    next_request_id(), std::get<gw::openai::chat_request>(std::move(parsed)),
    [done](gw::actors::chat_outcome outcome, const gw::actors::chat_job& finished) {
      // Read here, where the job is consistent: the router may still account afterwards.
      done->set_value(answer{std::move(outcome), finished.upstream_calls});
    });
  auto deadline = seconds_setting(cfg_->request_deadline_seconds);
  job->deadline = job->started + deadline;
  caf::anon_send(runtime_->actors().router, gw::atom::dispatch_v, job);
  if (future.wait_for(deadline + grace) != std::future_status::ready) {
    job->cancel();
    return error{"request_deadline_exceeded", "timeout", "the gateway did not answer in time", 504};
  }
  auto reply = future.get();
  auto* served = std::get_if<gw::actors::chat_served>(&reply.outcome);
  if (served == nullptr) {
    return outcome_error(reply.outcome);
  }
  chat_result out;
  out.content = completion_text(served->body);
  out.body = std::move(served->body);
  out.provider = served->route->provider_name;
  out.route_id = served->route->route_id;
  out.model_id = served->route->model_id;
  out.attempts = reply.calls;
  return out;
}

result<chat_result> embedded_backend::chat_stream(const std::string& body,
                                                  const stream_callback& on_event) {
  auto parsed = gw::openai::parse_chat_request(body);
  if (auto* bad = std::get_if<gw::openai::request_error>(&parsed)) {
    return invalid_request(bad->message);
  }
  auto request = std::get<gw::openai::chat_request>(std::move(parsed));
  request.stream = true;
  auto channel = std::make_shared<event_channel>();
  auto sink = std::make_shared<embedded_stream>(
    channel, seconds_setting(cfg_->stream_first_token_timeout_seconds));
  auto job = std::make_shared<gw::actors::chat_job>(
    next_request_id(), std::move(request),
    [channel](const gw::actors::chat_outcome& outcome, const gw::actors::chat_job&) {
      if (std::holds_alternative<gw::actors::chat_streamed>(outcome)) {
        channel->close(std::nullopt); // the stream itself was the answer
      } else {
        channel->close(outcome_error(outcome));
      }
    });
  job->deadline = job->started + seconds_setting(cfg_->request_deadline_seconds);
  job->relay = sink;
  // The sink reports each attempt's end to the router; it must not keep the job alive.
  std::weak_ptr<gw::actors::chat_job> weak = job;
  auto router = runtime_->actors().router;
  sink->set_attempt_end_handler([weak, router](size_t index, gw::actors::stream_outcome outcome) {
    if (auto j = weak.lock()) {
      caf::anon_send(router, gw::atom::stream_done_v, std::move(j), static_cast<uint64_t>(index),
                     std::move(outcome));
    }
  });
  caf::anon_send(router, gw::atom::dispatch_v, job);

  // Every wait is bounded: before commit by the deadline, after it by the idle timeout.
  auto wait = std::max(seconds_setting(cfg_->request_deadline_seconds),
                       seconds_setting(cfg_->stream_idle_timeout_seconds))
              + grace;
  stream_collector collector(on_event);
  // Whatever ends this call (the stream, an error, the caller's callback throwing): a job still
  // running is abandoned so that its upstream call and quota are released.
  struct abandon_guard {
    gw::actors::chat_job& job;
    embedded_stream& sink;
    ~abandon_guard() {
      if (!job.finished()) {
        job.cancel();
        sink.abandon();
      }
    }
  } guard{*job, *sink};
  while (!collector.ended()) {
    event_channel::item next;
    auto state = channel->pop(next, wait);
    if (state == event_channel::state::timeout) {
      collector.fail(error{"request_deadline_exceeded", "timeout",
                           "the gateway sent nothing for too long", 504});
    } else if (state == event_channel::state::closed) {
      if (auto failure = channel->failure()) {
        collector.fail(std::move(*failure));
      }
      break;
    } else if (next.resume) {
      next.resume();
    } else {
      collector.feed(event_data(next.event));
    }
  }
  return collector.finish("the gateway ended the request without a done event");
}

// The router's views rendered by the server's own renderer and read back by the same parser
// as remote mode: both modes answer the same values by construction.
result<std::string> embedded_backend::admin_body(bool providers) {
  caf::scoped_actor self{runtime_->system()};
  result<std::string> out = error{"protocol_error", {}, "the router did not answer", 0};
  auto on_error = [&out](caf::error& err) {
    out = error{"protocol_error", {}, "the router did not answer: " + caf::to_string(err), 0};
  };
  auto router = runtime_->actors().router;
  if (providers) {
    self->request(router, std::chrono::seconds(10), gw::atom::providers_v)
      .receive([&out](gw::actors::providers_view& view) { out = gw::views::view_json(view); },
               on_error);
  } else {
    self->request(router, std::chrono::seconds(10), gw::atom::catalog_v)
      .receive(
        [&out](gw::actors::admin_result<gw::actors::catalog_view>& answer) {
          if (const auto* view = std::get_if<gw::actors::catalog_view>(&answer)) {
            out = gw::views::view_json(*view);
          } else {
            out = error{"protocol_error", {}, std::get<gw::actors::admin_error>(answer).message, 0};
          }
        },
        on_error);
  }
  return out;
}

result<std::vector<model_info>> embedded_backend::models() {
  auto body = admin_body(false);
  if (!body) {
    return body.error();
  }
  return parse_models(*body);
}

result<std::vector<provider_status>> embedded_backend::status() {
  auto body = admin_body(true);
  if (!body) {
    return body.error();
  }
  auto now =
    std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
  return parse_status(*body, now);
}

result<std::string> embedded_backend::start_diagnosis() {
  return error{"not_supported", {}, "endpoint diagnosis runs in the server; use remote mode", 0};
}

result<diagnosis_state> embedded_backend::diagnosis() {
  return error{"not_supported", {}, "endpoint diagnosis runs in the server; use remote mode", 0};
}

} // namespace freerouter::detail
