#define CAF_SUITE policy.web_search
#include "http/openai/web_search.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "json_helpers.hpp"

using gw::openai::assistant_text;
using gw::openai::has_assistant_content;
using gw::openai::has_web_search_preview_tool;
using gw::openai::prepare_web_search_payload;
using policy_test::parse;

namespace {

std::string prepared(const std::string& json) {
  auto doc = parse(json);
  CAF_REQUIRE(!doc->HasParseError());
  prepare_web_search_payload(*doc);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc->Accept(writer);
  return buffer.GetString();
}

std::string text_of(const std::string& json) {
  auto doc = parse(json);
  CAF_REQUIRE(!doc->HasParseError());
  return assistant_text(*doc);
}

bool content_in(const std::string& json) {
  auto doc = parse(json);
  CAF_REQUIRE(!doc->HasParseError());
  return has_assistant_content(*doc);
}

} // namespace

CAF_TEST(preparation keeps an existing function tool first and forces web search) {
  // Reference §16.10 item 6.
  CAF_CHECK_EQUAL(
    prepared(R"({"messages":[],"tools":[{"type":"function","function":{"name":"f"}}]})"),
    R"({"messages":[],"tools":[{"type":"function","function":{"name":"f"}},{"type":"web_search_preview"}],"tool_choice":{"type":"web_search_preview"}})");
}

CAF_TEST(preparation starts from an empty tool list when tools is not an array) {
  CAF_CHECK_EQUAL(
    prepared(R"({"tools":"x","tool_choice":"auto"})"),
    R"({"tools":[{"type":"web_search_preview"}],"tool_choice":{"type":"web_search_preview"}})");
  CAF_CHECK_EQUAL(
    prepared(R"({})"),
    R"({"tools":[{"type":"web_search_preview"}],"tool_choice":{"type":"web_search_preview"}})");
}

CAF_TEST(preparation does not add a second web search preview tool) {
  CAF_CHECK_EQUAL(
    prepared(
      R"({"tools":[{"type":"web_search_preview","search_context_size":"high"}],"tool_choice":"none"})"),
    R"({"tools":[{"type":"web_search_preview","search_context_size":"high"}],"tool_choice":{"type":"web_search_preview"}})");
}

CAF_TEST(preparation leaves a non object alone) {
  CAF_CHECK_EQUAL(prepared("[]"), "[]");
}

CAF_TEST(web search preview tools are detected only as typed objects) {
  CAF_CHECK(has_web_search_preview_tool(*parse(R"({"tools":[{"type":"web_search_preview"}]})")));
  CAF_CHECK(!has_web_search_preview_tool(*parse(R"({"tools":["web_search_preview"]})")));
  CAF_CHECK(!has_web_search_preview_tool(*parse(R"({"tools":{"type":"web_search_preview"}})")));
  CAF_CHECK(!has_web_search_preview_tool(*parse(R"({"tools":[{"type":"function"}]})")));
  CAF_CHECK(!has_web_search_preview_tool(*parse("[]")));
}

CAF_TEST(assistant text reads simple content and joins parts with a space) {
  // Reference §16.10 item 7, with the router's " " join (§7.6).
  CAF_CHECK_EQUAL(
    text_of(R"({"choices":[{"message":{"role":"assistant","content":"hello from ai"}}]})"),
    "hello from ai");
  CAF_CHECK_EQUAL(
    text_of(
      R"({"choices":[{"message":{"content":[{"type":"text","text":"part one"},{"text":"part two"}]}}]})"),
    "part one part two");
}

CAF_TEST(assistant text looks at every documented place in order) {
  CAF_CHECK_EQUAL(text_of(R"({"content":"top","choices":[{"message":{"content":"later"}}]})"),
                  "top");
  CAF_CHECK_EQUAL(text_of(R"({"message":{"content":"ollama style"}})"), "ollama style");
  CAF_CHECK_EQUAL(text_of(R"({"message":{"content":["a",{"content":[{"text":"b"}]}]}})"), "a b");
  CAF_CHECK_EQUAL(text_of(R"({"choices":[{"text":"completion style"}]})"), "completion style");
  // Blank earlier places do not hide later text.
  CAF_CHECK_EQUAL(text_of(R"({"content":"  ","choices":[{"message":{"content":"real"}}]})"),
                  "real");
  CAF_CHECK_EQUAL(text_of(R"({"choices":[{"message":{"content":null},"text":"fallback"}]})"),
                  "fallback");
}

CAF_TEST(no text anywhere means no assistant content) {
  CAF_CHECK(!content_in(R"({"choices":[{"message":{"content":"   \n"}}]})"));
  CAF_CHECK(!content_in(R"({"choices":[{"message":{"content":null,"tool_calls":[]}}]})"));
  CAF_CHECK(!content_in(R"({"choices":[]})"));
  CAF_CHECK(!content_in(R"({"choices":[{"message":{"content":[{"type":"image"}]}}]})"));
  CAF_CHECK(!content_in(R"({"choices":[{"message":{"content":[{"text":5}]}}]})"));
  CAF_CHECK(!content_in("[]"));
  CAF_CHECK(!content_in("null"));
  CAF_CHECK(content_in(R"({"choices":[{"message":{"content":" x "}}]})"));
  CAF_CHECK_EQUAL(text_of(R"({"choices":[{"message":{"content":" x "}}]})"), " x ");
}
