#define CAF_SUITE catalog.diagnosis_suggestions
#include "catalog/diagnosis.hpp"

#include <caf/test/unit_test.hpp>

using gw::catalog::catalog_entry;
using gw::catalog::finish_provider;
using gw::catalog::health_status;
using gw::catalog::plan_provider;
using gw::catalog::probe_result;
using gw::catalog::probe_verdict;
using gw::catalog::provider_diagnosis;
using gw::catalog::route;
using gw::catalog::suggestion;
using gw::catalog::suggestion_action;
using gw::catalog::supervisor_verdict;

namespace {

constexpr const char* openrouter_base = "https://openrouter.ai/api/v1";

route catalog_route(const std::string& provider, const std::string& model_id,
                    const std::string& route_id, bool enabled = true) {
  route r;
  r.route_id = route_id;
  r.provider_name = provider;
  r.model_id = model_id;
  r.display_name = "Display " + model_id;
  r.rank = 1;
  r.enabled = enabled;
  return r;
}

catalog_entry entry(route r, health_status status = health_status::active) {
  return catalog_entry{std::move(r), status};
}

gw::catalog::model_listing listing(const std::string& data_json) {
  auto parsed = gw::catalog::parse_model_listing(R"({"data": )" + data_json + "}");
  if (!parsed) {
    CAF_FAIL("the test listing does not parse: " << data_json);
  }
  return *parsed;
}

std::vector<route> routes_of(const std::vector<catalog_entry>& entries) {
  std::vector<route> out;
  for (const auto& e : entries) {
    out.push_back(e.r);
  }
  return out;
}

std::vector<std::string> actions(const std::vector<suggestion>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) {
    out.emplace_back(to_string(s.action));
  }
  return out;
}

std::vector<std::string> ids(const std::vector<suggestion>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) {
    out.push_back(s.suggestion_id);
  }
  return out;
}

// One provider diagnosed end to end: listing -> plan -> the probe answers the test gives for
// the routes that need one (status, body) -> diagnosis. `probed` records which were probed.
struct run_result {
  provider_diagnosis diagnosis;
  std::vector<suggestion> suggestions;
  std::vector<std::string> probed;
};

run_result diagnose(const std::string& provider, const std::string& base,
                    const std::string& data_json, const std::vector<catalog_entry>& provider_routes,
                    const std::vector<std::pair<int, std::string>>& probe_answers,
                    const std::vector<route>* whole_catalog = nullptr) {
  auto list = listing(data_json);
  std::vector<const supervisor_verdict*> verdicts(list.items.size(), nullptr);
  auto all = whole_catalog != nullptr ? *whole_catalog : routes_of(provider_routes);
  auto plan = plan_provider(provider, base, list, verdicts, provider_routes, all);
  run_result out;
  std::vector<probe_result> probes;
  size_t next_answer = 0;
  for (const auto& presence : plan.routes) {
    if (presence.listed || !gw::catalog::probe_worthwhile(presence.entry.r)) {
      probes.push_back(probe_result::inconclusive);
      continue;
    }
    out.probed.push_back(presence.entry.r.model_id);
    if (next_answer >= probe_answers.size()) {
      CAF_FAIL("unexpected probe of " << presence.entry.r.model_id);
    }
    const auto& [status, body] = probe_answers[next_answer++];
    probes.push_back(probe_verdict(status, body));
  }
  out.diagnosis = finish_provider(plan, probes, out.suggestions);
  return out;
}

const std::string not_found_body = R"({"error": {"message": "model not found"}})";

} // namespace

CAF_TEST(probe verdicts follow the missing model rule) {
  CAF_CHECK(probe_verdict(200, "{}") == probe_result::available);
  CAF_CHECK(probe_verdict(201, "") == probe_result::available);
  CAF_CHECK(probe_verdict(404, "") == probe_result::missing);
  CAF_CHECK(probe_verdict(410, "gone") == probe_result::missing);
  CAF_CHECK(probe_verdict(400, R"({"error": {"message": "Unknown model: old-model"}})")
            == probe_result::missing);
  CAF_CHECK(probe_verdict(422, "The model `x` does not exist") == probe_result::missing);
  CAF_CHECK(probe_verdict(400, R"({"error": {"message": "Invalid request payload"}})")
            == probe_result::inconclusive);
  CAF_CHECK(probe_verdict(429, not_found_body) == probe_result::inconclusive);
  CAF_CHECK(probe_verdict(500, not_found_body) == probe_result::inconclusive);
  CAF_CHECK(probe_verdict(0, "") == probe_result::inconclusive);
}

CAF_TEST(disabled routes and openrouter routers are never probed) {
  using gw::catalog::probe_worthwhile;
  CAF_CHECK(probe_worthwhile(catalog_route("groq", "llama", "g")));
  CAF_CHECK(!probe_worthwhile(catalog_route("groq", "llama", "g", false)));
  CAF_CHECK(probe_worthwhile(catalog_route("openrouter", "a/b:free", "o")));
  CAF_CHECK(!probe_worthwhile(catalog_route("openrouter", "a/b:free", "o", false)));
  CAF_CHECK(!probe_worthwhile(catalog_route("openrouter", "openrouter/free", "o")));
}

CAF_TEST(suggestion actions have stable names) {
  for (auto action : {suggestion_action::add_route, suggestion_action::remove_route,
                      suggestion_action::clear_stale}) {
    CAF_CHECK(gw::catalog::suggestion_action_from(to_string(action)) == action);
  }
  CAF_CHECK_EQUAL(std::string{to_string(suggestion_action::clear_stale)}, "clear_stale");
  CAF_CHECK(!gw::catalog::suggestion_action_from("remove"));
}

// §16.8 scenario 1.
CAF_TEST(openrouter existing model confirmed by probe stale model removed new model added) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("openrouter", "existing/free:free", "openrouter-existing-free-free")),
    entry(catalog_route("openrouter", "stale/free:free", "openrouter-stale-free-free"))};
  auto result = diagnose(
    "openrouter", openrouter_base,
    R"([{"id": "existing/free:free"},)"
    R"( {"id": "new/llama-chat:free", "name": "New Llama Chat", "architecture": {"modality":)"
    R"( "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},)"
    R"( "pricing": {"prompt": "0", "completion": "0"}}])",
    catalog, {{200, R"({"choices": []})"}, {404, not_found_body}});
  // The listed "existing" model has no architecture: not routable, so it is probed too.
  std::vector<std::string> probed{"existing/free:free", "stale/free:free"};
  CAF_CHECK_EQUAL(result.probed, probed);
  const auto& d = result.diagnosis;
  CAF_CHECK_EQUAL(d.provider_name, "openrouter");
  CAF_CHECK(d.configured);
  CAF_CHECK(d.ok);
  CAF_CHECK_EQUAL(d.error, "");
  CAF_CHECK_EQUAL(d.discovered_model_count, 2);
  CAF_CHECK_EQUAL(d.new_route_suggestion_count, 1);
  CAF_CHECK_EQUAL(d.confirmed_route_count, 1);
  CAF_CHECK_EQUAL(d.stale_route_suggestion_count, 1);
  CAF_CHECK_EQUAL(d.recovered_route_suggestion_count, 0);
  std::vector<std::string> expected_actions{"add_route", "remove_route"};
  CAF_CHECK_EQUAL(actions(result.suggestions), expected_actions);
  CAF_REQUIRE_EQUAL(result.suggestions.size(), 2u);

  const auto& add = result.suggestions[0];
  CAF_CHECK_EQUAL(add.suggestion_id, "add:openrouter-new-llama-chat-free");
  CAF_CHECK_EQUAL(add.provider_name, "openrouter");
  CAF_CHECK_EQUAL(add.model_id, "new/llama-chat:free");
  CAF_CHECK_EQUAL(add.route_id, "openrouter-new-llama-chat-free");
  CAF_CHECK_EQUAL(add.title, "Add New Llama Chat");
  CAF_CHECK(add.details.find("discovered") != std::string::npos);
  CAF_REQUIRE(add.new_route);
  CAF_CHECK_EQUAL(add.new_route->route_id, "openrouter-new-llama-chat-free");
  CAF_CHECK(!add.new_route->enabled);

  const auto& remove = result.suggestions[1];
  CAF_CHECK_EQUAL(remove.suggestion_id, "remove:openrouter-stale-free-free");
  CAF_CHECK_EQUAL(remove.model_id, "stale/free:free");
  CAF_CHECK_EQUAL(remove.route_id, "openrouter-stale-free-free");
  CAF_CHECK_EQUAL(remove.title, "Remove Display stale/free:free");
  CAF_CHECK(remove.details.find("missing-model") != std::string::npos);
  CAF_CHECK(!remove.new_route);
}

// §16.8 scenario 6.
CAF_TEST(openrouter router absent from an empty listing is left alone) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("openrouter", "openrouter/free", "openrouter-openrouter-free"))};
  auto result = diagnose("openrouter", openrouter_base, "[]", catalog, {});
  CAF_CHECK(result.probed.empty());
  CAF_CHECK(result.diagnosis.ok);
  CAF_CHECK_EQUAL(result.diagnosis.discovered_model_count, 0);
  CAF_CHECK_EQUAL(result.diagnosis.stale_route_suggestion_count, 0);
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 0);
  CAF_CHECK(result.suggestions.empty());
}

CAF_TEST(a probe result for a route that must not be probed is ignored) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("openrouter", "openrouter/free", "openrouter-openrouter-free")),
    entry(catalog_route("groq", "llama-off", "groq-llama-off", false))};
  auto plan =
    plan_provider("openrouter", openrouter_base, listing("[]"), {}, catalog, routes_of(catalog));
  std::vector<suggestion> suggestions;
  auto d = finish_provider(plan, {probe_result::missing, probe_result::missing}, suggestions);
  CAF_CHECK_EQUAL(d.stale_route_suggestion_count, 0);
  CAF_CHECK(suggestions.empty());
}

// §16.8 scenario 7.
CAF_TEST(gemini route absent from the listing but answering a probe is confirmed) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("gemini", "gemini-2.0-flash", "gemini-gemini-2-0-flash"))};
  auto result = diagnose("gemini", "https://generativelanguage.googleapis.com/v1beta/openai",
                         R"([{"id": "models/gemini-2.5-flash"}])", catalog, {{200, "{}"}});
  std::vector<std::string> probed{"gemini-2.0-flash"};
  CAF_CHECK_EQUAL(result.probed, probed);
  CAF_CHECK(result.diagnosis.ok);
  CAF_CHECK_EQUAL(result.diagnosis.discovered_model_count, 1);
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 1);
  CAF_CHECK_EQUAL(result.diagnosis.stale_route_suggestion_count, 0);
  CAF_CHECK_EQUAL(result.diagnosis.new_route_suggestion_count, 0);
  CAF_CHECK(result.suggestions.empty());
}

// §16.8 scenario 8.
CAF_TEST(groq route absent and missing on probe gets a remove suggestion) {
  std::vector<catalog_entry> catalog{entry(catalog_route("groq", "old-model", "groq-old-model"))};
  auto result =
    diagnose("groq", "https://api.groq.com/openai/v1", R"([{"id": "llama-3.3-70b-versatile"}])",
             catalog, {{404, not_found_body}});
  CAF_CHECK_EQUAL(result.diagnosis.stale_route_suggestion_count, 1);
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 0);
  std::vector<std::string> expected{"remove_route"};
  CAF_CHECK_EQUAL(actions(result.suggestions), expected);
}

// §16.8 scenario 9.
CAF_TEST(groq route absent with an inconclusive probe gets nothing) {
  std::vector<catalog_entry> catalog{entry(catalog_route("groq", "old-model", "groq-old-model"))};
  auto result = diagnose("groq", "https://api.groq.com/openai/v1", "[]", catalog,
                         {{429, R"({"error": {"message": "rate limit"}})"}});
  CAF_CHECK_EQUAL(result.probed.size(), 1u);
  CAF_CHECK(result.diagnosis.ok);
  CAF_CHECK_EQUAL(result.diagnosis.stale_route_suggestion_count, 0);
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 0);
  CAF_CHECK(result.suggestions.empty());
}

// §16.8 scenario 10, both ways round.
CAF_TEST(a models prefix variant of the catalog model id counts as listed) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("gemini", "gemini-2.5-flash", "gemini-gemini-2-5-flash"))};
  auto result =
    diagnose("gemini", "https://g", R"([{"id": "models/gemini-2.5-flash"}])", catalog, {});
  CAF_CHECK(result.probed.empty());
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 1);
  CAF_CHECK(result.suggestions.empty());

  std::vector<catalog_entry> prefixed{
    entry(catalog_route("gemini", "models/gemini-2.5-flash", "gemini-models-gemini-2-5-flash"))};
  result = diagnose("gemini", "https://g", R"([{"id": "gemini-2.5-flash"}])", prefixed, {});
  CAF_CHECK(result.probed.empty());
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 1);
}

CAF_TEST(a potentially outdated route that is listed again gets a restore suggestion) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("groq", "llama-a", "groq-llama-a"), health_status::potentially_outdated),
    entry(catalog_route("groq", "llama-b", "groq-llama-b"), health_status::rate_limited)};
  auto result =
    diagnose("groq", "https://g", R"([{"id": "llama-a"}, {"id": "llama-b"}])", catalog, {});
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 2);
  CAF_CHECK_EQUAL(result.diagnosis.recovered_route_suggestion_count, 1);
  CAF_REQUIRE_EQUAL(result.suggestions.size(), 1u);
  const auto& s = result.suggestions[0];
  CAF_CHECK(s.action == suggestion_action::clear_stale);
  CAF_CHECK_EQUAL(s.suggestion_id, "clear_stale:groq-llama-a");
  CAF_CHECK_EQUAL(s.title, "Restore Display llama-a");
  CAF_CHECK(s.details.find("listed") != std::string::npos);
  CAF_CHECK(!s.new_route);
}

CAF_TEST(a potentially outdated route answering a probe gets a restore suggestion) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("groq", "llama-a", "groq-llama-a"), health_status::potentially_outdated)};
  auto result = diagnose("groq", "https://g", "[]", catalog, {{200, "{}"}});
  CAF_CHECK_EQUAL(result.diagnosis.confirmed_route_count, 1);
  CAF_CHECK_EQUAL(result.diagnosis.recovered_route_suggestion_count, 1);
  CAF_REQUIRE_EQUAL(result.suggestions.size(), 1u);
  CAF_CHECK(result.suggestions[0].details.find("probe succeeded") != std::string::npos);
}

CAF_TEST(suggestions come as adds then removes then restores after earlier providers) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("groq", "restored", "groq-restored"), health_status::potentially_outdated),
    entry(catalog_route("groq", "gone", "groq-gone")),
    entry(catalog_route("groq", "back", "groq-back"), health_status::potentially_outdated)};
  auto list = listing(R"([{"id": "restored"}, {"id": "llama-new", "pricing": {"prompt": 0,)"
                      R"( "completion": 0}}])");
  auto plan =
    plan_provider("groq", "https://g", list, {nullptr, nullptr}, catalog, routes_of(catalog));
  std::vector<suggestion> suggestions(1);
  suggestions[0].suggestion_id = "add:earlier-provider";
  auto d = finish_provider(
    plan, {probe_result::inconclusive, probe_result::missing, probe_result::available},
    suggestions);
  std::vector<std::string> expected{"add:earlier-provider", "add:groq-llama-new",
                                    "remove:groq-gone", "clear_stale:groq-restored",
                                    "clear_stale:groq-back"};
  CAF_CHECK_EQUAL(ids(suggestions), expected);
  CAF_CHECK_EQUAL(d.new_route_suggestion_count, 1);
  CAF_CHECK_EQUAL(d.confirmed_route_count, 2);
  CAF_CHECK_EQUAL(d.stale_route_suggestion_count, 1);
  CAF_CHECK_EQUAL(d.recovered_route_suggestion_count, 2);
}

CAF_TEST(missing probe answers count as inconclusive) {
  std::vector<catalog_entry> catalog{entry(catalog_route("groq", "a", "groq-a"))};
  auto plan = plan_provider("groq", "https://g", listing("[]"), {}, catalog, routes_of(catalog));
  std::vector<suggestion> suggestions;
  auto d = finish_provider(plan, {}, suggestions);
  CAF_CHECK_EQUAL(d.confirmed_route_count, 0);
  CAF_CHECK(suggestions.empty());
}

CAF_TEST(add suggestions skip routes already in the whole catalog) {
  const char* free_items =
    R"([{"id": "llama-a", "pricing": {"prompt": 0, "completion": 0}},)"
    R"( {"id": "llama-b", "pricing": {"prompt": 0, "completion": 0}},)"
    R"( {"id": "llama-c", "pricing": {"prompt": 0, "completion": 0}},)"
    R"( {"id": "models/llama-c", "pricing": {"prompt": 0, "completion": 0}}])";
  // Same route id under another model id, and the same (provider, model) under another id.
  std::vector<route> whole{catalog_route("nvidia", "something-else", "groq-llama-a"),
                           catalog_route("groq", "llama-b", "my-own-id")};
  auto list = listing(free_items);
  std::vector<const supervisor_verdict*> verdicts(list.items.size(), nullptr);
  auto plan = plan_provider("groq", "https://g", list, verdicts, {}, whole);
  CAF_CHECK_EQUAL(plan.discovered.size(), 3u);
  std::vector<std::string> expected{"add:groq-llama-c"};
  CAF_CHECK_EQUAL(ids(plan.adds), expected);
  // A model with another provider's (provider, model) pair is new here.
  std::vector<route> other{catalog_route("cerebras", "llama-a", "cerebras-llama-a")};
  plan = plan_provider("groq", "https://g", list, verdicts, {}, other);
  CAF_CHECK_EQUAL(plan.adds.size(), 3u);
}

CAF_TEST(supervisor verdicts line up with listing items) {
  auto list = listing(R"([{"id": "llama-one"}, {"id": "llama-two"}])");
  supervisor_verdict yes;
  yes.free_chat_model = true;
  yes.confidence = "high";
  yes.reason = "Documented free tier.";
  supervisor_verdict unsure = yes;
  unsure.confidence = "medium";
  auto plan = plan_provider("groq", "https://g", list, {&unsure, &yes}, {}, {});
  CAF_REQUIRE_EQUAL(plan.adds.size(), 1u);
  CAF_CHECK_EQUAL(plan.adds[0].model_id, "llama-two");
  CAF_REQUIRE(plan.adds[0].new_route);
  CAF_CHECK_EQUAL(plan.adds[0].new_route->rank_source, "ai_supervisor");
  CAF_CHECK(plan.adds[0].new_route->notes.find("Supervisor web search verified")
            != std::string::npos);
}

CAF_TEST(an openrouter free route listed but no longer a free chat model is probed) {
  std::vector<catalog_entry> catalog{
    entry(catalog_route("openrouter", "paid/now:free", "openrouter-paid-now-free")),
    entry(catalog_route("openrouter", "vendor/auto", "openrouter-vendor-auto"))};
  // Listed without architecture (not routable), and a non-":free" model present in raw ids.
  auto list = listing(R"([{"id": "paid/now:free"}, {"id": "vendor/auto"}])");
  auto plan = plan_provider("openrouter", openrouter_base, list, {}, catalog, routes_of(catalog));
  CAF_REQUIRE_EQUAL(plan.routes.size(), 2u);
  CAF_CHECK(!plan.routes[0].listed);
  CAF_CHECK(plan.routes[1].listed);
}

CAF_TEST(discovered routes the catalog would drop are not suggested) {
  // "pii" wording passes the classifier but fails the catalog's text-chat filter (§4.2).
  auto list = listing(R"([{"id": "acme/pii-redactor-chat", "pricing": {"prompt": 0,)"
                      R"( "completion": 0}}])");
  auto plan = plan_provider("groq", "https://g", list, {nullptr}, {}, {});
  CAF_CHECK(plan.discovered.empty());
  CAF_CHECK(plan.adds.empty());
}
