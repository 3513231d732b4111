#include "persistence/minute_json.hpp"

#include <rapidjson/document.h>

#include <algorithm>

namespace gw::persistence {

namespace {

void append_array(std::string& out, const std::vector<int64_t>& values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += std::to_string(values[i]);
  }
  out += ']';
}

/// Integer members of `doc[name]`; false when it is missing or holds anything else.
bool read_array(const rapidjson::Document& doc, const char* name, std::vector<int64_t>& out) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsArray()) {
    return false;
  }
  for (const auto& item : it->value.GetArray()) {
    if (!item.IsInt64()) {
      return false;
    }
    out.push_back(item.GetInt64());
  }
  return true;
}

} // namespace

std::string encode_minute_window(const std::vector<int64_t>& times_ms,
                                 const std::vector<int64_t>& tokens) {
  std::string out = "{\"times_ms\":";
  append_array(out, times_ms);
  out += ",\"tokens\":";
  append_array(out, tokens);
  out += '}';
  return out;
}

minute_window decode_minute_window(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  minute_window window;
  if (doc.HasParseError() || !doc.IsObject() || !read_array(doc, "times_ms", window.times_ms)
      || !read_array(doc, "tokens", window.tokens)) {
    return {};
  }
  auto size = std::min(window.times_ms.size(), window.tokens.size());
  window.times_ms.resize(size);
  window.tokens.resize(size);
  return window;
}

} // namespace gw::persistence
