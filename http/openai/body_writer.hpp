// A RapidJSON writer whose strings are escaped eight bytes per step: most of an upstream body
// is message text, and RapidJSON 1.1.0 writes it a byte at a time (its SSE2 path, which we
// cannot use, lets 0x1A-0x1F through unescaped). The output is byte for byte what
// rapidjson::Writer writes (tests/unit/policy/body_writer.cpp).
#pragma once

#include "core/json_text.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstring>

namespace gw::openai {

namespace detail {

/// What a byte is written as: 0 as itself, else the letter after its backslash ('u' for
/// \u00XX), as rapidjson::Writer escapes.
constexpr std::array<char, 256> json_escape_letters() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[c] = 'u';
  }
  table['\b'] = 'b';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\f'] = 'f';
  table['\r'] = 'r';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}

inline constexpr std::array<char, 256> escape_letters = json_escape_letters();

} // namespace detail

class body_writer : public rapidjson::Writer<rapidjson::StringBuffer> {
public:
  using Writer::Writer;

  // NOLINTBEGIN(readability-identifier-naming): RapidJSON's handler concept names. They hide
  // the base's, and Value::Accept calls them through this type.
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/ = false) {
    Prefix(rapidjson::kStringType);
    return EndValue(write_string(text, length));
  }
  bool Key(const char* text, rapidjson::SizeType length, bool copy = false) {
    return String(text, length, copy);
  }
  // NOLINTEND(readability-identifier-naming)

private:
  static char escape(char c) {
    return detail::escape_letters[static_cast<unsigned char>(c)];
  }

  /// Into room reserved for the worst case (every byte \u00XX, as rapidjson::Writer reserves),
  /// the unused rest given back: one capacity check per string.
  bool write_string(const char* text, size_t length) {
    auto& out = *os_;
    size_t room = 2 + length * 6;
    char* start = out.Push(room);
    char* q = start;
    *q++ = '"';
    const char* p = text;
    const char* end = text + length;
    while (p != end) {
      // A run of bytes written as they are: found a word at a time, copied at once.
      const char* run = p;
      while (end - p >= 8) {
        unsigned plain = json_text::plain_prefix(p);
        p += plain;
        if (plain != 8) {
          break;
        }
      }
      while (p != end && escape(*p) == 0) {
        ++p;
      }
      std::memcpy(q, run, static_cast<size_t>(p - run));
      q += p - run;
      if (p == end) {
        break;
      }
      char c = *p++;
      char letter = escape(c);
      *q++ = '\\';
      *q++ = letter;
      if (letter == 'u') {
        static constexpr char hex[] = "0123456789ABCDEF";
        auto byte = static_cast<unsigned char>(c);
        *q++ = '0';
        *q++ = '0';
        *q++ = hex[byte >> 4];
        *q++ = hex[byte & 15];
      }
    }
    *q++ = '"';
    out.Pop(room - static_cast<size_t>(q - start));
    return true;
  }
};

} // namespace gw::openai
