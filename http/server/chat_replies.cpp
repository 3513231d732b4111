#include "http/server/chat_replies.hpp"

#include "catalog/ids.hpp"
#include "core/append.hpp"
#include "http/openai/error_body.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

namespace gw::server {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_attempts(json_writer& w, const std::vector<catalog::attempt_record>& attempts) {
  w.StartArray();
  for (const auto& a : attempts) {
    w.StartObject();
    w.Key("provider_name");
    w.String(a.route->provider_name);
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
    w.String(a.route->route_id);
    w.Key("model_id");
    w.String(a.route->model_id);
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

std::string attempts_json(const std::vector<catalog::attempt_record>& attempts) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  write_attempts(w, attempts);
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

constexpr std::string_view exhausted_message = "No configured provider is currently available";

/// The route that answered (served, caller error, streamed), or null.
const catalog::route_ref* route_of(const actors::chat_outcome& outcome) {
  if (const auto* served = std::get_if<actors::chat_served>(&outcome)) {
    return served->route.get();
  }
  if (const auto* refused = std::get_if<actors::chat_caller_error>(&outcome)) {
    return refused->route.get();
  }
  if (const auto* streamed = std::get_if<actors::chat_streamed>(&outcome)) {
    return streamed->route.get();
  }
  return nullptr;
}

/// The X-Gateway-* fields of an answer as header lines: the route (when one answered), the
/// upstream calls made and the request id. A value that could split the head (ids are checked
/// where they come in) is left out, as response_head does for its headers.
std::string gateway_head_lines(const catalog::route_ref* route, const actors::chat_job& job) {
  text_buffer<512> lines;
  auto add = [&lines](std::string_view name, std::string_view value) {
    if (catalog::header_safe(value)) {
      lines.add({name, ": ", value, "\r\n"});
    }
  };
  if (route != nullptr) {
    add("X-Gateway-Provider", route->provider_name);
    add("X-Gateway-Route", route->route_id);
    add("X-Gateway-Model", route->model_id);
  }
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, job.upstream_calls);
  add("X-Gateway-Attempts", {digits, static_cast<size_t>(end - digits)});
  add("X-Gateway-Request-Id", job.request_id);
  return std::move(lines).str();
}

std::string deadline_message(int64_t deadline_seconds) {
  return "The request deadline of " + std::to_string(deadline_seconds)
         + " s elapsed before any route answered";
}

std::string caller_error_message(const actors::chat_caller_error& e,
                                 const upstream_error_fields& fields) {
  if (!fields.message.empty()) {
    return fields.message;
  }
  return e.route->provider_name + " returned HTTP " + std::to_string(e.status);
}

struct response_builder {
  const actors::chat_job& job;

  server_response operator()(actors::chat_served& s) const {
    server_response res;
    res.status = 200;
    res.body = std::move(s.body);
    return res;
  }
  server_response operator()(const actors::chat_exhausted& e) const {
    server_response res;
    res.status = 503;
    std::string extra = "\"attempts\":" + attempts_json(job.attempts);
    if (e.retry_at_ms > e.at_ms) {
      auto seconds = std::to_string((e.retry_at_ms - e.at_ms + 999) / 1000);
      extra += ",\"retry_after\":" + seconds;
      res.headers.emplace_back("Retry-After", std::move(seconds));
    }
    res.body = openai::error_json(exhausted_message, "provider_unavailable", "waterfall_exhausted",
                                  {}, extra);
    return res;
  }
  server_response operator()(const actors::chat_deadline& d) const {
    server_response res;
    res.status = 504;
    res.body = openai::error_json(deadline_message(d.deadline_seconds), "timeout",
                                  "request_deadline_exceeded", {},
                                  "\"attempts\":" + attempts_json(job.attempts));
    return res;
  }
  server_response operator()(const actors::chat_caller_error& e) const {
    auto fields = parse_upstream_error(e.upstream_body);
    server_response res;
    res.status = e.status;
    res.body = openai::error_json(
      caller_error_message(e, fields), fields.type.empty() ? "invalid_request_error" : fields.type,
      fields.code.empty() ? "upstream_rejected_request" : fields.code, {},
      R"("provider":")" + e.route->provider_name + R"(","attempts":)"
        + attempts_json(job.attempts));
    return res;
  }
  server_response operator()(const actors::chat_streamed&) const {
    server_response res;
    res.status = 200;
    return res;
  }
};

struct message_builder {
  std::string operator()(const actors::chat_served&) const {
    return {};
  }
  std::string operator()(const actors::chat_exhausted&) const {
    return "All providers exhausted. No model could serve this request.";
  }
  std::string operator()(const actors::chat_deadline& d) const {
    return deadline_message(d.deadline_seconds);
  }
  std::string operator()(const actors::chat_caller_error& e) const {
    return caller_error_message(e, parse_upstream_error(e.upstream_body));
  }
  std::string operator()(const actors::chat_streamed&) const {
    return {};
  }
};

struct code_builder {
  std::string operator()(const actors::chat_served&) const {
    return {};
  }
  std::string operator()(const actors::chat_exhausted&) const {
    return "waterfall_exhausted";
  }
  std::string operator()(const actors::chat_deadline&) const {
    return "request_deadline_exceeded";
  }
  std::string operator()(const actors::chat_caller_error& e) const {
    auto code = parse_upstream_error(e.upstream_body).code;
    return code.empty() ? "upstream_rejected_request" : code;
  }
  std::string operator()(const actors::chat_streamed&) const {
    return {};
  }
};

} // namespace

server_response chat_response(actors::chat_outcome& outcome, const actors::chat_job& job) {
  auto res = std::visit(response_builder{job}, outcome);
  res.head_lines = gateway_head_lines(route_of(outcome), job);
  return res;
}

std::string chat_error_message(const actors::chat_outcome& outcome) {
  return std::visit(message_builder{}, outcome);
}

std::string chat_error_code(const actors::chat_outcome& outcome) {
  return std::visit(code_builder{}, outcome);
}

std::string model_list_json(std::string_view alias, const std::vector<catalog::route_ref>& routes,
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
  for (const auto& r : routes) {
    entry(r.route_id, r.provider_name);
  }
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace gw::server
