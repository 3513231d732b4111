#include "http/server/endpoints.hpp"

#include "core/constant_time.hpp"
#include "http/server/handlers/handlers.hpp"
#include "metrics/gateway_metrics.hpp"

#include <string_view>
#include <vector>

namespace gw::server {

namespace {

/// Who may call an endpoint (contract §7).
enum class access : uint8_t {
  /// Anyone (pages, liveness, metrics).
  open,
  /// GATEWAY_API_KEYS, when set.
  api,
  /// GATEWAY_ADMIN_KEY (or an API key when no admin key is set), for mutating gateway calls.
  admin,
};

struct endpoint {
  std::string_view method;
  /// Literal segments and `{name}` placeholders, e.g. "/v1/gateway/models/{route_id}/enable".
  std::string_view pattern;
  handler_fn handler;
  access who;
};

// Tried in order, so the row nearly every request takes comes first (each miss costs a
// segment-by-segment match). Only rows of one path (differing in method) depend on their order.
// clang-format off
const endpoint endpoint_table[] = {
  {"POST", "/v1/chat/completions",            handle_chat_completions, access::api},
  {"GET",  "/healthz",                        handle_healthz,          access::open},
  {"GET",  "/metrics",                        handle_metrics,          access::open},
  {"GET",  "/favicon.ico",                    handle_favicon,          access::open},
  {"GET",  "/v1/gateway/health.json",         handle_health_json,      access::api},
  {"GET",  "/v1/models",                      handle_list_models,      access::api},
  {"POST", "/v1/chat/completions/web-search", handle_web_search,       access::api},
  {"POST", "/v1/chat/completions/stream-route", handle_stream_route,   access::api},
  {"GET",  "/v1/gateway/models",              handle_get_catalog,      access::api},
  {"PUT",  "/v1/gateway/models",              handle_put_catalog,      access::admin},
  {"POST", "/v1/gateway/models/reset",        handle_reset_catalog,    access::admin},
  {"POST", "/v1/gateway/models/auto-rank",    handle_auto_rank,        access::admin},
  {"POST", "/v1/gateway/models/{route_id}/enable",       handle_enable_route,       access::admin},
  {"POST", "/v1/gateway/models/{route_id}/disable",      handle_disable_route,      access::admin},
  {"POST", "/v1/gateway/models/{route_id}/health/reset", handle_reset_route_health, access::admin},
  {"GET",  "/v1/providers/status",            handle_providers_status, access::api},
  {"GET",  "/v1/gateway/live/snapshot",       handle_live_snapshot,    access::api},
  {"GET",  "/v1/gateway/live/events",         handle_live_events,      access::api},
  {"GET",  "/v1/gateway/usage/series",        handle_usage_series,     access::api},
  {"GET",  "/v1/gateway/endpoint-diagnosis",  handle_diagnosis_status, access::api},
  {"POST", "/v1/gateway/endpoint-diagnosis/refresh", handle_diagnosis_refresh, access::admin},
  {"POST", "/v1/gateway/endpoint-diagnosis/apply",   handle_diagnosis_apply,   access::admin},
  // Web pages (issue 11): open like the reference's; their API calls carry the key.
  {"GET",  "/",                               handle_page,             access::open},
  {"GET",  "/chat",                           handle_page,             access::open},
  {"GET",  "/models",                         handle_page,             access::open},
  {"GET",  "/health",                         handle_page,             access::open},
  {"GET",  "/status",                         handle_page,             access::open},
  {"GET",  "/live",                           handle_page,             access::open},
  {"GET",  "/docs",                           handle_page,             access::open},
  {"GET",  "/assets/{file}",                  handle_asset,            access::open},
  {"GET",  "/openapi.json",                   handle_openapi,          access::open},
};
// clang-format on

/// Matches `path` against `pattern`; fills `params` with the placeholder segments.
bool match(std::string_view pattern, std::string_view path, path_params& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
      return false;
    }
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pattern_end = pattern.find('/');
    auto path_end = path.find('/');
    auto want = pattern.substr(0, pattern_end);
    auto got = path.substr(0, path_end);
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (got.empty()) {
        return false;
      }
      params.emplace_back(got);
    } else if (want != got) {
      return false;
    }
    pattern =
      pattern_end == std::string_view::npos ? std::string_view{} : pattern.substr(pattern_end);
    path = path_end == std::string_view::npos ? std::string_view{} : path.substr(path_end);
  }
  return true;
}

bool bearer_matches(const server_request& req, const std::vector<std::string>& keys) {
  const auto* header = req.header("Authorization");
  if (header == nullptr) {
    return false;
  }
  std::string_view value = *header;
  constexpr std::string_view prefix = "Bearer ";
  if (value.substr(0, prefix.size()) != prefix) {
    return false;
  }
  value.remove_prefix(prefix.size());
  // Every key is compared in full, in constant time: neither the timing nor an early exit
  // tells how much of a guess was right or which key it came close to.
  bool matched = false;
  for (const auto& key : keys) {
    matched |= constant_time_equal(value, key);
  }
  return matched;
}

bool allowed(const gateway_context& ctx, const server_request& req, access who) {
  const auto& cfg = *ctx.config;
  switch (who) {
  case access::open:
    return true;
  case access::api:
    return cfg.gateway_api_keys.empty() || bearer_matches(req, cfg.gateway_api_keys);
  case access::admin:
    if (!cfg.gateway_admin_key.empty()) {
      return bearer_matches(req, {cfg.gateway_admin_key});
    }
    return cfg.gateway_api_keys.empty() || bearer_matches(req, cfg.gateway_api_keys);
  }
  return false;
}

/// Counts every answer of one endpoint (freerouter_http_requests_total), then forwards.
class counted_exchange final : public exchange {
public:
  counted_exchange(exchange_ptr inner, metrics::http_endpoint_counters& counters)
      : inner_(std::move(inner)), counters_(counters) {}
  void dispatch(std::function<void()> work) override {
    inner_->dispatch(std::move(work));
  }
  void respond(server_response response) override {
    counters_.count(response.status);
    inner_->respond(std::move(response));
  }
  void start_stream(int status, std::string content_type, header_list headers) override {
    counters_.count(status);
    inner_->start_stream(status, std::move(content_type), std::move(headers));
  }
  void write_chunk(std::string data, std::function<void(bool)> on_written) override {
    inner_->write_chunk(std::move(data), std::move(on_written));
  }
  void pause(std::chrono::microseconds delay) override {
    inner_->pause(delay);
  }
  void end_stream(bool abort) override {
    inner_->end_stream(abort);
  }
  void finish_stream(std::string last_data) override {
    inner_->finish_stream(std::move(last_data));
  }
  void on_client_gone(std::function<void()> callback) override {
    inner_->on_client_gone(std::move(callback));
  }
  void set_shutdown_chunk(std::string chunk) override {
    inner_->set_shutdown_chunk(std::move(chunk));
  }

private:
  exchange_ptr inner_;
  metrics::http_endpoint_counters& counters_;
};

class endpoint_router final : public request_handler {
public:
  explicit endpoint_router(std::shared_ptr<gateway_context> ctx) : ctx_(std::move(ctx)) {
    if (ctx_->metrics != nullptr) {
      // Resolved once: the per-request count is then lock-free.
      for (const auto& row : endpoint_table) {
        counters_.push_back(&ctx_->metrics->http_endpoint(row.pattern));
      }
      unmatched_ = &ctx_->metrics->http_endpoint(metrics::unmatched_endpoint);
    }
  }

  void handle(server_request request, exchange_ptr ex) override {
    path_params params;
    bool path_known = false;
    for (size_t i = 0; i < std::size(endpoint_table); ++i) {
      const auto& row = endpoint_table[i];
      if (!match(row.pattern, request.path, params)) {
        continue;
      }
      if (!counters_.empty() && !path_known) {
        ex = std::make_shared<counted_exchange>(std::move(ex), *counters_[i]);
      }
      path_known = true;
      if (row.method != request.method) {
        continue;
      }
      if (!allowed(*ctx_, request, row.who)) {
        ex->respond(error_response(401, "Missing or invalid API key", "authentication_error",
                                   "invalid_api_key"));
        return;
      }
      row.handler(*ctx_, request, ex, params);
      return;
    }
    if (path_known) {
      ex->respond(error_response(405,
                                 "Method " + request.method + " is not allowed on " + request.path,
                                 "invalid_request_error", "method_not_allowed"));
      return;
    }
    if (unmatched_ != nullptr) {
      unmatched_->count(404);
    }
    ex->respond(
      error_response(404, "Unknown path: " + request.path, "invalid_request_error", "not_found"));
  }

private:
  std::shared_ptr<gateway_context> ctx_;
  /// Per table row; empty without metrics.
  std::vector<metrics::http_endpoint_counters*> counters_;
  metrics::http_endpoint_counters* unmatched_ = nullptr;
};

} // namespace

std::shared_ptr<request_handler> make_gateway_handler(std::shared_ptr<gateway_context> ctx) {
  return std::make_shared<endpoint_router>(std::move(ctx));
}

} // namespace gw::server
