// A parse of a client body as comparable text, for the tests that hold parse_exact's fast path
// to RapidJSON's validating one (tests/unit/policy/exact_json.cpp, tests/fuzz/chat_payload.cpp).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace gw::testing {

using parse_function = rapidjson::ParseResult (*)(rapidjson::Document&, std::string_view);

/// "ok:<the document written compactly>" or "error <code> at <offset>".
inline std::string parse_outcome(parse_function parse, std::string_view text) {
  rapidjson::Document doc;
  auto result = parse(doc, text);
  if (result.IsError()) {
    return "error " + std::to_string(result.Code()) + " at " + std::to_string(result.Offset());
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  return "ok:" + std::string(out.GetString(), out.GetSize());
}

} // namespace gw::testing
