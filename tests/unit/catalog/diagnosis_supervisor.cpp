#define CAF_SUITE catalog.diagnosis_supervisor
#include "catalog/diagnosis.hpp"

#include <caf/test/unit_test.hpp>

using gw::catalog::parse_supervisor_reply;
using gw::catalog::supervisor_prompt;

namespace {

// CAF 0.17 has no CAF_CHECK_MESSAGE: this names the failing case of a loop in the log.
bool named(bool holds, const std::string& what) {
  if (!holds) {
    CAF_MESSAGE("failing case: " << what);
  }
  return holds;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST(the prompt names the model and asks for the JSON verdict only) {
  auto q = supervisor_prompt("groq", "llama-new", "Llama New");
  CAF_CHECK(contains(q.system, "JSON only"));
  CAF_CHECK(contains(q.user, "Provider: groq"));
  CAF_CHECK(contains(q.user, "Model id: llama-new"));
  CAF_CHECK(contains(q.user, "Display name: Llama New"));
  CAF_CHECK(contains(q.user, "free-tier"));
  CAF_CHECK(contains(q.user, "Answer false without reliable evidence"));
  CAF_CHECK(contains(q.user, R"({"free_chat_model": bool, "confidence": "high|medium|low", )"
                             R"("reason": str, "sources": [str]})"));
}

CAF_TEST(a plain JSON reply with high confidence is positive) {
  auto v = parse_supervisor_reply(
    R"({"free_chat_model": true, "confidence": "HIGH", "reason": "Free tier documented.",)"
    R"( "sources": ["https://console.groq.com/docs/rate-limits", 42, null, "https://b"]})");
  CAF_CHECK(v.positive());
  CAF_CHECK(v.free_chat_model);
  CAF_CHECK_EQUAL(v.confidence, "high");
  CAF_CHECK_EQUAL(v.reason, "Free tier documented.");
  std::vector<std::string> sources{"https://console.groq.com/docs/rate-limits", "https://b"};
  CAF_CHECK_EQUAL(v.sources, sources);
}

CAF_TEST(a JSON object inside prose is read from the first to the last brace) {
  auto v = parse_supervisor_reply(
    "Sure! Here is my verdict:\n```json\n{\"free_chat_model\": true, \"confidence\": \"high\", "
    "\"reason\": \"Uses {free} tier\", \"sources\": []}\n```\nHope this helps.");
  CAF_CHECK(v.positive());
  CAF_CHECK_EQUAL(v.reason, "Uses {free} tier");
}

CAF_TEST(medium confidence is not positive) {
  auto v = parse_supervisor_reply(R"({"free_chat_model": true, "confidence": "medium"})");
  CAF_CHECK(v.free_chat_model);
  CAF_CHECK_EQUAL(v.confidence, "medium");
  CAF_CHECK(!v.positive());
}

CAF_TEST(confidence defaults to low) {
  for (const char* reply : {R"({"free_chat_model": true})",
                            R"({"free_chat_model": true,)"
                            R"( "confidence": null})",
                            R"({"free_chat_model": true, "confidence": ""})"}) {
    auto v = parse_supervisor_reply(reply);
    CAF_CHECK_EQUAL(v.confidence, "low");
    CAF_CHECK(!v.positive());
  }
}

CAF_TEST(free chat model must be literally true) {
  for (const char* value : {R"("true")", "1", R"("yes")", "null", "[true]"}) {
    auto v = parse_supervisor_reply(R"({"free_chat_model": )" + std::string{value}
                                    + R"(, "confidence": "high"})");
    CAF_CHECK(named(!v.free_chat_model, value));
    CAF_CHECK(named(!v.positive(), value));
  }
}

CAF_TEST(garbage and non objects are unparsable negatives) {
  for (const char* reply : {"", "I cannot tell.", "{not json}", "} backwards {", "[true]",
                            R"("free")", "{\"free_chat_model\": true", "\xff"}) {
    auto v = parse_supervisor_reply(reply);
    CAF_CHECK(named(!v.positive(), reply));
    CAF_CHECK(named(!v.free_chat_model, reply));
    CAF_CHECK_EQUAL(v.reason, "unparsable");
    CAF_CHECK_EQUAL(v.confidence, "none");
  }
}

CAF_TEST(a reason that is not a string is empty) {
  auto v =
    parse_supervisor_reply(R"({"free_chat_model": false, "confidence": "low", "reason": 3})");
  CAF_CHECK_EQUAL(v.reason, "");
  CAF_CHECK(!v.positive());
}
