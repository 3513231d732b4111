// The deterministic ranking heuristic of the reference (§4.3): a capability score from a
// benchmark table, a parameter-size bonus and keyword nudges, with the provider's free-tier
// generosity as tie-breaker. auto_rank() turns it into catalog ranks 1..N (§4.5).
#pragma once

#include "catalog/route.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// Heuristic capability score of a route; -500000 for safety/guard/PII/translation models.
int64_t rank_score(const route& r);

/// Tie-breaker: gemini 100, groq 90, cerebras 80, nvidia 70, openrouter 60, others 0.
int64_t provider_score(std::string_view provider_name);

/// Orders routes as auto-ranking does: descending on (rank_score, provider_score,
/// provider_name, model_id). A strict weak ordering, usable with std::stable_sort.
bool rank_sort_greater(const route& a, const route& b);

/// Re-ranks in place: drops non-text-chat routes, sorts with rank_sort_greater, assigns ranks
/// 1..N, recomputes rank_score, canonicalizes tags and fills an empty rank_reason/rank_source
/// with "deterministic_quality_score"/"heuristic". `enabled` is untouched. The result is in
/// route_order (ranks are unique).
void auto_rank(std::vector<route>& routes);

} // namespace gw::catalog
