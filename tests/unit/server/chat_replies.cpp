#define CAF_SUITE server.chat_replies

#include "http/server/chat_replies.hpp"

#include "http/upstream/upstream_types.hpp"

#include <caf/test/dsl.hpp>
#include <rapidjson/document.h>

using namespace gw;

namespace {

openai::chat_request chat() {
  auto parsed =
    openai::parse_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})");
  return std::get<openai::chat_request>(std::move(parsed));
}

struct fixture {
  actors::chat_job job{"req-7", chat(), [](actors::chat_outcome, const actors::chat_job&) {
                       }};
  catalog::route_ref route{"groq/llama", "groq", "llama-3.1-8b"};
  /// The same names as the router shares them with an outcome.
  actors::candidate names = std::make_shared<const catalog::route_ref>(route);

  server::server_response respond(actors::chat_outcome outcome) {
    return server::chat_response(outcome, job);
  }

  /// A field from the response's headers, else from its rendered head lines.
  std::string header(const server::server_response& res, std::string_view name) {
    if (const auto* value = upstream::find_header(res.headers, name)) {
      return *value;
    }
    std::string_view lines = res.head_lines;
    while (!lines.empty()) {
      auto end = lines.find("\r\n");
      CAF_REQUIRE(end != std::string_view::npos); // every line ends with CRLF
      auto line = lines.substr(0, end);
      lines.remove_prefix(end + 2);
      auto colon = line.find(": ");
      CAF_REQUIRE(colon != std::string_view::npos);
      if (line.substr(0, colon) == name) {
        return std::string(line.substr(colon + 2));
      }
    }
    return {};
  }

  rapidjson::Document json(const server::server_response& res) {
    rapidjson::Document doc;
    doc.Parse(res.body.c_str());
    return doc;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_replies_tests, fixture)

CAF_TEST(a served answer keeps the upstream body and names the route in headers) {
  job.upstream_calls = 2;
  auto res = respond(actors::chat_served{names, R"({"id":"x"})"});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, R"({"id":"x"})");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Provider"), "groq");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Route"), "groq/llama");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Model"), "llama-3.1-8b");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Attempts"), "2");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Request-Id"), "req-7");
}

CAF_TEST(a route name that could split the head is left out of the head lines) {
  auto bad = std::make_shared<const catalog::route_ref>(
    catalog::route_ref{"r", "p", "m\r\nSet-Cookie: x=1"});
  auto res = respond(actors::chat_served{bad, "{}"});
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Route"), "r");
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Model"), "");
  CAF_CHECK(res.head_lines.find("Set-Cookie") == std::string::npos);
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Request-Id"), "req-7");
}

CAF_TEST(exhaustion lists every attempt and says when to retry) {
  auto shared_names = [](std::string route_id, std::string provider, std::string model) {
    return std::make_shared<const catalog::route_ref>(
      catalog::route_ref{std::move(route_id), std::move(provider), std::move(model)});
  };
  job.attempts.push_back(
    {shared_names("groq/llama", "groq", "llama"), "rate_limited", "provider_429", 429});
  job.attempts.push_back({shared_names("nv/x", "nvidia", "x"), "skipped", "missing_api_key", 0});
  auto res = respond(actors::chat_exhausted{21'500, 1'000});
  CAF_CHECK_EQUAL(res.status, 503);
  CAF_CHECK_EQUAL(header(res, "Retry-After"), "21");
  auto doc = json(res);
  CAF_REQUIRE(doc.IsObject());
  CAF_CHECK_EQUAL(std::string(doc["error"]["code"].GetString()), "waterfall_exhausted");
  CAF_REQUIRE(doc["error"].HasMember("retry_after"));
  CAF_CHECK_EQUAL(doc["error"]["retry_after"].GetInt(), 21);
  CAF_REQUIRE_EQUAL(doc["error"]["attempts"].Size(), 2u);
  CAF_CHECK_EQUAL(doc["error"]["attempts"][0]["status_code"].GetInt(), 429);
  CAF_CHECK(doc["error"]["attempts"][1]["status_code"].IsNull());
  CAF_CHECK(doc["error"]["attempts"][1]["reason"].IsString());
  CAF_CHECK_EQUAL(server::chat_error_message(actors::chat_exhausted{}),
                  "All providers exhausted. No model could serve this request.");
}

CAF_TEST(exhaustion without a known retry time has no Retry - After) {
  auto res = respond(actors::chat_exhausted{0, 1'000});
  CAF_CHECK_EQUAL(header(res, "Retry-After"), "");
  CAF_CHECK(!json(res)["error"].HasMember("retry_after"));
}

CAF_TEST(a deadline answers 504 request_deadline_exceeded) {
  auto res = respond(actors::chat_deadline{30});
  CAF_CHECK_EQUAL(res.status, 504);
  auto doc = json(res);
  CAF_CHECK_EQUAL(std::string(doc["error"]["code"].GetString()), "request_deadline_exceeded");
  CAF_CHECK(std::string(doc["error"]["message"].GetString()).find("30 s") != std::string::npos);
}

CAF_TEST(a caller error carries the provider status and message) {
  actors::chat_caller_error err{
    names, 400, R"({"error":{"message":"temperature too high","type":"invalid_request_error"}})"};
  auto res = respond(err);
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(header(res, "X-Gateway-Route"), "groq/llama");
  auto doc = json(res);
  CAF_CHECK_EQUAL(std::string(doc["error"]["message"].GetString()), "temperature too high");
  CAF_CHECK_EQUAL(std::string(doc["error"]["code"].GetString()), "upstream_rejected_request");
  CAF_CHECK_EQUAL(std::string(doc["error"]["provider"].GetString()), "groq");
  CAF_CHECK_EQUAL(server::chat_error_message(err), "temperature too high");
}

CAF_TEST(each outcome has the error code of its JSON reply for stream route events) {
  CAF_CHECK_EQUAL(server::chat_error_code(actors::chat_exhausted{}), "waterfall_exhausted");
  CAF_CHECK_EQUAL(server::chat_error_code(actors::chat_deadline{30}), "request_deadline_exceeded");
  actors::chat_caller_error plain{names, 400, R"({"error":{"message":"no"}})"};
  CAF_CHECK_EQUAL(server::chat_error_code(plain), "upstream_rejected_request");
  actors::chat_caller_error coded{names, 400, R"({"error":{"message":"no","code":"bad_temp"}})"};
  CAF_CHECK_EQUAL(server::chat_error_code(coded), "bad_temp");
}

CAF_TEST(a caller error without a readable body names the provider and status) {
  actors::chat_caller_error err{names, 422, "<html>nope</html>"};
  CAF_CHECK_EQUAL(server::chat_error_message(err), "groq returned HTTP 422");
}

CAF_TEST(the model list starts with the alias) {
  auto text = server::model_list_json("auto", {route}, 1700000000);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  CAF_REQUIRE_EQUAL(doc["data"].Size(), 2u);
  CAF_CHECK_EQUAL(std::string(doc["data"][0]["id"].GetString()), "auto");
  CAF_CHECK_EQUAL(std::string(doc["data"][1]["id"].GetString()), "groq/llama");
  CAF_CHECK_EQUAL(std::string(doc["data"][1]["owned_by"].GetString()), "groq");
}

CAF_TEST_FIXTURE_SCOPE_END()
