// THE route table of the HTTP API: one row per endpoint (method, path, handler, access).
#pragma once

#include "http/server/gateway_context.hpp"
#include "http/server/http_types.hpp"

#include <memory>

namespace gw::server {

/// Builds the request handler that serves the gateway's API and pages.
std::shared_ptr<request_handler> make_gateway_handler(std::shared_ptr<gateway_context> ctx);

} // namespace gw::server
