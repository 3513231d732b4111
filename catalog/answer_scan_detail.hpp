// What the two passes of catalog/answer_scan share: where a body's text starts, how deep it
// may nest, and what a pass found. Included by answer_scan.cpp and answer_scan_reader.cpp only.
#pragma once

#include "catalog/answer_scan.hpp"

#include <string>

namespace gw::catalog::answer_scan_detail {

/// Containers may nest this deep: both passes recurse, and stop here long before the stack
/// could run out; no real answer nests this deep, so such a body is malformed.
constexpr int max_depth = 128;

/// Where the text starts: like Document::Parse(data, size), the bytes of a UTF-8 byte order
/// mark (EF BB BF) are skipped, each if present in that order, so a stray one too.
inline const char* after_byte_order_mark(const std::string& body) {
  const char* text = body.c_str();
  for (unsigned mark : {0xEFu, 0xBBu, 0xBFu}) {
    text += static_cast<unsigned char>(*text) == mark ? 1 : 0;
  }
  return text;
}

/// What either pass found, before it is turned into answer_facts.
struct findings {
  bool top_is_object = false;
  bool error_not_null = false;
  bool has_error = false;
  bool has_choices = false;
  usage_counts usage;
};

inline answer_facts conclude(const findings& found) {
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

} // namespace gw::catalog::answer_scan_detail
