// The reference pass of catalog/answer_scan: RapidJSON's SAX reader, for the bodies the
// hand-written pass leaves to it, and as the oracle that pass is tested against.
#include "catalog/answer_scan.hpp"
#include "catalog/answer_scan_detail.hpp"

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

using answer_scan_detail::after_byte_order_mark;
using answer_scan_detail::conclude;
using answer_scan_detail::findings;
using answer_scan_detail::max_depth;

/// The reference pass: RapidJSON's SAX reader. The same answers as reading a parsed document
/// with FindMember/HasMember (first occurrence wins), without the document.
class reader_scan : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, reader_scan> {
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
      if (key == "error" && !found.has_error) {
        found.has_error = true;
        member_ = member::error;
      } else if (key == "choices") {
        found.has_choices = true;
      } else if (key == "usage" && !seen_usage_) {
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
  void take_first(std::string_view key, std::string_view name, int64_t& slot, bool& seen) {
    if (key == name && !seen) {
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

} // namespace

// The body is read in place from a NUL-terminated copy (on the stack when it is short, as
// completions are): a pointer and no bounds check per character, and no string copied to the
// reader's stack. The reader ends the text at a NUL.
answer_facts scan_answer_with_reader(const std::string& body) {
  reader_scan scan;
  // The reader's stack allocator lives here: left to itself, the reader allocates one.
  rapidjson::CrtAllocator stack_allocator;
  rapidjson::Reader reader(&stack_allocator);
  const char* text = after_byte_order_mark(body);
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
  rapidjson::InsituStringStream stream(copy);
  if (reader.Parse<rapidjson::kParseInsituFlag>(stream, scan).IsError()) {
    return {};
  }
  return conclude(scan.found);
}

} // namespace gw::catalog
