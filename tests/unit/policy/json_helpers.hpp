// Test helpers: semantic JSON comparison (member order ignored) for golden bodies.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

namespace policy_test {

inline std::unique_ptr<rapidjson::Document> parse(std::string_view text) {
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse(text.data(), text.size());
  return doc;
}

/// True when both texts parse and hold equal JSON values (object member order ignored).
inline bool same_json(std::string_view actual, std::string_view expected) {
  auto a = parse(actual);
  auto e = parse(expected);
  return !a->HasParseError() && !e->HasParseError() && *a == *e;
}

} // namespace policy_test
