// Endpoint diagnosis, the pure rules (reference §13.2-13.4, §13.6): what a provider's
// `/models` listing says about the catalog. The diagnosis actor (actors/diagnosis.*) does the
// I/O (listing, probes, supervisor questions) and feeds the answers here; everything that
// decides is a function of its arguments, tested without actors.
//
// One provider, in the order the actor drives it:
//   parse_model_listing(body)             -> listed models (or why the payload is unusable)
//   needs_supervisor(provider, item)      -> ask the supervisor before building a route?
//   plan_provider(...)                    -> discovered routes, add suggestions, and which
//                                            catalog routes are present / need a probe
//   finish_provider(plan, probe results)  -> the provider's diagnosis and its suggestions
#pragma once

#include "catalog/route.hpp"
#include "catalog/route_health.hpp"
#include "core/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

// ---- listing ---------------------------------------------------------------------------

/// One object of a listing's `data` array, reduced to what the rules read.
struct listed_model {
  /// The trimmed `id`; empty when absent, not a string or blank (such items build nothing).
  std::string id;
  /// `name`, `description` (empty when absent).
  std::string name;
  std::string description;
  /// Search text S of §13.2.1: lowercase join of id, name, description and every value of
  /// `architecture`, each as Python's str() would print it (absent -> "none").
  std::string search_text;
  bool has_architecture = false;
  /// `architecture.input_modalities` / `output_modalities` (lowercased; a string is split on
  /// commas and whitespace).
  std::vector<std::string> input_modalities;
  std::vector<std::string> output_modalities;
  /// `architecture.modality` ("text->text"), empty when absent.
  std::string modality;
  /// Integer `context_length`, when given.
  std::optional<int64_t> context_length;
  /// Structured zero price of §13.2 (`pricing` pairs all numeric and 0).
  bool zero_price = false;
  /// Capability text K of §13.2.2 (flattened lowercase strings of supported_parameters,
  /// supported_features, capabilities, features, tools, tool_types).
  std::string capability_text;
};

/// What a listing holds: the items, and the raw ids (trimmed, non-empty string ids of the
/// objects in `data`, listing order).
struct model_listing {
  std::vector<listed_model> items;
  std::vector<std::string> raw_ids;
};

/// Parses a `GET <base>/models` body. Errors (errc::invalid_request): "non-JSON models
/// payload", "invalid models payload" (not an object). A missing or non-array `data` is an
/// empty listing.
gw::expected<model_listing> parse_model_listing(std::string_view body);

// ---- one listed model --------------------------------------------------------------------

/// §13.2.1: is this a chat (text in, text out) model?
bool is_chat_model(const listed_model& item);

/// §13.2 step 3: openrouter -> id ends with ":free" or zero price; others -> zero price.
bool free_by_payload(std::string_view provider_name, const listed_model& item);

/// §13.2.2: "text" first, then vision, audio, reasoning, coding, tool-use, web-search.
std::vector<std::string> discovered_tags(const listed_model& item);

/// An LLM's opinion on whether a model is free to use (§13.6).
struct supervisor_verdict {
  bool free_chat_model = false;
  /// "high", "medium", "low" or "none".
  std::string confidence = "none";
  std::string reason;
  std::vector<std::string> sources;

  /// Only `free_chat_model: true` with high confidence counts.
  bool positive() const {
    return free_chat_model && confidence == "high";
  }
};

/// §13.3: a valid chat model whose listing does not prove it free: only a supervisor verdict
/// can make it a route.
bool needs_supervisor(std::string_view provider_name, const listed_model& item);

/// §13.2 step 4-5: the route a listed model becomes (disabled, rank 0, slug id, notes), or
/// nullopt when it is not a free chat model. `verdict` (positive) stands in for the price.
std::optional<route> candidate_route(std::string_view provider_name, std::string_view base_url,
                                     const listed_model& item,
                                     const supervisor_verdict* verdict = nullptr);

// ---- the supervisor's question and answer (§13.6) -------------------------------------------

/// The system and user messages that ask whether provider/model is a free chat model.
struct supervisor_question {
  std::string system;
  std::string user;
};
supervisor_question supervisor_prompt(std::string_view provider_name, std::string_view model_id,
                                      std::string_view display_name);

/// Reads the supervisor's reply text: JSON, else the text from the first `{` to the last `}`;
/// anything else is a negative verdict with reason "unparsable".
supervisor_verdict parse_supervisor_reply(std::string_view text);

// ---- suggestions -----------------------------------------------------------------------------

enum class suggestion_action : uint8_t { add_route, remove_route, clear_stale };

/// "add_route", "remove_route", "clear_stale".
const char* to_string(suggestion_action action);
std::optional<suggestion_action> suggestion_action_from(std::string_view text);

struct suggestion {
  /// "add:<route_id>", "remove:<route_id>", "clear_stale:<route_id>".
  std::string suggestion_id;
  suggestion_action action = suggestion_action::add_route;
  std::string provider_name;
  std::string model_id;
  std::string route_id;
  /// "Add <display>", "Remove <display>", "Restore <display>".
  std::string title;
  std::string details;
  /// The full (disabled) route, for add_route only.
  std::optional<route> new_route;
};

/// One provider's line of a report (reference §11.11).
struct provider_diagnosis {
  std::string provider_name;
  bool configured = false;
  bool ok = false;
  int64_t discovered_model_count = 0;
  int64_t new_route_suggestion_count = 0;
  int64_t confirmed_route_count = 0;
  int64_t stale_route_suggestion_count = 0;
  int64_t recovered_route_suggestion_count = 0;
  /// Empty = none (null in JSON): "missing_api_key", "rate_limited_429", "timeout", ...
  std::string error;
};

/// A whole run.
struct diagnosis_report {
  /// Names the run (the refresh answer, the status while it runs).
  std::string run_id;
  int64_t started_ms = 0;
  /// When the run ended (reference `checked_at`).
  int64_t checked_at_ms = 0;
  std::vector<provider_diagnosis> providers;
  /// Per provider, in provider order: adds, removes, restores.
  std::vector<suggestion> suggestions;
};

/// A catalog route of the diagnosed provider and its health now.
struct catalog_entry {
  route r;
  health_status status = health_status::active;
};

/// What a direct probe of an absent route found (§13.4.1).
enum class probe_result : uint8_t { available, missing, inconclusive };

/// §13.4.1 without a call: disabled routes and openrouter routes whose model id does not end
/// with ":free" are never probed (inconclusive).
bool probe_worthwhile(const route& r);

/// What plan_provider found for one catalog route of the provider.
struct route_presence {
  catalog_entry entry;
  /// Some variant of its model id (itself, with or without "models/") is listed (§13.4).
  bool listed = false;
};

struct provider_plan {
  std::string provider_name;
  int64_t discovered_model_count = 0;
  /// The candidate routes built from the listing (supervisor verdicts applied).
  std::vector<route> discovered;
  /// add_route suggestions: discovered routes whose route_id and (provider, model_id) are
  /// not in the catalog (whole catalog, any provider).
  std::vector<suggestion> adds;
  /// The provider's catalog routes (enabled or not), catalog order. Those not listed need a
  /// probe (when probe_worthwhile) before finish_provider.
  std::vector<route_presence> routes;
};

/// §13.4 first half. `verdicts[i]` is the supervisor's answer for `listing.items[i]`, or
/// nullptr when none was asked/positive. `whole_catalog` is every catalog route, for the
/// "already present" test of add suggestions.
provider_plan plan_provider(std::string_view provider_name, std::string_view base_url,
                            const model_listing& listing,
                            const std::vector<const supervisor_verdict*>& verdicts,
                            const std::vector<catalog_entry>& provider_routes,
                            const std::vector<route>& whole_catalog);

/// §13.4 second half: `probes[i]` answers for `plan.routes[i]` (ignored when listed).
/// Appends the provider's suggestions (adds, removes, restores) to `suggestions`.
provider_diagnosis finish_provider(const provider_plan& plan,
                                   const std::vector<probe_result>& probes,
                                   std::vector<suggestion>& suggestions);

/// The probe's verdict from one upstream answer (§13.4.1): 2xx -> available; 404/410 or a
/// 400/422 whose body names a missing model (§3.5) -> missing; anything else inconclusive.
probe_result probe_verdict(int status, std::string_view body);

} // namespace gw::catalog
