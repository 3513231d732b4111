#define CAF_SUITE policy.chat_request
#include "http/openai/chat_payload.hpp"

#include <caf/test/unit_test.hpp>

#include <memory>
#include <string>
#include <variant>

using gw::openai::chat_request;
using gw::openai::parse_chat_request;
using gw::openai::request_error;

namespace {

struct rejection {
  std::string body;
  std::string message;
  std::string param;
};

const std::string hello = R"([{"role":"user","content":"hello"}])";

std::string with_messages(const std::string& extra) {
  return R"({"messages":)" + hello + (extra.empty() ? "" : "," + extra) + "}";
}

} // namespace

CAF_TEST(every validation error names its message and parameter) {
  const rejection table[] = {
    {"[]", "Request body must be a JSON object", ""},
    {R"("text")", "Request body must be a JSON object", ""},
    {"42", "Request body must be a JSON object", ""},
    {"{}", "Request body must include a non-empty 'messages' array", "messages"},
    {R"({"messages":"hi"})", "Request body must include a non-empty 'messages' array", "messages"},
    {R"({"messages":{}})", "Request body must include a non-empty 'messages' array", "messages"},
    {R"({"messages":[]})", "Request body must include a non-empty 'messages' array", "messages"},
    {R"({"messages":null})", "Request body must include a non-empty 'messages' array", "messages"},
    {R"({"messages":[1]})", "messages[0] must be an object", "messages[0]"},
    {R"({"messages":[{"role":"user","content":"a"},"x"]})", "messages[1] must be an object",
     "messages[1]"},
    {R"({"messages":[{"content":"a"}]})", "messages[0].role must be a string", "messages[0].role"},
    {R"({"messages":[{"role":5,"content":"a"}]})", "messages[0].role must be a string",
     "messages[0].role"},
    {R"({"messages":[{"role":"user","content":"a"},{"role":"user"}]})",
     "messages[1].content is required", "messages[1].content"},
    {with_messages(R"("model":5)"), "'model' must be a string", "model"},
    {with_messages(R"("model":["auto"])"), "'model' must be a string", "model"},
    {with_messages(R"("stream":"yes")"), "'stream' must be a boolean", "stream"},
    {with_messages(R"("stream":1)"), "'stream' must be a boolean", "stream"},
    {with_messages(R"("max_tokens":[])"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":{})"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":"abc")"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":"1.5")"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":"")"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":-1)"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_tokens":"-3")"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    // Too large is told as such, with the bound (2^62 was "not a non-negative integer").
    {with_messages(R"("max_tokens":1e300)"), "'max_tokens' must be at most 1000000000000",
     "max_tokens"},
    {with_messages(R"("max_tokens":18446744073709551615)"),
     "'max_tokens' must be at most 1000000000000", "max_tokens"},
    {with_messages(R"("max_tokens":4611686018427387904)"),
     "'max_tokens' must be at most 1000000000000", "max_tokens"},
    {with_messages(R"("max_tokens":1000000000001)"), "'max_tokens' must be at most 1000000000000",
     "max_tokens"},
    {with_messages(R"("max_tokens":" +0004611686018427387904 ")"),
     "'max_tokens' must be at most 1000000000000", "max_tokens"},
    {with_messages(R"("max_completion_tokens":1e13)"),
     "'max_completion_tokens' must be at most 1000000000000", "max_completion_tokens"},
    {with_messages(R"("max_tokens":-1e300)"), "'max_tokens' must be a non-negative integer",
     "max_tokens"},
    {with_messages(R"("max_completion_tokens":"x")"),
     "'max_completion_tokens' must be a non-negative integer", "max_completion_tokens"},
    {with_messages(R"("temperature":"hot")"), "'temperature' must be a number", "temperature"},
    {with_messages(R"("top_p":true)"), "'top_p' must be a number", "top_p"},
    {with_messages(R"("tools":{})"), "'tools' must be an array", "tools"},
    {with_messages(R"("tools":"web")"), "'tools' must be an array", "tools"},
    {with_messages(R"("stream_options":true)"), "'stream_options' must be an object",
     "stream_options"},
  };
  for (const auto& row : table) {
    auto parsed = parse_chat_request(row.body);
    auto* err = std::get_if<request_error>(&parsed);
    if (err == nullptr) {
      CAF_FAIL("accepted: " << row.body);
    }
    CAF_CHECK_EQUAL(err->message, row.message);
    CAF_CHECK_EQUAL(err->param, row.param);
  }
}

CAF_TEST(invalid json reports the parser reason and the byte offset) {
  // The iterative parser reports the offset after the byte it could not continue from.
  auto parsed = parse_chat_request("not json");
  auto* err = std::get_if<request_error>(&parsed);
  CAF_REQUIRE(err != nullptr);
  CAF_CHECK_EQUAL(err->message, "Invalid JSON body: Invalid value at offset 1");
  CAF_CHECK_EQUAL(err->param, "");
  parsed = parse_chat_request(R"({"messages": [)");
  err = std::get_if<request_error>(&parsed);
  CAF_REQUIRE(err != nullptr);
  CAF_CHECK_EQUAL(err->message.rfind("Invalid JSON body: ", 0), 0u);
  CAF_CHECK_EQUAL(err->message.substr(err->message.size() - 13), " at offset 14");
  parsed = parse_chat_request("");
  CAF_CHECK(std::holds_alternative<request_error>(parsed));
  parsed = parse_chat_request(with_messages("") + " trailing");
  CAF_CHECK(std::holds_alternative<request_error>(parsed));
}

CAF_TEST(invalid utf8 inside a string is a bad request) {
  auto parsed = parse_chat_request("{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}");
  auto* err = std::get_if<request_error>(&parsed);
  CAF_REQUIRE(err != nullptr);
  CAF_CHECK_EQUAL(err->message.rfind("Invalid JSON body: ", 0), 0u);
}

CAF_TEST(bodies nested deeper than the limit are refused without recursion) {
  auto nested = [](int depth) {
    std::string open(static_cast<size_t>(depth), '[');
    std::string close(static_cast<size_t>(depth), ']');
    return with_messages(R"("metadata":)" + open + close);
  };
  // The body object is level 1, so `metadata` with n brackets nests n + 1 levels: 128 pass,
  // 129 do not.
  CAF_CHECK(std::holds_alternative<chat_request>(
    parse_chat_request(nested(gw::openai::max_json_depth - 3))));
  CAF_CHECK(std::holds_alternative<chat_request>(
    parse_chat_request(nested(gw::openai::max_json_depth - 1))));
  // Levels inside arrays of objects count the same: 1 + 1 + 1 + 1 + 124 = 128.
  CAF_CHECK(std::holds_alternative<chat_request>(parse_chat_request(
    R"({"messages":[{"role":"user","content":"hi"}],"a":[{"b":[)"
    + std::string(static_cast<size_t>(gw::openai::max_json_depth - 4), '[')
    + std::string(static_cast<size_t>(gw::openai::max_json_depth - 4), ']') + "]}]}")));
  CAF_CHECK(std::holds_alternative<request_error>(parse_chat_request(
    R"({"messages":[{"role":"user","content":"hi"}],"a":[{"b":[)"
    + std::string(static_cast<size_t>(gw::openai::max_json_depth - 3), '[')
    + std::string(static_cast<size_t>(gw::openai::max_json_depth - 3), ']') + "]}]}")));
  auto parsed = parse_chat_request(nested(gw::openai::max_json_depth));
  auto* err = std::get_if<request_error>(&parsed);
  CAF_REQUIRE(err != nullptr);
  CAF_CHECK_EQUAL(err->message, "Request body nests arrays/objects deeper than 128 levels");
  // A hostile body far deeper than any stack could recurse through.
  std::string hostile(1'000'000, '[');
  CAF_CHECK(std::holds_alternative<request_error>(parse_chat_request(hostile)));
  std::string closed = std::string(200'000, '[') + std::string(200'000, ']');
  CAF_CHECK(std::holds_alternative<request_error>(parse_chat_request(closed)));
}

CAF_TEST(a valid request exposes model stream usage flag and estimates) {
  auto parsed =
    parse_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})");
  auto* req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  CAF_CHECK_EQUAL(req->model, "auto");
  CAF_CHECK_EQUAL(req->stream, false);
  CAF_CHECK_EQUAL(req->include_usage, false);
  CAF_CHECK_EQUAL(req->prompt_estimate, 5); // floor(5 / 4) + 4
  CAF_CHECK_EQUAL(req->max_output_tokens, 0);
  CAF_CHECK_EQUAL(req->total_estimate(), 5);
  CAF_REQUIRE(req->document != nullptr);
  CAF_CHECK(req->document->IsObject());
  CAF_CHECK((*req->document)["messages"].IsArray());

  parsed = parse_chat_request(with_messages(
    R"("model":"groq-llama","stream":true,"stream_options":{"include_usage":true},"max_tokens":"100")"));
  req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  CAF_CHECK_EQUAL(req->model, "groq-llama");
  CAF_CHECK_EQUAL(req->stream, true);
  CAF_CHECK_EQUAL(req->include_usage, true);
  CAF_CHECK_EQUAL(req->max_output_tokens, 100);
  CAF_CHECK_EQUAL(req->total_estimate(), 105);
}

CAF_TEST(null optional fields count as absent) {
  auto parsed = parse_chat_request(with_messages(
    R"("model":null,"stream":null,"max_tokens":null,"temperature":null,"tools":null,"stream_options":null)"));
  auto* req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  CAF_CHECK_EQUAL(req->model, "");
  CAF_CHECK_EQUAL(req->stream, false);
  CAF_CHECK_EQUAL(req->max_output_tokens, 0);
}

CAF_TEST(null content is allowed) {
  auto parsed = parse_chat_request(R"({"messages":[{"role":"assistant","content":null}]})");
  CAF_CHECK(std::holds_alternative<chat_request>(parsed));
}

CAF_TEST(max output tokens follow python int and or semantics) {
  struct row {
    std::string fields;
    int64_t expected;
  };
  const row table[] = {
    {R"("max_tokens":100)", 100},
    {R"("max_tokens":"100")", 100},
    {R"("max_tokens":" 42 ")", 42},
    {R"("max_tokens":"+7")", 7},
    {R"("max_tokens":true)", 1},
    {R"("max_tokens":false)", 0},
    {R"("max_tokens":1.9)", 1},
    {R"("max_tokens":2.0)", 2},
    {R"("max_tokens":0)", 0},
    {R"("max_completion_tokens":30,"max_tokens":50)", 30},
    {R"("max_completion_tokens":0,"max_tokens":50)", 50},
    {R"("max_completion_tokens":null,"max_tokens":"64")", 64},
  };
  for (const auto& r : table) {
    auto parsed = parse_chat_request(with_messages(r.fields));
    auto* req = std::get_if<chat_request>(&parsed);
    if (req == nullptr) {
      CAF_FAIL("rejected: " << r.fields);
    }
    CAF_CHECK_EQUAL(req->max_output_tokens, r.expected);
    CAF_CHECK_EQUAL(req->total_estimate(), req->prompt_estimate + r.expected);
  }
}

CAF_TEST(stream false and include usage false are read as given) {
  auto parsed =
    parse_chat_request(with_messages(R"("stream":false,"stream_options":{"include_usage":false})"));
  auto* req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  CAF_CHECK_EQUAL(req->stream, false);
  CAF_CHECK_EQUAL(req->include_usage, false);
}

CAF_TEST(mutated bodies are accepted or refused and accepted ones build valid bodies) {
  const std::string seed_body =
    R"({"model":"auto","stream":true,"max_tokens":"12","tools":[{"type":"web_search_preview"}],"messages":[{"role":"user","content":[{"type":"text","text":"héllo"},{"type":"image_url","image_url":{"url":"x"}}]}]})";
  const std::string alphabet = "{}[]\",:0123456789.-eE \\u\xc3\xa9\xff tnrfals";
  uint64_t state = 0x9E3779B97F4A7C15ull; // fixed seed: the run is reproducible
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    auto body = seed_body;
    for (int edits = 1 + static_cast<int>(next() % 3); edits > 0 && !body.empty(); --edits) {
      auto pos = next() % body.size();
      auto c = alphabet[next() % alphabet.size()];
      switch (next() % 3) {
      case 0:
        body[pos] = c;
        break;
      case 1:
        body.erase(pos, 1);
        break;
      default:
        body.insert(pos, 1, c);
      }
    }
    auto parsed = parse_chat_request(body);
    if (auto* req = std::get_if<chat_request>(&parsed)) {
      ++accepted;
      CAF_CHECK(req->prompt_estimate >= 1);
      for (const char* provider : {"groq", "openrouter", "gemini"}) {
        auto out = gw::openai::build_upstream_body(*req, provider, "m", req->stream);
        rapidjson::Document doc;
        doc.Parse<rapidjson::kParseValidateEncodingFlag>(out.data(), out.size());
        if (doc.HasParseError() || !doc.IsObject()) {
          CAF_FAIL("invalid upstream body " << out << " from " << body);
        }
        CAF_CHECK(doc["model"] == "m");
      }
    } else {
      CAF_CHECK(!std::get<request_error>(parsed).message.empty());
    }
  }
  // Single-byte edits keep a fair share of bodies valid, so both paths were exercised.
  CAF_CHECK(accepted > 100);
}

// Found by tests/fuzz/chat_payload.cpp (regressions/chat_payload/): RapidJSON 1.1.0's
// full-precision path calls __builtin_clzll(0) for a zero significand with a large exponent,
// and the Release build read "0E000068" as 1.01e31. Numbers are now converted by parse_exact().
CAF_TEST(a zero with a large exponent parses as zero and is forwarded as zero) {
  auto parsed = parse_chat_request(with_messages(R"("temperature":0E000068,"top_p":-0e-400)"));
  auto* req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  const auto& doc = *req->document;
  CAF_REQUIRE(doc["temperature"].IsDouble());
  CAF_CHECK_EQUAL(doc["temperature"].GetDouble(), 0.0);
  CAF_CHECK_EQUAL(doc["top_p"].GetDouble(), 0.0);
  auto body = gw::openai::build_upstream_body(*req, "groq", "m", false);
  CAF_CHECK(body.find(R"("temperature":0.0)") != std::string::npos);
}

CAF_TEST(numbers keep their exact value and their integer type) {
  auto parsed = parse_chat_request(with_messages(
    R"("a":0.1,"b":-2147483649,"c":4294967296,"d":18446744073709551616,"e":-7,"f":3,"g":1e-400)"));
  auto* req = std::get_if<chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  const auto& doc = *req->document;
  CAF_CHECK_EQUAL(doc["a"].GetDouble(), 0.1);
  CAF_CHECK(doc["b"].IsInt64() && !doc["b"].IsInt());
  CAF_CHECK_EQUAL(doc["b"].GetInt64(), -2147483649LL);
  CAF_CHECK(doc["c"].IsUint64() && !doc["c"].IsUint());
  CAF_CHECK(doc["d"].IsDouble());
  CAF_CHECK(doc["e"].IsInt() && doc["f"].IsUint() && doc["f"].IsInt());
  CAF_CHECK_EQUAL(doc["g"].GetDouble(), 0.0);
  auto too_big = parse_chat_request(with_messages(R"("a":1e400)"));
  auto* err = std::get_if<request_error>(&too_big);
  CAF_REQUIRE(err != nullptr);
  CAF_CHECK(err->message.find("Number too big") != std::string::npos);
}

CAF_TEST(a document larger than its inline pool keeps every value after the parse) {
  // Messages beyond the document's inline 2 KiB and several further chunks, then one string
  // larger than a chunk: every value must still read back once the request is gone and only
  // a copy of its document pointer keeps the pool alive.
  std::string body = R"({"model":"auto","messages":[)";
  for (int i = 0; i < 300; ++i) {
    body += (i > 0 ? "," : "");
    body += R"({"role":"user","content":"message )" + std::to_string(i) + " "
            + std::string(200, 'x') + R"("})";
  }
  const std::string long_text(100000, 'y');
  body += R"(,{"role":"user","content":")" + long_text + R"("}]})";
  std::shared_ptr<rapidjson::Document> document;
  {
    auto parsed = parse_chat_request(body);
    auto* req = std::get_if<chat_request>(&parsed);
    CAF_REQUIRE(req != nullptr);
    document = req->document;
  }
  const auto& messages = (*document)["messages"];
  CAF_REQUIRE(messages.IsArray());
  CAF_REQUIRE_EQUAL(messages.Size(), 301u);
  CAF_CHECK_EQUAL(std::string(messages[0]["content"].GetString()),
                  "message 0 " + std::string(200, 'x'));
  CAF_CHECK_EQUAL(std::string(messages[299]["content"].GetString()),
                  "message 299 " + std::string(200, 'x'));
  CAF_CHECK_EQUAL(std::string(messages[300]["content"].GetString()), long_text);
  CAF_CHECK_EQUAL(std::string((*document)["model"].GetString()), "auto");
}
