// The web pages (reference §14, issue 11): embedded HTML/CSS/JS, the OpenAPI document.
// Every answer carries the same security headers; scripts only come from the gateway
// ('self', no inline script), so escaped-but-hostile catalog text can never run.
#include "http/server/handlers/handlers.hpp"
#include "web/assets.hpp"

#include <string_view>

namespace gw::server {

namespace {

// connect-src 'self': the pages only talk to this gateway. style-src has no 'unsafe-inline':
// scripts set sizes through the CSSOM (element.style), which CSP does not restrict.
constexpr std::string_view content_security_policy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
  "form-action 'none'; frame-ancestors 'none'";

struct page {
  std::string_view path;
  std::string_view asset;
};

// clang-format off
constexpr page pages[] = {
  {"/",       "index.html"},
  {"/chat",   "chat.html"},
  {"/models", "models.html"},
  {"/health", "health.html"},
  {"/status", "status.html"},
  {"/live",   "live.html"},
  {"/docs",   "docs.html"},
};
// clang-format on

void serve(const web::asset* asset, const server_request& req, const exchange_ptr& ex) {
  if (asset == nullptr) {
    ex->respond(
      error_response(404, "Unknown path: " + req.path, "invalid_request_error", "not_found"));
    return;
  }
  server_response res;
  res.content_type = asset->content_type;
  res.headers = {
    {"Content-Security-Policy", std::string(content_security_policy)},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    // Revalidate every time: a new binary may carry new pages, and a 304 costs nothing.
    {"Cache-Control", "no-cache"},
    {"ETag", std::string(asset->etag)},
  };
  const auto* if_none_match = req.header("If-None-Match");
  if (if_none_match != nullptr && *if_none_match == asset->etag) {
    res.status = 304;
  } else {
    res.body = std::string(asset->body);
  }
  ex->respond(std::move(res));
}

} // namespace

void handle_page(const gateway_context&, server_request& req, const exchange_ptr& ex,
                 const path_params&) {
  for (const auto& p : pages) {
    if (p.path == req.path) {
      serve(web::find_asset(p.asset), req, ex);
      return;
    }
  }
  serve(nullptr, req, ex);
}

void handle_asset(const gateway_context&, server_request& req, const exchange_ptr& ex,
                  const path_params& params) {
  serve(web::find_asset("assets/" + params.at(0)), req, ex);
}

void handle_openapi(const gateway_context&, server_request& req, const exchange_ptr& ex,
                    const path_params&) {
  serve(web::find_asset("openapi.json"), req, ex);
}

} // namespace gw::server
