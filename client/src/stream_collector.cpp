#include "client/src/stream_collector.hpp"

#include <rapidjson/document.h>

#include <map>

namespace freerouter::detail {

namespace {

std::string text(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) {
    return {};
  }
  return {it->value.GetString(), it->value.GetStringLength()};
}

int64_t number(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

std::optional<event_kind> kind_of(const std::string& type) {
  static const std::map<std::string, event_kind> kinds = {
    {"route_skip", event_kind::route_skip},
    {"route_trying", event_kind::route_trying},
    {"route_fail", event_kind::route_fail},
    {"route_flagged", event_kind::route_flagged},
    {"route_selected", event_kind::route_selected},
    {"content", event_kind::content},
    {"usage", event_kind::usage},
    {"done", event_kind::done},
  };
  auto it = kinds.find(type);
  return it == kinds.end() ? std::nullopt : std::optional<event_kind>(it->second);
}

} // namespace

parsed_event parse_stream_event(std::string_view json) {
  parsed_event out;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return out;
  }
  auto type = text(doc, "type");
  if (type == "error") {
    auto code = text(doc, "code");
    out.failure = error{code.empty() ? "stream_error" : code,
                        {},
                        text(doc, "message"),
                        static_cast<int>(number(doc, "status"))};
    return out;
  }
  auto kind = kind_of(type);
  if (!kind) {
    return out;
  }
  stream_event e;
  e.kind = *kind;
  e.provider = text(doc, "provider");
  e.route_id = text(doc, "route_id");
  e.model_id = text(doc, "model_id");
  e.reason = text(doc, "reason");
  e.text = text(doc, *kind == event_kind::done ? "content" : "text");
  if (auto usage = doc.FindMember("usage"); usage != doc.MemberEnd() && usage->value.IsObject()) {
    e.prompt_tokens = number(usage->value, "prompt_tokens");
    e.completion_tokens = number(usage->value, "completion_tokens");
    e.total_tokens = number(usage->value, "total_tokens");
  }
  out.event = std::move(e);
  return out;
}

bool stream_collector::feed(std::string_view json) {
  if (ended_) {
    return false;
  }
  auto parsed = parse_stream_event(json);
  if (parsed.failure) {
    fail(std::move(*parsed.failure));
    return false;
  }
  if (!parsed.event) {
    return true;
  }
  const auto& e = *parsed.event;
  switch (e.kind) {
  case event_kind::route_trying:
    ++result_.attempts;
    break;
  case event_kind::route_selected:
    result_.provider = e.provider;
    result_.route_id = e.route_id;
    result_.model_id = e.model_id;
    break;
  case event_kind::done:
    result_.content = e.text;
    done_ = true;
    ended_ = true;
    break;
  default:
    break;
  }
  if (on_event_) {
    on_event_(e);
  }
  return !ended_;
}

void stream_collector::fail(error e) {
  if (!ended_) {
    failure_ = std::move(e);
    ended_ = true;
  }
}

result<chat_result> stream_collector::finish(std::string_view cut_reason) {
  if (failure_) {
    return *failure_;
  }
  if (!done_) {
    return error{"stream_interrupted",
                 {},
                 "the stream ended before its done event: " + std::string(cut_reason),
                 0};
  }
  return result_;
}

} // namespace freerouter::detail
