// Which listed models become candidate routes, and with which tags (reference §13.2-13.3).
// The word lists are the reference's, unchanged: they are substring tests, so short words
// ("yi", "vl", "ling") match inside longer ones exactly as they did there.
#include "catalog/diagnosis.hpp"
#include "catalog/ids.hpp"
#include "catalog/tags.hpp"

#include <array>

namespace gw::catalog {

namespace {

template <size_t N>
bool contains_any(std::string_view text, const std::array<std::string_view, N>& needles) {
  for (auto needle : needles) {
    if (text.find(needle) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

bool has_text(const std::vector<std::string>& modalities) {
  for (const auto& m : modalities) {
    if (m == "text") {
      return true;
    }
  }
  return false;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// §13.2.1 step 1: media generators, embeddings, rerankers, moderation, translation.
constexpr std::array<std::string_view, 19> non_chat_words{"veo",
                                                          "video generation",
                                                          "ocr",
                                                          "generate-preview",
                                                          "generate-001",
                                                          "imagen",
                                                          "image generation",
                                                          "lyria",
                                                          "music generation",
                                                          "tts",
                                                          "text-to-speech",
                                                          "speech generation",
                                                          "embedding",
                                                          "embed",
                                                          "rerank",
                                                          "moderation",
                                                          "safety",
                                                          "guard",
                                                          "translat"};

// §13.2.1 step 3: wording (and model families) that says chat.
constexpr std::array<std::string_view, 25> chat_words{
  "chat",       "instruct",     "llm",      "language model",
  "text->text", "text to text", "gemini",   "gemma",
  "llama",      "qwen",         "deepseek", "mistral",
  "mixtral",    "gpt",          "claude",   "command",
  "nemotron",   "hermes",       "kimi",     "minimax",
  "glm",        "yi",           "phi",      "dolphin",
  "ling"};

constexpr std::array<std::string_view, 5> vision_words{"vision", "image", "vl", "pixtral",
                                                       "gemma-3"};
constexpr std::array<std::string_view, 2> audio_words{"audio", "speech"};
constexpr std::array<std::string_view, 5> reasoning_words{"reason", "thinking", "qwen", "hermes",
                                                          "gpt-oss"};
constexpr std::array<std::string_view, 2> coding_words{"coder", "code"};
constexpr std::array<std::string_view, 5> tool_words{"tools", "tool_choice", "function_call",
                                                     "function calling", "function_calling"};
// Searched in the capability text with '-' and ' ' turned into '_'.
constexpr std::array<std::string_view, 6> web_search_words{
  "web_search",     "web_search_options", "web_search_preview",
  "browser_search", "internet_search",    "grounding_with_google_search"};

// `modality` ("text->text", "text+image->text", "text,image"): the first and the last part
// must both mention text.
bool modality_allows_chat(std::string_view modality) {
  std::string text{modality};
  for (size_t pos = text.find(','); pos != std::string::npos; pos = text.find(',', pos)) {
    text.replace(pos, 1, "->");
  }
  std::vector<std::string_view> parts;
  std::string_view rest{text};
  for (;;) {
    auto arrow = rest.find("->");
    auto part = rest.substr(0, arrow);
    auto first = part.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
      part = part.substr(first, part.find_last_not_of(" \t\r\n") - first + 1);
      parts.push_back(part);
    }
    if (arrow == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(arrow + 2);
  }
  return parts.empty() || (contains(parts.front(), "text") && contains(parts.back(), "text"));
}

std::string route_notes(std::string_view provider_name, bool free_listed) {
  if (provider_name == "openrouter") {
    return "Discovered from OpenRouter models API as zero-cost or :free; disabled until reviewed.";
  }
  if (!free_listed) {
    return "Discovered from the provider models API and accepted after supervisor free-tier "
           "verification; free-tier limits can vary, so it is disabled until reviewed.";
  }
  return "Discovered from the provider models API with structured zero pricing in the provider "
         "listing; free-tier limits can still vary, so it is disabled until reviewed.";
}

std::string supervisor_note(const supervisor_verdict& verdict) {
  std::string note = "Supervisor web search verified free-tier status: " + verdict.reason;
  if (!verdict.sources.empty()) {
    note += " Sources: ";
    for (size_t i = 0; i < verdict.sources.size() && i < 3; ++i) {
      note += (i == 0 ? "" : ", ") + verdict.sources[i];
    }
  }
  return note;
}

} // namespace

bool is_chat_model(const listed_model& item) {
  const auto& s = item.search_text;
  if (contains_any(s, non_chat_words)) {
    return false;
  }
  if (item.has_architecture) {
    const auto& in = item.input_modalities;
    const auto& out = item.output_modalities;
    if ((!in.empty() && !has_text(in)) || (!out.empty() && !has_text(out))) {
      return false;
    }
    if (!modality_allows_chat(item.modality)) {
      return false;
    }
    if (!in.empty() && !out.empty()) {
      return true; // both lists name text (checked above)
    }
  }
  if (contains_any(s, chat_words)) {
    return true;
  }
  if (!item.has_architecture) {
    return false;
  }
  return contains(s, "text") && !contains(s, "generate") && !contains(s, "generation");
}

bool free_by_payload(std::string_view provider_name, const listed_model& item) {
  if (provider_name == "openrouter" && ends_with(item.id, ":free")) {
    return true;
  }
  return item.zero_price;
}

std::vector<std::string> discovered_tags(const listed_model& item) {
  const auto& s = item.search_text;
  std::vector<std::string> tags{"text"};
  if (contains_any(s, vision_words)) {
    tags.emplace_back("vision");
  }
  if (contains_any(s, audio_words)) {
    tags.emplace_back("audio");
  }
  if (contains_any(s, reasoning_words)) {
    tags.emplace_back("reasoning");
  }
  if (contains_any(s, coding_words)) {
    tags.emplace_back("coding");
  }
  if (contains_any(item.capability_text, tool_words)) {
    tags.emplace_back("tool-use");
  }
  std::string underscored = item.capability_text;
  for (auto& c : underscored) {
    if (c == '-' || c == ' ') {
      c = '_';
    }
  }
  if (contains_any(underscored, web_search_words)) {
    tags.emplace_back("web-search");
  }
  return tags;
}

bool needs_supervisor(std::string_view provider_name, const listed_model& item) {
  return !item.id.empty() && !free_by_payload(provider_name, item) && is_chat_model(item);
}

std::optional<route> candidate_route(std::string_view provider_name, std::string_view base_url,
                                     const listed_model& item, const supervisor_verdict* verdict) {
  if (item.id.empty() || !is_chat_model(item)) {
    return std::nullopt;
  }
  bool free_listed = free_by_payload(provider_name, item);
  bool supervised = !free_listed && verdict != nullptr && verdict->positive();
  if (!free_listed && !supervised) {
    return std::nullopt;
  }
  std::string_view model_id{item.id};
  constexpr std::string_view models_prefix = "models/";
  if (model_id.substr(0, models_prefix.size()) == models_prefix) {
    model_id.remove_prefix(models_prefix.size());
  }
  if (model_id.empty()) {
    return std::nullopt; // "models/" alone names nothing
  }
  // The id goes into the catalog, URLs and X-Gateway-* headers: a listing is not trusted.
  if (!model_id_problem(model_id).empty()
      || !route_id_problem(route_slug(provider_name, model_id)).empty()) {
    return std::nullopt;
  }
  route r;
  r.route_id = route_slug(provider_name, model_id);
  r.provider_name = std::string{provider_name};
  r.model_id = std::string{model_id};
  r.display_name = item.name.empty() ? r.model_id : item.name;
  r.rank = 0;
  r.enabled = false;
  r.context_window = item.context_length;
  r.quality = "unknown";
  r.speed = "variable";
  r.tags = canonical_tags(discovered_tags(item));
  r.notes = route_notes(provider_name, free_listed);
  while (!base_url.empty() && base_url.back() == '/') {
    base_url.remove_suffix(1);
  }
  r.source_url = std::string{base_url} + "/models";
  if (supervised) {
    r.notes += " " + supervisor_note(*verdict);
    r.rank_reason = verdict->reason;
    r.rank_source = "ai_supervisor";
  }
  return r;
}

} // namespace gw::catalog
