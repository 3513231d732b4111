#include "http/openai/exact_json.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>

namespace gw::openai {

namespace {

/// Forwards SAX events to a Document; numbers arrive as text (kParseNumbersAsStringsFlag).
struct exact_number_handler {
  rapidjson::Document& doc;
  bool too_big = false;

  // NOLINTBEGIN(readability-identifier-naming): RapidJSON's handler concept names.
  bool Null() {
    return doc.Null();
  }
  bool Bool(bool b) {
    return doc.Bool(b);
  }
  bool Int(int i) {
    return doc.Int(i);
  }
  bool Uint(unsigned u) {
    return doc.Uint(u);
  }
  bool Int64(int64_t i) {
    return doc.Int64(i);
  }
  bool Uint64(uint64_t u) {
    return doc.Uint64(u);
  }
  bool Double(double d) {
    return doc.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return doc.String(s, n, copy);
  }
  bool StartObject() {
    return doc.StartObject();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return doc.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType members) {
    return doc.EndObject(members);
  }
  bool StartArray() {
    return doc.StartArray();
  }
  bool EndArray(rapidjson::SizeType elements) {
    return doc.EndArray(elements);
  }

  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const std::string text(s, n); // NUL-terminated for strto*
    char* end = nullptr;
    if (text.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      if (text[0] == '-') {
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + n) {
          return v >= INT_MIN ? doc.Int(static_cast<int>(v)) : doc.Int64(v);
        }
      } else {
        unsigned long long v = std::strtoull(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + n) {
          return v <= UINT_MAX ? doc.Uint(static_cast<unsigned>(v)) : doc.Uint64(v);
        }
      }
      // Beyond 64 bits: a double, as RapidJSON does.
    }
    double d = std::strtod(text.c_str(), &end);
    if (std::isinf(d)) {
      too_big = true;
      return false;
    }
    return doc.Double(d);
  }
  // NOLINTEND(readability-identifier-naming)
};

} // namespace

rapidjson::ParseResult parse_exact(rapidjson::Document& doc, std::string_view text) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& target) {
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
    exact_number_handler handler{target};
    // The reader's stack allocator lives here: left to itself, the reader allocates one.
    rapidjson::CrtAllocator stack_allocator;
    rapidjson::Reader reader(&stack_allocator);
    result = reader.Parse<flags>(in, handler);
    if (handler.too_big) {
      result.Set(rapidjson::kParseErrorNumberTooBig, result.Offset());
    }
    return !result.IsError();
  };
  doc.Populate(generate);
  return result;
}

} // namespace gw::openai
