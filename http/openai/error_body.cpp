#include "http/openai/error_body.hpp"

#include "core/utf8.hpp"

#include <cstdint>

namespace gw::openai {

namespace {

constexpr std::string_view replacement_char = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  uint32_t cp = 0;
  return decode_utf8(text, i, cp);
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (auto len = utf8_sequence_length(text, i); len > 0) {
        out.append(text.substr(i, len));
        i += len;
      } else {
        out.append(replacement_char);
        ++i;
      }
      continue;
    }
    switch (c) {
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '\t':
      out.append("\\t");
      break;
    case '\b':
      out.append("\\b");
      break;
    case '\f':
      out.append("\\f");
      break;
    default:
      if (c < 0x20) {
        out.append("\\u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    ++i;
  }
  out.push_back('"');
}

std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param, std::string_view extra_fields_json) {
  std::string out;
  out.reserve(64 + message.size() + type.size() + code.size() + param.size()
              + extra_fields_json.size());
  out.append(R"({"error":{"message":)");
  append_json_string(out, message);
  out.append(R"(,"type":)");
  append_json_string(out, type);
  out.append(R"(,"code":)");
  if (code.empty()) {
    out.append("null");
  } else {
    append_json_string(out, code);
  }
  out.append(R"(,"param":)");
  if (param.empty()) {
    out.append("null");
  } else {
    append_json_string(out, param);
  }
  if (!extra_fields_json.empty()) {
    out.push_back(',');
    out.append(extra_fields_json);
  }
  out.append("}}");
  return out;
}

} // namespace gw::openai
