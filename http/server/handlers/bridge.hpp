// Asks the router without blocking: a short-lived actor sends the request, answers the
// exchange from the reply and terminates. Include only from handler .cpp files (CAF).
#pragma once

#include "actors/protocol.hpp"
#include "http/server/handlers/handlers.hpp"
#include "http/views/admin_views.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace gw::server {

/// A view as a 200 JSON answer.
template <class View>
server_response admin_response(const View& view) {
  return json_response(200, views::view_json(view));
}

/// The view as a 200 JSON answer, or the refusal's error.
template <class View>
server_response admin_response(const actors::admin_result<View>& result) {
  if (const auto* refused = std::get_if<actors::admin_error>(&result)) {
    return json_response(views::admin_error_status(*refused), views::admin_error_json(*refused));
  }
  return admin_response(std::get<View>(result));
}

/// Sends `xs...` to the router and answers `ex` with the view it returns (`Reply`: a view, or
/// an admin_result of one), rendered here by admin_views.
template <class Reply, class... Ts>
void ask_router(const gateway_context& ctx, const exchange_ptr& ex, Ts... xs) {
  // Values go in as spawn arguments, not captures: CAF 0.17 dereferences a null argument
  // tuple when spawning an argument-less function actor (UBSan reports it).
  auto bridge = [](caf::event_based_actor* self, const actors::router_actor& router,
                   const exchange_ptr& client, Ts... args) {
    self->request(router, std::chrono::seconds(30), args...)
      .then([client](Reply& reply) { client->respond(admin_response(reply)); },
            [client](caf::error&) {
              client->respond(error_response(503, "The router did not answer in time",
                                             "server_error", "router_unavailable"));
            });
  };
  ctx.system->spawn(bridge, ctx.router, ex, xs...);
}

} // namespace gw::server
