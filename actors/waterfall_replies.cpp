#include "actors/waterfall_replies.hpp"

#include "http/openai/error_body.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::actors {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_attempts(json_writer& w, const std::vector<attempt_record>& attempts) {
  w.StartArray();
  for (const auto& a : attempts) {
    w.StartObject();
    w.Key("provider_name");
    w.String(a.provider_name);
    w.Key("status");
    w.String(a.status);
    w.Key("reason");
    if (a.reason.empty()) {
      w.Null();
    } else {
      w.String(a.reason);
    }
    w.Key("status_code");
    if (a.status_code == 0) {
      w.Null();
    } else {
      w.Int(a.status_code);
    }
    w.Key("route_id");
    w.String(a.route_id);
    w.Key("model_id");
    w.String(a.model_id);
    w.EndObject();
  }
  w.EndArray();
}

/// Extracts error.message / error.type / error.code from an OpenAI-style error body.
struct upstream_error_fields {
  std::string message;
  std::string type;
  std::string code;
};

upstream_error_fields parse_upstream_error(std::string_view body) {
  upstream_error_fields out;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return out;
  }
  const rapidjson::Value* err = &doc;
  if (auto it = doc.FindMember("error"); it != doc.MemberEnd()) {
    if (it->value.IsString()) {
      out.message = it->value.GetString();
      return out;
    }
    if (it->value.IsObject()) {
      err = &it->value;
    }
  }
  auto text = [&](const char* key) -> std::string {
    auto it = err->FindMember(key);
    if (it == err->MemberEnd()) {
      return {};
    }
    if (it->value.IsString()) {
      return it->value.GetString();
    }
    if (it->value.IsInt64()) {
      return std::to_string(it->value.GetInt64());
    }
    return {};
  };
  out.message = text("message");
  out.type = text("type");
  out.code = text("code");
  return out;
}

} // namespace

std::string attempts_json(const std::vector<attempt_record>& attempts) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  write_attempts(w, attempts);
  return {buffer.GetString(), buffer.GetSize()};
}

chat_reply success_reply(const chat_job& job, const candidate& winner, std::string body) {
  chat_reply reply;
  reply.status = 200;
  reply.body = std::move(body);
  reply.headers = {
    {"X-Gateway-Provider", winner.provider_name},
    {"X-Gateway-Route", winner.route_id},
    {"X-Gateway-Model", winner.model_id},
    {"X-Gateway-Attempts", std::to_string(job.upstream_calls)},
  };
  return reply;
}

chat_reply exhausted_reply(const chat_job& job, int64_t now_ms) {
  chat_reply reply;
  reply.status = 503;
  reply.body =
    openai::error_json("No configured provider is currently available", "provider_unavailable",
                       "waterfall_exhausted", {}, "\"attempts\":" + attempts_json(job.attempts));
  if (job.earliest_retry_ms > now_ms) {
    auto seconds = (job.earliest_retry_ms - now_ms + 999) / 1000;
    reply.headers.emplace_back("Retry-After", std::to_string(seconds));
  }
  reply.headers.emplace_back("X-Gateway-Attempts", std::to_string(job.upstream_calls));
  return reply;
}

chat_reply deadline_reply(const chat_job& job, int64_t deadline_seconds) {
  chat_reply reply;
  reply.status = 504;
  reply.body = openai::error_json("The request deadline of " + std::to_string(deadline_seconds)
                                    + " s elapsed before any route answered",
                                  "timeout", "request_deadline_exceeded", {},
                                  "\"attempts\":" + attempts_json(job.attempts));
  reply.headers.emplace_back("X-Gateway-Attempts", std::to_string(job.upstream_calls));
  return reply;
}

chat_reply caller_error_reply(const chat_job& job, const candidate& route, int status,
                              std::string_view upstream_body) {
  auto fields = parse_upstream_error(upstream_body);
  if (fields.message.empty()) {
    fields.message = route.provider_name + " returned HTTP " + std::to_string(status);
  }
  chat_reply reply;
  reply.status = status;
  reply.body = openai::error_json(
    fields.message, fields.type.empty() ? "invalid_request_error" : fields.type,
    fields.code.empty() ? "upstream_rejected_request" : fields.code, {},
    "\"provider\":\"" + route.provider_name + "\",\"attempts\":" + attempts_json(job.attempts));
  reply.headers = {
    {"X-Gateway-Provider", route.provider_name},
    {"X-Gateway-Route", route.route_id},
    {"X-Gateway-Model", route.model_id},
    {"X-Gateway-Attempts", std::to_string(job.upstream_calls)},
  };
  return reply;
}

std::string model_list_json(const catalog::model_catalog& catalog, std::string_view alias,
                            int64_t created) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("data");
  w.StartArray();
  auto entry = [&](std::string_view id, std::string_view owner) {
    w.StartObject();
    w.Key("id");
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("object");
    w.String("model");
    w.Key("created");
    w.Int64(created);
    w.Key("owned_by");
    w.String(owner.data(), static_cast<rapidjson::SizeType>(owner.size()));
    w.EndObject();
  };
  entry(alias, "freerouter");
  for (const auto& r : catalog.all()) {
    if (r.enabled) {
      entry(r.route_id, r.provider_name);
    }
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace gw::actors
