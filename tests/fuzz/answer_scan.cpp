// Fuzz target: how classify reads a 2xx body (catalog/answer_scan.cpp: a hand-written pass,
// RapidJSON's SAX reader where that pass is unsure), checked against a parsed document: the
// same verdict (an answer, or a malformed one) and the same usage counts. The one allowed
// difference is nesting beyond the scan's depth limit, which the scan calls malformed.
#include "catalog/failure_classifier.hpp"
#include "catalog/usage.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <rapidjson/document.h>

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = gw::fuzz::as_text(data, size);
  gw::catalog::upstream_result result;
  result.status = 200;
  result.body = std::string(text);
  auto out = gw::catalog::classify(result);

  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  bool answer = !doc.HasParseError() && doc.IsObject();
  if (answer) {
    auto error = doc.FindMember("error");
    answer = error == doc.MemberEnd() || error->value.IsNull() || doc.HasMember("choices");
  }
  bool scanned_answer = out.kind == gw::catalog::outcome_kind::success;
  if (answer && !scanned_answer) {
    auto openers =
      std::count(text.begin(), text.end(), '[') + std::count(text.begin(), text.end(), '{');
    gw::fuzz::require(openers > 128, "an answer the document accepts was called malformed");
    return 0;
  }
  gw::fuzz::require(answer == scanned_answer, "a malformed body was called an answer");
  if (answer) {
    auto expected = gw::catalog::usage_from_value(doc);
    gw::fuzz::require(out.usage.present == expected.present, "usage presence differs");
    gw::fuzz::require(out.usage.prompt_tokens == expected.prompt_tokens, "prompt tokens differ");
    gw::fuzz::require(out.usage.completion_tokens == expected.completion_tokens,
                      "completion tokens differ");
    gw::fuzz::require(out.usage.total_tokens == expected.total_tokens, "total tokens differ");
  }
  return 0;
}
