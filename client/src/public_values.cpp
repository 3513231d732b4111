// The free functions of the public headers: event names and the result as JSON.
#include "freerouter/client.hpp"
#include "freerouter/types.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace freerouter {

const char* to_string(event_kind kind) {
  switch (kind) {
  case event_kind::route_skip:
    return "route_skip";
  case event_kind::route_trying:
    return "route_trying";
  case event_kind::route_fail:
    return "route_fail";
  case event_kind::route_flagged:
    return "route_flagged";
  case event_kind::route_selected:
    return "route_selected";
  case event_kind::content:
    return "content";
  case event_kind::usage:
    return "usage";
  case event_kind::done:
    return "done";
  }
  return "content";
}

std::string to_json(const chat_result& result) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  text("content", result.content);
  text("provider", result.provider);
  text("route_id", result.route_id);
  text("model_id", result.model_id);
  w.Key("attempts");
  w.Int(result.attempts);
  w.Key("body");
  rapidjson::Document body;
  body.Parse(result.body.data(), result.body.size());
  if (result.body.empty() || body.HasParseError()) {
    w.Null();
  } else {
    body.Accept(w);
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace freerouter
