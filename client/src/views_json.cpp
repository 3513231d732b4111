#include "client/src/views_json.hpp"

#include "catalog/day_clock.hpp"

#include <rapidjson/document.h>

#include <algorithm>

namespace freerouter::detail {

namespace {

using json = rapidjson::Value;

const json* member(const json& object, const char* key) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string text(const json& object, const char* key) {
  const auto* v = member(object, key);
  if (v == nullptr) {
    return {};
  }
  if (v->IsString()) {
    return {v->GetString(), v->GetStringLength()};
  }
  if (v->IsInt64()) {
    return std::to_string(v->GetInt64());
  }
  if (v->IsDouble()) {
    return std::to_string(v->GetDouble());
  }
  return {};
}

int64_t number(const json& object, const char* key, int64_t fallback = 0) {
  const auto* v = member(object, key);
  if (v == nullptr) {
    return fallback;
  }
  if (v->IsInt64()) {
    return v->GetInt64();
  }
  if (v->IsNumber()) {
    return static_cast<int64_t>(v->GetDouble());
  }
  return fallback;
}

std::optional<int64_t> optional_number(const json& object, const char* key) {
  const auto* v = member(object, key);
  if (v == nullptr || !v->IsNumber()) {
    return std::nullopt;
  }
  return number(object, key);
}

bool flag(const json& object, const char* key, bool fallback = false) {
  const auto* v = member(object, key);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

/// The "data" array of a list body (also accepts a bare array).
const json* data_array(const rapidjson::Document& doc) {
  if (doc.IsArray()) {
    return &doc;
  }
  const auto* data = member(doc, "data");
  return data != nullptr && data->IsArray() ? data : nullptr;
}

model_info model_of(const json& r) {
  model_info m;
  m.route_id = text(r, "route_id");
  m.provider = text(r, "provider_name");
  m.model_id = text(r, "model_id");
  m.display_name = text(r, "display_name");
  m.rank = number(r, "rank");
  m.enabled = flag(r, "enabled", true);
  m.context_window = number(r, "context_window");
  if (const auto* tags = member(r, "tags"); tags != nullptr && tags->IsArray()) {
    for (const auto& t : tags->GetArray()) {
      if (t.IsString()) {
        m.tags.emplace_back(t.GetString(), t.GetStringLength());
      }
    }
  }
  if (const auto* health = member(r, "health"); health != nullptr && health->IsObject()) {
    m.health = text(*health, "status");
    m.health_reason = text(*health, "status_reason");
  }
  return m;
}

std::optional<int64_t> seconds_until_midnight(const std::string& zone, int64_t now_ms) {
  auto clock = gw::catalog::day_clock::load(zone.empty() ? "UTC" : zone);
  if (!clock) {
    return std::nullopt;
  }
  return (clock->next_midnight_ms(now_ms) - now_ms + 999) / 1000;
}

provider_status provider_of(const json& p, int64_t now_ms) {
  provider_status s;
  s.name = text(p, "name");
  s.configured = flag(p, "configured");
  s.available = flag(p, "available", true);
  s.unavailable_reason = text(p, "unavailable_reason");
  s.retry_after_seconds = optional_number(p, "retry_after_seconds");
  s.requests_minute.used = number(p, "requests_this_minute");
  s.requests_day.used = number(p, "requests_today");
  s.tokens_minute.used = number(p, "tokens_this_minute");
  s.tokens_day.used = number(p, "tokens_used_today");
  if (const auto* limits = member(p, "limits"); limits != nullptr) {
    s.requests_minute.limit = optional_number(*limits, "requests_per_minute");
    s.requests_day.limit = optional_number(*limits, "requests_per_day");
    s.tokens_minute.limit = optional_number(*limits, "tokens_per_minute");
    s.tokens_day.limit = optional_number(*limits, "tokens_per_day");
  }
  s.cooldown_until = number(p, "cooldown_until");
  s.key_failing = flag(p, "key_failing");
  s.day_reset_timezone = text(p, "day_reset_timezone");
  s.seconds_until_day_reset = seconds_until_midnight(s.day_reset_timezone, now_ms);
  if (const auto* models = member(p, "models"); models != nullptr && models->IsArray()) {
    s.route_count = static_cast<int>(models->Size());
  }
  return s;
}

diagnosis_report report_of(const json& r) {
  diagnosis_report out;
  out.run_id = text(r, "run_id");
  out.started_at = text(r, "started_at");
  out.checked_at = text(r, "checked_at");
  if (const auto* providers = member(r, "providers"); providers && providers->IsArray()) {
    for (const auto& p : providers->GetArray()) {
      diagnosis_provider d;
      d.provider = text(p, "provider_name");
      d.configured = flag(p, "configured");
      d.ok = flag(p, "ok");
      d.discovered_models = number(p, "discovered_model_count");
      d.new_routes = number(p, "new_route_suggestion_count");
      d.confirmed_routes = number(p, "confirmed_route_count");
      d.stale_routes = number(p, "stale_route_suggestion_count");
      d.recovered_routes = number(p, "recovered_route_suggestion_count");
      d.error = text(p, "error");
      out.providers.push_back(std::move(d));
    }
  }
  if (const auto* suggestions = member(r, "suggestions"); suggestions && suggestions->IsArray()) {
    for (const auto& s : suggestions->GetArray()) {
      diagnosis_suggestion d;
      d.id = text(s, "suggestion_id");
      d.action = text(s, "action");
      d.provider = text(s, "provider_name");
      d.model_id = text(s, "model_id");
      d.route_id = text(s, "route_id");
      d.title = text(s, "title");
      d.details = text(s, "details");
      out.suggestions.push_back(std::move(d));
    }
  }
  return out;
}

bool parse(rapidjson::Document& doc, std::string_view body) {
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  return !doc.HasParseError();
}

} // namespace

error unexpected_body(std::string_view what) {
  return error{"protocol_error", {}, "the gateway's answer is not " + std::string(what), 0};
}

result<std::vector<model_info>> parse_models(std::string_view body) {
  rapidjson::Document doc;
  const json* data = parse(doc, body) ? data_array(doc) : nullptr;
  if (data == nullptr) {
    return unexpected_body("a model catalog");
  }
  std::vector<model_info> out;
  for (const auto& r : data->GetArray()) {
    out.push_back(model_of(r));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const model_info& a, const model_info& b) { return a.rank < b.rank; });
  return out;
}

result<std::vector<provider_status>> parse_status(std::string_view body, int64_t now_ms) {
  rapidjson::Document doc;
  const json* data = parse(doc, body) ? data_array(doc) : nullptr;
  if (data == nullptr) {
    return unexpected_body("a provider status list");
  }
  std::vector<provider_status> out;
  for (const auto& p : data->GetArray()) {
    out.push_back(provider_of(p, now_ms));
  }
  return out;
}

result<diagnosis_state> parse_diagnosis(std::string_view body) {
  rapidjson::Document doc;
  if (!parse(doc, body) || !doc.IsObject()) {
    return unexpected_body("a diagnosis state");
  }
  diagnosis_state s;
  s.enabled = flag(doc, "enabled");
  s.running = flag(doc, "running");
  s.run_id = text(doc, "run_id");
  if (const auto* report = member(doc, "last_report"); report && report->IsObject()) {
    s.last_report = report_of(*report);
  }
  return s;
}

result<std::string> parse_diagnosis_started(std::string_view body) {
  rapidjson::Document doc;
  if (!parse(doc, body) || !doc.IsObject() || member(doc, "run_id") == nullptr) {
    return unexpected_body("a started diagnosis run");
  }
  return text(doc, "run_id");
}

} // namespace freerouter::detail
