#include "http/upstream/header_fields.hpp"

#include "core/append.hpp"

#include <algorithm>
#include <array>

namespace gw::upstream {

namespace {

/// RFC 9110 tchar: letters, digits and "!#$%&'*+-.^_`|~". A table: every request's method and
/// header names are checked, a byte per lookup.
constexpr std::array<bool, 256> token_chars() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[c] = true;
  }
  return table;
}

constexpr std::array<bool, 256> token_char = token_chars();

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

} // namespace

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return token_char[static_cast<unsigned char>(c)];
  });
}

bool is_safe_value(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_reserved_header(std::string_view name) {
  return iequals(name, "host") || iequals(name, "content-length") || iequals(name, "connection")
         || iequals(name, "transfer-encoding") || iequals(name, "keep-alive");
}

std::optional<header_block> header_block::render(const catalog::header_list& fields) {
  text_buffer<1024> lines;
  for (const auto& [name, value] : fields) {
    if (!is_token(name) || !is_safe_value(value)) {
      return std::nullopt;
    }
    if (!is_reserved_header(name)) {
      lines.add({name, ": ", value, "\r\n"});
    }
  }
  return header_block{std::make_shared<std::string>(std::move(lines).str())};
}

} // namespace gw::upstream
