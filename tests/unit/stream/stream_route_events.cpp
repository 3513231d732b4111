#define CAF_SUITE stream.route_events
#include "http/openai/stream_route_events.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <string>

using namespace gw::openai;

namespace {

std::string python_of(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return "<parse error>";
  }
  return python_json(doc);
}

// The JSON text of an SSE message "data: <json>\n\n", parsed back.
bool parses_back(const std::string& message, rapidjson::Document& doc) {
  if (message.rfind("data: ", 0) != 0 || message.size() < 8
      || message.compare(message.size() - 2, 2, "\n\n") != 0) {
    return false;
  }
  auto json = message.substr(6, message.size() - 8);
  doc.Parse(json.data(), json.size());
  return !doc.HasParseError() && doc.IsObject();
}

} // namespace

CAF_TEST(route events use python separators and default reasons) {
  CAF_CHECK_EQUAL(
    route_event("route_skip", "p", "m/x", "r1", ""),
    "data: {\"type\": \"route_skip\", \"provider\": \"p\", \"model_id\": \"m/x\", \"route_id\": "
    "\"r1\", \"reason\": \"route_unavailable\"}\n\n");
  CAF_CHECK_EQUAL(
    route_event("route_fail", "groq", "llama", "groq-llama", ""),
    "data: {\"type\": \"route_fail\", \"provider\": \"groq\", \"model_id\": \"llama\", "
    "\"route_id\": \"groq-llama\", \"reason\": \"provider_error\"}\n\n");
  CAF_CHECK_EQUAL(
    route_event("route_flagged", "p", "m", "r", ""),
    "data: {\"type\": \"route_flagged\", \"provider\": \"p\", \"model_id\": \"m\", \"route_id\": "
    "\"r\", \"reason\": \"health_flagged\"}\n\n");
  CAF_CHECK_EQUAL(
    route_event("route_fail", "p", "m", "r", "provider_5xx"),
    "data: {\"type\": \"route_fail\", \"provider\": \"p\", \"model_id\": \"m\", \"route_id\": "
    "\"r\", \"reason\": \"provider_5xx\"}\n\n");
}

CAF_TEST(trying and selected events have no reason key) {
  CAF_CHECK_EQUAL(route_event("route_trying", "p", "m", "r", ""),
                  "data: {\"type\": \"route_trying\", \"provider\": \"p\", \"model_id\": \"m\", "
                  "\"route_id\": \"r\"}\n\n");
  CAF_CHECK_EQUAL(route_event("route_selected", "fallback", "fallback/model", "fallback-test", ""),
                  "data: {\"type\": \"route_selected\", \"provider\": \"fallback\", \"model_id\": "
                  "\"fallback/model\", \"route_id\": \"fallback-test\"}\n\n");
}

CAF_TEST(content done and error events have their exact layout) {
  CAF_CHECK_EQUAL(content_event("Hel"), "data: {\"type\": \"content\", \"text\": \"Hel\"}\n\n");
  CAF_CHECK_EQUAL(done_event("Hello", "p", "m", "r"),
                  "data: {\"type\": \"done\", \"content\": \"Hello\", \"provider\": \"p\", "
                  "\"model_id\": \"m\", \"route_id\": \"r\"}\n\n");
  auto error = error_event("All providers exhausted. No model could serve this request.");
  CAF_CHECK_EQUAL(error, "data: {\"type\": \"error\", \"message\": \"All providers exhausted. No "
                         "model could serve this request.\"}\n\n");
  CAF_CHECK(error.find("\"type\": \"error\"") != std::string::npos);
}

CAF_TEST(an error event carries the gateway error code and status when given) {
  CAF_CHECK_EQUAL(error_event("No route", "waterfall_exhausted", 503),
                  "data: {\"type\": \"error\", \"message\": \"No route\", \"code\": "
                  "\"waterfall_exhausted\", \"status\": 503}\n\n");
  CAF_CHECK_EQUAL(error_event("cut", "stream_interrupted"),
                  "data: {\"type\": \"error\", \"message\": \"cut\", \"code\": "
                  "\"stream_interrupted\"}\n\n");
}

CAF_TEST(strings are escaped as python ensure ascii does) {
  CAF_CHECK_EQUAL(
    content_event("say \"hi\" \\ a\nb\r\tc\b\f"),
    "data: {\"type\": \"content\", \"text\": \"say \\\"hi\\\" \\\\ a\\nb\\r\\tc\\b\\f\"}\n\n");
  CAF_CHECK_EQUAL(
    content_event("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
    "data: {\"type\": \"content\", \"text\": \"h\\u00e9llo \\u20ac \\ud83d\\ude00\"}\n\n");
  CAF_CHECK_EQUAL(content_event(std::string("\x01\x1f\x7f</>", 6)),
                  "data: {\"type\": \"content\", \"text\": \"\\u0001\\u001f\\u007f</>\"}\n\n");
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence, a surrogate) -> U+FFFD.
  CAF_CHECK_EQUAL(content_event("a\x80z\xE2\x82"),
                  "data: {\"type\": \"content\", \"text\": \"a\\ufffdz\\ufffd\\ufffd\"}\n\n");
  CAF_CHECK_EQUAL(content_event("\xED\xA0\x80"),
                  "data: {\"type\": \"content\", \"text\": \"\\ufffd\\ufffd\\ufffd\"}\n\n");
  CAF_CHECK_EQUAL(content_event(std::string("a\0b", 3)),
                  "data: {\"type\": \"content\", \"text\": \"a\\u0000b\"}\n\n");
}

CAF_TEST(every event is valid json that round trips its strings) {
  std::string text = "quote \" backslash \\ newline \n emoji \xF0\x9F\x98\x80 tab \t";
  rapidjson::Document doc;
  CAF_REQUIRE(parses_back(content_event(text), doc));
  CAF_CHECK_EQUAL(std::string(doc["text"].GetString()), text);
  CAF_REQUIRE(parses_back(done_event(text, "p", "m", "r"), doc));
  CAF_CHECK_EQUAL(std::string(doc["content"].GetString()), text);
  CAF_REQUIRE(parses_back(error_event(text), doc));
  CAF_CHECK_EQUAL(std::string(doc["message"].GetString()), text);
  CAF_REQUIRE(parses_back(route_event("route_fail", text, "m", "r", text), doc));
  CAF_CHECK_EQUAL(std::string(doc["provider"].GetString()), text);
  CAF_CHECK_EQUAL(std::string(doc["reason"].GetString()), text);
}

CAF_TEST(the usage event rewrites the usage object in python layout) {
  CAF_CHECK_EQUAL(usage_event(R"({"prompt_tokens":3,"completion_tokens":5,"total_tokens":8})"),
                  "data: {\"type\": \"usage\", \"usage\": {\"prompt_tokens\": 3, "
                  "\"completion_tokens\": 5, \"total_tokens\": 8}}\n\n");
  CAF_CHECK_EQUAL(
    usage_event(R"({ "a" : 1.5, "b": [1, {"c":null}, []], "d":true, "e":{}, "f":"\u00e9" })"),
    "data: {\"type\": \"usage\", \"usage\": {\"a\": 1.5, \"b\": [1, {\"c\": null}, []], \"d\": "
    "true, \"e\": {}, \"f\": \"\\u00e9\"}}\n\n");
  gw::catalog::usage_counts counts;
  counts.prompt_tokens = 3;
  counts.completion_tokens = 5;
  counts.total_tokens = 8;
  CAF_CHECK_EQUAL(usage_event(counts),
                  usage_event(R"({"prompt_tokens":3,"completion_tokens":5,"total_tokens":8})"));
  CAF_CHECK_EQUAL(usage_event("not json"), "data: {\"type\": \"usage\", \"usage\": {}}\n\n");
  CAF_CHECK_EQUAL(usage_event("[1]"), "data: {\"type\": \"usage\", \"usage\": {}}\n\n");
}

CAF_TEST(numbers are written as python repr writes them) {
  CAF_CHECK_EQUAL(python_of("[0, -7, 9223372036854775807, 18446744073709551615]"),
                  "[0, -7, 9223372036854775807, 18446744073709551615]");
  CAF_CHECK_EQUAL(python_of("[1.0, 1e2, 0.1, -2.5, 123456789.125, 0.0001, 0.00001]"),
                  "[1.0, 100.0, 0.1, -2.5, 123456789.125, 0.0001, 1e-05]");
  CAF_CHECK_EQUAL(python_of("[1e15, 1e16, 1.5e300, 1.7976931348623157e308, 5e-324, -0.0]"),
                  "[1000000000000000.0, 1e+16, 1.5e+300, 1.7976931348623157e+308, 5e-324, -0.0]");
  CAF_CHECK_EQUAL(python_of("[0.1234567890123, 2.5e-7, 12345.678]"),
                  "[0.1234567890123, 2.5e-07, 12345.678]");
}

CAF_TEST(python json bounds the nesting it writes) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  auto out = python_of(deep);
  CAF_CHECK_EQUAL(out, std::string(128, '[') + "null" + std::string(128, ']'));
}

CAF_TEST(the stream interrupted event is the openai error envelope) {
  CAF_CHECK_EQUAL(stream_interrupted_event("upstream closed \"early\""),
                  "data: {\"error\":{\"message\":\"upstream closed \\\"early\\\"\",\"type\":"
                  "\"upstream_error\",\"code\":\"stream_interrupted\",\"param\":null}}\n\n");
}
