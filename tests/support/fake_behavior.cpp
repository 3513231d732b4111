#include "tests/support/fake_behavior.hpp"

#include <cstdlib>

namespace gw::fake {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

behavior_kind kind_of(std::string_view name) {
  if (name == "ok") {
    return behavior_kind::ok;
  }
  if (name == "status") {
    return behavior_kind::status;
  }
  if (name == "garbage") {
    return behavior_kind::garbage;
  }
  if (name == "truncated") {
    return behavior_kind::truncated;
  }
  if (name == "reset") {
    return behavior_kind::reset;
  }
  if (name == "stall") {
    return behavior_kind::stall;
  }
  if (name == "stream") {
    return behavior_kind::stream;
  }
  if (name == "empty_stream") {
    return behavior_kind::empty_stream;
  }
  if (name == "endless_chunked") {
    return behavior_kind::endless_chunked;
  }
  if (name == "endless_headers") {
    return behavior_kind::endless_headers;
  }
  if (name == "huge_sse_line") {
    return behavior_kind::huge_sse_line;
  }
  return behavior_kind::unknown;
}

} // namespace

std::optional<std::string_view> behavior::get(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

long long behavior::get_int(std::string_view key, long long fallback) const {
  auto value = get(key);
  if (!value || value->empty()) {
    return fallback;
  }
  std::string text(*value);
  char* end = nullptr;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  return (end != nullptr && *end == '\0') ? parsed : fallback;
}

bool behavior::flag(std::string_view key) const {
  auto value = get(key);
  return value && *value != "0" && *value != "false";
}

behavior parse_behavior(std::string_view model) {
  behavior out;
  bool first = true;
  while (true) {
    auto semi = model.find(';');
    auto segment = model.substr(0, semi);
    auto eq = segment.find('=');
    std::string key(segment.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "1" : percent_decode(segment.substr(eq + 1));
    if (first) {
      first = false;
      if (eq == std::string_view::npos) {
        out.name = key;
      } else if (key == "status") { // "status=429" shorthand
        out.name = key;
        out.params.emplace_back("code", value);
      } else { // "delay_ms=100" alone means ok with a parameter
        out.name = "ok";
        out.params.emplace_back(std::move(key), std::move(value));
      }
    } else if (!key.empty()) {
      out.params.emplace_back(std::move(key), std::move(value));
    }
    if (semi == std::string_view::npos) {
      break;
    }
    model.remove_prefix(semi + 1);
  }
  out.kind = kind_of(out.name);
  return out;
}

} // namespace gw::fake
