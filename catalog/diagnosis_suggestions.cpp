// What a provider's listing and probes mean for the catalog (reference §13.4): routes to add,
// routes gone upstream, stale routes that came back.
#include "catalog/diagnosis.hpp"
#include "catalog/failure_classifier.hpp"
#include "catalog/tags.hpp"

#include <set>
#include <unordered_set>
#include <utility>

namespace gw::catalog {

namespace {

constexpr std::string_view models_prefix = "models/";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// §13.1 step 4: Gemini lists "models/x" and accepts "x" (and the catalog may hold either).
void insert_with_variants(std::unordered_set<std::string>& set, const std::string& id) {
  set.insert(id);
  if (starts_with(id, models_prefix)) {
    set.insert(id.substr(models_prefix.size()));
  } else {
    set.insert(std::string{models_prefix} + id);
  }
}

bool any_variant_in(const std::unordered_set<std::string>& set, const std::string& id) {
  std::unordered_set<std::string> variants;
  insert_with_variants(variants, id);
  for (const auto& v : variants) {
    if (set.count(v) != 0) {
      return true;
    }
  }
  return false;
}

suggestion make_suggestion(suggestion_action action, const route& r, std::string details) {
  suggestion s;
  s.action = action;
  switch (action) {
  case suggestion_action::add_route:
    s.suggestion_id = "add:" + r.route_id;
    s.title = "Add " + r.display_name;
    break;
  case suggestion_action::remove_route:
    s.suggestion_id = "remove:" + r.route_id;
    s.title = "Remove " + r.display_name;
    break;
  case suggestion_action::clear_stale:
    s.suggestion_id = "clear_stale:" + r.route_id;
    s.title = "Restore " + r.display_name;
    break;
  }
  s.provider_name = r.provider_name;
  s.model_id = r.model_id;
  s.route_id = r.route_id;
  s.details = std::move(details);
  return s;
}

} // namespace

const char* to_string(suggestion_action action) {
  switch (action) {
  case suggestion_action::add_route:
    return "add_route";
  case suggestion_action::remove_route:
    return "remove_route";
  case suggestion_action::clear_stale:
    return "clear_stale";
  }
  return "add_route";
}

std::optional<suggestion_action> suggestion_action_from(std::string_view text) {
  for (auto action : {suggestion_action::add_route, suggestion_action::remove_route,
                      suggestion_action::clear_stale}) {
    if (text == to_string(action)) {
      return action;
    }
  }
  return std::nullopt;
}

bool probe_worthwhile(const route& r) {
  if (!r.enabled) {
    return false;
  }
  // OpenRouter's own routers ("openrouter/free") are never listed and never missing.
  return r.provider_name != "openrouter" || ends_with(r.model_id, ":free");
}

probe_result probe_verdict(int status, std::string_view body) {
  if (status >= 200 && status < 300) {
    return probe_result::available;
  }
  return looks_like_missing_model(status, body) ? probe_result::missing
                                                : probe_result::inconclusive;
}

provider_plan plan_provider(std::string_view provider_name, std::string_view base_url,
                            const model_listing& listing,
                            const std::vector<const supervisor_verdict*>& verdicts,
                            const std::vector<catalog_entry>& provider_routes,
                            const std::vector<route>& whole_catalog) {
  provider_plan plan;
  plan.provider_name = std::string{provider_name};
  plan.discovered_model_count = static_cast<int64_t>(listing.raw_ids.size());

  // Candidates the catalog would accept: one that fails the text-chat filter would be dropped
  // on apply (reference §4.2), so suggesting it would promise a route that never appears.
  std::unordered_set<std::string> discovered_ids;
  for (size_t i = 0; i < listing.items.size(); ++i) {
    const auto* verdict = i < verdicts.size() ? verdicts[i] : nullptr;
    auto candidate = candidate_route(provider_name, base_url, listing.items[i], verdict);
    if (candidate && is_text_chat_route(*candidate)
        && discovered_ids.insert(candidate->route_id).second) {
      plan.discovered.push_back(std::move(*candidate));
    }
  }

  std::unordered_set<std::string> catalog_ids;
  std::set<std::pair<std::string, std::string>> catalog_models;
  for (const auto& r : whole_catalog) {
    catalog_ids.insert(r.route_id);
    catalog_models.emplace(r.provider_name, r.model_id);
  }
  for (const auto& r : plan.discovered) {
    if (catalog_ids.count(r.route_id) == 0
        && catalog_models.count({r.provider_name, r.model_id}) == 0) {
      auto s = make_suggestion(suggestion_action::add_route, r,
                               "New free route discovered in the " + plan.provider_name
                                 + " model listing; it is added disabled until reviewed.");
      s.new_route = r;
      plan.adds.push_back(std::move(s));
    }
  }

  std::unordered_set<std::string> listed_ids;
  for (const auto& id : listing.raw_ids) {
    insert_with_variants(listed_ids, id);
  }
  // An OpenRouter ":free" route is only present when its model is still a free chat model:
  // OpenRouter keeps listing models whose free variant has become paid or non-chat.
  std::unordered_set<std::string> routable_ids;
  for (const auto& r : plan.discovered) {
    insert_with_variants(routable_ids, r.model_id);
  }
  for (const auto& entry : provider_routes) {
    const auto& model_id = entry.r.model_id;
    bool free_openrouter = provider_name == "openrouter" && ends_with(model_id, ":free");
    const auto& presence = free_openrouter ? routable_ids : listed_ids;
    plan.routes.push_back(route_presence{entry, any_variant_in(presence, model_id)});
  }
  return plan;
}

provider_diagnosis finish_provider(const provider_plan& plan,
                                   const std::vector<probe_result>& probes,
                                   std::vector<suggestion>& suggestions) {
  provider_diagnosis d;
  d.provider_name = plan.provider_name;
  d.configured = true;
  d.ok = true;
  d.discovered_model_count = plan.discovered_model_count;
  d.new_route_suggestion_count = static_cast<int64_t>(plan.adds.size());

  std::vector<suggestion> removes;
  std::vector<suggestion> restores;
  for (size_t i = 0; i < plan.routes.size(); ++i) {
    const auto& presence = plan.routes[i];
    const auto& r = presence.entry.r;
    bool outdated = presence.entry.status == health_status::potentially_outdated;
    if (presence.listed) {
      ++d.confirmed_route_count;
      if (outdated) {
        restores.push_back(make_suggestion(
          suggestion_action::clear_stale, r,
          "The model is listed by the provider again; clear its potentially outdated state."));
      }
      continue;
    }
    // A route that must not be probed counts as inconclusive whatever the caller passed.
    auto probe = i < probes.size() && probe_worthwhile(r) ? probes[i] : probe_result::inconclusive;
    if (probe == probe_result::available) {
      ++d.confirmed_route_count;
      if (outdated) {
        restores.push_back(make_suggestion(suggestion_action::clear_stale, r,
                                           "A direct probe succeeded although the model is not "
                                           "listed; clear its potentially outdated state."));
      }
    } else if (probe == probe_result::missing) {
      removes.push_back(make_suggestion(suggestion_action::remove_route, r,
                                        "The model is absent from the provider listing and a "
                                        "direct probe returned a missing-model error."));
    }
  }
  d.stale_route_suggestion_count = static_cast<int64_t>(removes.size());
  d.recovered_route_suggestion_count = static_cast<int64_t>(restores.size());
  suggestions.insert(suggestions.end(), plan.adds.begin(), plan.adds.end());
  for (auto* list : {&removes, &restores}) {
    suggestions.insert(suggestions.end(), std::make_move_iterator(list->begin()),
                       std::make_move_iterator(list->end()));
  }
  return d;
}

} // namespace gw::catalog
