#include "http/openai/stream_route_events.hpp"

#include "core/utf8.hpp"
#include "http/openai/error_body.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace gw::openai {

namespace {

constexpr int max_python_json_depth = 128;

void append_u_escape(std::string& out, uint32_t unit) {
  static constexpr char hex[] = "0123456789abcdef";
  out.append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    out.push_back(hex[(unit >> shift) & 0xFu]);
  }
}

// Python's float repr: the shortest digits that round-trip, fixed notation for decimal
// exponents -4..15, else d.ddde+XX.
void append_python_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(d)) {
    out.append(d < 0 ? "-Infinity" : "Infinity");
    return;
  }
  if (d == 0) {
    out.append(std::signbit(d) ? "-0.0" : "0.0");
    return;
  }
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) {
      break;
    }
  }
  // buf = [-]D[.DDD]e(+|-)XX
  std::string_view text(buf);
  if (text.front() == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  auto e_pos = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') {
      digits.push_back(c);
    }
  }
  int exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
  auto n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    int point = exponent + 1; // digits before the decimal point
    if (point <= 0) {
      out.append("0.");
      out.append(static_cast<size_t>(-point), '0');
      out.append(digits);
    } else if (point >= n) {
      out.append(digits);
      out.append(static_cast<size_t>(point - n), '0');
      out.append(".0");
    } else {
      out.append(digits, 0, static_cast<size_t>(point));
      out.push_back('.');
      out.append(digits, static_cast<size_t>(point));
    }
    return;
  }
  out.push_back(digits.front());
  if (n > 1) {
    out.push_back('.');
    out.append(digits, 1);
  }
  out.push_back('e');
  out.push_back(exponent < 0 ? '-' : '+');
  auto magnitude = std::to_string(exponent < 0 ? -exponent : exponent);
  if (magnitude.size() < 2) {
    out.push_back('0');
  }
  out.append(magnitude);
}

void append_python_value(std::string& out, const rapidjson::Value& v, int depth) {
  switch (v.GetType()) {
  case rapidjson::kNullType:
    out.append("null");
    return;
  case rapidjson::kFalseType:
    out.append("false");
    return;
  case rapidjson::kTrueType:
    out.append("true");
    return;
  case rapidjson::kNumberType:
    append_json_number(out, v);
    return;
  case rapidjson::kStringType:
    append_python_json_string(out, {v.GetString(), v.GetStringLength()});
    return;
  case rapidjson::kArrayType: {
    if (depth >= max_python_json_depth) {
      out.append("null");
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& item : v.GetArray()) {
      if (!first) {
        out.append(", ");
      }
      first = false;
      append_python_value(out, item, depth + 1);
    }
    out.push_back(']');
    return;
  }
  case rapidjson::kObjectType: {
    if (depth >= max_python_json_depth) {
      out.append("null");
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& m : v.GetObject()) {
      if (!first) {
        out.append(", ");
      }
      first = false;
      append_python_json_string(out, {m.name.GetString(), m.name.GetStringLength()});
      out.append(": ");
      append_python_value(out, m.value, depth + 1);
    }
    out.push_back('}');
    return;
  }
  }
}

// Builds `data: {"type": <type>, <key>: <value>, ...}\n\n` for string-valued fields.
class event_builder {
public:
  explicit event_builder(std::string_view type) {
    out_.append("data: {\"type\": ");
    append_python_json_string(out_, type);
  }

  event_builder& field(std::string_view key, std::string_view value) {
    out_.append(", ");
    append_python_json_string(out_, key);
    out_.append(": ");
    append_python_json_string(out_, value);
    return *this;
  }

  event_builder& raw_field(std::string_view key, std::string_view json) {
    out_.append(", ");
    append_python_json_string(out_, key);
    out_.append(": ");
    out_.append(json);
    return *this;
  }

  std::string done() {
    out_.append("}\n\n");
    return std::move(out_);
  }

private:
  std::string out_;
};

std::string_view default_reason(std::string_view type) {
  if (type == "route_skip") {
    return "route_unavailable";
  }
  if (type == "route_fail") {
    return "provider_error";
  }
  if (type == "route_flagged") {
    return "health_flagged";
  }
  return {};
}

} // namespace

void append_python_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    auto len = decode_utf8(text, i, cp);
    if (len == 0) {
      append_u_escape(out, 0xFFFD);
      ++i;
      continue;
    }
    i += len;
    switch (cp) {
    case '"':
      out.append("\\\"");
      continue;
    case '\\':
      out.append("\\\\");
      continue;
    case '\n':
      out.append("\\n");
      continue;
    case '\r':
      out.append("\\r");
      continue;
    case '\t':
      out.append("\\t");
      continue;
    case '\b':
      out.append("\\b");
      continue;
    case '\f':
      out.append("\\f");
      continue;
    default:
      break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x10000) {
      append_u_escape(out, cp);
    } else {
      uint32_t v = cp - 0x10000;
      append_u_escape(out, 0xD800 + (v >> 10));
      append_u_escape(out, 0xDC00 + (v & 0x3FFu));
    }
  }
  out.push_back('"');
}

void append_json_number(std::string& out, const rapidjson::Value& number) {
  if (number.IsInt64()) {
    out.append(std::to_string(number.GetInt64()));
  } else if (number.IsUint64()) {
    out.append(std::to_string(number.GetUint64()));
  } else if (number.IsNumber()) {
    append_python_float(out, number.GetDouble());
  } else {
    out.append("null");
  }
}

std::string python_json(const rapidjson::Value& value) {
  std::string out;
  append_python_value(out, value, 0);
  return out;
}

std::string route_event(std::string_view type, std::string_view provider, std::string_view model_id,
                        std::string_view route_id, std::string_view reason) {
  event_builder event(type);
  event.field("provider", provider).field("model_id", model_id).field("route_id", route_id);
  if (reason.empty()) {
    reason = default_reason(type);
  }
  if (!reason.empty()) {
    event.field("reason", reason);
  }
  return event.done();
}

std::string content_event(std::string_view text) {
  return event_builder("content").field("text", text).done();
}

std::string usage_event(const std::string& usage_json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(usage_json.data(), usage_json.size());
  std::string usage = "{}";
  if (!doc.HasParseError() && doc.IsObject()) {
    usage = python_json(doc);
  }
  return event_builder("usage").raw_field("usage", usage).done();
}

std::string usage_event(const catalog::usage_counts& usage) {
  return usage_event("{\"prompt_tokens\":" + std::to_string(usage.prompt_tokens)
                     + ",\"completion_tokens\":" + std::to_string(usage.completion_tokens)
                     + ",\"total_tokens\":" + std::to_string(usage.total_tokens) + "}");
}

std::string done_event(std::string_view content, std::string_view provider,
                       std::string_view model_id, std::string_view route_id) {
  return event_builder("done")
    .field("content", content)
    .field("provider", provider)
    .field("model_id", model_id)
    .field("route_id", route_id)
    .done();
}

std::string error_event(std::string_view message, std::string_view code, int status) {
  event_builder event("error");
  event.field("message", message);
  if (!code.empty()) {
    event.field("code", code);
  }
  if (status != 0) {
    event.raw_field("status", std::to_string(status));
  }
  return event.done();
}

std::string stream_interrupted_event(std::string_view message) {
  std::string out = "data: ";
  out.append(error_json(message, "upstream_error", "stream_interrupted"));
  out.append("\n\n");
  return out;
}

} // namespace gw::openai
