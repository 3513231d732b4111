#include "client/src/request_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace freerouter::detail {

error invalid_request(std::string message) {
  return error{"invalid_request", "invalid_request_error", std::move(message), 400};
}

result<std::string> chat_request_json(const std::vector<message>& messages,
                                      const chat_params& params, bool stream) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto text = [&a](const std::string& s) {
    return rapidjson::Value(s.c_str(), s.size(), a);
  };
  doc.AddMember("model", text(params.model.empty() ? "auto" : params.model), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& m : messages) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("role", text(m.role), a);
    item.AddMember("content", text(m.content), a);
    list.PushBack(item, a);
  }
  doc.AddMember("messages", list, a);
  if (params.temperature) {
    doc.AddMember("temperature", *params.temperature, a);
  }
  if (params.max_tokens) {
    doc.AddMember("max_tokens", static_cast<int64_t>(*params.max_tokens), a);
  }
  if (!params.extra_json.empty()) {
    rapidjson::Document extra;
    extra.Parse(params.extra_json.data(), params.extra_json.size());
    if (extra.HasParseError() || !extra.IsObject()) {
      return invalid_request("chat_params.extra_json must be a JSON object");
    }
    for (auto& member : extra.GetObject()) {
      doc.EraseMember(member.name);
      doc.AddMember(rapidjson::Value(member.name, a), rapidjson::Value(member.value, a), a);
    }
  }
  doc.EraseMember("stream");
  if (stream) {
    doc.AddMember("stream", true, a);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

} // namespace freerouter::detail
