#define CAF_SUITE policy.failure_classifier
#include "catalog/failure_classifier.hpp"

#include "catalog/usage.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <set>
#include <string>

using gw::catalog::attempt_outcome;
using gw::catalog::classify;
using gw::catalog::looks_like_missing_model;
using gw::catalog::outcome_kind;
using gw::catalog::transport_failure;
using gw::catalog::upstream_result;

namespace {

upstream_result answer(int status, std::string body) {
  upstream_result r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// What the same body yields through a parsed document (a parse error reads as no usage).
gw::catalog::usage_counts usage_of_document(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  return doc.HasParseError() ? gw::catalog::usage_counts{} : gw::catalog::usage_from_value(doc);
}

upstream_result failure(transport_failure f) {
  upstream_result r;
  r.failure = f;
  r.detail = "test";
  return r;
}

struct expectation {
  int status;
  std::string body;
  outcome_kind kind;
  std::string reason;
};

const std::string ok_body =
  R"({"id":"x","choices":[{"message":{"content":"ok"}}],"usage":{"total_tokens":3}})";

} // namespace

CAF_TEST(missing model detection follows the reference helper) {
  // Reference §16.4.
  CAF_CHECK(looks_like_missing_model(404, ""));
  CAF_CHECK(looks_like_missing_model(410, ""));
  CAF_CHECK(looks_like_missing_model(400, R"({"error": {"message": "Unknown model: old-model"}})"));
  CAF_CHECK(!looks_like_missing_model(400, R"({"error": {"message": "Invalid request payload"}})"));
  CAF_CHECK(looks_like_missing_model(422, "The MODEL does not exist"));
  CAF_CHECK(looks_like_missing_model(400, "model `x` not found"));
  CAF_CHECK(!looks_like_missing_model(400, ""));
  CAF_CHECK(!looks_like_missing_model(400, "resource not found"));
  CAF_CHECK(!looks_like_missing_model(500, "model not found"));
  CAF_CHECK(!looks_like_missing_model(401, "model not found"));
}

CAF_TEST(every status class maps to its outcome) {
  const expectation table[] = {
    {200, ok_body, outcome_kind::success, ""},
    {201, R"({"a":1})", outcome_kind::success, ""},
    {200, R"({"error":null,"choices":[]})", outcome_kind::success, ""},
    {200, "not json", outcome_kind::malformed_response, "malformed_response"},
    {200, "", outcome_kind::malformed_response, "malformed_response"},
    {200, "[1,2]", outcome_kind::malformed_response, "malformed_response"},
    {200, R"("text")", outcome_kind::malformed_response, "malformed_response"},
    {200, "null", outcome_kind::malformed_response, "malformed_response"},
    {200, R"({"choices":[{"message":)", outcome_kind::malformed_response, "malformed_response"},
    {200, R"({"error":{"message":"upstream failed","code":502}})", outcome_kind::malformed_response,
     "malformed_response"},
    {204, "", outcome_kind::malformed_response, "malformed_response"},
    {301, R"({"location":"elsewhere"})", outcome_kind::malformed_response, "malformed_response"},
    {302, "", outcome_kind::malformed_response, "malformed_response"},
    {429, R"({"error":{"message":"rate limited"}})", outcome_kind::rate_limited, "provider_429"},
    {500, "", outcome_kind::provider_5xx, "provider_5xx"},
    {502, "bad gateway", outcome_kind::provider_5xx, "provider_5xx"},
    {503, "model not found", outcome_kind::provider_5xx, "provider_5xx"},
    {504, "", outcome_kind::provider_5xx, "provider_5xx"},
    {413, "", outcome_kind::request_too_large, "request_too_large"},
    {401, "invalid api key", outcome_kind::auth_error, "auth_error"},
    {403, "forbidden", outcome_kind::auth_error, "auth_error"},
    {404, "", outcome_kind::model_not_found, "model_not_found"},
    {410, "gone", outcome_kind::model_not_found, "model_not_found"},
    {400, R"({"error": {"message": "Unknown model: old-model"}})", outcome_kind::model_not_found,
     "model_not_found"},
    {400, "The model `llama-3-70b` has been decommissioned and is no longer supported",
     outcome_kind::model_not_found, "model_not_found"},
    {402, R"({"error":{"message":"Insufficient credits"}})", outcome_kind::route_rejected,
     "route_rejected"},
    {400, "This model's maximum context length is 8192 tokens", outcome_kind::route_rejected,
     "route_rejected"},
    {422, R"({"error":{"code":"context_length_exceeded"}})", outcome_kind::route_rejected,
     "route_rejected"},
    {400, "Please reduce the length of the messages", outcome_kind::route_rejected,
     "route_rejected"},
    {400, "max_tokens must be at most 8192 for this model", outcome_kind::route_rejected,
     "route_rejected"},
    {400, "tools is not supported with this model", outcome_kind::route_rejected, "route_rejected"},
    {400, "This model does not support function calling", outcome_kind::route_rejected,
     "route_rejected"},
    {400, "Unsupported parameter: 'seed'", outcome_kind::route_rejected, "route_rejected"},
    {400, "response_format json_schema is not supported", outcome_kind::route_rejected,
     "route_rejected"},
    {400, R"({"error":{"code":"tool_use_failed"}})", outcome_kind::route_rejected,
     "route_rejected"},
    {451, "", outcome_kind::route_rejected, "route_rejected"},
    {408, "", outcome_kind::timeout, "timeout"},
    {400, R"({"error": {"message": "Invalid request payload"}})", outcome_kind::caller_error,
     "caller_error"},
    {400, "", outcome_kind::caller_error, "caller_error"},
    {422, "messages[0].role must be one of system, user, assistant", outcome_kind::caller_error,
     "caller_error"},
    {409, "conflict", outcome_kind::caller_error, "caller_error"},
  };
  for (const auto& row : table) {
    auto out = classify(answer(row.status, row.body));
    CAF_MESSAGE("status " << row.status << " body " << row.body);
    CAF_CHECK_EQUAL(to_string(out.kind), to_string(row.kind));
    CAF_CHECK_EQUAL(out.reason, row.reason);
    CAF_CHECK_EQUAL(out.status, row.status);
    CAF_CHECK_EQUAL(out.fall_through, row.kind != outcome_kind::caller_error);
  }
}

CAF_TEST(transport failures name their cause) {
  struct row {
    transport_failure failure;
    outcome_kind kind;
    std::string reason;
  };
  const row table[] = {
    {transport_failure::timeout, outcome_kind::timeout, "timeout"},
    {transport_failure::connect_error, outcome_kind::transport_error, "connect_error"},
    {transport_failure::tls_error, outcome_kind::transport_error, "tls_error"},
    {transport_failure::connection_reset, outcome_kind::transport_error, "connection_reset"},
    {transport_failure::protocol_error, outcome_kind::transport_error, "protocol_error"},
    {transport_failure::cancelled, outcome_kind::transport_error, "cancelled"},
  };
  for (const auto& r : table) {
    auto out = classify(failure(r.failure));
    CAF_CHECK_EQUAL(to_string(out.kind), to_string(r.kind));
    CAF_CHECK_EQUAL(out.reason, r.reason);
    CAF_CHECK_EQUAL(out.status, 0);
    CAF_CHECK(out.fall_through);
  }
}

CAF_TEST(outcome names are distinct and stable) {
  std::set<std::string> names;
  for (auto kind :
       {outcome_kind::success, outcome_kind::rate_limited, outcome_kind::timeout,
        outcome_kind::transport_error, outcome_kind::provider_5xx, outcome_kind::request_too_large,
        outcome_kind::auth_error, outcome_kind::model_not_found, outcome_kind::route_rejected,
        outcome_kind::caller_error, outcome_kind::malformed_response}) {
    names.insert(to_string(kind));
  }
  CAF_CHECK_EQUAL(names.size(), 11u);
  CAF_CHECK_EQUAL(std::string(to_string(outcome_kind::route_rejected)), "route_rejected");
}

CAF_TEST(a success carries the usage read from the same parse) {
  auto out = classify(answer(200, ok_body));
  CAF_CHECK(out.kind == outcome_kind::success);
  CAF_CHECK(out.usage.present);
  CAF_CHECK_EQUAL(out.usage.total_tokens, 3);
  auto without = classify(answer(200, R"({"choices":[]})"));
  CAF_CHECK(!without.usage.present);
}

CAF_TEST(the one pass scan reads usage like the parsed document) {
  // classify reads a 2xx body with a SAX pass; usage_from_value reads a parsed document. They must
  // agree: first occurrence wins, non-numbers count 0, negatives clamp, floats truncate.
  const std::string bodies[] = {
    ok_body,
    R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5}})",
    R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":0}})",
    R"({"choices":[],"usage":{"prompt_tokens":-4,"completion_tokens":2.9,"total_tokens":"7"}})",
    R"({"choices":[],"usage":{"total_tokens":1e300,"prompt_tokens":18446744073709551615}})",
    R"({"choices":[],"usage":{"total_tokens":3,"total_tokens":9}})",
    R"({"choices":[],"usage":{"total_tokens":3},"usage":{"total_tokens":9}})",
    R"({"choices":[],"usage":[{"total_tokens":3}]})",
    R"({"choices":[],"usage":null})",
    R"({"choices":[],"usage":{"details":{"total_tokens":8},"prompt_tokens":{"n":2},"completion_tokens":1}})",
    R"({"choices":[{"usage":{"total_tokens":8}}]})",
    R"({"usage":{"prompt_tokens":2},"choices":[],"x":{"usage":{"prompt_tokens":6}}})",
    R"({"choices":[],"usage":{"prompt_tokens":true,"completion_tokens":null,"total_tokens":[5]}})",
    // Escaped keys are read decoded (the scan unescapes them in place).
    R"({"choices":[],"usag\u0065":{"total_tokens":4},"usage":{"total_tokens":6}})",
    R"({"choices":[],"usage":{"total\u005ftokens":5,"prompt_tokens":1}})",
    // A byte order mark, or a stray byte of one (fuzz-answer_scan's regression stray_bom_byte).
    "\xEF\xBB\xBF"
    R"({"choices":[],"usage":{"total_tokens":2}})",
    "\xBF"
    R"({"choices":[],"usage":{"total_tokens":2}})",
  };
  for (const auto& body : bodies) {
    CAF_MESSAGE(body);
    auto out = classify(answer(200, body));
    auto expected = usage_of_document(body);
    CAF_CHECK(out.kind == outcome_kind::success);
    CAF_CHECK_EQUAL(out.usage.present, expected.present);
    CAF_CHECK_EQUAL(out.usage.prompt_tokens, expected.prompt_tokens);
    CAF_CHECK_EQUAL(out.usage.completion_tokens, expected.completion_tokens);
    CAF_CHECK_EQUAL(out.usage.total_tokens, expected.total_tokens);
  }
}

CAF_TEST(a body longer than the stack copy of the scan is read the same way) {
  // Bodies under 1 KiB are copied to the stack, longer ones to the heap: both sides of the
  // edge, with escapes before and after it, must give the counts a parsed document gives.
  for (size_t size : {1000, 1022, 1023, 1024, 1025, 1100, 70000}) {
    const std::string head = R"({"choices":[{"message":{"content":"a\"b\u00e9)";
    const std::string tail =
      R"("}}],"usage":{"prompt_tokens":7,"completion_tokens":8,"total_tokens":15}})";
    std::string body = head + std::string(size - head.size() - tail.size(), 'x') + tail;
    CAF_REQUIRE_EQUAL(body.size(), size);
    auto out = classify(answer(200, body));
    auto expected = usage_of_document(body);
    CAF_CHECK(out.kind == outcome_kind::success);
    CAF_CHECK(out.usage.present);
    CAF_CHECK_EQUAL(out.usage.total_tokens, expected.total_tokens);
    CAF_CHECK_EQUAL(out.usage.completion_tokens, 8);
    body.pop_back(); // unterminated: malformed on both sides of the edge
    CAF_CHECK(classify(answer(200, body)).kind == outcome_kind::malformed_response);
  }
}

CAF_TEST(an error envelope is told apart by its first error member) {
  const std::pair<std::string, outcome_kind> table[] = {
    {R"({"error":"boom"})", outcome_kind::malformed_response},
    {R"({"error":false})", outcome_kind::malformed_response},
    {R"({"error":0})", outcome_kind::malformed_response},
    {R"({"error":[]})", outcome_kind::malformed_response},
    {R"({"error":null})", outcome_kind::success},
    {R"({"error":null,"error":{"message":"x"}})", outcome_kind::success},
    {R"({"error":{"message":"x"},"choices":null})", outcome_kind::success},
    {R"({"data":{"error":{"message":"x"}}})", outcome_kind::success},
    {R"({"error":{"message":"x"}} trailing)", outcome_kind::malformed_response},
    {std::string(100000, '[') + std::string(100000, ']'), outcome_kind::malformed_response},
  };
  for (const auto& [body, kind] : table) {
    CAF_MESSAGE(body.substr(0, 60));
    CAF_CHECK_EQUAL(to_string(classify(answer(200, body)).kind), to_string(kind));
  }
}

CAF_TEST(a 2xx body may start with a byte order mark and its text ends at a NUL) {
  using namespace std::string_literals;
  const std::pair<std::string, outcome_kind> table[] = {
    {"\xEF\xBB\xBF{\"choices\":[]}", outcome_kind::success},
    {"\xEF\xBB\xBF", outcome_kind::malformed_response},
    {"\xEF\xBB", outcome_kind::malformed_response},
    {"{\"choices\":[]}\0 trailing"s, outcome_kind::success},
    {"{\"choices\"\0:[]}"s, outcome_kind::malformed_response},
  };
  for (const auto& [body, kind] : table) {
    CAF_MESSAGE(body.substr(0, 60));
    CAF_CHECK_EQUAL(to_string(classify(answer(200, body)).kind), to_string(kind));
  }
}
