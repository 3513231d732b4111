#include "catalog/python_text.hpp"

#include "core/utf8.hpp"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace gw::catalog {

namespace {

constexpr int max_depth = 32;

void append_hex_escape(std::string& out, const char* prefix, uint32_t cp, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%s%0*x", prefix, digits, static_cast<unsigned>(cp));
  out += buffer;
}

// repr() of a str: single quotes unless the text holds ' and no ".
void append_string_repr(std::string_view text, std::string& out) {
  bool has_single = text.find('\'') != std::string_view::npos;
  bool has_double = text.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out += quote;
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t len = decode_utf8(text, i, cp);
    if (len == 0) { // not UTF-8: Python would not have got here; keep the byte
      out += text[i++];
      continue;
    }
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad) {
      append_hex_escape(out, "\\x", cp, 2);
    } else if (cp == 0x2028 || cp == 0x2029) {
      append_hex_escape(out, "\\u", cp, 4);
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  out += quote;
}

void append_value(const rapidjson::Value* v, std::string& out, bool repr, int depth) {
  if (v == nullptr || v->IsNull()) {
    out += "None";
  } else if (v->IsBool()) {
    out += v->GetBool() ? "True" : "False";
  } else if (v->IsInt64()) {
    out += std::to_string(v->GetInt64());
  } else if (v->IsUint64()) {
    out += std::to_string(v->GetUint64());
  } else if (v->IsNumber()) {
    out += python_float_repr(v->GetDouble());
  } else if (v->IsString()) {
    std::string_view text{v->GetString(), v->GetStringLength()};
    if (repr) {
      append_string_repr(text, out);
    } else {
      out.append(text);
    }
  } else if (depth >= max_depth) {
    out += "...";
  } else if (v->IsArray()) {
    out += '[';
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      out += i == 0 ? "" : ", ";
      append_value(&(*v)[i], out, true, depth + 1);
    }
    out += ']';
  } else {
    out += '{';
    const char* separator = "";
    for (const auto& m : v->GetObject()) {
      out += separator;
      append_value(&m.name, out, true, depth + 1);
      out += ": ";
      append_value(&m.value, out, true, depth + 1);
      separator = ", ";
    }
    out += '}';
  }
}

} // namespace

void append_python_str(const rapidjson::Value* v, std::string& out) {
  append_value(v, out, false, 0);
}

std::string python_float_repr(double d) {
  if (std::isnan(d)) {
    return "nan";
  }
  if (std::isinf(d)) {
    return d < 0 ? "-inf" : "inf";
  }
  // The shortest %e form that reads back as d: its digits and decimal exponent.
  char buffer[40];
  for (int precision = 0; precision <= 16; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision, d);
    if (std::strtod(buffer, nullptr) == d) {
      break;
    }
  }
  std::string_view text{buffer};
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  auto e_pos = text.find('e');
  int exponent = std::atoi(std::string{text.substr(e_pos + 1)}.c_str());
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') {
      digits += c;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
  }
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      auto int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() < int_len) {
        digits.append(int_len - digits.size(), '0');
      }
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.size() > int_len ? digits.substr(int_len) : "0";
    }
    return out;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char exp_text[16];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  out += exp_text;
  return out;
}

} // namespace gw::catalog
