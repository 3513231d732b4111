#define CAF_SUITE policy.error_body
#include "http/openai/error_body.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

#include "json_helpers.hpp"

using gw::openai::error_json;

CAF_TEST(the envelope has message type code and param in this order) {
  CAF_CHECK_EQUAL(
    error_json("Request body must be a JSON object", "invalid_request_error", "invalid_json"),
    R"({"error":{"message":"Request body must be a JSON object","type":"invalid_request_error","code":"invalid_json","param":null}})");
}

CAF_TEST(empty code and param are null and a param is a string) {
  CAF_CHECK_EQUAL(
    error_json("bad", "invalid_request_error", "", "messages"),
    R"({"error":{"message":"bad","type":"invalid_request_error","code":null,"param":"messages"}})");
}

CAF_TEST(extra fields are spliced into the error object) {
  auto body = error_json("No configured provider is currently available", "provider_unavailable",
                         "waterfall_exhausted", {},
                         R"("attempts":[{"provider_name":"groq","status":"skipped"}])");
  CAF_CHECK(policy_test::same_json(
    body,
    R"({"error":{"message":"No configured provider is currently available","type":"provider_unavailable","code":"waterfall_exhausted","param":null,"attempts":[{"provider_name":"groq","status":"skipped"}]}})"));
}

CAF_TEST(special characters are escaped and round trip) {
  std::string message = "say \"hi\" \\ path\nnext\ttab \x01 héllo 😀 </script>";
  auto body = error_json(message, "t", "c");
  auto doc = policy_test::parse(body);
  CAF_REQUIRE(!doc->HasParseError());
  CAF_CHECK_EQUAL(std::string((*doc)["error"]["message"].GetString()), message);
  CAF_CHECK(body.find("\\u0001") != std::string::npos);
  CAF_CHECK(body.find("héllo 😀") != std::string::npos);
}

CAF_TEST(invalid utf8 is replaced so the body stays valid json) {
  std::string message = "bad \xff\xfe bytes \xe2\x82 end \xed\xa0\x80";
  auto body = error_json(message, "t", "c");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str());
  CAF_REQUIRE(!doc.HasParseError());
  std::string decoded = doc["error"]["message"].GetString();
  CAF_CHECK_EQUAL(decoded.rfind("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes ", 0), 0u);
  CAF_CHECK(decoded.find(" end ") != std::string::npos);
  CAF_CHECK(decoded.find('\xff') == std::string::npos);
}
