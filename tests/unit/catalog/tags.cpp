#define CAF_SUITE catalog.tags
#include "catalog/tags.hpp"

#include <caf/test/unit_test.hpp>

using gw::catalog::canonical_tags;
using gw::catalog::is_text_chat_route;
using gw::catalog::route;
using gw::catalog::route_slug;

namespace {

route chat_route(std::string display_name, std::string model_id,
                 std::vector<std::string> tags = {"text"}) {
  route r;
  r.route_id = "x";
  r.provider_name = "groq";
  r.model_id = std::move(model_id);
  r.display_name = std::move(display_name);
  r.tags = std::move(tags);
  return r;
}

} // namespace

CAF_TEST(canonical tags keep known tags in first occurrence order without duplicates) {
  std::vector<std::string> expected{"vision", "text", "rag"};
  CAF_CHECK_EQUAL(canonical_tags({"chat", "vision", "text", "vision", "fast", "rag", "text"}),
                  expected);
}

CAF_TEST(canonical tags fall back to text when nothing canonical remains) {
  std::vector<std::string> text_only{"text"};
  CAF_CHECK_EQUAL(canonical_tags({}), text_only);
  CAF_CHECK_EQUAL(canonical_tags({"chat", "deprecated-soon", "fast", "Text"}), text_only);
}

CAF_TEST(every one of the twelve canonical tags survives canonicalization) {
  std::vector<std::string> all{"text",       "reasoning",   "coding",         "tool-use",
                               "web-search", "vision",      "audio",          "safety",
                               "moderation", "translation", "classification", "rag"};
  CAF_CHECK_EQUAL(canonical_tags(all), all);
  CAF_CHECK(gw::catalog::is_canonical_tag("web-search"));
  CAF_CHECK(!gw::catalog::is_canonical_tag("chat"));
}

CAF_TEST(text chat predicate accepts text and multimodal text routes) {
  CAF_CHECK(is_text_chat_route(chat_route("GPT OSS 120B", "openai/gpt-oss-120b")));
  CAF_CHECK(is_text_chat_route(
    chat_route("Gemma 3 27B", "google/gemma-3-27b-it", {"text", "vision", "audio"})));
}

CAF_TEST(text chat predicate requires the text tag) {
  CAF_CHECK(!is_text_chat_route(chat_route("Vision Only", "acme/vision", {"vision"})));
}

CAF_TEST(text chat predicate rejects non chat tags) {
  for (const char* tag : {"safety", "moderation", "translation", "classification"}) {
    CAF_CHECK(!is_text_chat_route(chat_route("Plain", "acme/plain", {"text", tag})));
  }
}

CAF_TEST(text chat predicate rejects non chat wording in names and quality) {
  CAF_CHECK(!is_text_chat_route(chat_route("Qianfan OCR Fast", "baidu/qianfan")));
  CAF_CHECK(!is_text_chat_route(chat_route("PaliGemma", "google/google-paligemma")));
  CAF_CHECK(!is_text_chat_route(chat_route("GLiNER", "nvidia/gliner-pii")));
  CAF_CHECK(!is_text_chat_route(chat_route("Voice", "acme/tts-1")));
  CAF_CHECK(!is_text_chat_route(chat_route("Riva", "nvidia/riva-translate-4b")));
  CAF_CHECK(!is_text_chat_route(chat_route("Speech Model", "acme/s1")));
  auto by_quality = chat_route("Plain", "acme/plain");
  by_quality.quality = "Translation";
  CAF_CHECK(!is_text_chat_route(by_quality));
}

CAF_TEST(route slug follows the reference example) {
  CAF_CHECK_EQUAL(route_slug("openrouter", "z-ai/glm-4.5-air:free"),
                  "openrouter-z-ai-glm-4-5-air-free");
  CAF_CHECK_EQUAL(route_slug("gemini", "gemini-3.1-pro-preview"), "gemini-gemini-3-1-pro-preview");
  CAF_CHECK_EQUAL(route_slug("nvidia", "nvidia/riva-translate-4b-instruct-v1_1"),
                  "nvidia-nvidia-riva-translate-4b-instruct-v1-1");
}

CAF_TEST(route slug lowercases and collapses separator runs) {
  CAF_CHECK_EQUAL(route_slug("NVIDIA", "Meta/Llama_3.1::8B"), "nvidia-meta-llama-3-1-8b");
  CAF_CHECK_EQUAL(route_slug("p", "a//b::c.._d"), "p-a-b-c-d");
  // Only runs of / : . _ collapse; an existing dash next to one stays.
  CAF_CHECK_EQUAL(route_slug("p", "a-/b"), "p-a--b");
}

CAF_TEST(route slug strips dashes at both ends) {
  CAF_CHECK_EQUAL(route_slug("", "/model/"), "model");
  CAF_CHECK_EQUAL(route_slug("-p", "m-"), "p-m");
  CAF_CHECK_EQUAL(route_slug("", ""), "");
}
