// Liveness, health summary and the OpenAI model list.
#include "actors/protocol.hpp"
#include "http/server/chat_replies.hpp"
#include "http/server/handlers/handlers.hpp"
#include "http/views/admin_views.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace gw::server {

void handle_healthz(const gateway_context&, server_request&, const exchange_ptr& ex,
                    const path_params&) {
  ex->respond(json_response(200, R"({"status":"ok"})"));
}

void handle_favicon(const gateway_context&, server_request&, const exchange_ptr& ex,
                    const path_params&) {
  server_response res;
  res.status = 204;
  res.content_type = "image/x-icon";
  ex->respond(std::move(res));
}

void handle_metrics(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                    const path_params&) {
  server_response res;
  res.content_type = metrics::content_type;
  if (ctx.metrics != nullptr) {
    res.body = ctx.metrics->serialize();
  }
  ex->respond(std::move(res));
}

void handle_health_json(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                        const path_params&) {
  // Route counts come from the router; the rest is known here.
  // (Arguments instead of captures: see ask_router in bridge.hpp.)
  auto bridge = [](caf::event_based_actor* self, const gateway_context* context,
                   const exchange_ptr& client) {
    self->request(context->router, std::chrono::seconds(10), atom::summary_v)
      .then(
        [context, client](actors::route_summary& summary) {
          using namespace std::chrono;
          const auto& c = *context;
          auto uptime = duration_cast<seconds>(steady_clock::now() - c.started).count();
          views::limiter_counts limiter{c.limiter->capacity(), c.limiter->in_use(),
                                        c.limiter->waiting()};
          client->respond(json_response(200, views::health_json(summary, uptime, limiter)));
        },
        [client](caf::error&) {
          client->respond(
            error_response(503, "The router did not answer", "server_error", "router_unavailable"));
        });
  };
  ctx.system->spawn(bridge, &ctx, ex);
}

void handle_list_models(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                        const path_params&) {
  // A short-lived bridge actor asks the router and answers the exchange (no blocking).
  auto bridge = [](caf::event_based_actor* self, const actors::router_actor& router,
                   const exchange_ptr& client) {
    self->request(router, std::chrono::seconds(10), atom::list_models_v)
      .then(
        [client](actors::model_list& list) {
          auto created = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
          client->respond(json_response(200, model_list_json(list.alias, list.routes, created)));
        },
        [client](caf::error&) {
          client->respond(
            error_response(503, "The router did not answer", "server_error", "router_unavailable"));
        });
  };
  ctx.system->spawn(bridge, ctx.router, ex);
}

} // namespace gw::server
