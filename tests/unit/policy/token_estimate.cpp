#define CAF_SUITE policy.token_estimate
#include "http/openai/chat_payload.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

#include "json_helpers.hpp"

using gw::openai::estimate_prompt_tokens;

namespace {

int64_t estimate(const std::string& json) {
  auto doc = policy_test::parse(json);
  CAF_REQUIRE(!doc->HasParseError());
  return estimate_prompt_tokens(*doc);
}

// The exact character count C the estimate gives an `input` item: the estimate only shows
// floor(C / 4), so padding of 0..3 extra characters reveals the remainder.
int64_t measured_chars(const std::string& item_json) {
  auto with_pad = [&](int pad) {
    return estimate(R"({"messages":[{"role":"user","content":""}],"input":[)" + item_json + R"(,")"
                    + std::string(static_cast<size_t>(pad), 'x') + R"("]})");
  };
  auto base = with_pad(0);
  int step = 1;
  while (step < 4 && with_pad(step) == base) {
    ++step;
  }
  return (base - 4) * 4 + (4 - step) % 4;
}

} // namespace

CAF_TEST(string content counts characters over four plus four per message) {
  CAF_CHECK_EQUAL(estimate(R"({"messages":[{"role":"user","content":"hello"}]})"), 5);
  std::string forty(40, 'a');
  CAF_CHECK_EQUAL(estimate(R"({"messages":[{"role":"system","content":")" + forty
                           + R"("},{"role":"user","content":")" + forty + R"("}]})"),
                  20 + 8);
}

CAF_TEST(the estimate is never below one) {
  CAF_CHECK_EQUAL(estimate("{}"), 1);
  CAF_CHECK_EQUAL(estimate(R"({"messages":[]})"), 1);
  CAF_CHECK_EQUAL(estimate("[]"), 1);
}

CAF_TEST(text is measured in unicode code points not bytes) {
  // "héllo wörld 😀" is 13 code points, 18 bytes.
  CAF_CHECK_EQUAL(measured_chars(R"("héllo wörld 😀")"), 13);
  CAF_CHECK_EQUAL(measured_chars(R"("h\u00e9llo")"), 5);
  // Long enough to be counted eight bytes at a time, characters straddling the steps.
  std::string phrase = "héllo wörld 😀 "; // 14 code points, 19 bytes
  std::string text;
  for (int i = 0; i < 5; ++i) {
    text += phrase;
  }
  CAF_CHECK_EQUAL(measured_chars("\"" + text + "\""), 70);
}

CAF_TEST(array parts are joined by one space) {
  CAF_CHECK_EQUAL(
    measured_chars(R"([{"type":"text","text":"abcd"},{"type":"text","text":"efgh"}])"), 9);
  CAF_CHECK_EQUAL(measured_chars(R"(["ab","cd","ef"])"), 8);
  CAF_CHECK_EQUAL(measured_chars("[]"), 0);
  CAF_CHECK_EQUAL(measured_chars(R"({"content":[{"text":"abc"},"de"]})"), 6);
}

CAF_TEST(an image part counts as its python dict repr) {
  // str({'type': 'image_url', 'image_url': {'url': 'http://x/a.png'}}) has 61 characters.
  CAF_CHECK_EQUAL(measured_chars(R"({"type":"image_url","image_url":{"url":"http://x/a.png"}})"),
                  61);
  // {'type': 'x', 'text2': None, 'n': [1, 2.5, True], 's': "it's"} has 62.
  CAF_CHECK_EQUAL(measured_chars(R"({"type":"x","text2":null,"n":[1,2.5,true],"s":"it's"})"), 62);
}

CAF_TEST(non string text values use python str) {
  CAF_CHECK_EQUAL(measured_chars(R"({"text":null})"), 4);  // None
  CAF_CHECK_EQUAL(measured_chars(R"({"text":true})"), 4);  // True
  CAF_CHECK_EQUAL(measured_chars(R"({"text":false})"), 5); // False
  CAF_CHECK_EQUAL(measured_chars(R"({"text":12345})"), 5); // 12345
  CAF_CHECK_EQUAL(measured_chars(R"({"text":-42})"), 3);   // -42
  CAF_CHECK_EQUAL(measured_chars(R"({"text":1.5})"), 3);   // 1.5
  CAF_CHECK_EQUAL(measured_chars(R"({"text":100.0})"), 5); // 100.0
  CAF_CHECK_EQUAL(measured_chars(R"({"text":1e20})"), 5);  // 1e+20
  CAF_CHECK_EQUAL(measured_chars(R"({"text":1e16})"), 5);  // 1e+16
  CAF_CHECK_EQUAL(measured_chars(R"({"text":1234567890123456.0})"), 18);
  CAF_CHECK_EQUAL(measured_chars(R"({"text":0.0001})"), 6);  // 0.0001
  CAF_CHECK_EQUAL(measured_chars(R"({"text":0.00001})"), 5); // 1e-05
  CAF_CHECK_EQUAL(measured_chars(R"({"text":-0.0})"), 4);    // -0.0
  CAF_CHECK_EQUAL(measured_chars(R"({"text":0.30000000000000004})"), 19);
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"a":1}})"), 8); // {'a': 1}
  CAF_CHECK_EQUAL(measured_chars("null"), 4);
  CAF_CHECK_EQUAL(measured_chars("7"), 1);
}

CAF_TEST(python repr quoting and escapes are counted) {
  // {'q': 'a\nb'} -> 13 characters; {'q': "it's"} -> 13; {'q': 'say "hi"'} -> 17.
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"q":"a\nb"}})"), 13);
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"q":"it's"}})"), 13);
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"q":"say \"hi\""}})"), 17);
  // {'q': 'both \' and "'} -> 22.
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"q":"both ' and \""}})"), 22);
  // {'q': '\x01'} -> 13.
  CAF_CHECK_EQUAL(measured_chars(R"({"text":{"q":"\u0001"}})"), 13);
}

CAF_TEST(the top level input array is counted too) {
  CAF_CHECK_EQUAL(
    estimate(R"({"messages":[{"role":"user","content":""}],"input":["abcdefgh",{"text":"abcd"}]})"),
    3 + 4);
  // Without messages only the input counts: 16 characters -> 4.
  CAF_CHECK_EQUAL(estimate(R"({"input":["abcdefghijklmnop"]})"), 4);
  // A non-array input is ignored.
  CAF_CHECK_EQUAL(estimate(R"({"input":"abcdefghijklmnop"})"), 1);
}

CAF_TEST(the parsed request carries the same estimate) {
  auto parsed = gw::openai::parse_chat_request(
    R"({"messages":[{"role":"user","content":[{"type":"text","text":"abcd"},{"type":"image_url","image_url":{"url":"http://x/a.png"}}]}],"max_tokens":"100"})");
  auto* req = std::get_if<gw::openai::chat_request>(&parsed);
  CAF_REQUIRE(req != nullptr);
  // "abcd" + " " + 61 = 66 characters -> 16, plus 4 for the message.
  CAF_CHECK_EQUAL(req->prompt_estimate, 20);
  CAF_CHECK_EQUAL(req->total_estimate(), 120);
}
