// Web-search endpoint support (reference §10.1) and the "did the model answer anything"
// test used by web-search mode (§7.6). Pure functions over RapidJSON values.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace gw::openai {

/// In place: `tools` becomes an array (a non-array value is replaced by []) that contains a
/// `{"type": "web_search_preview"}` object (appended unless present, existing tools first), and
/// `tool_choice` is overwritten with `{"type": "web_search_preview"}`. No-op on a non-object.
void prepare_web_search_payload(rapidjson::Document& payload);

/// True when `tools` is an array holding an object whose `type` is "web_search_preview".
bool has_web_search_preview_tool(const rapidjson::Value& payload);

/// The assistant's text: the first non-blank of top-level `content`, `message.content`,
/// `choices[0].message.content`, `choices[0].text`. A list of parts is joined with " "
/// (strings as they are, objects by `text`, else by nested `content`). "" when none.
std::string assistant_text(const rapidjson::Value& body);

/// How the text parts of a content array are joined: the router's flavour (" ", nested
/// `content` parts followed) or the live monitor's ("\n", string parts only; reference §7.6).
struct text_parts {
  char separator = ' ';
  bool follow_nested = true;
};
std::string assistant_text(const rapidjson::Value& body, text_parts parts);

/// True when assistant_text() is non-empty after trimming whitespace.
bool has_assistant_content(const rapidjson::Value& body);

} // namespace gw::openai
