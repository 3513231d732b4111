// Fuzz target: the endpoint diagnosis parsers. The same bytes are read as
//  - a provider's `/models` body (upstream, untrusted), then run through every rule that reads
//    a listing: classifier, tags, candidate routes, the plan and its suggestions;
//  - a stored diagnosis report (a database row), which must survive its own round trip;
//  - a supervisor's reply (an LLM's text).
#include "catalog/diagnosis.hpp"

#include "catalog/diagnosis_json.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

void fuzz_listing(std::string_view text) {
  auto listing = gw::catalog::parse_model_listing(text);
  if (!listing) {
    return;
  }
  gw::catalog::supervisor_verdict yes;
  yes.free_chat_model = true;
  yes.confidence = "high";
  std::vector<const gw::catalog::supervisor_verdict*> verdicts;
  for (const auto& item : listing->items) {
    gw::fuzz::require(item.id.empty() || item.id.find_first_of(" \t\r\n") != 0, "untrimmed id");
    auto r = gw::catalog::candidate_route("openrouter", "http://127.0.0.1:1/v1", item, &yes);
    if (r) {
      gw::fuzz::require(gw::catalog::is_chat_model(item), "a route from a non-chat model");
      gw::fuzz::require(!r->enabled && r->rank == 0, "a discovered route must wait for review");
      gw::fuzz::require(!r->tags.empty() && r->tags.front() == "text", "tags must start with text");
      // One leading "models/" goes, as in the reference ("models/models/x" -> "models/x").
      gw::fuzz::require(r->model_id == item.id || "models/" + r->model_id == item.id,
                        "model id is not the listed id less one models/ prefix");
    }
    verdicts.push_back(gw::catalog::needs_supervisor("groq", item) ? &yes : nullptr);
  }
  gw::catalog::route existing;
  existing.route_id = "groq-x";
  existing.provider_name = "groq";
  existing.model_id = "x";
  std::vector<gw::catalog::catalog_entry> routes{{existing, gw::catalog::health_status::active}};
  auto plan = gw::catalog::plan_provider("groq", "http://127.0.0.1:1/v1", *listing, verdicts,
                                         routes, {existing});
  std::vector<gw::catalog::suggestion> suggestions;
  auto d = gw::catalog::finish_provider(plan, {gw::catalog::probe_result::missing}, suggestions);
  gw::fuzz::require(d.discovered_model_count == static_cast<int64_t>(listing->raw_ids.size()),
                    "discovered count is not the raw id count");
  gw::fuzz::require(static_cast<int64_t>(suggestions.size())
                      == d.new_route_suggestion_count + d.stale_route_suggestion_count
                           + d.recovered_route_suggestion_count,
                    "suggestion counts do not add up");
}

void fuzz_report(std::string_view text) {
  auto report = gw::catalog::parse_report_json(text);
  if (!report) {
    gw::fuzz::require(report.error().code == gw::errc::invalid_request, "wrong error code");
    return;
  }
  auto json = gw::catalog::report_json(*report);
  auto again = gw::catalog::parse_report_json(json);
  gw::fuzz::require(again.has_value(), "the written report does not parse");
  gw::fuzz::require(gw::catalog::report_json(*again) == json, "the round trip is not stable");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = gw::fuzz::as_text(data, size);
  fuzz_listing(text);
  fuzz_report(text);
  auto verdict = gw::catalog::parse_supervisor_reply(text);
  gw::fuzz::require(!verdict.positive() || verdict.free_chat_model, "positive but not free");
  return 0;
}
