// Parsing a client body with every number converted exactly, without RapidJSON 1.1.0's
// full-precision path: that path misreads a zero significand with a large exponent
// ("0E000068" became 1.01e31 in the Release build; found by tests/fuzz/chat_payload.cpp).
#pragma once

#include <rapidjson/document.h>

#include <string_view>

namespace gw::openai {

/// Like doc.Parse<kParseIterativeFlag | kParseValidateEncodingFlag | kParseFullPrecisionFlag>():
/// the same value types (Int/Uint/Int64/Uint64, Double beyond 64 bits), but each number is
/// converted from its text (integers by strtoll/strtoull, others by the correctly rounded
/// strtod). A number beyond the double range is kParseErrorNumberTooBig, as before.
rapidjson::ParseResult parse_exact(rapidjson::Document& doc, std::string_view text);

/// The same through RapidJSON's validating, bounded stream and its iterative parser (a partial
/// byte order mark skipped byte by byte). parse_exact takes this path for text that is not
/// well-formed UTF-8, holds a NUL byte, nests deeper than 128 levels, has a number with an
/// exponent or more than 18 integer digits, or is not valid JSON; for any text both give the
/// same result (tests/unit/policy/exact_json.cpp, fuzz-chat_payload).
rapidjson::ParseResult parse_exact_validating(rapidjson::Document& doc, std::string_view text);

} // namespace gw::openai
