#define CAF_SUITE catalog.ranking
#include "catalog/ranking.hpp"

#include <caf/test/unit_test.hpp>

using gw::catalog::auto_rank;
using gw::catalog::provider_score;
using gw::catalog::rank_score;
using gw::catalog::route;

namespace {

route make(std::string provider, std::string model_id, std::string display_name,
           std::vector<std::string> tags = {"text"}, std::string quality = "good") {
  route r;
  r.route_id = provider + "-" + model_id;
  r.provider_name = std::move(provider);
  r.model_id = std::move(model_id);
  r.display_name = std::move(display_name);
  r.tags = std::move(tags);
  r.quality = std::move(quality);
  return r;
}

// A model no benchmark key matches, so only quality, size and keywords count.
int64_t plain_score(const std::string& model_id, const std::string& quality = "good") {
  return rank_score(make("acme", model_id, "X", {"text"}, quality));
}

} // namespace

CAF_TEST(groq gpt oss 120b with reasoning scores above 90000) {
  auto r = make("groq", "openai/gpt-oss-120b", "GPT OSS 120B", {"text", "reasoning"}, "high");
  CAF_CHECK(rank_score(r) > 90000);
  CAF_CHECK_EQUAL(rank_score(r), 99255);
}

CAF_TEST(anything mentioning safety scores below zero) {
  auto r = make("nvidia", "nvidia/safety-guard", "Safety Guard", {"safety", "moderation"});
  CAF_CHECK(rank_score(r) < 0);
  CAF_CHECK_EQUAL(rank_score(r), -500000);
  for (const char* word : {"guard", "pii", "translate", "paligemma"}) {
    CAF_CHECK_EQUAL(plain_score(std::string{"acme-"} + word), -500000);
  }
}

CAF_TEST(the longest benchmark key wins over its prefixes) {
  // gemini-2.5-flash-lite (22) must win over gemini-2.5-flash (30): 66000 + flash 5
  // - lite 5 - mini 10 (from "gemini").
  CAF_CHECK_EQUAL(plain_score("gemini-2.5-flash-lite"), 65990);
  // kimi-k2-instruct-0905 and kimi-k2-instruct are both 37; the longer one is matched first.
  CAF_CHECK_EQUAL(plain_score("kimi-k2-instruct-0905"), 111000);
}

CAF_TEST(quality decides the base when no benchmark key matches) {
  CAF_CHECK_EQUAL(plain_score("acme-x", "very high"), 78000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "Very High"), 78000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "high"), 66000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "agentic"), 63000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "good"), 42000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "vision"), 30000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "utility"), 24000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "unknown"), 30000);
  CAF_CHECK_EQUAL(plain_score("acme-x", "something else"), 30000);
}

CAF_TEST(size bonus uses the first billions and trillions figure) {
  CAF_CHECK_EQUAL(plain_score("acme-70b"), 42140);
  CAF_CHECK_EQUAL(plain_score("acme-1.5b"), 42003);
  CAF_CHECK_EQUAL(plain_score("acme-7b-13b"), 42014);
  CAF_CHECK_EQUAL(plain_score("acme-900b"), 42900);
  CAF_CHECK_EQUAL(plain_score("acme-1t"), 42600);
  CAF_CHECK_EQUAL(plain_score("acme-2.6-1t"), 42600);
  // A decimal not followed by the suffix does not match; the next number does.
  CAF_CHECK_EQUAL(plain_score("acme-v2.5-3b"), 42006);
  // An absurd digit run is capped, not overflowed.
  CAF_CHECK_EQUAL(plain_score("acme-" + std::string(400, '9') + "b"), 42900);
}

CAF_TEST(keywords nudge the score cumulatively) {
  CAF_CHECK_EQUAL(plain_score("acme-pro"), 42025);
  CAF_CHECK_EQUAL(plain_score("acme-large"), 42020);
  CAF_CHECK_EQUAL(plain_score("acme-versatile"), 42010);
  CAF_CHECK_EQUAL(plain_score("acme-flash"), 42005);
  CAF_CHECK_EQUAL(plain_score("acme-lite"), 41995);
  CAF_CHECK_EQUAL(plain_score("acme-mini"), 41990);
  CAF_CHECK_EQUAL(plain_score("acme-gemini"), 41990);
  CAF_CHECK_EQUAL(plain_score("acme-nano"), 41985);
  CAF_CHECK_EQUAL(plain_score("acme-vision"), 41995);
  CAF_CHECK_EQUAL(plain_score("acme-coder"), 42010);
  CAF_CHECK_EQUAL(plain_score("acme-reasoning"), 42015);
  CAF_CHECK_EQUAL(plain_score("acme-pro-large-coder"), 42055);
}

CAF_TEST(tags take part in the score text) {
  auto r = make("acme", "acme-x", "X", {"text", "reasoning", "vision"});
  CAF_CHECK_EQUAL(rank_score(r), 42000 + 15 - 5);
}

CAF_TEST(provider score ranks free tier generosity) {
  CAF_CHECK_EQUAL(provider_score("gemini"), 100);
  CAF_CHECK_EQUAL(provider_score("groq"), 90);
  CAF_CHECK_EQUAL(provider_score("GROQ"), 90);
  CAF_CHECK_EQUAL(provider_score("cerebras"), 80);
  CAF_CHECK_EQUAL(provider_score("nvidia"), 70);
  CAF_CHECK_EQUAL(provider_score("openrouter"), 60);
  CAF_CHECK_EQUAL(provider_score("p1"), 0);
}

CAF_TEST(auto rank orders by score then provider score then names descending) {
  std::vector<route> routes{
    make("groq", "acme-x", "X"),         // 42000, provider 90
    make("gemini", "acme-x", "X"),       // 42000, provider 100
    make("zeta", "acme-a", "X"),         // 42000, provider 0
    make("alpha", "acme-b", "X"),        // 42000, provider 0
    make("alpha", "acme-c", "X"),        // 42000, provider 0
    make("openrouter", "acme-70b", "X"), // 42140
  };
  auto_rank(routes);
  std::vector<std::string> order;
  order.reserve(routes.size());
  for (const auto& r : routes) {
    order.push_back(r.provider_name + "/" + r.model_id);
  }
  std::vector<std::string> expected{"openrouter/acme-70b", "gemini/acme-x", "groq/acme-x",
                                    "zeta/acme-a",         "alpha/acme-c",  "alpha/acme-b"};
  CAF_CHECK_EQUAL(order, expected);
  for (size_t i = 0; i < routes.size(); ++i) {
    CAF_CHECK_EQUAL(routes[i].rank, static_cast<int64_t>(i + 1));
  }
  CAF_REQUIRE(routes[0].rank_score.has_value());
  CAF_CHECK_EQUAL(*routes[0].rank_score, 42140);
}

CAF_TEST(auto rank drops non text chat routes and canonicalizes tags) {
  std::vector<route> routes{
    make("nvidia", "nvidia/gliner-pii", "GLiNER PII", {"text"}),
    make("nvidia", "acme/chat", "Chat", {"chat", "text", "vision", "text"}),
    make("nvidia", "acme/moderator", "Mod", {"text", "moderation"}),
  };
  auto_rank(routes);
  CAF_REQUIRE_EQUAL(routes.size(), 1u);
  std::vector<std::string> tags{"text", "vision"};
  CAF_CHECK_EQUAL(routes[0].tags, tags);
  CAF_CHECK_EQUAL(routes[0].rank, 1);
}

CAF_TEST(auto rank fills only empty reasons and leaves enabled alone) {
  auto kept = make("groq", "acme-x", "X");
  kept.rank_reason = "supervisor approved";
  kept.rank_source = "ai_supervisor";
  kept.enabled = false;
  auto filled = make("gemini", "acme-y", "Y");
  filled.rank_source.clear();
  std::vector<route> routes{kept, filled};
  auto_rank(routes);
  CAF_REQUIRE_EQUAL(routes.size(), 2u);
  CAF_CHECK_EQUAL(routes[0].route_id, "gemini-acme-y");
  CAF_CHECK_EQUAL(routes[0].rank_reason, "deterministic_quality_score");
  CAF_CHECK_EQUAL(routes[0].rank_source, "heuristic");
  CAF_CHECK(routes[0].enabled);
  CAF_CHECK_EQUAL(routes[1].rank_reason, "supervisor approved");
  CAF_CHECK_EQUAL(routes[1].rank_source, "ai_supervisor");
  CAF_CHECK(!routes[1].enabled);
}

CAF_TEST(auto rank of an empty list stays empty) {
  std::vector<route> routes;
  auto_rank(routes);
  CAF_CHECK(routes.empty());
}
