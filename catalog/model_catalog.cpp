#include "catalog/model_catalog.hpp"

#include "catalog/catalog_json.hpp"
#include "catalog/default_catalog.hpp"
#include "catalog/ranking.hpp"
#include "catalog/tags.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_set>
#include <utility>

namespace gw::catalog {

model_catalog::model_catalog(std::vector<route> routes) : routes_(std::move(routes)) {
  sort();
}

const std::vector<route>& model_catalog::all() const {
  return routes_;
}

const route* model_catalog::find(std::string_view route_id) const {
  for (const auto& r : routes_) {
    if (r.route_id == route_id) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<const route*> model_catalog::candidates(std::string_view requested_model,
                                                    std::string_view alias,
                                                    std::string_view required_tag) const {
  std::vector<const route*> out;
  out.reserve(routes_.size()); // one allocation per request, not one per doubling
  for (const auto& r : routes_) {
    if (r.enabled && (required_tag.empty() || r.has_tag(std::string{required_tag}))) {
      out.push_back(&r);
    }
  }
  if (requested_model.empty() || requested_model == "auto" || requested_model == alias) {
    return out;
  }
  // stable_partition keeps rank order within both the preferred and the remaining routes.
  std::stable_partition(out.begin(), out.end(), [&](const route* r) {
    return r->route_id == requested_model || r->model_id == requested_model
           || r->display_name == requested_model;
  });
  return out;
}

std::shared_ptr<const route_ref> model_catalog::names_of(const route* r) const {
  if (names_.size() != routes_.size()) {
    names_.clear();
    names_.reserve(routes_.size());
    for (const auto& each : routes_) {
      names_.push_back(std::make_shared<const route_ref>(
        route_ref{each.route_id, each.provider_name, each.model_id}));
    }
  }
  const auto& names = names_.at(static_cast<size_t>(r - routes_.data()));
  assert(names->route_id == r->route_id && names->model_id == r->model_id);
  return names;
}

void model_catalog::forget_names() {
  names_.clear();
}

std::optional<gw::error> model_catalog::replace(std::vector<route> routes) {
  std::vector<route> kept;
  kept.reserve(routes.size());
  for (auto& r : routes) {
    r.tags = canonical_tags(r.tags);
    if (is_text_chat_route(r)) {
      kept.push_back(std::move(r));
    }
  }
  std::unordered_set<std::string> seen;
  for (const auto& r : kept) {
    if (!seen.insert(r.route_id).second) {
      return make_error(errc::invalid_request, "Duplicate route_id: " + r.route_id);
    }
  }
  routes_ = std::move(kept);
  sort();
  return std::nullopt;
}

std::optional<gw::error> model_catalog::set_enabled(std::string_view route_id, bool enabled) {
  for (auto& r : routes_) {
    if (r.route_id == route_id) {
      r.enabled = enabled;
      return std::nullopt;
    }
  }
  return make_error(errc::not_found, "Unknown route_id: " + std::string{route_id});
}

void model_catalog::auto_rank() {
  catalog::auto_rank(routes_);
  forget_names();
}

void model_catalog::reset_to_defaults() {
  routes_ = default_catalog();
  sort();
}

std::vector<route> model_catalog::add_discovered(std::vector<route> discovered) {
  // Best candidates first, so that of two discovered routes naming the same target the
  // stronger one wins (as in the reference).
  std::stable_sort(discovered.begin(), discovered.end(),
                   [](const route& a, const route& b) { return rank_score(a) > rank_score(b); });
  std::unordered_set<std::string> ids;
  std::unordered_set<std::string> targets;
  auto target_of = [](const route& r) {
    return r.provider_name + '\n' + r.model_id;
  };
  for (const auto& r : routes_) {
    ids.insert(r.route_id);
    targets.insert(target_of(r));
  }
  std::vector<std::string> added_ids;
  for (auto& r : discovered) {
    if (routes_.size() >= max_catalog_routes) {
      break;
    }
    if (!is_text_chat_route(r) || ids.count(r.route_id) > 0 || targets.count(target_of(r)) > 0) {
      continue;
    }
    ids.insert(r.route_id);
    targets.insert(target_of(r));
    r.rank = 0;
    r.enabled = false;
    r.rank_score = rank_score(r);
    r.tags = canonical_tags(r.tags);
    added_ids.push_back(r.route_id);
    routes_.push_back(std::move(r));
  }
  std::vector<route> added;
  if (added_ids.empty()) {
    return added;
  }
  auto_rank();
  for (const auto& id : added_ids) {
    if (const auto* r = find(id)) {
      added.push_back(*r);
    }
  }
  return added;
}

std::vector<route> model_catalog::remove(const std::vector<std::string>& route_ids) {
  std::unordered_set<std::string> doomed(route_ids.begin(), route_ids.end());
  std::vector<route> removed;
  std::vector<route> kept;
  kept.reserve(routes_.size());
  for (auto& r : routes_) {
    (doomed.count(r.route_id) > 0 ? removed : kept).push_back(std::move(r));
  }
  routes_ = std::move(kept);
  forget_names();
  return removed;
}

void model_catalog::sort() {
  std::stable_sort(routes_.begin(), routes_.end(), route_order);
  forget_names();
}

} // namespace gw::catalog
