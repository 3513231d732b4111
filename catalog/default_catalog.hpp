// The compiled-in default catalog (reference §4.4): what a fresh install routes to, and what
// `reset` restores. 71 free-tier text-chat routes over the five built-in providers.
#pragma once

#include "catalog/route.hpp"

#include <vector>

namespace gw::catalog {

/// The 71 default routes in rank order (ranks 1..71), every field filled: slug route ids,
/// all enabled, cost "free-tier", rank_score from the heuristic, rank_reason
/// "deterministic_quality_score", rank_source "heuristic". A fresh copy on every call.
std::vector<route> default_catalog();

} // namespace gw::catalog
