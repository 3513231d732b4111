// Reads a 2xx body in one pass without building a document (see answer_scan.hpp): first with
// the project's in-place reader (core/insitu_json_reader.hpp), then, where that reader gives
// up (a malformed body, an exponent, a long integer, a fraction in a count), with RapidJSON's
// SAX reader. Both send their events to one handler, so they read the same facts.
// Callgrind, alone in a loop: a 255-byte completion 4.4k instructions (6.3k through
// RapidJSON), one with 4 KB of content 16k (75k).
#include "catalog/answer_scan.hpp"

#include "core/insitu_json_reader.hpp"

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace gw::catalog {

namespace {

/// Containers may nest this deep: both readers recurse, and stop here long before the stack
/// could run out; no real answer nests this deep, so such a body is malformed.
constexpr int max_depth = 128;

/// `key` is `name`: a fixed-size compare the compiler inlines.
template <size_t N>
bool key_is(std::string_view key, const char (&name)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

/// What the handler found, before it is turned into answer_facts.
struct findings {
  bool top_is_object = false;
  bool error_not_null = false;
  bool has_error = false;
  bool has_choices = false;
  usage_counts usage;
};

answer_facts conclude(const findings& found) {
  answer_facts facts;
  facts.is_answer = found.top_is_object && !(found.error_not_null && !found.has_choices);
  if (facts.is_answer) {
    facts.usage = found.usage;
    if (facts.usage.present && facts.usage.total_tokens == 0) {
      facts.usage.total_tokens = facts.usage.prompt_tokens + facts.usage.completion_tokens;
    }
  }
  return facts;
}

/// The SAX handler: whether the body is a JSON object, its first "error" member (null or
/// not), whether it has "choices", and the counts of its first "usage" object. The same
/// answers as reading a parsed document with FindMember/HasMember (first occurrence wins).
class answer_handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, answer_handler> {
public:
  findings found;

  bool StartObject() {
    if (depth_ >= max_depth) {
      return false;
    }
    if (depth_ == 0) {
      found.top_is_object = true;
    } else if (depth_ == 1 && member_ == member::usage) {
      found.usage.present = true;
      in_usage_ = true;
    }
    enter();
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    leave();
    return true;
  }
  bool StartArray() {
    if (depth_ >= max_depth) {
      return false;
    }
    enter();
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    leave();
    return true;
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    std::string_view key(text, length);
    member_ = member::other;
    if (depth_ == 1) {
      if (!found.has_error && key_is(key, "error")) {
        found.has_error = true;
        member_ = member::error;
      } else if (key_is(key, "choices")) {
        found.has_choices = true;
      } else if (!seen_usage_ && key_is(key, "usage")) {
        seen_usage_ = true;
        member_ = member::usage;
      }
    } else if (depth_ == 2 && in_usage_) {
      count_ = nullptr;
      take_first(key, "prompt_tokens", found.usage.prompt_tokens, seen_prompt_);
      take_first(key, "completion_tokens", found.usage.completion_tokens, seen_completion_);
      take_first(key, "total_tokens", found.usage.total_tokens, seen_total_);
    }
    return true;
  }
  bool Null() {
    return scalar(false);
  }
  bool Int(int value) {
    return number(value);
  }
  bool Uint(unsigned value) {
    return number(value);
  }
  bool Int64(int64_t value) {
    return number(value);
  }
  bool Uint64(uint64_t value) {
    return value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? Double(static_cast<double>(value))
             : number(static_cast<int64_t>(value));
  }
  bool Double(double value) {
    // Counts above 2^53 are not real token counts; clamp rather than overflow.
    if (!std::isfinite(value) || value <= 0) {
      return number(0);
    }
    return number(value >= 9.0e15 ? int64_t{9'000'000'000'000'000} : static_cast<int64_t>(value));
  }
  /// Strings and booleans: not a count, and (for "error") not null.
  bool Default() {
    return scalar(true);
  }
  /// From insitu_json_reader, which sends a number as its text: an integer of at most 18
  /// digits (it gives up on longer ones and on exponents), or a fraction. A fraction where a
  /// count is read stops the pass, so that RapidJSON converts it (its rounding, not strtod's).
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    std::string_view digits(text, length);
    if (digits.find('.') != std::string_view::npos) {
      return count_ == nullptr && scalar(true);
    }
    bool minus = digits.front() == '-';
    int64_t value = 0;
    for (char digit : digits.substr(minus ? 1 : 0)) {
      value = value * 10 + (digit - '0');
    }
    return number(minus ? -value : value);
  }

private:
  enum class member : uint8_t { other, error, usage };

  void enter() {
    if (depth_ == 1 && member_ == member::error) {
      found.error_not_null = true; // an object or array
    }
    ++depth_;
    count_ = nullptr;
  }
  void leave() {
    --depth_;
    if (depth_ == 1) {
      in_usage_ = false;
      member_ = member::other;
    }
    count_ = nullptr;
  }
  template <size_t N>
  void take_first(std::string_view key, const char (&name)[N], int64_t& slot, bool& seen) {
    if (!seen && key_is(key, name)) {
      seen = true;
      count_ = &slot;
    }
  }
  bool scalar(bool not_null) {
    if (depth_ == 1 && member_ == member::error) {
      found.error_not_null = not_null;
    }
    count_ = nullptr;
    return true;
  }
  bool number(int64_t value) {
    if (count_ != nullptr) {
      *count_ = std::max<int64_t>(0, value);
    }
    return scalar(true);
  }

  int depth_ = 0;
  member member_ = member::other;
  bool seen_usage_ = false;
  bool in_usage_ = false;
  bool seen_prompt_ = false;
  bool seen_completion_ = false;
  bool seen_total_ = false;
  /// The usage count the next number belongs to, if any.
  int64_t* count_ = nullptr;
};

/// Runs `read` on a mutable, NUL-terminated copy of the body's text (where a UTF-8 byte order
/// mark, or a stray byte of one, is skipped as Document::Parse does): on the stack when it is
/// short, as completions are. Both readers decode in place and end the text at a NUL.
template <class Read>
bool read_copy(const std::string& body, Read read) {
  const char* text = body.c_str();
  for (unsigned mark : {0xEFu, 0xBBu, 0xBFu}) {
    text += static_cast<unsigned char>(*text) == mark ? 1 : 0;
  }
  size_t size = body.size() - static_cast<size_t>(text - body.c_str());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): written before it is read
  std::array<char, 1024> short_copy;
  std::string long_copy;
  char* copy = short_copy.data();
  if (size >= short_copy.size()) {
    long_copy.assign(text, size);
    copy = long_copy.data();
  } else {
    std::memcpy(copy, text, size + 1); // with the string's NUL
  }
  return read(copy, copy + size);
}

} // namespace

std::optional<answer_facts> scan_answer_in_place(const std::string& body) {
  answer_handler handler;
  bool read = read_copy(body, [&](char* text, const char* end) {
    return insitu_json_reader<answer_handler>(text, end, handler, max_depth).read();
  });
  if (!read) {
    return std::nullopt;
  }
  return conclude(handler.found);
}

answer_facts scan_answer_with_reader(const std::string& body) {
  answer_handler handler;
  bool read = read_copy(body, [&](char* text, const char*) {
    // The reader's stack allocator lives here: left to itself, the reader allocates one.
    rapidjson::CrtAllocator stack_allocator;
    rapidjson::Reader reader(&stack_allocator);
    rapidjson::InsituStringStream stream(text);
    return !reader.Parse<rapidjson::kParseInsituFlag>(stream, handler).IsError();
  });
  return read ? conclude(handler.found) : answer_facts{};
}

answer_facts scan_answer(const std::string& body) {
  if (auto facts = scan_answer_in_place(body)) {
    return *facts;
  }
  return scan_answer_with_reader(body);
}

} // namespace gw::catalog
