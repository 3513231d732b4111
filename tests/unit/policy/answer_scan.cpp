#define CAF_SUITE policy.answer_scan
#include "catalog/answer_scan.hpp"

#include <caf/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

using gw::catalog::answer_facts;
using gw::catalog::scan_answer;
using gw::catalog::scan_answer_in_place;
using gw::catalog::scan_answer_with_reader;

namespace {

std::string describe(const answer_facts& facts) {
  if (!facts.is_answer) {
    return "not an answer";
  }
  const auto& u = facts.usage;
  return "answer, usage " + std::string(u.present ? "" : "absent ")
         + std::to_string(u.prompt_tokens) + "/" + std::to_string(u.completion_tokens) + "/"
         + std::to_string(u.total_tokens);
}

void check_same(const std::string& body) {
  auto fast = describe(scan_answer(body));
  auto reference = describe(scan_answer_with_reader(body));
  if (fast != reference) {
    CAF_MESSAGE("they differ on " << CAF_ARG(body));
  }
  CAF_CHECK_EQUAL(fast, reference);
}

const std::string completion =
  R"({"id":"chatcmpl-1","object":"chat.completion","created":1796628624,"model":"m",)"
  R"("choices":[{"index":0,"message":{"role":"assistant","content":"ok \"quoted\"\n\u00e9\ud83d\ude00 / \\"},)"
  R"("logprobs":null,"finish_reason":"stop"}],)"
  R"("usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"queue_time":0.0123,)"
  R"("prompt_time":0.001,"completion_time":0.02,"total_time":0.021},"x_groq":{"id":"req_1"},)"
  R"("system_fingerprint":"fp_1","service_tier":null,"flag":true,"off":false,"n":-3})";

} // namespace

CAF_TEST(real answers are decided by the in place reader) {
  const std::vector<std::string> bodies = {
    completion,
    R"({"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{\"q\":\"x\"}"}}]}}]})",
    R"({"error":null,"choices":[],"usage":{"prompt_tokens":1}})",
    R"({"error":{"message":"upstream failed","code":502}})",
    "\xEF\xBB\xBF {\"choices\":[]} \n",
    R"([1,2,3])",
    R"("just a string")",
    R"({"choices":[],"usag\u0065":{"total_tokens":4}})", // keys are compared decoded
    R"({"choices":[],"usage":{"total\u005ftokens":5}})",
  };
  for (const auto& body : bodies) {
    CAF_MESSAGE(body.substr(0, 60));
    auto in_place = scan_answer_in_place(body);
    CAF_REQUIRE(in_place.has_value());
    CAF_CHECK_EQUAL(describe(*in_place), describe(scan_answer_with_reader(body)));
  }
  CAF_CHECK_EQUAL(describe(scan_answer(completion)), "answer, usage 10/5/15");
}

CAF_TEST(what the in place reader does not decide is left to rapidjson) {
  const std::vector<std::string> bodies = {
    R"({"choices":[],"logprobs":[-1.5e-05]})",         // an exponent anywhere
    R"({"choices":[],"big":1e400})",                   // which the reader calls too big
    R"({"choices":[],"id":1234567890123456789})",      // 19 integer digits
    R"({"choices":[],"usage":{"prompt_tokens":2.9}})", // a fraction where a count is read
    R"({"choices":[],"error":{"message":"x"})",        // a malformed body
  };
  for (const auto& body : bodies) {
    CAF_MESSAGE(body);
    CAF_CHECK(!scan_answer_in_place(body).has_value());
    check_same(body);
  }
  CAF_CHECK_EQUAL(describe(scan_answer(bodies[3])), "answer, usage 2/0/2");
  CAF_CHECK_EQUAL(describe(scan_answer(bodies[1])), "not an answer");
}

CAF_TEST(both passes agree on crafted bodies) {
  using namespace std::string_literals;
  const std::vector<std::string> bodies = {
    "",
    " ",
    "{",
    "{}",
    "{} x",
    "{}\0trailing"s,
    "{\"a\"\0:1}"s,
    R"({"a":})",
    R"({"a":1,})",
    R"({,"a":1})",
    R"({"a" 1})",
    R"({a:1})",
    R"({"choices":[1,]})",
    R"({"choices":[,1]})",
    R"({"choices":[]]})",
    R"({"error":"boom"})",
    R"({"error":false})",
    R"({"error":0})",
    R"({"error":[]})",
    R"({"error":{}})",
    R"({"error":null})",
    R"({"error":nul})",
    R"({"error":null,"error":{"message":"x"}})",
    R"({"error":{"message":"x"},"choices":null})",
    R"({"data":{"error":{"message":"x"}}})",
    R"({"choices":tru})",
    R"({"choices":truex})",
    R"({"choices":-})",
    R"({"choices":-0})",
    R"({"choices":01})",
    R"({"choices":1.})",
    R"({"choices":.5})",
    R"({"choices":1.5})",
    R"({"choices":+1})",
    R"({"choices":"\x"})",
    R"({"choices":"\u12"})",
    R"({"choices":"\u12G4"})",
    R"({"choices":"\ud800"})",
    R"({"choices":"\ud800\u0041"})",
    R"({"choices":"\ud800\udc00"})",
    R"({"choices":"\udc00"})",
    "{\"choices\":\"tab\there\"}",
    "{\"choices\":\"\x7F \xFF\xC0\"}",
    R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5}})",
    R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":0}})",
    R"({"choices":[],"usage":{"prompt_tokens":-4,"completion_tokens":-0,"total_tokens":"7"}})",
    R"({"choices":[],"usage":{"prompt_tokens":999999999999999999}})",
    R"({"choices":[],"usage":{"total_tokens":3,"total_tokens":9}})",
    R"({"choices":[],"usage":{"total_tokens":3},"usage":{"total_tokens":9}})",
    R"({"choices":[],"usage":[{"total_tokens":3}],"usage":{"total_tokens":9}})",
    R"({"choices":[],"usage":null})",
    R"({"choices":[],"usage":{"details":{"total_tokens":8},"prompt_tokens":{"n":2},"total_tokens":1}})",
    R"({"choices":[],"usage":{"prompt_tokens":[1],"prompt_tokens":7}})",
    R"({"choices":[{"usage":{"total_tokens":8}}]})",
    R"({"choices":[],"usage":{"prompt_tokens":true,"completion_tokens":null,"total_tokens":[5]}})",
    "\xEF\xBB\xBF{\"choices\":[]}",
    "\xBB\xBF{\"choices\":[]}",
    "\xEF\xBB",
    completion,
  };
  for (const auto& body : bodies) {
    check_same(body);
  }
}

CAF_TEST(containers may nest 128 levels and no deeper) {
  for (int levels : {127, 128, 129}) {
    for (const auto& [open, close] : {std::pair{"[", "]"}, std::pair{"{\"a\":", "}"}}) {
      std::string body = "{\"choices\":";
      for (int i = 1; i < levels - 1; ++i) {
        body += open;
      }
      body += "[]";
      for (int i = 1; i < levels - 1; ++i) {
        body += close;
      }
      body += "}";
      CAF_MESSAGE(levels << " levels through " << open);
      check_same(body);
      CAF_CHECK_EQUAL(scan_answer(body).is_answer, levels <= 128);
    }
  }
}

CAF_TEST(both passes agree on mutated answers) {
  const std::vector<std::string> seeds = {
    completion,
    R"({"error":{"message":"x","code":429},"usage":{"prompt_tokens":3}})",
    R"({"choices":[{"delta":{}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":0}})",
  };
  const std::vector<char> bytes = {'"', '\\', '{',  '}',  '[',    ']',    ':',   ',',
                                   'u', 'e',  'E',  '.',  '-',    '0',    '9',   'n',
                                   't', ' ',  '\n', '\0', '\x1F', '\xBF', '\xEF'};
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20'000; ++i) {
    auto body = seeds[rng() % seeds.size()];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      auto at = rng() % (body.size() + 1);
      switch (rng() % 3) {
      case 0:
        body.insert(at, 1, bytes[rng() % bytes.size()]);
        break;
      case 1:
        if (at < body.size()) {
          body[at] = bytes[rng() % bytes.size()];
        }
        break;
      default:
        if (at < body.size()) {
          body.erase(at, 1);
        }
        break;
      }
    }
    check_same(body);
  }
}
