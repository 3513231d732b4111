// A JSON reader for the texts of every request: a NUL-terminated text parsed in place (strings
// decoded where they stand, as RapidJSON's kParseInsituFlag does) and delivered to a RapidJSON
// SAX handler, numbers as their text (kParseNumbersAsStringsFlag). RapidJSON 1.1.0 reads
// strings a byte at a time (its SSE2 path lets 0x1A-0x1F through); this reader skips plain
// runs eight bytes per step. Bytes from 0x80 are taken as they are, not validated.
//
// It accepts exactly what RapidJSON's reader accepts and sends the same events, or gives up:
// read() is false for malformed text, nesting deeper than the limit, a handler that stops,
// and the numbers whose rejection RapidJSON decides by its own arithmetic (an exponent, more
// than 18 integer digits). The caller then reads the original text with RapidJSON, which gives
// the same result or names the error. Used by parse_exact (http/openai/exact_json.cpp) and
// scan_answer (catalog/answer_scan.cpp); both are tested against RapidJSON.
#pragma once

#include "core/json_text.hpp"

#include <rapidjson/rapidjson.h>

#include <cstring>

namespace gw {

template <class Handler>
class insitu_json_reader {
public:
  /// `text`..`end`: the text, `*end` its terminating NUL. `depth_limit`: containers open at
  /// once beyond which it gives up (a bound on its recursion).
  insitu_json_reader(char* text, const char* end, Handler& handler, int depth_limit)
      : p_(text), end_(end), handler_(handler), depth_limit_(depth_limit) {}

  bool read() {
    skip_space();
    if (!value()) {
      return false;
    }
    skip_space();
    return *p_ == '\0';
  }

private:
  static bool is_digit(char c) {
    return c >= '0' && c <= '9';
  }
  void skip_space() {
    while (json_text::is_space(*p_)) {
      ++p_;
    }
  }

  bool value() {
    switch (*p_) {
    case '{':
      return object();
    case '[':
      return array();
    case '"':
      return string(false);
    case 't':
      return literal("true") && handler_.Bool(true);
    case 'f':
      return literal("false") && handler_.Bool(false);
    case 'n':
      return literal("null") && handler_.Null();
    default:
      return number();
    }
  }

  bool literal(const char* word) {
    for (; *word != '\0'; ++word, ++p_) {
      if (*p_ != *word) { // the text's NUL stops it too
        return false;
      }
    }
    return true;
  }

  bool object() {
    if (++depth_ > depth_limit_ || !handler_.StartObject()) {
      return false;
    }
    rapidjson::SizeType members = 0;
    auto member = [this] {
      if (*p_ != '"' || !string(true)) {
        return false;
      }
      skip_space();
      if (*p_ != ':') {
        return false;
      }
      ++p_;
      skip_space();
      return value();
    };
    if (!sequence<'}'>(member, members)) {
      return false;
    }
    --depth_;
    return handler_.EndObject(members);
  }

  bool array() {
    if (++depth_ > depth_limit_ || !handler_.StartArray()) {
      return false;
    }
    rapidjson::SizeType elements = 0;
    if (!sequence<']'>([this] { return value(); }, elements)) {
      return false;
    }
    --depth_;
    return handler_.EndArray(elements);
  }

  /// At the opening bracket: `item`s separated by commas up to `Close`, counted.
  template <char Close, class Item>
  bool sequence(Item item, rapidjson::SizeType& count) {
    ++p_;
    skip_space();
    if (*p_ != Close) {
      for (;;) {
        if (!item()) {
          return false;
        }
        ++count;
        skip_space();
        if (*p_ == Close) {
          break;
        }
        if (*p_ != ',') {
          return false;
        }
        ++p_;
        skip_space();
      }
    }
    ++p_;
    return true;
  }

  /// At the opening quote. Decodes in place: the decoded text is never longer than its source,
  /// so it is written behind the reading position, and NUL-terminated as RapidJSON's are.
  bool string(bool is_key) {
    ++p_;
    char* start = p_;
    char* out = p_; // == p_ until the first escape
    for (;;) {
      const char* run = p_;
      // Sixteen bytes a step where sixteen remain: one step costs about what three bytes one
      // by one do, and the keys and ids of an answer average ~8 bytes (callgrind: ~25
      // instructions fewer per string).
      skip_plain_words();
      while (!ends_run(*p_)) {
        ++p_;
      }
      if (out != run) {
        std::memmove(out, run, static_cast<size_t>(p_ - run));
      }
      out += p_ - run;
      if (*p_ == '"') {
        ++p_;
        *out = '\0';
        auto length = static_cast<rapidjson::SizeType>(out - start);
        return is_key ? handler_.Key(start, length, false) : handler_.String(start, length, false);
      }
      if (*p_ != '\\' || !escape(out)) {
        return false; // a control character, the end of the text, or a bad escape
      }
    }
  }

  static bool ends_run(char c) {
    return json_text::ends_plain_run(c);
  }

  /// Sixteen bytes per step while sixteen remain, then eight, while none ends the run.
  void skip_plain_words() {
    while (end_ - p_ >= 16) {
      unsigned plain = json_text::plain_prefix16(p_);
      p_ += plain;
      if (plain != 16) {
        return;
      }
    }
    while (end_ - p_ >= 8) {
      unsigned plain = json_text::plain_prefix(p_);
      p_ += plain;
      if (plain != 8) {
        return;
      }
    }
  }

  /// At a backslash: writes what it stands for at `out`, as RapidJSON decodes it (a high
  /// surrogate only with its low one; a lone low surrogate encoded as it is).
  bool escape(char*& out) {
    ++p_;
    char c = *p_++;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      *out++ = c;
      return true;
    case 'b':
      *out++ = '\b';
      return true;
    case 'f':
      *out++ = '\f';
      return true;
    case 'n':
      *out++ = '\n';
      return true;
    case 'r':
      *out++ = '\r';
      return true;
    case 't':
      *out++ = '\t';
      return true;
    case 'u':
      break;
    default:
      return false;
    }
    unsigned code = 0;
    if (!hex4(code)) {
      return false;
    }
    if (code >= 0xD800 && code <= 0xDBFF) {
      unsigned low = 0;
      if (p_[0] != '\\' || p_[1] != 'u') {
        return false;
      }
      p_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      code = (((code - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
    }
    encode_utf8(code, out);
    return true;
  }

  bool hex4(unsigned& code) {
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return false; // the text's NUL stops it too
      }
      code = code * 16 + digit;
    }
    return true;
  }

  static void encode_utf8(unsigned code, char*& out) {
    if (code < 0x80) {
      *out++ = static_cast<char>(code);
    } else if (code < 0x800) {
      *out++ = static_cast<char>(0xC0 | (code >> 6));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      *out++ = static_cast<char>(0xE0 | (code >> 12));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else {
      *out++ = static_cast<char>(0xF0 | (code >> 18));
      *out++ = static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  /// RapidJSON's grammar; an exponent or more than 18 integer digits gives up (see the top).
  bool number() {
    const char* start = p_;
    if (*p_ == '-') {
      ++p_;
    }
    const char* digits = p_;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (is_digit(*p_)) {
        ++p_;
      }
    } else {
      return false;
    }
    if (p_ - digits > 18) {
      return false;
    }
    if (*p_ == '.') {
      ++p_;
      if (!is_digit(*p_)) {
        return false;
      }
      while (is_digit(*p_)) {
        ++p_;
      }
    }
    if (*p_ == 'e' || *p_ == 'E') {
      return false;
    }
    return handler_.RawNumber(start, static_cast<rapidjson::SizeType>(p_ - start), false);
  }

  char* p_;
  const char* end_;
  Handler& handler_;
  int depth_limit_;
  int depth_ = 0;
};

} // namespace gw
