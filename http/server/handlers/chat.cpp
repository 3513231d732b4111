// POST /v1/chat/completions (non-streaming): validate, take a limiter slot, hand the job to
// the router. The slot is held for the whole waterfall and freed when the answer is sent or
// the client goes away.
#include "actors/chat_job.hpp"
#include "actors/protocol.hpp"
#include "http/openai/chat_payload.hpp"
#include "http/server/handlers/handlers.hpp"

#include <caf/send.hpp>

#include <variant>

namespace gw::server {

server_response queue_rejection() {
  auto res = error_response(429, "Gateway is busy; retry shortly", "gateway_overloaded",
                            "request_queue_timeout");
  res.headers.emplace_back("Retry-After", "1");
  return res;
}

namespace {

void dispatch_chat(const gateway_context& ctx, openai::chat_request chat, const exchange_ptr& ex,
                   slot_ptr slot) {
  auto request_id = ctx.next_request_id();
  auto job = std::make_shared<actors::chat_job>(
    request_id, std::move(chat), [ex, request_id, slot](actors::chat_reply reply) {
      slot->release();
      server_response res;
      res.status = reply.status;
      res.body = std::move(reply.body);
      res.headers = std::move(reply.headers);
      res.headers.emplace_back("X-Gateway-Request-Id", request_id);
      ex->respond(std::move(res));
    });
  job->deadline = job->started + std::chrono::milliseconds(static_cast<int64_t>(
                                   ctx.config->request_deadline_seconds * 1000));
  std::weak_ptr<actors::chat_job> weak = job;
  ex->on_client_gone([weak, slot] {
    slot->release();
    if (auto j = weak.lock()) {
      j->cancel();
    }
  });
  caf::anon_send(ctx.router, atom::dispatch_v, std::move(job));
}

} // namespace

void handle_chat_completions(const gateway_context& ctx, server_request& req,
                             const exchange_ptr& ex, const path_params&) {
  auto parsed = openai::parse_chat_request(req.body);
  if (auto* bad = std::get_if<openai::request_error>(&parsed)) {
    ex->respond(error_response(400, bad->message, "invalid_request_error", "invalid_request",
                               bad->param));
    return;
  }
  auto chat = std::get<openai::chat_request>(std::move(parsed));
  if (chat.stream) {
    ex->respond(error_response(400, "Streaming is not supported by this build",
                               "invalid_request_error", "stream_unsupported", "stream"));
    return;
  }
  // The request (with its parsed document) waits in the limiter's queue, not in a mailbox.
  auto pending = std::make_shared<openai::chat_request>(std::move(chat));
  const gateway_context* context = &ctx;
  ctx.limiter->acquire([context, pending, ex](slot_ptr slot) {
    if (!slot) {
      ex->respond(queue_rejection());
      return;
    }
    dispatch_chat(*context, std::move(*pending), ex, std::move(slot));
  });
}

} // namespace gw::server
