#include "client/src/answer_json.hpp"

#include <rapidjson/document.h>

namespace freerouter::detail {

namespace {

std::string string_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) {
    return {};
  }
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) {
    return {};
  }
  if (it->value.IsString()) {
    return {it->value.GetString(), it->value.GetStringLength()};
  }
  if (it->value.IsInt64()) {
    return std::to_string(it->value.GetInt64());
  }
  return {};
}

} // namespace

std::string completion_text(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return {};
  }
  auto choices = doc.FindMember("choices");
  if (choices == doc.MemberEnd() || !choices->value.IsArray() || choices->value.Empty()) {
    return {};
  }
  const auto& first = choices->value[0];
  if (!first.IsObject()) {
    return {};
  }
  auto msg = first.FindMember("message");
  if (msg == first.MemberEnd()) {
    return string_member(first, "text");
  }
  auto content = string_member(msg->value, "content");
  if (content.empty()) {
    content = string_member(msg->value, "reasoning_content");
  }
  if (content.empty()) {
    content = string_member(msg->value, "reasoning");
  }
  return content;
}

error error_from_body(std::string_view body, error fallback) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return fallback;
  }
  const rapidjson::Value* err = &doc;
  if (auto it = doc.FindMember("error"); it != doc.MemberEnd()) {
    if (it->value.IsString()) {
      fallback.message = it->value.GetString();
      return fallback;
    }
    if (it->value.IsObject()) {
      err = &it->value;
    }
  } else if (auto detail = string_member(doc, "detail"); !detail.empty()) {
    fallback.message = detail; // FastAPI-style {"detail": ...} (stubs, older gateways)
    return fallback;
  }
  auto message = string_member(*err, "message");
  auto type = string_member(*err, "type");
  auto code = string_member(*err, "code");
  if (!message.empty()) {
    fallback.message = std::move(message);
  }
  if (!type.empty()) {
    fallback.type = std::move(type);
  }
  if (!code.empty()) {
    fallback.code = std::move(code);
  }
  return fallback;
}

} // namespace freerouter::detail
