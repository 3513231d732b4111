#define CAF_SUITE catalog.default_catalog
#include "catalog/default_catalog.hpp"

#include "catalog/ranking.hpp"
#include "catalog/tags.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>

using gw::catalog::default_catalog;
using gw::catalog::route;

namespace {

struct expected_row {
  const char* route_id;
  int64_t score;
};

// Reference §4.4, copied independently of catalog/default_catalog.cpp: route id and rank
// score in rank order (row i has rank i + 1).
const expected_row reference_table[] = {
  {"gemini-gemini-3-1-pro-preview", 171025},
  {"nvidia-moonshotai-kimi-k2-thinking", 162015},
  {"nvidia-deepseek-ai-deepseek-v4-pro", 156025},
  {"nvidia-minimaxai-minimax-m2-7", 150005},
  {"nvidia-deepseek-ai-deepseek-v4-flash", 141005},
  {"gemini-gemini-3-flash-preview", 137990},
  {"cerebras-qwen-3-235b-a22b-instruct-2507", 126485},
  {"openrouter-tencent-hy3-preview-free", 126000},
  {"openrouter-google-gemma-4-31b-it-free", 117057},
  {"nvidia-deepseek-ai-deepseek-v3-1-terminus", 117000},
  {"openrouter-z-ai-glm-4-5-air-free", 117000},
  {"nvidia-stepfun-ai-step-3-5-flash", 114020},
  {"nvidia-moonshotai-kimi-k2-instruct-0905", 111015},
  {"nvidia-moonshotai-kimi-k2-instruct", 111000},
  {"openrouter-nvidia-nemotron-3-super-120b-a12b-free", 108240},
  {"gemini-gemini-2-5-pro", 105025},
  {"openrouter-inclusionai-ling-2-6-1t-free", 102615},
  {"nvidia-bytedance-seed-oss-36b-instruct", 102072},
  {"gemini-gemini-3-1-flash-lite-preview", 101985},
  {"groq-openai-gpt-oss-120b", 99255},
  {"openrouter-openai-gpt-oss-120b-free", 99255},
  {"openrouter-google-gemma-4-26b-a4b-it-free", 93047},
  {"gemini-gemini-2-5-flash", 89990},
  {"openrouter-qwen-qwen3-coder-free", 84925},
  {"nvidia-qwen-qwen3-coder-480b-a35b-instruct", 84910},
  {"openrouter-qwen-qwen3-next-80b-a3b-instruct-free", 81175},
  {"openrouter-inclusionai-ling-2-6-flash-free", 78020},
  {"groq-qwen-qwen3-32b", 75079},
  {"nvidia-nvidia-nemotron-3-nano-omni-30b-a3b-reasoning", 72060},
  {"groq-openai-gpt-oss-20b", 72055},
  {"openrouter-openai-gpt-oss-20b-free", 72055},
  {"openrouter-nvidia-nemotron-3-nano-30b-a3b-free", 72045},
  {"nvidia-mistralai-mistral-large-3-675b-instruct-2512", 69915},
  {"nvidia-mistralai-devstral-2-123b-instruct-2512", 66261},
  {"gemini-gemini-2-5-flash-lite", 65985},
  {"groq-groq-compound", 63000},
  {"groq-groq-compound-mini", 62990},
  {"nvidia-mistralai-mistral-nemotron", 57000},
  {"nvidia-meta-llama-4-maverick-17b-128e-instruct", 54029},
  {"nvidia-mistralai-magistral-small-2506", 54015},
  {"openrouter-nousresearch-hermes-3-llama-3-1-405b-free", 51825},
  {"openrouter-meta-llama-llama-3-1-405b-instruct-free", 51810},
  {"openrouter-nvidia-nemotron-nano-12b-v2-vl-free", 45004},
  {"openrouter-nvidia-nemotron-nano-9b-v2-free", 45003},
  {"groq-llama-3-3-70b-versatile", 42150},
  {"nvidia-abacusai-dracarys-llama-3-1-70b-instruct", 42140},
  {"openrouter-meta-llama-llama-3-3-70b-instruct-free", 42140},
  {"groq-meta-llama-llama-4-scout-17b-16e-instruct", 42029},
  {"nvidia-upstage-solar-10-7b-instruct", 42021},
  {"groq-llama-3-1-8b-instant", 42016},
  {"cerebras-llama3-1-8b", 42016},
  {"openrouter-meta-llama-llama-3-2-3b-instruct-free", 42006},
  {"openrouter-poolside-laguna-xs-2-free", 42000},
  {"openrouter-poolside-laguna-m-1-free", 42000},
  {"openrouter-minimax-minimax-m2-5-free", 41990},
  {"nvidia-google-gemma-3-27b-it", 36049},
  {"openrouter-google-gemma-3-27b-it-free", 36049},
  {"openrouter-cognitivecomputations-dolphin-mistral-24b-venice-edition-free", 36048},
  {"openrouter-mistralai-pixtral-12b-free", 30019},
  {"nvidia-microsoft-phi-4-multimodal-instruct", 29995},
  {"openrouter-google-gemma-3-12b-it-free", 27019},
  {"openrouter-liquid-lfm-2-5-1-2b-thinking-free", 24017},
  {"nvidia-google-gemma-3n-e4b-it", 24003},
  {"openrouter-google-gemma-3n-e4b-it-free", 24003},
  {"openrouter-google-gemma-3-4b-it-free", 24003},
  {"openrouter-liquid-lfm-2-5-1-2b-instruct-free", 24002},
  {"nvidia-nvidia-nemotron-mini-4b-instruct", 23998},
  {"nvidia-google-gemma-2-2b-it", 21004},
  {"nvidia-google-gemma-3n-e2b-it", 17999},
  {"openrouter-google-gemma-3n-e2b-it-free", 17999},
  {"openrouter-openrouter-free", 3000},
};

constexpr size_t reference_size = sizeof(reference_table) / sizeof(reference_table[0]);

template <class Predicate>
size_t count_if(const std::vector<route>& routes, Predicate pred) {
  return static_cast<size_t>(std::count_if(routes.begin(), routes.end(), pred));
}

} // namespace

CAF_TEST(the default catalog has 71 routes) {
  CAF_CHECK_EQUAL(reference_size, 71u);
  CAF_CHECK_EQUAL(default_catalog().size(), 71u);
}

CAF_TEST(default routes per provider match the reference) {
  std::map<std::string, size_t> counts;
  for (const auto& r : default_catalog()) {
    ++counts[r.provider_name];
  }
  std::map<std::string, size_t> expected{
    {"openrouter", 31}, {"nvidia", 24}, {"groq", 8}, {"gemini", 6}, {"cerebras", 2}};
  CAF_CHECK(counts == expected);
}

CAF_TEST(default tag counts match the reference) {
  std::map<std::string, size_t> counts;
  for (const auto& r : default_catalog()) {
    for (const auto& tag : r.tags) {
      ++counts[tag];
    }
  }
  std::map<std::string, size_t> expected{{"text", 71},   {"tool-use", 37},  {"web-search", 33},
                                         {"vision", 22}, {"reasoning", 21}, {"coding", 10},
                                         {"audio", 9},   {"rag", 1}};
  for (const auto& [tag, n] : expected) {
    CAF_CHECK_EQUAL(counts[tag], n);
  }
  CAF_CHECK_EQUAL(counts.size(), expected.size());
}

CAF_TEST(default ranks are exactly 1 to N in order) {
  auto routes = default_catalog();
  for (size_t i = 0; i < routes.size(); ++i) {
    CAF_CHECK_EQUAL(routes[i].rank, static_cast<int64_t>(i + 1));
  }
}

CAF_TEST(default route ids are unique and follow the slug rule) {
  std::set<std::string> ids;
  for (const auto& r : default_catalog()) {
    CAF_CHECK(ids.insert(r.route_id).second);
    CAF_CHECK_EQUAL(r.route_id, gw::catalog::route_slug(r.provider_name, r.model_id));
  }
  CAF_CHECK_EQUAL(ids.size(), 71u);
}

CAF_TEST(default routes are the reference table in rank order) {
  auto routes = default_catalog();
  CAF_REQUIRE_EQUAL(routes.size(), reference_size);
  for (size_t i = 0; i < reference_size; ++i) {
    CAF_CHECK_EQUAL(routes[i].route_id, reference_table[i].route_id);
  }
}

CAF_TEST(rank score of every default route equals the reference score column) {
  auto routes = default_catalog();
  CAF_REQUIRE_EQUAL(routes.size(), reference_size);
  for (size_t i = 0; i < reference_size; ++i) {
    CAF_MESSAGE(routes[i].route_id);
    CAF_CHECK_EQUAL(gw::catalog::rank_score(routes[i]), reference_table[i].score);
    CAF_REQUIRE(routes[i].rank_score.has_value());
    CAF_CHECK_EQUAL(*routes[i].rank_score, reference_table[i].score);
  }
}

CAF_TEST(auto rank of the default catalog reproduces the reference order exactly) {
  auto defaults = default_catalog();
  auto shuffled = defaults;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 17, shuffled.end());
  for (auto& r : shuffled) {
    r.rank = 0;
    r.rank_score.reset();
  }
  gw::catalog::auto_rank(shuffled);
  CAF_REQUIRE_EQUAL(shuffled.size(), defaults.size());
  for (size_t i = 0; i < defaults.size(); ++i) {
    CAF_CHECK_EQUAL(shuffled[i].route_id, reference_table[i].route_id);
    CAF_CHECK(shuffled[i] == defaults[i]);
  }
}

CAF_TEST(default rank scores never increase along the ranks) {
  auto routes = default_catalog();
  for (size_t i = 1; i < routes.size(); ++i) {
    CAF_CHECK(*routes[i].rank_score <= *routes[i - 1].rank_score);
  }
}

CAF_TEST(every default route is an enabled free tier text chat route) {
  for (const auto& r : default_catalog()) {
    CAF_CHECK(gw::catalog::is_text_chat_route(r));
    CAF_CHECK(r.enabled);
    CAF_CHECK_EQUAL(r.cost, "free-tier");
    CAF_CHECK_EQUAL(r.rank_reason, "deterministic_quality_score");
    CAF_CHECK_EQUAL(r.rank_source, "heuristic");
    CAF_CHECK(!r.provider_name.empty());
    CAF_CHECK(!r.model_id.empty());
    CAF_CHECK(!r.display_name.empty());
    CAF_CHECK(r.context_window.has_value());
    CAF_CHECK(!r.notes.empty());
    CAF_CHECK(!r.source_url.empty());
  }
}

CAF_TEST(default tags are canonical with text first and no non chat tag) {
  bool multimodal = false;
  for (const auto& r : default_catalog()) {
    CAF_REQUIRE(!r.tags.empty());
    CAF_CHECK_EQUAL(r.tags.front(), "text");
    CAF_CHECK_EQUAL(gw::catalog::canonical_tags(r.tags), r.tags);
    for (const char* banned : {"safety", "moderation", "translation", "classification"}) {
      CAF_CHECK(!r.has_tag(banned));
    }
    multimodal = multimodal || r.has_tag("vision") || r.has_tag("audio");
  }
  CAF_CHECK(multimodal);
}

CAF_TEST(web search routes are the groq compound pair and every openrouter route) {
  std::set<std::string> web;
  for (const auto& r : default_catalog()) {
    if (r.has_tag("web-search")) {
      web.insert(r.route_id);
    }
    if (r.provider_name == "openrouter") {
      CAF_CHECK(r.has_tag("web-search"));
    }
  }
  CAF_CHECK_EQUAL(web.size(), 33u);
  CAF_CHECK_EQUAL(web.count("groq-groq-compound"), 1u);
  CAF_CHECK_EQUAL(web.count("groq-groq-compound-mini"), 1u);
  CAF_CHECK_EQUAL(web.count("openrouter-openrouter-free"), 1u);
}

CAF_TEST(spot checked default routes carry the reference fields) {
  auto routes = default_catalog();
  const auto& first = routes.front();
  CAF_CHECK_EQUAL(first.route_id, "gemini-gemini-3-1-pro-preview");
  CAF_CHECK_EQUAL(first.display_name, "Gemini 3.1 Pro Preview");
  CAF_CHECK_EQUAL(*first.context_window, 2097152);
  CAF_CHECK_EQUAL(first.quality, "very high");
  CAF_CHECK_EQUAL(first.speed, "medium");
  std::vector<std::string> first_tags{"text", "reasoning", "vision", "audio"};
  CAF_CHECK_EQUAL(first.tags, first_tags);
  const auto& rag = routes[66];
  CAF_CHECK_EQUAL(rag.model_id, "nvidia/nemotron-mini-4b-instruct");
  CAF_CHECK_EQUAL(rag.quality, "utility");
  CAF_CHECK_EQUAL(rag.speed, "very fast");
  std::vector<std::string> rag_tags{"text", "rag", "tool-use"};
  CAF_CHECK_EQUAL(rag.tags, rag_tags);
  CAF_CHECK_EQUAL(rag.source_url, "https://build.nvidia.com/nvidia/nemotron-mini-4b-instruct");
  const auto& glm = routes[10];
  CAF_CHECK_EQUAL(glm.route_id, "openrouter-z-ai-glm-4-5-air-free");
  CAF_CHECK_EQUAL(glm.speed, "variable");
  CAF_CHECK_EQUAL(glm.source_url, "https://openrouter.ai/api/v1/models");
  const auto& last = routes.back();
  CAF_CHECK_EQUAL(last.route_id, "openrouter-openrouter-free");
  CAF_CHECK_EQUAL(*last.rank_score, 3000);
}

CAF_TEST(routes filtered out of the reference source lists are absent) {
  auto routes = default_catalog();
  for (const char* model :
       {"google/google-paligemma", "nvidia/nemotron-3-content-safety",
        "nvidia/nemotron-content-safety-reasoning-4b", "meta/llama-guard-4-12b",
        "nvidia/llama-3.1-nemotron-safety-guard-8b-v3", "nvidia/riva-translate-4b-instruct-v1_1",
        "nvidia/gliner-pii", "baidu/qianfan-ocr-fast:free", "google/lyria-3-pro-preview",
        "google/lyria-3-clip-preview"}) {
    auto hit = std::find_if(routes.begin(), routes.end(),
                            [&](const route& r) { return r.model_id == model; });
    CAF_CHECK(hit == routes.end());
  }
}

CAF_TEST(each call returns an independent copy) {
  auto a = default_catalog();
  a.front().enabled = false;
  a.pop_back();
  auto b = default_catalog();
  CAF_CHECK_EQUAL(b.size(), 71u);
  CAF_CHECK(b.front().enabled);
}
