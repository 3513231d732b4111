#define CAF_SUITE policy.upstream_body
#include "http/openai/chat_payload.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

#include "json_helpers.hpp"

using gw::openai::build_upstream_body;
using gw::openai::chat_request;
using gw::openai::parse_chat_request;
using policy_test::same_json;

namespace {

chat_request request(const std::string& body) {
  auto parsed = parse_chat_request(body);
  auto* req = std::get_if<chat_request>(&parsed);
  if (req == nullptr) {
    CAF_FAIL("rejected: " << std::get<gw::openai::request_error>(parsed).message);
  }
  return std::move(*req);
}

const std::string messages = R"("messages":[{"role":"user","content":"search the web"}])";

// The web-search request of reference §16.3 items 6-8.
std::string web_search_body(const std::string& extra = "") {
  return "{" + messages
         + R"(,"model":"auto","tools":[{"type":"web_search_preview"}],"tool_choice":{"type":"web_search_preview"},"max_tokens":100,"max_completion_tokens":100)"
         + extra + "}";
}

} // namespace

CAF_TEST(a non streaming body replaces the model and drops stream keys only) {
  auto req = request(
    R"({"model":"auto","messages":[{"role":"user","content":"héllo \u00e9 😀 \"q\" \\ \n"}],"stream":false,"temperature":0.7,"max_tokens":100,"n":1,"seed":12345678901234,"big":1.5e300,"tiny":-2.5e-8,"u64":18446744073709551615,"logit_bias":{"50256":-100},"stop":["\u0000"],"stream_options":{"include_usage":true}})");
  auto body = build_upstream_body(req, "cerebras", "llama3.1-8b", false);
  CAF_CHECK_EQUAL(
    body,
    R"({"model":"llama3.1-8b","messages":[{"role":"user","content":"héllo é 😀 \"q\" \\ \n"}],"temperature":0.7,"max_tokens":100,"n":1,"seed":12345678901234,"big":1.5e300,"tiny":-2.5e-8,"u64":18446744073709551615,"logit_bias":{"50256":-100},"stop":["\u0000"]})");
}

CAF_TEST(building a body leaves the shared client document unchanged) {
  const std::string original = web_search_body(R"(,"stream":true)");
  auto req = request(original);
  build_upstream_body(req, "groq", "groq/compound", true);
  build_upstream_body(req, "openrouter", "openrouter/free", false);
  auto expected = policy_test::parse(original);
  CAF_CHECK(*req.document == *expected);
}

CAF_TEST(a missing model is added) {
  auto req = request("{" + messages + "}");
  CAF_CHECK_EQUAL(build_upstream_body(req, "nvidia", "meta/llama", false),
                  "{" + messages + R"(,"model":"meta/llama"})");
}

CAF_TEST(a streaming body asks for usage and keeps other stream options) {
  auto req = request(
    "{" + messages
    + R"(,"model":"auto","stream":true,"stream_options":{"other":1,"include_usage":false},"top_p":1})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "llama-3.1-8b-instant", true),
    "{" + messages
      + R"(,"model":"llama-3.1-8b-instant","stream":true,"stream_options":{"other":1,"include_usage":true},"top_p":1})");
}

CAF_TEST(a streaming body adds stream and stream options when the client sent neither) {
  auto req = request("{" + messages + R"(,"model":"x"})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "gemini", "gemini-2.0-flash", true),
    "{" + messages
      + R"(,"model":"gemini-2.0-flash","stream":true,"stream_options":{"include_usage":true}})");
}

CAF_TEST(groq web search becomes compound custom without tools and max tokens) {
  // Reference §16.3 item 6.
  auto req = request(web_search_body());
  auto body = build_upstream_body(req, "groq", "groq/compound", false);
  CAF_CHECK_EQUAL(
    body,
    "{" + messages
      + R"(,"model":"groq/compound","compound_custom":{"tools":{"enabled_tools":["web_search"]}}})");
}

CAF_TEST(groq replaces an invalid compound custom in place) {
  // Reference §16.3 item 7.
  auto req = request(web_search_body(R"(,"compound_custom":"invalid","seed":1)"));
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "groq/compound", false),
    "{" + messages
      + R"(,"model":"groq/compound","compound_custom":{"tools":{"enabled_tools":["web_search"]}},"seed":1})");
  req = request(web_search_body(R"(,"compound_custom":{"tools":"bad"})"));
  CAF_CHECK(same_json(
    build_upstream_body(req, "groq", "groq/compound", false),
    "{" + messages
      + R"(,"model":"groq/compound","compound_custom":{"tools":{"enabled_tools":["web_search"]}}})"));
  req = request(web_search_body(R"(,"compound_custom":{"tools":{"enabled_tools":"bad"}})"));
  CAF_CHECK(same_json(
    build_upstream_body(req, "groq", "groq/compound", false),
    "{" + messages
      + R"(,"model":"groq/compound","compound_custom":{"tools":{"enabled_tools":["web_search"]}}})"));
}

CAF_TEST(groq keeps other tools and compound settings and adds web search once) {
  auto req = request(
    "{" + messages
    + R"(,"tools":[{"type":"function","function":{"name":"f"}},{"type":"web_search_preview"}],"compound_custom":{"x":1,"tools":{"enabled_tools":["code_interpreter"],"y":2}}})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "groq/compound-mini", false),
    "{" + messages
      + R"(,"tools":[{"type":"function","function":{"name":"f"}}],"compound_custom":{"x":1,"tools":{"enabled_tools":["code_interpreter","web_search"],"y":2}},"model":"groq/compound-mini"})");
  req = request(
    "{" + messages
    + R"(,"tools":[{"type":"web_search_preview"}],"compound_custom":{"tools":{"enabled_tools":["web_search"]}}})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "groq/compound", false),
    "{" + messages
      + R"(,"compound_custom":{"tools":{"enabled_tools":["web_search"]}},"model":"groq/compound"})");
}

CAF_TEST(openrouter web search uses its server tool) {
  // Reference §16.3 item 8; max-token fields stay for openrouter.
  auto req = request(web_search_body());
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "openrouter", "openrouter/free", false),
    "{" + messages
      + R"(,"model":"openrouter/free","tools":[{"type":"openrouter:web_search"}],"max_tokens":100,"max_completion_tokens":100})");
}

CAF_TEST(openrouter keeps function tools and does not duplicate its server tool) {
  auto req = request(
    "{" + messages
    + R"(,"tools":[{"type":"function","function":{"name":"f"}},{"type":"web_search_preview"},{"type":"openrouter:web_search"}],"tool_choice":"auto"})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "openrouter", "m", false),
    "{" + messages
      + R"(,"tools":[{"type":"function","function":{"name":"f"}},{"type":"openrouter:web_search"}],"model":"m"})");
}

CAF_TEST(other providers forward web search tools unchanged) {
  auto req = request(web_search_body());
  auto body = build_upstream_body(req, "gemini", "gemini-2.0-flash", false);
  CAF_CHECK(same_json(
    body,
    "{" + messages
      + R"(,"model":"gemini-2.0-flash","tools":[{"type":"web_search_preview"}],"tool_choice":{"type":"web_search_preview"},"max_tokens":100,"max_completion_tokens":100})"));
}

CAF_TEST(without a web search preview tool groq bodies are not translated) {
  auto req = request(
    "{" + messages
    + R"(,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","max_tokens":5})");
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "llama", false),
    "{" + messages
      + R"(,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","max_tokens":5,"model":"llama"})");
}

CAF_TEST(streaming and the groq translation combine) {
  auto req = request(web_search_body(R"(,"stream":true)"));
  CAF_CHECK_EQUAL(
    build_upstream_body(req, "groq", "groq/compound", true),
    "{" + messages
      + R"(,"model":"groq/compound","stream":true,"stream_options":{"include_usage":true},"compound_custom":{"tools":{"enabled_tools":["web_search"]}}})");
}

CAF_TEST(control characters are escaped wherever they fall in a long string) {
  // RapidJSON 1.1.0's SSE2 string paths test "below 0x20" as "at most 0x19": a raw 0x1A-0x1F
  // (an ANSI escape is 0x1B) inside a 16-byte block was written unescaped, which made the
  // upstream body invalid JSON. Every offset of a 16-byte block gets one here.
  std::string content;
  for (int i = 0; i < 48; ++i) {
    content += std::string(static_cast<size_t>(i % 17), 'a') + "\\u001b[31m\\u001f\\u001a";
  }
  auto req =
    request(R"({"model":"auto","messages":[{"role":"user","content":")" + content + R"("}]})");
  auto body = build_upstream_body(req, "groq", "m", false);
  for (unsigned char c : body) {
    if (c < 0x20) {
      CAF_FAIL("a raw control character " << static_cast<int>(c) << " in the upstream body");
    }
  }
  CAF_CHECK(body.find(R"(\u001B[31m\u001F\u001A)") != std::string::npos);
  CAF_CHECK(same_json(body, R"({"model":"m","messages":[{"role":"user","content":")" + content
                              + R"("}]})"));
}

namespace {

gw::openai::chat_request owned(const std::string& body) {
  auto parsed = gw::openai::parse_owned_chat_request(body);
  auto* req = std::get_if<chat_request>(&parsed);
  if (req == nullptr) {
    CAF_FAIL("rejected: " << std::get<gw::openai::request_error>(parsed).message);
  }
  return std::move(*req);
}

/// The model value a splice would replace, as parse_owned_chat_request finds it.
std::string span_text(const std::string& body) {
  auto span = owned(body).model_span;
  return span ? body.substr(span->begin, span->end - span->begin) : std::string("none");
}

} // namespace

CAF_TEST(the model value is found at the top level only and with its quotes) {
  CAF_CHECK_EQUAL(span_text(R"({"model":"auto","messages":[{"role":"user","content":"x"}]})"),
                  R"("auto")");
  CAF_CHECK_EQUAL(
    span_text(" {\n \"messages\" : [{\"role\":\"user\",\"content\":\"c\",\"model\":\"inner\","
              "\"x\":{\"model\":1}}] , \"model\" : \"a\\\"b\" , \"n\" : 1e2 }"),
    R"("a\"b")");
  CAF_CHECK_EQUAL(
    span_text(R"({"messages":[{"role":"user","content":"\"model\":\"x\" } ] {"}],"model":"m"})"),
    R"("m")");
  CAF_CHECK_EQUAL(
    span_text(
      R"({"messages":[{"role":"user","content":"x"}],"temperature":0.5,"model":"m","stop":null})"),
    R"("m")");
  // Keys with escapes before it are passed over: the document says they are not the model.
  CAF_CHECK_EQUAL(span_text(R"({"mess\u0061ges":[{"role":"user","content":"x"}],"model":"m"})"),
                  R"("m")");
  CAF_CHECK_EQUAL(
    span_text(R"({"x\u0041":1,"model":"m","messages":[{"role":"user","content":"x"}]})"), R"("m")");
}

CAF_TEST(what a copy cannot write leaves the span out) {
  const std::string one_message = R"("messages":[{"role":"user","content":"x"}])";
  CAF_CHECK_EQUAL(span_text("{" + one_message + "}"), "none"); // added
  CAF_CHECK_EQUAL(span_text(R"({"model":"a",)" + one_message + R"(,"model":"b"})"),
                  "none");                                                     // twice
  CAF_CHECK_EQUAL(span_text(R"({"model":null,)" + one_message + "}"), "none"); // not a string
  CAF_CHECK_EQUAL(span_text(R"({"model":"a","stream":false,)" + one_message + "}"), "none");
  CAF_CHECK_EQUAL(span_text(R"({"model":"a","stream":null,)" + one_message + "}"), "none");
  CAF_CHECK_EQUAL(span_text(R"({"model":"a","stream_options":{},)" + one_message + "}"), "none");
  // Escaped keys: the one model is spelled with an escape, or a second one hides behind one.
  CAF_CHECK_EQUAL(span_text(R"({"mod\u0065l":"a",)" + one_message + "}"), "none");
  CAF_CHECK_EQUAL(span_text(R"({"model":"a","mod\u0065l":"b",)" + one_message + "}"), "none");
  CAF_CHECK_EQUAL(span_text(R"({"model":"a","str\u0065am":true,)" + one_message + "}"), "none");
  CAF_CHECK(!gw::openai::top_level_model_span(R"([{"model":"a"}])").has_value());
}

CAF_TEST(a spliced body holds the same json as the written one) {
  const std::string bodies[] = {
    R"({"model":"auto","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32})",
    "{ \"messages\": [ {\"role\": \"user\", \"content\": \"h\\u00e9llo \\\"q\\\" \\\\ \\n 😀\"} ],\n"
    "  \"model\": \"auto\", \"temperature\": 0.7, \"seed\": 12345678901234, \"n\": 1,\n"
    "  \"logit_bias\": {\"50256\": -100}, \"stop\": [\"\\u0000\"], \"big\": 1.5e300 }",
    R"({"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"}]"}]}],"tools":[]})",
  };
  for (const auto& body : bodies) {
    auto copied = owned(body);
    CAF_REQUIRE(copied.model_span.has_value());
    auto spliced = build_upstream_body(copied, "groq", "llama-3.1-8b-instant", false);
    auto written = build_upstream_body(request(body), "groq", "llama-3.1-8b-instant", false);
    CAF_CHECK(same_json(spliced, written));
    // The client's own text around the new model value: its spacing and spelling stay.
    auto at = body.find(span_text(body));
    CAF_CHECK_EQUAL(spliced.substr(0, at), body.substr(0, at));
  }
}

CAF_TEST(a model id that needs escaping is escaped in a spliced body) {
  auto req = owned(R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})");
  CAF_CHECK_EQUAL(build_upstream_body(req, "p", "odd\"id\\", false),
                  R"({"model":"odd\"id\\","messages":[{"role":"user","content":"hi"}]})");
}

CAF_TEST(streaming and web search bodies are written from the document even when owned) {
  auto streamed = owned(R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})");
  CAF_CHECK_EQUAL(
    build_upstream_body(streamed, "p", "m", true),
    R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})");
  auto search = owned(web_search_body());
  CAF_CHECK_EQUAL(
    build_upstream_body(search, "groq", "groq/compound", false),
    "{" + messages
      + R"(,"model":"groq/compound","compound_custom":{"tools":{"enabled_tools":["web_search"]}}})");
}
