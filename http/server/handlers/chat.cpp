// The inference endpoints: POST /v1/chat/completions (JSON or OpenAI SSE),
// /v1/chat/completions/web-search (reference §10) and /v1/chat/completions/stream-route (§9).
// Each validates, takes a limiter slot, and hands a job to the router; streams get a relay
// that carries the bytes from the chosen upstream to the client.
#include "actors/chat_job.hpp"
#include "actors/protocol.hpp"
#include "actors/stream_relay.hpp"
#include "http/openai/chat_payload.hpp"
#include "http/openai/stream_route_events.hpp"
#include "http/openai/web_search.hpp"
#include "http/server/handlers/handlers.hpp"
#include "metrics/gateway_metrics.hpp"

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

constexpr std::string_view exhausted_message =
  "All providers exhausted. No model could serve this request.";

/// What kind of inference request this is.
struct chat_mode {
  /// Web search: only routes with this tag, and an answer with visible content.
  bool web_search = false;
  /// The chat page's protocol: routing progress and text deltas as events.
  bool stream_route = false;
};

server_response to_response(actors::chat_reply reply, const std::string& request_id) {
  server_response res;
  res.status = reply.status;
  res.body = std::move(reply.body);
  res.headers = std::move(reply.headers);
  res.headers.emplace_back("X-Gateway-Request-Id", request_id);
  return res;
}

/// The message of an error reply's envelope (for stream-route `error` events).
std::string error_message_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.IsObject() && doc.HasMember("error") && doc["error"].IsObject()
      && doc["error"].HasMember("message") && doc["error"]["message"].IsString()) {
    return doc["error"]["message"].GetString();
  }
  return "The request failed";
}

actors::chat_job_ptr make_stream_job(const gateway_context& ctx, const std::string& request_id,
                                     openai::chat_request chat, const exchange_ptr& ex,
                                     const slot_ptr& slot, chat_mode mode) {
  actors::stream_relay::settings s;
  s.format = mode.stream_route ? actors::stream_format::stream_route : actors::stream_format::openai;
  s.require_substantive = mode.web_search;
  s.client_wants_usage = chat.include_usage;
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
  auto relay = std::make_shared<actors::stream_relay>(ex, request_id, std::move(s));
  auto job = std::make_shared<actors::chat_job>(
    request_id, std::move(chat), [relay, slot](actors::chat_reply reply) {
      slot->release();
      if (relay->committed()) {
        return; // the stream itself was the answer
      }
      auto message = reply.status == 503 ? std::string(exhausted_message)
                                         : error_message_of(reply.body);
      relay->answer_without_stream(std::move(reply), message);
    });
  job->relay = relay;
  // The relay reports each attempt's end to the router; it must not keep the job alive.
  std::weak_ptr<actors::chat_job> weak = job;
  relay->set_attempt_end_handler(
    [weak, router = ctx.router](size_t index, actors::stream_outcome outcome) {
      if (auto j = weak.lock()) {
        caf::anon_send(router, atom::stream_done_v, std::move(j), static_cast<uint64_t>(index),
                       std::move(outcome));
      }
    });
  if (mode.stream_route) {
    relay->start_stream_route();
  }
  return job;
}

void dispatch_chat(const gateway_context& ctx, openai::chat_request chat, const exchange_ptr& ex,
                   slot_ptr slot, chat_mode mode) {
  auto request_id = ctx.next_request_id();
  actors::chat_job_ptr job;
  if (chat.stream || mode.stream_route) {
    job = make_stream_job(ctx, request_id, std::move(chat), ex, slot, mode);
  } else {
    job = std::make_shared<actors::chat_job>(
      request_id, std::move(chat), [ex, request_id, slot](actors::chat_reply reply) {
        slot->release();
        ex->respond(to_response(std::move(reply), request_id));
      });
  }
  if (mode.web_search) {
    job->required_tag = "web-search";
    job->require_content = true;
  }
  job->deadline = job->started + std::chrono::milliseconds(static_cast<int64_t>(
                                   ctx.config->request_deadline_seconds * 1000));
  std::weak_ptr<actors::chat_job> weak = job;
  ex->on_client_gone([weak, slot] {
    slot->release();
    if (auto j = weak.lock()) {
      j->cancel();
      if (j->relay) {
        j->relay->client_gone();
      }
    }
  });
  caf::anon_send(ctx.router, atom::dispatch_v, std::move(job));
}

/// Validation, then admission: the request waits in the limiter's queue, not in a mailbox.
void admit(const gateway_context& ctx, const exchange_ptr& ex, std::string_view body,
           chat_mode mode) {
  auto parsed = openai::parse_chat_request(body);
  if (auto* bad = std::get_if<openai::request_error>(&parsed)) {
    if (mode.stream_route) {
      // The chat page's protocol reports even validation errors as an event (reference §9).
      ex->start_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
      ex->write_chunk(openai::error_event(bad->message), nullptr);
      ex->end_stream(false);
      return;
    }
    ex->respond(error_response(400, bad->message, "invalid_request_error", "invalid_request",
                               bad->param));
    return;
  }
  auto pending = std::make_shared<openai::chat_request>(std::get<openai::chat_request>(std::move(parsed)));
  if (mode.stream_route) {
    pending->stream = true;
  }
  const gateway_context* context = &ctx;
  ctx.limiter->acquire([context, pending, ex, mode](slot_ptr slot) {
    if (!slot) {
      ex->respond(queue_rejection());
      return;
    }
    dispatch_chat(*context, std::move(*pending), ex, std::move(slot), mode);
  });
}

} // namespace

void handle_chat_completions(const gateway_context& ctx, server_request& req,
                             const exchange_ptr& ex, const path_params&) {
  admit(ctx, ex, req.body, chat_mode{});
}

void handle_web_search(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                       const path_params&) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(req.body.data(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    // parse_chat_request words the error (invalid JSON or not an object).
    admit(ctx, ex, req.body, chat_mode{true, false});
    return;
  }
  openai::prepare_web_search_payload(doc);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  admit(ctx, ex, std::string_view(buffer.GetString(), buffer.GetSize()), chat_mode{true, false});
}

void handle_stream_route(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                         const path_params&) {
  admit(ctx, ex, req.body, chat_mode{false, true});
}

} // namespace gw::server
