#include "http/openai/exact_json.hpp"

#include "core/insitu_json_reader.hpp"
#include "core/utf8.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace gw::openai {

namespace {

/// Containers insitu_json_reader may open before it gives up and the text takes the iterative path
/// instead: a bound on its recursion. Chat payloads refuse deeper bodies anyway.
constexpr int recursion_limit = 128;

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

/// Well-formed UTF-8 (Unicode Table 3-7: no overlong forms, surrogates or code points above
/// U+10FFFF, as RapidJSON's validation) without a NUL byte. Eight ASCII bytes per step.
bool plain_utf8(std::string_view text) {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  constexpr uint64_t high_bits = 0x8080808080808080ULL;
  constexpr uint64_t low_bits = 0x0101010101010101ULL;
  size_t i = 0;
  while (i < text.size()) {
    size_t left = text.size() - i;
#if defined(__SSE2__)
    if (left >= 16) {
      // Sixteen at a time where the compiler targets SSE2 (every x86-64).
      __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      int special =
        _mm_movemask_epi8(block) | _mm_movemask_epi8(_mm_cmpeq_epi8(block, _mm_setzero_si128()));
      if (special == 0) {
        i += 16;
        continue;
      }
    }
#endif
    if (left >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, data + i, 8);
      // No byte with its high bit set and none that is zero: eight ASCII characters.
      if (((word | ((word - low_bits) & ~word)) & high_bits) == 0) {
        i += 8;
        continue;
      }
    }
    // One character, by the project's strict decoder (core/utf8.hpp).
    uint32_t code_point = 0;
    size_t length = decode_utf8(text, i, code_point);
    if (length == 0 || code_point == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

template <unsigned Flags, class Stream>
rapidjson::ParseResult populate(rapidjson::Document& doc, Stream& in) {
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& target) {
    exact_number_handler handler{target};
    // The reader's stack allocator lives here: left to itself, the reader allocates one.
    rapidjson::CrtAllocator stack_allocator;
    rapidjson::Reader reader(&stack_allocator);
    result = reader.Parse<Flags>(in, handler);
    if (handler.too_big) {
      result.Set(rapidjson::kParseErrorNumberTooBig, result.Offset());
    }
    return !result.IsError();
  };
  doc.Populate(generate); // takes the generator by reference
  return result;
}

} // namespace

rapidjson::ParseResult parse_exact(rapidjson::Document& doc, std::string_view text) {
  // The common case, text already known to be well-formed UTF-8 without a NUL, is read by
  // insitu_json_reader, which need not validate and skips plain string runs eight bytes per step
  // (callgrind, an 8.7 KB conversation: ~29 instructions per byte validating through
  // RapidJSON's bounded stream). Parse results are the same either way.
  static constexpr std::string_view bom = "\xEF\xBB\xBF";
  size_t skipped = text.substr(0, bom.size()) == bom ? bom.size() : 0;
  if (plain_utf8(text)) {
    // Parsed in place from a NUL-terminated copy in the document's own pool, which lives as
    // long as the document: its strings point into the copy instead of being copied out of
    // the text.
    auto body = text.substr(skipped);
    auto* copy = static_cast<char*>(doc.GetAllocator().Malloc(body.size() + 1));
    if (!body.empty()) { // memcpy's source must not be null, even for no bytes
      std::memcpy(copy, body.data(), body.size());
    }
    copy[body.size()] = '\0';
    bool read = false;
    auto generate = [&](rapidjson::Document& target) {
      exact_number_handler handler{target};
      insitu_json_reader<exact_number_handler> reader(copy, copy + body.size(), handler,
                                                      recursion_limit);
      read = reader.read() && !handler.too_big;
      return read;
    };
    doc.Populate(generate); // takes the generator by reference
    if (read) {
      return {};
    }
    // Text the reader gives up on is parsed again by RapidJSON's iterative, validating path:
    // it decides the numbers the reader leaves to it, and its error names are the ones
    // clients have seen. Only bad input and rare numbers pay for the second parse.
  }
  return parse_exact_validating(doc, text);
}

rapidjson::ParseResult parse_exact_validating(rapidjson::Document& doc, std::string_view text) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag
                             | rapidjson::kParseValidateEncodingFlag;
  rapidjson::MemoryStream bytes(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
  return populate<flags>(doc, in);
}

} // namespace gw::openai
