#include "http/openai/stream_commit.hpp"

#include "http/openai/small_document.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::openai {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

void append_if_string(std::string& out, const rapidjson::Value* v) {
  if (v != nullptr && v->IsString()) {
    out.append(v->GetString(), v->GetStringLength());
  }
}

std::string error_message_of(const rapidjson::Value& error) {
  if (auto* message = member(error, "message"); message != nullptr && message->IsString()) {
    return {message->GetString(), message->GetStringLength()};
  }
  if (error.IsString()) {
    return {error.GetString(), error.GetStringLength()};
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  error.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace

chunk_verdict classify_chunk(std::string_view data, bool require_substantive) {
  chunk_verdict out;
  auto text = trim(data);
  if (text == "[DONE]") {
    out.kind = chunk_kind::done;
    return out;
  }
  // One or two chunks of every stream are read here: the pool starts on the stack.
  small_document<1024> scratch(text.size());
  auto& doc = scratch.get();
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    out.kind = chunk_kind::invalid_json;
    return out;
  }
  if (!doc.IsObject()) {
    out.kind = chunk_kind::noise;
    return out;
  }
  if (auto* usage = member(doc, "usage"); usage != nullptr && usage->IsObject()) {
    out.has_usage = true;
    out.usage = catalog::usage_from_value(doc); // the document read above, not a second parse
  }
  if (auto* error = member(doc, "error"); error != nullptr && !error->IsNull()) {
    out.kind = chunk_kind::error;
    out.error_message = error_message_of(*error);
    return out;
  }
  auto* choices = member(doc, "choices");
  if (choices == nullptr || !choices->IsArray() || choices->Empty()) {
    out.kind = chunk_kind::noise;
    return out;
  }
  const auto& first = (*choices)[0];
  auto* delta = member(first, "delta");
  if (delta != nullptr) {
    append_if_string(out.visible_text, member(*delta, "content"));
    append_if_string(out.visible_text, member(*delta, "reasoning"));
    append_if_string(out.visible_text, member(*delta, "reasoning_content"));
  }
  append_if_string(out.visible_text, member(first, "text"));
  bool has_tool_calls = false;
  if (delta != nullptr) {
    auto* tool_calls = member(*delta, "tool_calls");
    has_tool_calls = tool_calls != nullptr && tool_calls->IsArray() && !tool_calls->Empty();
  }
  bool visible = require_substantive ? !trim(out.visible_text).empty() : !out.visible_text.empty();
  out.kind = has_tool_calls || visible ? chunk_kind::commit : chunk_kind::noise;
  return out;
}

} // namespace gw::openai
