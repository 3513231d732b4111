#include "http/views/admin_views.hpp"

#include "catalog/catalog_json.hpp"
#include "http/openai/error_body.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace gw::views {

namespace {

using actors::health_map;
using actors::health_record;
using actors::quota_map;
using actors::quota_view;
using actors::route_usage;
using actors::usage_map;

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(json_writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

/// Timestamps are whole seconds, as in the reference's SQLite rows.
void write_seconds(json_writer& w, int64_t ms) {
  w.Int64(ms / 1000);
}

health_record health_or_default(const health_map& health, const catalog::route& r) {
  if (auto it = health.find(r.route_id); it != health.end()) {
    return it->second;
  }
  health_record h;
  h.route_id = r.route_id;
  h.provider_name = r.provider_name;
  h.model_id = r.model_id;
  return h;
}

void write_health(json_writer& w, const health_record& h) {
  w.StartObject();
  w.Key("route_id");
  write_string(w, h.route_id);
  w.Key("provider_name");
  write_string(w, h.provider_name);
  w.Key("model_id");
  write_string(w, h.model_id);
  w.Key("status");
  write_string(w, h.status);
  w.Key("status_reason");
  if (h.reason.empty()) {
    w.Null();
  } else {
    write_string(w, h.reason);
  }
  w.Key("consecutive_failures");
  w.Int64(h.consecutive_failures);
  w.Key("rate_limited_until");
  write_seconds(w, h.rate_limited_until_ms);
  w.Key("next_probe_at");
  write_seconds(w, h.next_probe_at_ms);
  w.Key("updated_at");
  write_seconds(w, h.updated_ms);
  w.EndObject();
}

void write_usage(json_writer& w, const std::string& route_id, const usage_map& usage) {
  route_usage u;
  u.route_id = route_id;
  if (auto it = usage.find(route_id); it != usage.end()) {
    u = it->second;
  }
  w.StartObject();
  w.Key("route_id");
  write_string(w, u.route_id);
  w.Key("total_events");
  w.Int64(u.total_events);
  w.Key("successes");
  w.Int64(u.successes);
  w.Key("failures");
  w.Int64(u.failures);
  w.Key("rate_limits");
  w.Int64(u.rate_limits);
  w.Key("timeouts");
  w.Int64(u.timeouts);
  w.Key("not_found");
  w.Int64(u.not_found);
  w.Key("prompt_tokens");
  w.Int64(u.prompt_tokens);
  w.Key("completion_tokens");
  w.Int64(u.completion_tokens);
  w.Key("total_tokens");
  w.Int64(u.total_tokens);
  w.Key("last_used_at");
  if (u.last_used_at_ms == 0) {
    w.Null();
  } else {
    write_seconds(w, u.last_used_at_ms);
  }
  w.Key("last_status_code");
  if (u.last_status_code == 0) {
    w.Null();
  } else {
    w.Int(u.last_status_code);
  }
  w.EndObject();
}

void write_route_with_health(json_writer& w, const catalog::route& r, const health_record& h,
                             bool provider_known = true) {
  w.StartObject();
  catalog::write_route_fields(w, r);
  if (!provider_known) {
    w.Key("unavailable_reason");
    w.String("unknown_provider");
  }
  w.Key("health");
  write_health(w, h);
}

bool is_known(const std::vector<catalog::provider_spec>& providers, const std::string& name) {
  return std::any_of(providers.begin(), providers.end(),
                     [&](const catalog::provider_spec& p) { return p.name == name; });
}

/// The provider names routes use that are not in `providers`, in catalog order.
std::vector<std::string> unknown_providers(const std::vector<catalog::provider_spec>& providers,
                                           const std::vector<catalog::route>& routes) {
  std::vector<std::string> names;
  for (const auto& r : routes) {
    if (!is_known(providers, r.provider_name)
        && std::find(names.begin(), names.end(), r.provider_name) == names.end()) {
      names.push_back(r.provider_name);
    }
  }
  return names;
}

std::string take(const rapidjson::StringBuffer& buffer) {
  return {buffer.GetString(), buffer.GetSize()};
}

void write_limit(json_writer& w, const char* key, int64_t limit) {
  w.Key(key);
  if (limit < 0) {
    w.Null();
  } else {
    w.Int64(limit);
  }
}

/// One row of GET /v1/providers/status with the provider's routes; `known` = false for a
/// provider the catalog names but the gateway does not know.
void write_provider_row(json_writer& w, const catalog::provider_spec& p, const quota_view& q,
                        const std::vector<catalog::route>& routes, const health_map& health,
                        const usage_map& usage, int64_t now_ms, bool known) {
  w.StartObject();
  w.Key("name");
  write_string(w, p.name);
  w.Key("configured");
  w.Bool(p.configured());
  w.Key("available");
  w.Bool(q.available);
  w.Key("unavailable_reason");
  if (q.available) {
    w.Null();
  } else {
    write_string(w, q.unavailable_reason);
  }
  w.Key("retry_after_seconds");
  if (q.available || q.retry_at_ms <= now_ms) {
    w.Null();
  } else {
    w.Int64((q.retry_at_ms - now_ms + 999) / 1000);
  }
  w.Key("tokens_used_today");
  w.Int64(q.record.tokens_today);
  w.Key("requests_today");
  w.Int64(q.record.requests_today);
  w.Key("requests_this_minute");
  w.Int64(q.requests_this_minute);
  w.Key("tokens_this_minute");
  w.Int64(q.tokens_this_minute);
  w.Key("cooldown_until");
  write_seconds(w, q.record.cooldown_until_ms);
  w.Key("key_failing");
  w.Bool(q.record.key_failing);
  w.Key("limits");
  w.StartObject();
  write_limit(w, "requests_per_minute", q.limit_rpm);
  write_limit(w, "requests_per_day", q.limit_rpd);
  write_limit(w, "tokens_per_minute", q.limit_tpm);
  write_limit(w, "tokens_per_day", q.limit_tpd);
  w.EndObject();
  w.Key("day_reset_timezone");
  write_string(w, p.day_reset_timezone);
  w.Key("max_context_tokens");
  if (p.max_context_tokens) {
    w.Int64(*p.max_context_tokens);
  } else {
    w.Null();
  }
  w.Key("models");
  w.StartArray();
  for (const auto& r : routes) {
    if (r.provider_name != p.name) {
      continue;
    }
    write_route_with_health(w, r, health_or_default(health, r), known);
    w.Key("usage");
    write_usage(w, r.route_id, usage);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

} // namespace

std::string view_json(const actors::catalog_view& view) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("catalog_path");
  write_string(w, view.catalog_path);
  w.Key("data");
  w.StartArray();
  for (const auto& r : view.routes) {
    write_route_with_health(w, r, health_or_default(view.health, r),
                            is_known(view.providers, r.provider_name));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return take(buffer);
}

std::string view_json(const actors::route_with_health& view) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  w.Key("data");
  write_route_with_health(w, view.route, view.health, view.provider_known);
  w.EndObject();
  w.EndObject();
  return take(buffer);
}

std::string view_json(const actors::providers_view& view) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("data");
  w.StartArray();
  for (const auto& p : view.providers) {
    quota_view q;
    if (auto it = view.quotas.find(p.name); it != view.quotas.end()) {
      q = it->second;
    }
    write_provider_row(w, p, q, view.routes, view.health, view.usage, view.now_ms, true);
  }
  for (const auto& name : unknown_providers(view.providers, view.routes)) {
    catalog::provider_spec unknown;
    unknown.name = name;
    quota_view q;
    q.available = false;
    q.unavailable_reason = "unknown_provider";
    write_provider_row(w, unknown, q, view.routes, view.health, view.usage, view.now_ms, false);
  }
  w.EndArray();
  w.EndObject();
  return take(buffer);
}

std::string health_json(const actors::route_summary& summary, int64_t uptime_seconds,
                        limiter_counts limiter) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  w.Key("status");
  w.String("ok");
  w.Key("version");
  w.String(GW_VERSION);
  w.Key("uptime_seconds");
  w.Int64(uptime_seconds);
  w.Key("providers");
  w.StartObject();
  w.Key("configured");
  w.Int64(summary.providers_configured);
  w.Key("usable");
  w.Int64(summary.providers_usable);
  w.Key("total");
  w.Int64(summary.providers_total);
  w.EndObject();
  w.Key("routes");
  w.StartObject();
  w.Key("total");
  w.Int64(summary.routes_total);
  w.Key("enabled");
  w.Int64(summary.routes_enabled);
  w.Key("healthy");
  w.Int64(summary.routes_healthy);
  w.EndObject();
  w.Key("limiter");
  w.StartObject();
  w.Key("slots");
  w.Uint64(limiter.slots);
  w.Key("in_use");
  w.Uint64(limiter.in_use);
  w.Key("waiting");
  w.Uint64(limiter.waiting);
  w.EndObject();
  w.EndObject();
  return take(buffer);
}

namespace {

struct error_mapping {
  int status;
  const char* type;
  const char* code;
};

error_mapping mapping_of(actors::admin_refusal reason) {
  switch (reason) {
  case actors::admin_refusal::invalid_catalog:
    return {400, "invalid_request_error", "invalid_catalog"};
  case actors::admin_refusal::unknown_provider:
    return {400, "invalid_request_error", "unknown_provider"};
  case actors::admin_refusal::unknown_route:
    return {404, "not_found_error", "unknown_route"};
  case actors::admin_refusal::not_saved:
    return {500, "server_error", "catalog_write_failed"};
  case actors::admin_refusal::route_unavailable:
    break;
  }
  return {503, "server_error", "route_unavailable"};
}

} // namespace

int admin_error_status(const actors::admin_error& error) {
  return mapping_of(error.reason).status;
}

std::string admin_error_json(const actors::admin_error& error) {
  auto m = mapping_of(error.reason);
  return openai::error_json(error.message, m.type, m.code);
}

} // namespace gw::views
