#include "http/openai/body_splice.hpp"

#include "core/json_text.hpp"

#include <array>

namespace gw::openai {

namespace {

constexpr size_t npos = std::string_view::npos;

/// The bytes that matter while skipping a container: quotes and brackets.
constexpr std::array<bool, 256> structural_bytes() {
  std::array<bool, 256> table{};
  for (unsigned char c : std::string_view("\"{}[]")) {
    table[c] = true;
  }
  return table;
}

constexpr std::array<bool, 256> structural = structural_bytes();

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && json_text::is_space(text[at])) {
    ++at;
  }
  return at;
}

/// At an opening quote: just past the closing one (npos if there is none). `escaped` tells
/// whether the string holds a backslash.
size_t skip_string(std::string_view text, size_t at, bool& escaped) {
  ++at;
  while (at < text.size()) {
    if (text.size() - at >= 16) {
      unsigned plain = json_text::plain_prefix16(text.data() + at);
      at += plain;
      if (plain == 16) {
        continue;
      }
    } else if (!json_text::ends_plain_run(text[at])) {
      ++at;
      continue;
    }
    char c = text[at];
    if (c == '"') {
      return at + 1;
    }
    if (c == '\\') {
      escaped = true;
      at += 2; // the backslash and the character it escapes
    } else {
      ++at; // a control byte: not in a body the parse accepted
    }
  }
  return npos;
}

/// At the first byte of a value: just past it (npos if the text ends first).
size_t skip_value(std::string_view text, size_t at) {
  bool escaped = false;
  if (text[at] == '"') {
    return skip_string(text, at, escaped);
  }
  if (text[at] == '{' || text[at] == '[') {
    int depth = 0;
    while (at < text.size()) {
      if (!structural[static_cast<unsigned char>(text[at])]) {
        ++at;
        continue;
      }
      char c = text[at];
      if (c == '"') {
        at = skip_string(text, at, escaped);
        if (at == npos) {
          return npos;
        }
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return at + 1;
      }
      ++at;
    }
    return npos;
  }
  // A number, true, false or null: up to the next separator.
  while (at < text.size() && text[at] != ',' && text[at] != '}' && text[at] != ']'
         && !json_text::is_space(text[at])) {
    ++at;
  }
  return at;
}

} // namespace

std::optional<text_span> top_level_model_span(std::string_view body) {
  size_t at = skip_space(body, 0);
  if (at >= body.size() || body[at] != '{') {
    return std::nullopt;
  }
  at = skip_space(body, at + 1);
  while (at < body.size() && body[at] != '}') {
    if (body[at] != '"') {
      return std::nullopt;
    }
    bool escaped = false;
    size_t key_end = skip_string(body, at, escaped);
    if (key_end == npos) {
      return std::nullopt;
    }
    bool is_model = !escaped && body.substr(at + 1, key_end - at - 2) == "model";
    at = skip_space(body, key_end);
    if (at >= body.size() || body[at] != ':') {
      return std::nullopt;
    }
    at = skip_space(body, at + 1);
    if (at >= body.size()) {
      return std::nullopt;
    }
    size_t value_begin = at;
    size_t value_end = skip_value(body, at);
    if (value_end == npos) {
      return std::nullopt;
    }
    if (is_model) {
      if (body[value_begin] != '"') {
        return std::nullopt;
      }
      return text_span{value_begin, value_end};
    }
    at = skip_space(body, value_end);
    if (at < body.size() && body[at] == ',') {
      at = skip_space(body, at + 1);
    }
  }
  return std::nullopt;
}

} // namespace gw::openai
