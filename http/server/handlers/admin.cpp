// Catalog administration and provider status (reference §11.6-§11.10, §11.14).
#include "http/server/handlers/bridge.hpp"

namespace gw::server {

namespace {

using catalog_result = actors::admin_result<actors::catalog_view>;

} // namespace

void handle_get_catalog(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                        const path_params&) {
  ask_router<catalog_result>(ctx, ex, atom::catalog_v);
}

void handle_put_catalog(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                        const path_params&) {
  ask_router<catalog_result>(ctx, ex, atom::replace_v, std::move(req.body));
}

void handle_reset_catalog(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                          const path_params&) {
  ask_router<catalog_result>(ctx, ex, atom::reset_v);
}

void handle_auto_rank(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                      const path_params&) {
  ask_router<catalog_result>(ctx, ex, atom::auto_rank_v);
}

void handle_enable_route(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                         const path_params& params) {
  ask_router<actors::admin_result<actors::route_with_health>>(ctx, ex, atom::enable_v, params.at(0),
                                                              true);
}

void handle_disable_route(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                          const path_params& params) {
  ask_router<actors::admin_result<actors::route_with_health>>(ctx, ex, atom::enable_v, params.at(0),
                                                              false);
}

void handle_reset_route_health(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                               const path_params& params) {
  ask_router<actors::admin_result<actors::route_with_health>>(ctx, ex, atom::clear_v,
                                                              atom::health_v, params.at(0));
}

void handle_providers_status(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                             const path_params&) {
  ask_router<actors::providers_view>(ctx, ex, atom::providers_v);
}

} // namespace gw::server
