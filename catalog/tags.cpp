#include "catalog/tags.hpp"

#include <algorithm>
#include <array>

namespace gw::catalog {

namespace {

constexpr std::array<std::string_view, 12> canonical_tag_list{
  "text",  "reasoning", "coding",     "tool-use",    "web-search",     "vision",
  "audio", "safety",    "moderation", "translation", "classification", "rag",
};

// Tags that mark a classifier/translator rather than a chat model.
constexpr std::array<std::string_view, 4> non_chat_tags{"safety", "moderation", "translation",
                                                        "classification"};

// Wording that gives away a non-chat model even when its tags claim `text`.
constexpr std::array<std::string_view, 8> non_chat_terms{
  "ocr", "paligemma", "pii", "safety", "speech", "translate", "translation", "tts"};

bool is_slug_separator(char c) {
  return c == '/' || c == ':' || c == '.' || c == '_';
}

} // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

bool is_canonical_tag(std::string_view tag) {
  return std::find(canonical_tag_list.begin(), canonical_tag_list.end(), tag)
         != canonical_tag_list.end();
}

std::vector<std::string> canonical_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& tag : tags) {
    if (is_canonical_tag(tag) && std::find(out.begin(), out.end(), tag) == out.end()) {
      out.push_back(tag);
    }
  }
  if (out.empty()) {
    out.emplace_back("text");
  }
  return out;
}

bool is_text_chat_route(const route& r) {
  if (!r.has_tag("text")) {
    return false;
  }
  for (auto tag : non_chat_tags) {
    if (r.has_tag(std::string{tag})) {
      return false;
    }
  }
  std::string text = r.display_name + " " + r.model_id + " " + r.quality + " ";
  for (size_t i = 0; i < r.tags.size(); ++i) {
    text += (i == 0 ? "" : " ") + r.tags[i];
  }
  text = ascii_lower(text);
  return std::none_of(non_chat_terms.begin(), non_chat_terms.end(),
                      [&](std::string_view term) { return text.find(term) != std::string::npos; });
}

std::string route_slug(std::string_view provider, std::string_view model_id) {
  std::string raw = ascii_lower(provider);
  raw += '-';
  raw += ascii_lower(model_id);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!is_slug_separator(raw[i])) {
      out += raw[i];
    } else if (i == 0 || !is_slug_separator(raw[i - 1])) {
      out += '-';
    }
  }
  auto first = out.find_first_not_of('-');
  if (first == std::string::npos) {
    return {};
  }
  auto last = out.find_last_not_of('-');
  return out.substr(first, last - first + 1);
}

} // namespace gw::catalog
