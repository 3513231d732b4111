#define CAF_SUITE stream.commit
#include "http/openai/stream_commit.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using gw::openai::chunk_kind;
using gw::openai::classify_chunk;

namespace {

std::string delta_chunk(const std::string& delta) {
  return R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":)" + delta
         + R"(,"finish_reason":null}]})";
}

const char* name(chunk_kind kind) {
  switch (kind) {
  case chunk_kind::done:
    return "done";
  case chunk_kind::error:
    return "error";
  case chunk_kind::commit:
    return "commit";
  case chunk_kind::noise:
    return "noise";
  case chunk_kind::invalid_json:
    return "invalid_json";
  }
  return "?";
}

} // namespace

CAF_TEST(the commit rule table of the reference holds in both modes) {
  struct row {
    std::string data;
    const char* normal;
    const char* substantive;
    std::string visible;
  };
  const row table[] = {
    {delta_chunk(R"({"content":"Hello"})"), "commit", "commit", "Hello"},
    {delta_chunk(R"({"content":"  \n "})"), "commit", "noise", "  \n "},
    {delta_chunk(R"({"reasoning":"thinking"})"), "commit", "commit", "thinking"},
    {delta_chunk(R"({"reasoning_content":"hmm"})"), "commit", "commit", "hmm"},
    {delta_chunk(
       R"({"tool_calls":[{"index":0,"id":"t1","type":"function","function":{"name":"f","arguments":""}}]})"),
     "commit", "commit", ""},
    {delta_chunk(R"({"tool_calls":[]})"), "noise", "noise", ""},
    {delta_chunk(R"({"role":"assistant"})"), "noise", "noise", ""},
    {delta_chunk(R"({"role":"assistant","content":""})"), "noise", "noise", ""},
    {delta_chunk(R"({"content":null})"), "noise", "noise", ""},
    {delta_chunk(R"({"content":42})"), "noise", "noise", ""},
    {R"({"choices":[{"index":0,"text":"legacy"}]})", "commit", "commit", "legacy"},
    {delta_chunk(R"({"content":"a","reasoning":"b","reasoning_content":"c"})"), "commit", "commit",
     "abc"},
    {R"({"choices":[{"delta":{"content":"a","reasoning":" "},"text":"d"}]})", "commit", "commit",
     "a d"},
    {R"({"choices":[]})", "noise", "noise", ""},
    {R"({"choices":{}})", "noise", "noise", ""},
    {R"({"id":"x"})", "noise", "noise", ""},
    {"[1,2]", "noise", "noise", ""},
    {R"("just a string")", "noise", "noise", ""},
  };
  for (const auto& r : table) {
    auto normal = classify_chunk(r.data, false);
    auto substantive = classify_chunk(r.data, true);
    CAF_MESSAGE(r.data);
    CAF_CHECK_EQUAL(std::string(name(normal.kind)), r.normal);
    CAF_CHECK_EQUAL(std::string(name(substantive.kind)), r.substantive);
    CAF_CHECK_EQUAL(normal.visible_text, r.visible);
    CAF_CHECK_EQUAL(substantive.visible_text, r.visible);
  }
}

CAF_TEST(done is recognised with surrounding whitespace only) {
  CAF_CHECK(classify_chunk("[DONE]", false).kind == chunk_kind::done);
  CAF_CHECK(classify_chunk(" [DONE]\n", true).kind == chunk_kind::done);
  CAF_CHECK(classify_chunk("[DONE] x", false).kind == chunk_kind::invalid_json);
  CAF_CHECK(classify_chunk("[done]", false).kind == chunk_kind::invalid_json);
}

CAF_TEST(an error object is an error with its message) {
  auto v = classify_chunk(R"({"error":{"message":"Rate limit exceeded","code":429}})", false);
  CAF_CHECK(v.kind == chunk_kind::error);
  CAF_CHECK_EQUAL(v.error_message, "Rate limit exceeded");
  // An error wins over choices that would otherwise commit.
  v = classify_chunk(R"({"choices":[{"delta":{"content":"x"}}],"error":"overloaded"})", false);
  CAF_CHECK(v.kind == chunk_kind::error);
  CAF_CHECK_EQUAL(v.error_message, "overloaded");
  v = classify_chunk(R"({"error":{"code":500}})", false);
  CAF_CHECK(v.kind == chunk_kind::error);
  CAF_CHECK_EQUAL(v.error_message, R"({"code":500})");
}

CAF_TEST(a null error member is not an error) {
  auto v = classify_chunk(R"({"error":null,"choices":[{"delta":{"content":"ok"}}]})", false);
  CAF_CHECK(v.kind == chunk_kind::commit);
  CAF_CHECK_EQUAL(v.error_message, "");
}

CAF_TEST(a usage chunk is noise that carries the usage) {
  auto v = classify_chunk(
    R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}})",
    true);
  CAF_CHECK(v.kind == chunk_kind::noise);
  CAF_CHECK(v.has_usage);
  CAF_CHECK(v.usage.present);
  CAF_CHECK_EQUAL(v.usage.prompt_tokens, 12);
  CAF_CHECK_EQUAL(v.usage.completion_tokens, 30);
  CAF_CHECK_EQUAL(v.usage.total_tokens, 42);
}

CAF_TEST(usage on a committing chunk is reported too) {
  auto v = classify_chunk(
    R"({"choices":[{"delta":{"content":"hi"}}],"usage":{"prompt_tokens":2,"completion_tokens":3}})",
    false);
  CAF_CHECK(v.kind == chunk_kind::commit);
  CAF_CHECK(v.has_usage);
  CAF_CHECK_EQUAL(v.usage.total_tokens, 5);
  auto none = classify_chunk(R"({"choices":[{"delta":{"content":"hi"}}],"usage":null})", false);
  CAF_CHECK(!none.has_usage);
}

CAF_TEST(a chunk larger than the inline pool keeps its whole text and usage) {
  // Its document outgrows the 1 KiB that classify_chunk keeps on the stack.
  std::string content(50000, 'z');
  std::string chunk = R"({"choices":[{"delta":{"content":")" + content
                      + R"("}}],"usage":{"prompt_tokens":7,"completion_tokens":9}})";
  auto v = classify_chunk(chunk, true);
  CAF_CHECK(v.kind == chunk_kind::commit);
  CAF_CHECK_EQUAL(v.visible_text, content);
  CAF_CHECK(v.has_usage);
  CAF_CHECK_EQUAL(v.usage.total_tokens, 16);
}

CAF_TEST(data that is not JSON is invalid json) {
  for (const char* data : {"", "{not json", "{\"choices\":[", "data: {}", "nul"}) {
    auto v = classify_chunk(data, false);
    CAF_CHECK_EQUAL(std::string(name(v.kind)), "invalid_json");
  }
}

CAF_TEST(deeply nested chunks are parsed without recursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  CAF_CHECK(classify_chunk(deep, false).kind == chunk_kind::noise);
}
