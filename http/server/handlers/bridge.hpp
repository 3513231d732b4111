// Asks the router without blocking: a short-lived actor sends the request, answers the
// exchange from the reply and terminates. Include only from handler .cpp files (CAF).
#pragma once

#include "actors/protocol.hpp"
#include "http/server/handlers/handlers.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace gw::server {

/// Sends `xs...` to the router and answers `ex` with the admin_reply it returns.
template <class... Ts>
void ask_router(const gateway_context& ctx, const exchange_ptr& ex, Ts... xs) {
  ctx.system->spawn([router = ctx.router, ex, xs...](caf::event_based_actor* self) {
    self->request(router, std::chrono::seconds(30), xs...)
      .then(
        [ex](actors::admin_reply& reply) {
          ex->respond(json_response(reply.status, std::move(reply.body)));
        },
        [ex](caf::error&) {
          ex->respond(error_response(503, "The router did not answer in time", "server_error",
                                     "router_unavailable"));
        });
  });
}

} // namespace gw::server
