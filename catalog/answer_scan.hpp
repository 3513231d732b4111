// What classify reads from a 2xx body, in one pass and without building a document: whether
// it is an answer (a JSON object that is not an error envelope) and its usage counts. Read on
// every upstream answer, so its cost is per request.
#pragma once

#include "catalog/usage.hpp"

#include <optional>
#include <string>

namespace gw::catalog {

struct answer_facts {
  /// A JSON object whose first "error" member is absent or null, or which has "choices"
  /// (OpenRouter reports some upstream failures as 200 {"error": {...}} without choices).
  bool is_answer = false;
  /// The counts of the first top-level "usage" object, first occurrence of each count winning;
  /// a zero total is prompt + completion. Left empty when the body is not an answer.
  usage_counts usage;
};

/// Reads a body as RapidJSON reads it from a NUL-terminated string: a UTF-8 byte order mark
/// (or a stray byte of one) skipped, the text ending at the first NUL, and containers nested
/// deeper than 128 levels malformed. The project's in-place reader decides almost every body;
/// the rest take scan_answer_with_reader.
answer_facts scan_answer(const std::string& body);

/// The in-place reader alone (core/insitu_json_reader.hpp): nullopt where it leaves the body
/// to RapidJSON (a malformed body, a number with an exponent or more than 18 integer digits, a
/// fraction where a count is read). Exposed to test that it decides real answers itself.
std::optional<answer_facts> scan_answer_in_place(const std::string& body);

/// The same facts through RapidJSON's SAX reader: the reference for the in-place reader.
answer_facts scan_answer_with_reader(const std::string& body);

} // namespace gw::catalog
