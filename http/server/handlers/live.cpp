// The live traffic monitor's endpoints (reference §12): the buffered events and the SSE feed.
#include "http/server/handlers/handlers.hpp"
#include "http/server/live_feed.hpp"

namespace gw::server {

void handle_live_snapshot(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                          const path_params&) {
  ex->respond(json_response(200, ctx.live ? ctx.live->snapshot_json()
                                          : std::string(R"({"object":"list","data":[]})")));
}

void handle_live_events(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                        const path_params&) {
  if (!ctx.live || ctx.system == nullptr) {
    ex->respond(error_response(503, "The live monitor is not running", "server_error",
                               "live_monitor_unavailable"));
    return;
  }
  start_live_feed(ctx, ex);
}

} // namespace gw::server
