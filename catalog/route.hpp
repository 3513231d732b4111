// One catalog entry: a provider model reachable through the gateway. This is also
// the on-disk and API shape of model_catalog.json (reference §4.1), field order kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gw::catalog {

struct route {
  std::string route_id;
  std::string provider_name;
  std::string model_id;
  std::string display_name;
  int64_t rank = 0;
  bool enabled = true;
  std::optional<int64_t> context_window;
  std::string quality = "unknown";
  std::string speed = "unknown";
  std::string cost = "free-tier";
  std::vector<std::string> tags{"text"};
  std::string notes;
  std::string source_url;
  std::optional<int64_t> rank_score;
  std::string rank_reason;
  std::string rank_source = "heuristic";

  bool has_tag(const std::string& tag) const {
    for (const auto& t : tags) {
      if (t == tag) {
        return true;
      }
    }
    return false;
  }
};

inline bool operator==(const route& a, const route& b) {
  return a.route_id == b.route_id && a.provider_name == b.provider_name && a.model_id == b.model_id
         && a.display_name == b.display_name && a.rank == b.rank && a.enabled == b.enabled
         && a.context_window == b.context_window && a.quality == b.quality && a.speed == b.speed
         && a.cost == b.cost && a.tags == b.tags && a.notes == b.notes
         && a.source_url == b.source_url && a.rank_score == b.rank_score
         && a.rank_reason == b.rank_reason && a.rank_source == b.rank_source;
}

/// Catalog order: (rank, provider_name, model_id) ascending.
inline bool route_order(const route& a, const route& b) {
  if (a.rank != b.rank) {
    return a.rank < b.rank;
  }
  if (a.provider_name != b.provider_name) {
    return a.provider_name < b.provider_name;
  }
  return a.model_id < b.model_id;
}

} // namespace gw::catalog
