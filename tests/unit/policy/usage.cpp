#define CAF_SUITE policy.usage
#include "catalog/usage.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <string_view>

using gw::catalog::usage_counts;

namespace {

// A body that does not parse reads as a document without usage, as the chunk check does.
usage_counts usage_from_body(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  return doc.HasParseError() ? usage_counts{} : gw::catalog::usage_from_value(doc);
}

} // namespace

CAF_TEST(usage counts are read from the body) {
  auto u = usage_from_body(
    R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":20}})");
  CAF_CHECK(u.present);
  CAF_CHECK_EQUAL(u.prompt_tokens, 10);
  CAF_CHECK_EQUAL(u.completion_tokens, 5);
  CAF_CHECK_EQUAL(u.total_tokens, 20);
}

CAF_TEST(a falsy total is prompt plus completion) {
  for (const char* total :
       {R"(,"total_tokens":0)", R"(,"total_tokens":null)", "", R"(,"total_tokens":"30")"}) {
    auto u = usage_from_body(std::string(R"({"usage":{"prompt_tokens":10,"completion_tokens":5)")
                             + total + "}}");
    CAF_CHECK(u.present);
    CAF_CHECK_EQUAL(u.total_tokens, 15);
  }
}

CAF_TEST(fractional counts truncate and negative counts are zero) {
  auto u = usage_from_body(R"({"usage":{"prompt_tokens":10.9,"completion_tokens":-3}})");
  CAF_CHECK(u.present);
  CAF_CHECK_EQUAL(u.prompt_tokens, 10);
  CAF_CHECK_EQUAL(u.completion_tokens, 0);
  CAF_CHECK_EQUAL(u.total_tokens, 10);
}

CAF_TEST(no usage object means not present) {
  for (const char* body : {R"({"choices":[]})", R"({"usage":null})", R"({"usage":[1]})", "[]",
                           "not json", "", R"({"usage":)"}) {
    auto u = usage_from_body(body);
    CAF_CHECK(!u.present);
    CAF_CHECK_EQUAL(u.total_tokens, 0);
    CAF_CHECK_EQUAL(u.prompt_tokens, 0);
  }
  auto empty = usage_from_body(R"({"usage":{}})");
  CAF_CHECK(empty.present);
  CAF_CHECK_EQUAL(empty.total_tokens, 0);
}
