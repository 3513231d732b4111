#define CAF_SUITE catalog.model_classifier
#include "catalog/diagnosis.hpp"

#include <caf/test/unit_test.hpp>

using gw::catalog::candidate_route;
using gw::catalog::discovered_tags;
using gw::catalog::is_chat_model;
using gw::catalog::listed_model;
using gw::catalog::needs_supervisor;
using gw::catalog::supervisor_verdict;

namespace {

// CAF 0.17 has no CAF_CHECK_MESSAGE: this names the failing case of a loop in the log.
bool named(bool holds, const std::string& what) {
  if (!holds) {
    CAF_MESSAGE("failing case: " << what);
  }
  return holds;
}

constexpr const char* openrouter_base = "https://openrouter.ai/api/v1";
constexpr const char* groq_base = "https://api.groq.com/openai/v1";

std::vector<listed_model> items(const std::string& data_json) {
  auto listing = gw::catalog::parse_model_listing(R"({"data": )" + data_json + "}");
  if (!listing) {
    CAF_FAIL("the test listing does not parse: " << data_json);
  }
  return listing->items;
}

listed_model item(const std::string& item_json) {
  return items("[" + item_json + "]").front();
}

// The routes a listing becomes without a supervisor, in listing order.
std::vector<gw::catalog::route> routes(const char* provider, const char* base,
                                       const std::string& data_json) {
  std::vector<gw::catalog::route> out;
  for (const auto& m : items(data_json)) {
    if (auto r = candidate_route(provider, base, m)) {
      out.push_back(*r);
    }
  }
  return out;
}

std::vector<std::string> model_ids(const std::vector<gw::catalog::route>& list) {
  std::vector<std::string> out;
  for (const auto& r : list) {
    out.push_back(r.model_id);
  }
  return out;
}

constexpr const char* text_to_text =
  R"("architecture": {"modality": "text->text", "input_modalities": ["text"],)"
  R"( "output_modalities": ["text"]})";
constexpr const char* free_price = R"("pricing": {"prompt": "0", "completion": "0"})";

supervisor_verdict positive_verdict() {
  supervisor_verdict v;
  v.free_chat_model = true;
  v.confidence = "high";
  v.reason = "Listed on the free tier page.";
  v.sources = {"https://a", "https://b", "https://c", "https://d"};
  return v;
}

} // namespace

// ---- classifier (§13.2.1) ----------------------------------------------------------------

CAF_TEST(media generators embeddings and speech models are not chat models) {
  for (const char* id :
       {"google/veo-3", "imagen-4.0-generate-001", "gemini-2.0-flash-tts", "text-embedding-3-small",
        "nvidia/nv-embedqa", "bge-reranker", "llama-guard-4", "lyria-002", "mistral-ocr",
        "imagen-3.0-generate-002", "meta/llama-translate"}) {
    auto m = item(R"({"id": ")" + std::string{id} + R"(", )" + text_to_text + "}");
    CAF_CHECK(named(!is_chat_model(m), id));
  }
  CAF_CHECK(!is_chat_model(item(R"({"id": "acme/x", "description": "A text-to-speech voice"})")));
  CAF_CHECK(!is_chat_model(item(R"({"id": "acme/x", "name": "Video Generation XL"})")));
}

CAF_TEST(every word of the reference lists decides) {
  // §13.2.1 step 1 wins even over modality lists that both name text.
  for (const char* word : {"veo", "video generation", "ocr", "generate-preview", "generate-001",
                           "imagen", "image generation", "lyria", "music generation", "tts",
                           "text-to-speech", "speech generation", "embedding", "embed", "rerank",
                           "moderation", "safety", "guard", "translat"}) {
    auto m = item(R"({"id": "acme/m", "description": "a )" + std::string{word} + R"( model", )"
                  + text_to_text + "}");
    CAF_CHECK(named(!is_chat_model(m), word));
  }
  // Step 3: without architecture a chat word is enough.
  for (const char* word : {"chat",       "instruct",     "llm",      "language model",
                           "text->text", "text to text", "gemini",   "gemma",
                           "llama",      "qwen",         "deepseek", "mistral",
                           "mixtral",    "gpt",          "claude",   "command",
                           "nemotron",   "hermes",       "kimi",     "minimax",
                           "glm",        "yi",           "phi",      "dolphin",
                           "ling"}) {
    auto m = item(R"({"id": "acme/m", "description": ")" + std::string{word} + R"("})");
    CAF_CHECK(named(is_chat_model(m), word));
  }
}

CAF_TEST(modality lists without text on either side are not chat models) {
  CAF_CHECK(
    !is_chat_model(item(R"({"id": "llama-vision", "architecture":)"
                        R"( {"input_modalities": ["image"], "output_modalities": ["text"]}})")));
  CAF_CHECK(
    !is_chat_model(item(R"({"id": "llama-art", "architecture":)"
                        R"( {"input_modalities": ["text"], "output_modalities": ["image"]}})")));
  // Lists given as strings.
  CAF_CHECK(!is_chat_model(
    item(R"({"id": "llama-x", "architecture": {"output_modalities": "image, audio"}})")));
}

CAF_TEST(both modality lists with text make a chat model whatever the name) {
  CAF_CHECK(is_chat_model(item(R"({"id": "acme/pixtral-like", "architecture":)"
                               R"( {"input_modalities": ["text", "image"],)"
                               R"( "output_modalities": ["text"]}})")));
  CAF_CHECK(
    is_chat_model(item(R"({"id": "acme/plain", "architecture":)"
                       R"( {"input_modalities": "text image", "output_modalities": "Text"}})")));
}

CAF_TEST(the modality string needs text on its first and last part) {
  auto with_modality = [](const char* modality) {
    return item(R"({"id": "llama-x", "architecture": {"modality": ")" + std::string{modality}
                + R"("}})");
  };
  CAF_CHECK(is_chat_model(with_modality("text->text")));
  CAF_CHECK(is_chat_model(with_modality("text+image->text")));
  CAF_CHECK(is_chat_model(with_modality(" Text , Text ")));
  CAF_CHECK(!is_chat_model(with_modality("text->image")));
  CAF_CHECK(!is_chat_model(with_modality("image->text")));
  CAF_CHECK(!is_chat_model(with_modality("audio")));
  // Nothing to split: no verdict from the modality.
  CAF_CHECK(is_chat_model(with_modality("")));
}

CAF_TEST(without architecture only chat words make a chat model) {
  CAF_CHECK(is_chat_model(item(R"({"id": "llama-3.3-70b-versatile"})")));
  CAF_CHECK(is_chat_model(item(R"({"id": "acme/x", "description": "An instruct model"})")));
  CAF_CHECK(is_chat_model(item(R"({"id": "moonshotai/kimi-k2"})")));
  CAF_CHECK(!is_chat_model(item(R"({"id": "existing/free:free"})")));
  CAF_CHECK(!is_chat_model(item(R"({"id": "acme/text-model"})")));
}

CAF_TEST(with architecture text makes a chat model unless it generates) {
  CAF_CHECK(is_chat_model(
    item(R"({"id": "acme/writer", "architecture": {"tokenizer": "Other", "kind": "text"}})")));
  CAF_CHECK(!is_chat_model(item(R"({"id": "acme/writer", "description": "A text generation model",)"
                                R"( "architecture": {"tokenizer": "Other"}})")));
  CAF_CHECK(!is_chat_model(item(
    R"({"id": "acme/writer", "architecture": {"tokenizer": "Other", "kind": "generate text"}})")));
  CAF_CHECK(
    !is_chat_model(item(R"({"id": "acme/writer", "architecture": {"tokenizer": "Other"}})")));
}

// ---- tags (§13.2.2) ----------------------------------------------------------------------

CAF_TEST(explicit web search support gives exactly text tool use and web search) {
  auto m =
    item(R"({"id": "acme/search-model", "name": "Search Model", )" + std::string{text_to_text}
         + R"(, "supported_parameters": ["tools", "tool_choice", "web_search_options"]})");
  std::vector<std::string> expected{"text", "tool-use", "web-search"};
  CAF_CHECK_EQUAL(discovered_tags(m), expected);
}

CAF_TEST(tools without web search give tool use only) {
  auto m = item(R"({"id": "acme/agent", )" + std::string{text_to_text}
                + R"(, "supported_parameters": ["tools", "tool_choice"]})");
  std::vector<std::string> expected{"text", "tool-use"};
  CAF_CHECK_EQUAL(discovered_tags(m), expected);
}

CAF_TEST(image and text input gives text first then vision) {
  auto m = item(R"({"id": "acme/multi", "architecture": {"input_modalities": ["text", "image"],)"
                R"( "output_modalities": ["text"]}})");
  std::vector<std::string> expected{"text", "vision"};
  CAF_CHECK_EQUAL(discovered_tags(m), expected);
}

CAF_TEST(tags follow the reference order and words) {
  auto m = item(R"({"id": "qwen/qwen3-coder-audio", "features": {"Function Calling": true},)"
                R"( "tool_types": ["Grounding With Google Search"]})");
  std::vector<std::string> expected{"text",   "audio",    "reasoning",
                                    "coding", "tool-use", "web-search"};
  CAF_CHECK_EQUAL(discovered_tags(m), expected);
  std::vector<std::string> text_only{"text"};
  CAF_CHECK_EQUAL(discovered_tags(item(R"({"id": "acme/plain-chat"})")), text_only);
}

// ---- candidate routes (§13.2, §16.7) -------------------------------------------------------

CAF_TEST(openrouter keeps free or zero priced chat models only) {
  auto found =
    routes("openrouter", openrouter_base,
           R"([{"id": "new/free-model:free", "name": "New Free Model",)"
           R"( "context_length": 65536, )"
             + std::string{text_to_text} + R"(, "pricing": {"prompt": "0.1",)"
             + R"( "completion": "0.2"}},)" + R"( {"id": "paid/model", "name": "Paid", )"
             + text_to_text + R"(, "pricing": {"prompt": "0.1", "completion": "0.2"}}])");
  CAF_REQUIRE_EQUAL(found.size(), 1u);
  const auto& r = found.front();
  CAF_CHECK_EQUAL(r.route_id, "openrouter-new-free-model-free");
  CAF_CHECK_EQUAL(r.provider_name, "openrouter");
  CAF_CHECK_EQUAL(r.model_id, "new/free-model:free");
  CAF_CHECK_EQUAL(r.display_name, "New Free Model");
  CAF_CHECK_EQUAL(r.context_window, std::optional<int64_t>{65536});
  CAF_CHECK(r.has_tag("text"));
  CAF_CHECK(!r.enabled);
  CAF_CHECK_EQUAL(r.rank, 0);
  CAF_CHECK_EQUAL(r.quality, "unknown");
  CAF_CHECK_EQUAL(r.speed, "variable");
  CAF_CHECK_EQUAL(r.source_url, "https://openrouter.ai/api/v1/models");
  CAF_CHECK_EQUAL(r.rank_source, "heuristic");
  CAF_CHECK_EQUAL(r.rank_reason, "");
  CAF_CHECK(r.notes.find("OpenRouter models API as zero-cost or :free") != std::string::npos);
  CAF_CHECK(r.notes.find("disabled until reviewed") != std::string::npos);
}

CAF_TEST(groq keeps only the zero priced chat model) {
  auto found = routes("groq", groq_base,
                      R"([{"id": "llama-no-pricing"},)"
                      R"( {"id": "llama-free-70b", "pricing": {"prompt": 0, "completion": 0}},)"
                      R"( {"id": "llama-partly-paid", "pricing": {"prompt": 0, "completion": 1}},)"
                      R"( {"id": "nomic-embed-text", )"
                        + std::string{free_price} + R"(},)" + R"( {"id": "veo-video", )"
                        + free_price + R"(},)" + R"( {"id": "imagen-art", )" + free_price + "}]");
  CAF_REQUIRE_EQUAL(found.size(), 1u);
  CAF_CHECK_EQUAL(found[0].model_id, "llama-free-70b");
  CAF_CHECK_EQUAL(found[0].provider_name, "groq");
  CAF_CHECK_EQUAL(found[0].display_name, "llama-free-70b");
  CAF_CHECK(!found[0].enabled);
  CAF_CHECK(!found[0].context_window);
  CAF_CHECK(found[0].notes.find("free-tier limits can still vary") != std::string::npos);
  CAF_CHECK_EQUAL(found[0].source_url, "https://api.groq.com/openai/v1/models");
}

CAF_TEST(openrouter keeps multimodal and coder models in order and drops music) {
  auto found = routes(
    "openrouter", openrouter_base,
    R"([{"id": "google/lyria-3:free", "name": "Lyria 3", "architecture": {"input_modalities":)"
    R"( ["text"], "output_modalities": ["audio"]}},)"
    R"( {"id": "mistralai/pixtral-12b:free", "name": "Pixtral 12B", "architecture":)"
    R"( {"input_modalities": ["text", "image"], "output_modalities": ["text"]}},)"
    R"( {"id": "qwen/qwen3-coder:free", "name": "Qwen3 Coder", )"
      + std::string{text_to_text} + "}]");
  std::vector<std::string> expected{"mistralai/pixtral-12b:free", "qwen/qwen3-coder:free"};
  CAF_CHECK_EQUAL(model_ids(found), expected);
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(found[0].tags.front(), "text");
  CAF_CHECK(found[0].has_tag("vision"));
  CAF_CHECK(found[1].has_tag("coding"));
}

CAF_TEST(the zero price decides for non openrouter providers) {
  auto found = routes("nvidia", "https://integrate.api.nvidia.com/v1/",
                      R"([{"id": "a-chat", "pricing": {"prompt": "0"}},)"
                      R"( {"id": "b-chat", "pricing": {"prompt": "x", "completion": "0"}},)"
                      R"( {"id": "c-chat", "pricing": {"input": "0", "output": "0"}},)"
                      R"( {"id": "d-chat:free"}])");
  std::vector<std::string> expected{"c-chat"};
  CAF_CHECK_EQUAL(model_ids(found), expected);
  CAF_REQUIRE_EQUAL(found.size(), 1u);
  // A trailing slash of the base URL is not doubled.
  CAF_CHECK_EQUAL(found[0].source_url, "https://integrate.api.nvidia.com/v1/models");
}

CAF_TEST(a supervisor verified gemini model becomes a route without models prefix) {
  auto m = item(R"({"id": "models/gemini-new-free", "name": ""})");
  CAF_CHECK(needs_supervisor("gemini", m));
  CAF_CHECK(!candidate_route("gemini", "https://g/v1beta/openai", m));
  auto verdict = positive_verdict();
  auto r = candidate_route("gemini", "https://g/v1beta/openai", m, &verdict);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->model_id, "gemini-new-free");
  CAF_CHECK_EQUAL(r->display_name, "gemini-new-free");
  CAF_CHECK_EQUAL(r->route_id, "gemini-gemini-new-free");
  CAF_CHECK(!r->enabled);
  CAF_CHECK(r->notes.find("free-tier verification") != std::string::npos);
  CAF_CHECK(r->notes.find("free-tier limits can vary") != std::string::npos);
  auto note = std::string{" Supervisor web search verified free-tier status: "}
              + "Listed on the free tier page. Sources: https://a, https://b, https://c";
  CAF_CHECK(r->notes.size() > note.size()
            && r->notes.compare(r->notes.size() - note.size(), note.size(), note) == 0);
  CAF_CHECK_EQUAL(r->rank_source, "ai_supervisor");
  CAF_CHECK_EQUAL(r->rank_reason, "Listed on the free tier page.");
}

CAF_TEST(only one models prefix is removed) {
  // Found by fuzz-diagnosis (regressions/diagnosis/double_models_prefix): the reference strips
  // one leading "models/", so a doubled prefix keeps the second.
  auto r =
    candidate_route("gemini", "https://g",
                    item(R"({"id": "models/models/gemini-x", )" + std::string{free_price} + "}"));
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->model_id, "models/gemini-x");
  CAF_CHECK(!candidate_route(
    "gemini", "https://g",
    item(R"({"id": "models/", "name": "Llama", )" + std::string{free_price} + "}")));
}

CAF_TEST(a listed id with a control character never becomes a route) {
  // It would reach the catalog and the X-Gateway-Model header (response splitting).
  CAF_CHECK(!candidate_route("groq", "https://g",
                             item(R"({"id": "llama-chat\r\nX-Injected: 1", "name": "Llama", )"
                                  + std::string{free_price} + "}")));
  CAF_CHECK(candidate_route(
    "groq", "https://g",
    item(R"({"id": "llama-chat", "name": "Llama", )" + std::string{free_price} + "}")));
}

CAF_TEST(the supervisor note has no sources part without sources) {
  auto verdict = positive_verdict();
  verdict.sources.clear();
  auto r = candidate_route("groq", groq_base, item(R"({"id": "llama-new"})"), &verdict);
  CAF_REQUIRE(r);
  std::string tail =
    "Supervisor web search verified free-tier status: Listed on the free tier page.";
  CAF_CHECK(r->notes.size() > tail.size()
            && r->notes.compare(r->notes.size() - tail.size(), tail.size(), tail) == 0);
}

CAF_TEST(only a positive verdict stands in for the price) {
  auto m = item(R"({"id": "llama-new"})");
  auto verdict = positive_verdict();
  verdict.confidence = "medium";
  CAF_CHECK(!candidate_route("groq", groq_base, m, &verdict));
  verdict.confidence = "high";
  verdict.free_chat_model = false;
  CAF_CHECK(!candidate_route("groq", groq_base, m, &verdict));
}

CAF_TEST(a model free by payload ignores the verdict) {
  auto m = item(R"({"id": "llama-free", )" + std::string{free_price} + "}");
  CAF_CHECK(!needs_supervisor("groq", m));
  auto verdict = positive_verdict();
  auto r = candidate_route("groq", groq_base, m, &verdict);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->rank_source, "heuristic");
  CAF_CHECK(r->notes.find("Supervisor") == std::string::npos);
}

CAF_TEST(the supervisor is asked only about unpriced chat models with an id) {
  CAF_CHECK(needs_supervisor("groq", item(R"({"id": "llama-unpriced"})")));
  CAF_CHECK(!needs_supervisor("groq", item(R"({"id": "text-embedding-unpriced"})")));
  CAF_CHECK(!needs_supervisor("groq", item(R"({"name": "llama without id"})")));
  CAF_CHECK(!needs_supervisor("openrouter", item(R"({"id": "meta/llama:free"})")));
  CAF_CHECK(needs_supervisor("groq", item(R"({"id": "meta/llama:free"})")));
}

CAF_TEST(candidate route tags are canonical and start with text) {
  auto r = candidate_route("groq", groq_base,
                           item(R"({"id": "qwen-vl-coder", )" + std::string{free_price} + "}"));
  CAF_REQUIRE(r);
  std::vector<std::string> expected{"text", "vision", "reasoning", "coding"};
  CAF_CHECK_EQUAL(r->tags, expected);
}
