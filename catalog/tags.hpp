// Tag vocabulary of the catalog and the "text chat route" filter (reference §4.2), plus the
// route id slug rule (§4.1). Pure functions: everything that enters the catalog passes here.
#pragma once

#include "catalog/route.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// True for one of the twelve canonical tags (`text`, `reasoning`, `coding`, ...).
bool is_canonical_tag(std::string_view tag);

/// Keeps only canonical tags, first occurrence wins; an empty result becomes {"text"}.
std::vector<std::string> canonical_tags(const std::vector<std::string>& tags);

/// The filter applied to every route entering the catalog: tagged `text`, no non-chat tag
/// (safety, moderation, translation, classification) and no OCR/TTS/guard-like wording.
bool is_text_chat_route(const route& r);

/// Default route id: lowercase "<provider>-<model_id>", runs of `/:._` -> "-", no edge dashes.
/// Example: ("openrouter", "z-ai/glm-4.5-air:free") -> "openrouter-z-ai-glm-4-5-air-free".
std::string route_slug(std::string_view provider, std::string_view model_id);

/// ASCII lowercase copy (the heuristics only ever look for ASCII words).
std::string ascii_lower(std::string_view text);

} // namespace gw::catalog
