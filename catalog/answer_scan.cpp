#include "catalog/answer_scan.hpp"

#include "catalog/answer_scan_detail.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace gw::catalog {

namespace {

using answer_scan_detail::after_byte_order_mark;
using answer_scan_detail::conclude;
using answer_scan_detail::findings;
using answer_scan_detail::max_depth;

/// Byte classes of the hand-written pass, one table load per byte.
enum byte_class : uint8_t {
  space = 1,      // JSON whitespace: ' ', '\n', '\r', '\t'
  string_end = 2, // ends a run of plain string bytes: '"', '\\', and every byte below 0x20
};

constexpr std::array<uint8_t, 256> byte_classes() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[c] = string_end;
  }
  table['"'] = string_end;
  table['\\'] = string_end;
  for (unsigned char c : {' ', '\n', '\r', '\t'}) {
    table[c] |= space;
  }
  return table;
}

constexpr std::array<uint8_t, 256> classes = byte_classes();

uint8_t class_of(char c) {
  return classes[static_cast<unsigned char>(c)];
}

/// `key` is `name`: a fixed-size compare the compiler inlines.
template <size_t N>
bool key_is(std::string_view key, const char (&name)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

/// The hand-written pass: a recursive descent over a NUL-terminated text that accepts exactly
/// what RapidJSON's reader accepts with its default flags (no encoding validation), and reads
/// the same facts. It converts only what it can convert exactly as the reader does; anything
/// else sets `unsure` and stops, and the reader decides. Recursion is bounded by max_depth.
/// Callgrind, alone in a loop: a 255-byte completion 3.8k instructions (6.3k through the
/// reader), one with 4 KB of content 15k (75k).
class hand_scan {
public:
  /// `end`: the text's terminating NUL.
  hand_scan(const char* text, const char* end) : p_(text), end_(end) {}

  /// False: malformed, or (with unsure()) left to the reader.
  bool document() {
    skip_space();
    if (*p_ != '{') {
      // Valid or not, it is not an object: not an answer either way.
      return false;
    }
    found_.top_is_object = true;
    if (!object(0, false)) {
      return false;
    }
    skip_space();
    return *p_ == '\0';
  }
  bool unsure() const {
    return unsure_;
  }
  const findings& found() const {
    return found_;
  }

private:
  /// What a value means to classify.
  enum class role : uint8_t { other, first_error, first_usage };

  void skip_space() {
    while ((class_of(*p_) & space) != 0) {
      ++p_;
    }
  }
  static bool is_digit(char c) {
    return c >= '0' && c <= '9';
  }
  bool give_up() {
    unsure_ = true;
    return false;
  }

  /// At '{'; `depth` = containers around it. Members' values may be counts when `is_usage`.
  bool object(int depth, bool is_usage) {
    if (depth >= max_depth) {
      return false;
    }
    ++p_;
    skip_space();
    if (*p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      if (*p_ != '"') {
        return false;
      }
      ++p_;
      std::string_view key;
      bool escaped = false;
      if (!string(key, escaped)) {
        return false;
      }
      skip_space();
      if (*p_ != ':') {
        return false;
      }
      ++p_;
      skip_space();
      bool compared = depth == 0 || is_usage;
      if (compared && escaped) {
        return give_up(); // the key would have to be decoded to be compared
      }
      if (!member_value(depth, compared ? key : std::string_view(), is_usage)) {
        return false;
      }
      skip_space();
      if (*p_ == ',') {
        ++p_;
        skip_space();
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return false;
    }
  }

  /// The value of member `key` ("" when keys at this level do not matter).
  bool member_value(int depth, std::string_view key, bool is_usage) {
    if (depth == 0) {
      if (key_is(key, "error") && !found_.has_error) {
        found_.has_error = true;
        return value(depth + 1, role::first_error, nullptr);
      }
      if (key_is(key, "choices")) {
        found_.has_choices = true;
      } else if (key_is(key, "usage") && !seen_usage_) {
        seen_usage_ = true;
        return value(depth + 1, role::first_usage, nullptr);
      }
      return value(depth + 1, role::other, nullptr);
    }
    int64_t* count = nullptr;
    if (is_usage) {
      take_first(key, "prompt_tokens", found_.usage.prompt_tokens, seen_prompt_, count);
      take_first(key, "completion_tokens", found_.usage.completion_tokens, seen_completion_, count);
      take_first(key, "total_tokens", found_.usage.total_tokens, seen_total_, count);
    }
    return value(depth + 1, role::other, count);
  }

  template <size_t N>
  static void take_first(std::string_view key, const char (&name)[N], int64_t& slot, bool& seen,
                         int64_t*& count) {
    if (!seen && key_is(key, name)) {
      seen = true;
      count = &slot;
    }
  }

  /// Any value; `count` receives it when it is a number.
  bool value(int depth, role r, int64_t* count) {
    if (r == role::first_error) {
      found_.error_not_null = *p_ != 'n'; // anything but null (or malformed: then moot)
    }
    switch (*p_) {
    case '{':
      if (r == role::first_usage) {
        found_.usage.present = true;
      }
      return object(depth, r == role::first_usage);
    case '[':
      return array(depth);
    case '"': {
      ++p_;
      std::string_view text;
      bool escaped = false;
      return string(text, escaped);
    }
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return number(count);
    }
  }

  /// At '['.
  bool array(int depth) {
    if (depth >= max_depth) {
      return false;
    }
    ++p_;
    skip_space();
    if (*p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(depth + 1, role::other, nullptr)) {
        return false;
      }
      skip_space();
      if (*p_ == ',') {
        ++p_;
        skip_space();
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return false;
    }
  }

  bool literal(std::string_view word) {
    for (char c : word) {
      if (*p_ != c) { // the text's NUL stops it too
        return false;
      }
      ++p_;
    }
    return true;
  }

  /// After the opening quote: the raw (undecoded) text up to the closing one.
  bool string(std::string_view& raw, bool& escaped) {
    const char* start = p_;
    for (;;) {
      // Most strings (keys, ids, roles) end within a few bytes: byte by byte first, words
      // only for a long run such as the content.
      const char* words_from = p_ + 16;
      while ((class_of(*p_) & string_end) == 0 && p_ != words_from) {
        ++p_; // bytes from 0x80 too: not validated, as the reader does not
      }
      if (p_ == words_from) {
        skip_plain_words();
        while ((class_of(*p_) & string_end) == 0) {
          ++p_;
        }
      }
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        raw = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        if (!escape()) {
          return false;
        }
        continue;
      }
      return false; // a control character, or the end of the text
    }
  }

  /// Eight bytes per step while eight remain and none of them ends a plain run: each test is
  /// exact for "some byte of the word is ..." (a quote, a backslash, below 0x20).
  void skip_plain_words() {
    constexpr uint64_t ones = 0x0101010101010101ULL;
    constexpr uint64_t highs = 0x8080808080808080ULL;
    while (end_ - p_ >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, p_, sizeof word);
      uint64_t quote = word ^ (ones * '"');
      uint64_t backslash = word ^ (ones * '\\');
      uint64_t found = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)
                       | ((word - ones * 0x20) & ~word);
      if ((found & highs) != 0) {
        return;
      }
      p_ += 8;
    }
  }

  /// At a backslash: the reader's escapes, a high surrogate only with its low one.
  bool escape() {
    ++p_;
    switch (*p_) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      ++p_;
      return true;
    case 'u':
      break;
    default:
      return false;
    }
    ++p_;
    unsigned code = 0;
    if (!hex4(code)) {
      return false;
    }
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (p_[0] != '\\' || p_[1] != 'u') {
        return false;
      }
      p_ += 2;
      unsigned low = 0;
      return hex4(low) && low >= 0xDC00 && low <= 0xDFFF;
    }
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

  /// A number in the reader's grammar. Converted here only as a plain integer of up to 18
  /// digits, which the reader holds exactly too; an exponent (the reader may call it too big),
  /// a longer integer or a fraction where a count is read are left to the reader.
  bool number(int64_t* count) {
    bool minus = *p_ == '-';
    if (minus) {
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
    auto integer_digits = p_ - digits;
    bool fraction = *p_ == '.';
    if (fraction) {
      ++p_;
      if (!is_digit(*p_)) {
        return false;
      }
      while (is_digit(*p_)) {
        ++p_;
      }
    }
    if (*p_ == 'e' || *p_ == 'E' || integer_digits > 18 || (fraction && count != nullptr)) {
      return give_up();
    }
    if (count != nullptr) {
      int64_t value = 0;
      for (const char* d = digits; d != digits + integer_digits; ++d) {
        value = value * 10 + (*d - '0');
      }
      *count = minus ? 0 : value; // negative counts clamp to 0
    }
    return true;
  }

  const char* p_;
  const char* end_;
  findings found_;
  bool unsure_ = false;
  bool seen_usage_ = false;
  bool seen_prompt_ = false;
  bool seen_completion_ = false;
  bool seen_total_ = false;
};

} // namespace

std::optional<answer_facts> scan_answer_by_hand(const std::string& body) {
  hand_scan scan(after_byte_order_mark(body), body.c_str() + body.size());
  if (scan.document()) {
    return conclude(scan.found());
  }
  if (scan.unsure()) {
    return std::nullopt;
  }
  return answer_facts{};
}

answer_facts scan_answer(const std::string& body) {
  if (auto facts = scan_answer_by_hand(body)) {
    return *facts;
  }
  return scan_answer_with_reader(body);
}

} // namespace gw::catalog
