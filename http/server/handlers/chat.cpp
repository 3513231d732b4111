// The inference endpoints: POST /v1/chat/completions (JSON or OpenAI SSE),
// /v1/chat/completions/web-search (reference §10) and /v1/chat/completions/stream-route (§9).
// Each validates, takes a limiter slot, and hands a job to the router; streams get a relay
// that carries the bytes from the chosen upstream to the client.
#include "actors/chat_job.hpp"
#include "actors/protocol.hpp"
#include "http/openai/chat_payload.hpp"
#include "http/openai/stream_route_events.hpp"
#include "http/openai/web_search.hpp"
#include "http/server/chat_replies.hpp"
#include "http/server/handlers/handlers.hpp"
#include "http/server/live_publish.hpp"
#include "http/server/stream_relay.hpp"
#include "metrics/gateway_metrics.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/send.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <variant>

namespace gw::server {

server_response queue_rejection() {
  auto res = error_response(429, "Gateway is busy; retry shortly", "gateway_overloaded",
                            "request_queue_timeout");
  res.headers.emplace_back("Retry-After", "1");
  return res;
}

namespace {

/// Runs `send` (a message to an actor) on the loop the actors run on. From a secondary loop
/// (IO_THREADS > 1) that is one post to it, the same cross-thread step the io scheduler makes
/// for a message from another thread. It also keeps every step from the job's maker to its
/// users (the router, then the upstream exchange on the same loop) visible to
/// ThreadSanitizer: a direct send crosses CAF's lock-free mailbox, inside the uninstrumented
/// libcaf_core (tests/tsan.supp).
template <class Send>
void send_from_actor_loop(boost::asio::io_context* actor_loop, Send send) {
  if (actor_loop == nullptr) {
    send();
    return;
  }
  boost::asio::dispatch(actor_loop->get_executor(), std::move(send));
}

/// What kind of inference request this is.
struct chat_mode {
  /// The endpoint's path (static text: chat_completions_path and its siblings).
  std::string_view path = chat_completions_path;
  /// Web search: only routes with this tag, and an answer with visible content.
  bool web_search = false;
  /// The chat page's protocol: routing progress and text deltas as events.
  bool stream_route = false;
};

live_route live_route_of(const catalog::route_ref& c) {
  return {c.provider_name, c.route_id, c.model_id};
}

/// Publishes how a request ended to the live monitor (reference §12).
struct outcome_publisher {
  openai::live_ring& ring;
  const actors::chat_job& job;
  const server_response& response;
  double latency;

  void operator()(const actors::chat_served& s) const {
    // The body is the response's now (chat_response moved it there).
    publish_request_completed(ring, job.request_id, s.route, job.attempts, response.body, latency);
  }
  void operator()(const actors::chat_streamed& s) const {
    publish_stream_completed(ring, job.request_id, 200, live_route_of(*s.route), latency);
  }
  void operator()(const actors::chat_exhausted&) const {
    publish_waterfall_exhausted(ring, job.request_id, attempts_json(job.attempts), latency);
  }
  void operator()(const actors::chat_caller_error& e) const {
    publish_provider_error(ring, job.request_id, e.status,
                           chat_error_message(actors::chat_outcome{e}), response.body, latency);
  }
  void operator()(const actors::chat_deadline&) const {
    live_failure failure;
    failure.status_code = 504;
    failure.reason = "request_deadline_exceeded";
    failure.latency_ms = latency;
    publish_request_failed(ring, job.request_id, failure);
  }
};

void publish_outcome(openai::live_ring& ring, const actors::chat_job& job,
                     const actors::chat_outcome& outcome, const server_response& response) {
  std::visit(outcome_publisher{ring, job, response, live_latency_ms(job.started)}, outcome);
}

/// One log line per request that did not get an answer from a route (warn: the gateway could
/// not serve it; info: the provider refused the request itself); served requests only at debug.
struct outcome_logger {
  const log::logger& log;
  const actors::chat_job& job;

  void served(const catalog::route_ref& route, std::string_view how) const {
    if (!log.enabled(log::level::debug)) {
      return;
    }
    auto attempts = std::to_string(job.upstream_calls);
    auto ms = std::to_string(static_cast<int64_t>(live_latency_ms(job.started)));
    log.debug(how, job.request_id,
              {{"route", route.route_id}, {"attempts", attempts}, {"latency_ms", ms}});
  }
  void operator()(const actors::chat_served& s) const {
    served(*s.route, "served");
  }
  void operator()(const actors::chat_streamed& s) const {
    served(*s.route, "streamed");
  }
  void operator()(const actors::chat_exhausted&) const {
    auto attempts = std::to_string(job.attempts.size());
    log.warn("waterfall exhausted: no route could serve the request", job.request_id,
             {{"attempts", attempts}, {"upstream_calls", std::to_string(job.upstream_calls)}});
  }
  void operator()(const actors::chat_caller_error& e) const {
    if (!log.enabled(log::level::info)) {
      return;
    }
    // The message is the provider's, already without any key (actors redact it).
    log.info("the provider refused the request", job.request_id,
             {{"route", e.route->route_id},
              {"status", std::to_string(e.status)},
              {"message", chat_error_message(actors::chat_outcome{e})}});
  }
  void operator()(const actors::chat_deadline& d) const {
    log.warn("request deadline exceeded", job.request_id,
             {{"deadline_seconds", std::to_string(d.deadline_seconds)},
              {"upstream_calls", std::to_string(job.upstream_calls)}});
  }
};

void log_outcome(const log::logger& log, const actors::chat_job& job,
                 const actors::chat_outcome& outcome) {
  std::visit(outcome_logger{log, job}, outcome);
}

/// A chat request as the frontend hands it to the router: it answers its client connection
/// (or, for a stream that did not start, its relay), frees its limiter slot, and reports the
/// waterfall's route events to the live monitor and the debug log. What it needs lives in the
/// job's own allocation.
class frontend_job final : public actors::chat_job {
public:
  frontend_job(const gateway_context& ctx, std::string id, openai::chat_request chat,
               exchange_ptr ex, slot_ptr slot)
      : chat_job(std::move(id), std::move(chat)), ctx_(ctx), ex_(std::move(ex)),
        slot_(std::move(slot)) {}

  void observe_route(std::string_view type, const actors::candidate& route,
                     std::string_view reason) const override {
    if (ctx_.live) {
      publish_route_attempt(*ctx_.live, request_id, type, route,
                            type == "route_trying" ? std::nullopt
                                                   : std::optional<std::string_view>(reason));
    }
    if (!ctx_.log.enabled(log::level::debug)) {
      return;
    }
    if (reason.empty()) {
      ctx_.log.debug(type, request_id, {{"route", route->route_id}});
    } else {
      ctx_.log.debug(type, request_id, {{"route", route->route_id}, {"reason", reason}});
    }
  }

private:
  void deliver(actors::chat_outcome outcome) override {
    slot_->release();
    log_outcome(ctx_.log, *this, outcome);
    if (std::holds_alternative<actors::chat_streamed>(outcome)) {
      if (ctx_.live) {
        publish_outcome(*ctx_.live, *this, outcome, {});
      }
      return; // the stream itself was the answer
    }
    auto response = chat_response(outcome, *this);
    if (ctx_.live) {
      publish_outcome(*ctx_.live, *this, outcome, response);
    }
    if (relay) {
      // The frontend made this relay (attach_stream_relay): its concrete type is known here.
      std::static_pointer_cast<stream_relay>(relay)->answer_without_stream(
        std::move(response), chat_error_message(outcome), chat_error_code(outcome));
      return;
    }
    ex_->respond(std::move(response));
  }

  /// The gateway's context outlives every request (the server stops first).
  const gateway_context& ctx_;
  exchange_ptr ex_;
  slot_ptr slot_;
};

/// The byte path of a streamed request (`job` answers through it unless the stream starts).
void attach_stream_relay(const gateway_context& ctx, const actors::chat_job_ptr& job,
                         const exchange_ptr& ex, const slot_ptr& slot, chat_mode mode) {
  stream_relay::settings s;
  s.format = mode.stream_route ? stream_format::stream_route : stream_format::openai;
  s.require_substantive = mode.web_search;
  s.client_wants_usage = job->request.include_usage;
  s.first_token_timeout = std::chrono::milliseconds(
    static_cast<int64_t>(ctx.config->stream_first_token_timeout_seconds * 1000));
  auto started = std::chrono::steady_clock::now();
  auto* metrics = ctx.metrics;
  bool release_early = ctx.config->streaming_release_slot_after_route_selected;
  s.on_commit = [slot, started, metrics, release_early] {
    if (release_early) {
      slot->release();
    }
    if (metrics != nullptr) {
      metrics->observe_first_token(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  };
  s.content_pause = std::chrono::microseconds(
    static_cast<int64_t>(ctx.config->sse_chunk_replay_sleep_seconds * 1'000'000));
  s.log = &ctx.log;
  s.redact = ctx.redact;
  auto relay = std::make_shared<stream_relay>(ex, job->request_id, std::move(s));
  job->relay = relay;
  // The relay reports each attempt's end to the router; it must not keep the job alive.
  std::weak_ptr<actors::chat_job> weak = job;
  relay->set_attempt_end_handler([weak, router = ctx.router, loop = ctx.actor_loop](
                                   size_t index, actors::stream_outcome outcome) {
    if (auto j = weak.lock()) {
      send_from_actor_loop(
        loop, [router, j = std::move(j), index, outcome = std::move(outcome)]() mutable {
          caf::anon_send(router, atom::stream_done_v, std::move(j), static_cast<uint64_t>(index),
                         std::move(outcome));
        });
    }
  });
  if (mode.stream_route) {
    relay->start_stream_route();
  }
}

void dispatch_chat(const gateway_context& ctx, const std::string& request_id,
                   openai::chat_request chat, const exchange_ptr& ex, const slot_ptr& slot,
                   chat_mode mode) {
  bool streamed = chat.stream || mode.stream_route;
  actors::chat_job_ptr job =
    std::make_shared<frontend_job>(ctx, request_id, std::move(chat), ex, slot);
  if (streamed) {
    attach_stream_relay(ctx, job, ex, slot, mode);
  }
  if (mode.web_search) {
    job->required_tag = "web-search";
    job->require_content = true;
  }
  job->deadline =
    job->started
    + std::chrono::milliseconds(static_cast<int64_t>(ctx.config->request_deadline_seconds * 1000));
  std::weak_ptr<actors::chat_job> weak = job;
  ex->on_client_gone([weak, slot] {
    slot->release();
    if (auto j = weak.lock()) {
      j->cancel();
      if (j->relay) {
        // The frontend made this relay (attach_stream_relay): its concrete type is known here.
        std::static_pointer_cast<stream_relay>(j->relay)->client_gone();
      }
    }
  });
  send_from_actor_loop(ctx.actor_loop, [router = ctx.router, job = std::move(job)]() mutable {
    caf::anon_send(router, atom::dispatch_v, std::move(job));
  });
}

/// Validation, then admission: the request waits in the limiter's queue, not in a mailbox.
/// The request keeps `body`, its upstream bodies are copied from it (parse_owned_chat_request).
void admit(const gateway_context& ctx, const exchange_ptr& ex, std::string body, chat_mode mode,
           const server_request& req) {
  auto started = std::chrono::steady_clock::now();
  auto request_id = ctx.next_request_id();
  auto parsed = openai::parse_owned_chat_request(std::move(body));
  if (auto* bad = std::get_if<openai::request_error>(&parsed)) {
    ctx.log.debug("invalid request", request_id, {{"message", bad->message}});
    if (ctx.live) {
      publish_validation_failed(*ctx.live, request_id, bad->message, mode.stream_route,
                                live_latency_ms(started));
    }
    if (mode.stream_route) {
      // The chat page's protocol reports even validation errors as an event (reference §9).
      ex->start_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
      ex->write_chunk(openai::error_event(bad->message, "invalid_request", 400), nullptr);
      ex->end_stream(false);
      return;
    }
    ex->respond(
      error_response(400, bad->message, "invalid_request_error", "invalid_request", bad->param));
    return;
  }
  auto& chat = std::get<openai::chat_request>(parsed);
  if (mode.stream_route) {
    chat.stream = true;
  }
  if (ctx.live) {
    publish_request_started(*ctx.live, request_id, mode.path, chat.stream, req.client_ip,
                            *chat.document, chat.text);
  }
  if (auto slot = ctx.limiter->try_acquire()) {
    dispatch_chat(ctx, request_id, std::move(chat), ex, slot, mode);
    return;
  }
  // Every slot is taken: wait in the limiter's queue (the callback must be copyable).
  auto pending = std::make_shared<openai::chat_request>(std::move(chat));
  const gateway_context* context = &ctx;
  ctx.limiter->acquire([context, pending, ex, mode, request_id](const slot_ptr& slot) {
    if (!slot) {
      context->log.info("rejected: no limiter slot in time (429)", request_id);
      if (context->live) {
        publish_request_rejected(*context->live, request_id);
      }
      ex->respond(queue_rejection());
      return;
    }
    dispatch_chat(*context, request_id, std::move(*pending), ex, slot, mode);
  });
}

} // namespace

void handle_chat_completions(const gateway_context& ctx, server_request& req,
                             const exchange_ptr& ex, const path_params&) {
  admit(ctx, ex, std::move(req.body), chat_mode{}, req);
}

void handle_web_search(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                       const path_params&) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(req.body.data(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    // parse_chat_request words the error (invalid JSON or not an object).
    admit(ctx, ex, std::move(req.body), chat_mode{web_search_path, true, false}, req);
    return;
  }
  openai::prepare_web_search_payload(doc);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  admit(ctx, ex, std::string(buffer.GetString(), buffer.GetSize()),
        chat_mode{web_search_path, true, false}, req);
}

void handle_stream_route(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                         const path_params&) {
  admit(ctx, ex, std::move(req.body), chat_mode{stream_route_path, false, true}, req);
}

} // namespace gw::server
