// Endpoint handlers. Each answers through the exchange, never blocks, and talks to actors
// only by message.
#pragma once

#include "http/server/gateway_context.hpp"
#include "http/server/http_types.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gw::server {

/// Path segments captured by `{name}` placeholders of the endpoint's pattern, in order.
using path_params = std::vector<std::string>;

using handler_fn = void (*)(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                            const path_params& params);

/// Small helpers shared by handlers.
server_response json_response(int status, std::string body);
server_response error_response(int status, std::string_view message, std::string_view type,
                               std::string_view code, std::string_view param = {});

/// 429 request_queue_timeout with Retry-After: 1 (contract §6.2).
server_response queue_rejection();

// -- chat.cpp ---------------------------------------------------------------------------
/// The inference endpoints' paths, the same text as their rows of the endpoint table
/// (endpoints.cpp keeps literals there: tests read the table as text). They are literal
/// patterns, so a request that matched one has exactly this path and what keeps it (a live
/// event) can keep the view.
inline constexpr std::string_view chat_completions_path = "/v1/chat/completions";
inline constexpr std::string_view web_search_path = "/v1/chat/completions/web-search";
inline constexpr std::string_view stream_route_path = "/v1/chat/completions/stream-route";

void handle_chat_completions(const gateway_context&, server_request&, const exchange_ptr&,
                             const path_params&);
void handle_web_search(const gateway_context&, server_request&, const exchange_ptr&,
                       const path_params&);
void handle_stream_route(const gateway_context&, server_request&, const exchange_ptr&,
                         const path_params&);
// -- status.cpp -------------------------------------------------------------------------
void handle_healthz(const gateway_context&, server_request&, const exchange_ptr&,
                    const path_params&);
void handle_health_json(const gateway_context&, server_request&, const exchange_ptr&,
                        const path_params&);
void handle_list_models(const gateway_context&, server_request&, const exchange_ptr&,
                        const path_params&);
void handle_favicon(const gateway_context&, server_request&, const exchange_ptr&,
                    const path_params&);
void handle_metrics(const gateway_context&, server_request&, const exchange_ptr&,
                    const path_params&);

// -- diagnosis.cpp ----------------------------------------------------------------------
void handle_diagnosis_status(const gateway_context&, server_request&, const exchange_ptr&,
                             const path_params&);
void handle_diagnosis_refresh(const gateway_context&, server_request&, const exchange_ptr&,
                              const path_params&);
void handle_diagnosis_apply(const gateway_context&, server_request&, const exchange_ptr&,
                            const path_params&);

// -- admin.cpp --------------------------------------------------------------------------
void handle_get_catalog(const gateway_context&, server_request&, const exchange_ptr&,
                        const path_params&);
void handle_put_catalog(const gateway_context&, server_request&, const exchange_ptr&,
                        const path_params&);
void handle_reset_catalog(const gateway_context&, server_request&, const exchange_ptr&,
                          const path_params&);
void handle_auto_rank(const gateway_context&, server_request&, const exchange_ptr&,
                      const path_params&);
void handle_enable_route(const gateway_context&, server_request&, const exchange_ptr&,
                         const path_params&);
void handle_disable_route(const gateway_context&, server_request&, const exchange_ptr&,
                          const path_params&);
void handle_reset_route_health(const gateway_context&, server_request&, const exchange_ptr&,
                               const path_params&);
void handle_providers_status(const gateway_context&, server_request&, const exchange_ptr&,
                             const path_params&);

// -- live.cpp ---------------------------------------------------------------------------
void handle_live_snapshot(const gateway_context&, server_request&, const exchange_ptr&,
                          const path_params&);
void handle_live_events(const gateway_context&, server_request&, const exchange_ptr&,
                        const path_params&);

// -- pages.cpp --------------------------------------------------------------------------
void handle_page(const gateway_context&, server_request&, const exchange_ptr&, const path_params&);
void handle_asset(const gateway_context&, server_request&, const exchange_ptr&, const path_params&);
void handle_openapi(const gateway_context&, server_request&, const exchange_ptr&,
                    const path_params&);

// -- usage.cpp --------------------------------------------------------------------------
void handle_usage_series(const gateway_context&, server_request&, const exchange_ptr&,
                         const path_params&);

} // namespace gw::server
