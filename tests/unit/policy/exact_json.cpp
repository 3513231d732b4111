#define CAF_SUITE policy.exact_json
#include "http/openai/exact_json.hpp"

#include "tests/support/parse_outcome.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using gw::openai::parse_exact;
using gw::openai::parse_exact_validating;
using gw::testing::parse_outcome;

namespace {

void check_same(const std::string& text) {
  auto fast = parse_outcome(parse_exact, text);
  auto reference = parse_outcome(parse_exact_validating, text);
  if (fast != reference) {
    CAF_MESSAGE("they differ on " << CAF_ARG(text));
  }
  CAF_CHECK_EQUAL(fast, reference);
}

} // namespace

CAF_TEST(the fast path and the validating path agree on crafted texts) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::vector<std::string> texts = {
    "",
    " ",
    "{}",
    R"({"model":"auto","messages":[{"role":"user","content":"hello"}],"max_tokens":32})",
    R"({"a":"caf\u00e9 \ud83d\ude00 \"quoted\" \\ back","n":[1,-2,3.5,1e3,18446744073709551615]})",
    "{\"a\":\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"}", // 2-, 3- and 4-byte characters
    bom + R"({"a":1})",
    bom + R"({"a":)",
    "\xEF\xBB"
    R"({"a":1})", // a partial BOM
    "\xBF"
    R"({"a":1})",
    R"({"a":1} x)",
    R"({"a":1}  )",
    R"({"a":"unterminated)",
    R"({"a":"tab	in string"})",
    std::string("{\"a\":\"nul\0inside\"}", 18),
    std::string("{\"a\":1}\0{}", 10),
    "{\"a\":\"\xC0\xAF\"}",         // overlong
    "{\"a\":\"\xED\xA0\x80\"}",     // a surrogate
    "{\"a\":\"\xF4\x90\x80\x80\"}", // above U+10FFFF
    "{\"a\":\"\xE2\x82\"}",         // truncated sequence
    "{\"a\":\"\x80\"}",             // a lone continuation byte
    "{\"a\":\xC3\xA9}",             // non-ASCII outside a string
    R"({"a":1e400})",
    R"([[[[[[[[[[]]]]]]]]]])",
    R"({"a":"0123456789abcdef0123456789abcdef0123456789abcdef\n0123456789abcdef"})",
    R"({"a":"\ud800"})",          // a high surrogate alone
    R"({"a":"\ud800\u0041"})",    // followed by no low one
    R"({"a":"\udc00 lone low"})", // taken as it is
    // Each edge of the UTF-8 encodings and of the surrogate ranges.
    R"({"a":"\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\ud800\udc00\udbff\udfff"})",
    R"({"a":"\ud800\udbff"})",
    R"({"a":"\ud800\ue000"})",
    R"({"a":"\u00"})",
    R"({"a":"\x"})",
    R"({"a":"a\u0000b"})",
    R"({"a\u0000b":1,"\"k\"":2})",
    R"({"a":01})",
    R"({"a":-})",
    R"({"a":1.})",
    R"({"a":.5})",
    R"({"a":1e})",
    R"({"a":[1,]})",
    R"({"a":1,})",
    R"({"a" 1})",
    R"([tru])",
    R"(nul)",
    R"("just a string")",
    R"(-12.5)",
    R"({"big":123456789012345678901234567890,"exp":1e-400,"neg":-1E+2})",
  };
  for (const auto& text : texts) {
    check_same(text);
  }
  // A raw control character (0x1A-0x1F included, which RapidJSON 1.1.0's SSE2 scan let
  // through) at every offset of a 16-byte block of a long string: an error either way.
  for (char control : {'\x01', '\x19', '\x1A', '\x1B', '\x1F'}) {
    for (size_t at = 0; at < 40; ++at) {
      std::string text = R"({"content":")" + std::string(48, 'a') + R"("})";
      text[12 + at] = control;
      check_same(text);
      CAF_CHECK(parse_outcome(parse_exact, text).rfind("error", 0) == 0);
    }
  }
}

CAF_TEST(the fast path and the validating path agree on mutated bodies) {
  // Bounded: 20,000 mutations of a few seeds, with bytes from every UTF-8 class and NULs.
  const std::vector<std::string> seeds = {
    R"({"model":"auto","messages":[{"role":"user","content":"Say hello in one short sentence."}]})",
    "{\"messages\":[{\"role\":\"system\",\"content\":\"caf\xC3\xA9 \xE2\x82\xAC "
    "\xF0\x9F\x98\x80\"}],"
    "\"temperature\":0.25,\"stop\":[\"\\n\",\"end\"]}",
    // Escapes of every kind inside runs longer than a word, and the numbers the fast path
    // reads itself (it leaves a text with an exponent or a longer integer to the other path).
    R"({"content":"a long run of plain text \"quoted\" then \\ \/ \b\f\n\r\t and more text",)"
    R"("u":"\u00e9\u20AC\ud83d\ude00\udc00\u0000 tail of the string","n":[0,-0,12,-3.25,)"
    R"(0.000001,123456789012345678,-0.5],"t":[true,false,null],"k\u00e9y":{"":[[],{}]}})",
    R"({"n":[1234567890123456789,1e5,-2.5E-3,1.5e+300,0e0]})",
  };
  const std::vector<char> bytes = {
    'u',    'e',    'E',    '.',    '-',    'd',    '8',    '"',    '\\',   '{',    '}',    '[',
    ']',    ':',    ',',    'a',    '0',    ' ',    '\n',   '\0',   '\x7F', '\x1B', '\x1F', '\x80',
    '\xBF', '\xC2', '\xC3', '\xE0', '\xED', '\xEF', '\xF0', '\xF4', '\xF5', '\xFF'};
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20'000; ++i) {
    auto text = seeds[rng() % seeds.size()];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      auto at = rng() % (text.size() + 1);
      switch (rng() % 3) {
      case 0:
        text.insert(at, 1, bytes[rng() % bytes.size()]);
        break;
      case 1:
        if (at < text.size()) {
          text[at] = bytes[rng() % bytes.size()];
        }
        break;
      default:
        if (at < text.size()) {
          text.erase(at, 1);
        }
        break;
      }
    }
    check_same(text);
  }
}

CAF_TEST(the document keeps its strings after the text is gone) {
  // The fast path parses in place from a copy in the document's pool: keys, values and
  // unescaped strings must not point into the caller's text.
  rapidjson::Document doc;
  {
    std::string text = R"({"model":"auto","messages":[{"role":"user","content":"a\"b\u00e9"}]})";
    CAF_REQUIRE(!parse_exact(doc, text).IsError());
    text.assign(text.size(), '#'); // overwritten, then freed
  }
  CAF_CHECK_EQUAL(std::string(doc["model"].GetString()), "auto");
  const auto& message = doc["messages"][0];
  CAF_CHECK_EQUAL(std::string(message["role"].GetString()), "user");
  CAF_CHECK_EQUAL(std::string(message["content"].GetString()), "a\"b\xC3\xA9");
  CAF_CHECK_EQUAL(doc.MemberBegin()->name.GetStringLength(), 5u);
}
