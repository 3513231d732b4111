#define CAF_SUITE catalog.diagnosis_json
#include "catalog/diagnosis_json.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

using gw::catalog::diagnosis_report;
using gw::catalog::parse_report_json;
using gw::catalog::provider_diagnosis;
using gw::catalog::report_json;
using gw::catalog::suggestion;
using gw::catalog::suggestion_action;

namespace {

// CAF 0.17 has no CAF_CHECK_MESSAGE: this names the failing case of a loop in the log.
bool named(bool holds, const std::string& what) {
  if (!holds) {
    CAF_MESSAGE("failing case: " << what);
  }
  return holds;
}

suggestion add_suggestion() {
  gw::catalog::route r;
  r.route_id = "openrouter-new-llama-chat-free";
  r.provider_name = "openrouter";
  r.model_id = "new/llama-chat:free";
  r.display_name = "New \"Llama\" Chat \u00e9";
  r.enabled = false;
  r.context_window = 65536;
  r.speed = "variable";
  r.tags = {"text", "tool-use", "web-search"};
  r.notes = "Discovered; disabled until reviewed.";
  r.source_url = "https://openrouter.ai/api/v1/models";
  r.rank_reason = "Documented free tier.";
  r.rank_source = "ai_supervisor";
  suggestion s;
  s.suggestion_id = "add:" + r.route_id;
  s.action = suggestion_action::add_route;
  s.provider_name = r.provider_name;
  s.model_id = r.model_id;
  s.route_id = r.route_id;
  s.title = "Add " + r.display_name;
  s.details = "New free route discovered in the openrouter model listing.";
  s.new_route = r;
  return s;
}

diagnosis_report sample_report() {
  diagnosis_report report;
  report.run_id = "run-7";
  report.started_ms = 1700000000123;
  report.checked_at_ms = 1700000042999;
  provider_diagnosis missing;
  missing.provider_name = "cerebras";
  missing.error = "missing_api_key";
  provider_diagnosis ok;
  ok.provider_name = "openrouter";
  ok.configured = true;
  ok.ok = true;
  ok.discovered_model_count = 312;
  ok.new_route_suggestion_count = 1;
  ok.confirmed_route_count = 20;
  ok.stale_route_suggestion_count = 1;
  ok.recovered_route_suggestion_count = 1;
  report.providers = {missing, ok};
  suggestion remove;
  remove.suggestion_id = "remove:openrouter-stale-free-free";
  remove.action = suggestion_action::remove_route;
  remove.provider_name = "openrouter";
  remove.model_id = "stale/free:free";
  remove.route_id = "openrouter-stale-free-free";
  remove.title = "Remove Stale";
  remove.details = "Gone.";
  suggestion restore = remove;
  restore.suggestion_id = "clear_stale:openrouter-back-free";
  restore.action = suggestion_action::clear_stale;
  report.suggestions = {add_suggestion(), remove, restore};
  return report;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    CAF_FAIL("not JSON: " << json);
  }
  return doc;
}

bool same(const diagnosis_report& a, const diagnosis_report& b) {
  auto same_provider = [](const provider_diagnosis& x, const provider_diagnosis& y) {
    return x.provider_name == y.provider_name && x.configured == y.configured && x.ok == y.ok
           && x.discovered_model_count == y.discovered_model_count
           && x.new_route_suggestion_count == y.new_route_suggestion_count
           && x.confirmed_route_count == y.confirmed_route_count
           && x.stale_route_suggestion_count == y.stale_route_suggestion_count
           && x.recovered_route_suggestion_count == y.recovered_route_suggestion_count
           && x.error == y.error;
  };
  auto same_suggestion = [](const suggestion& x, const suggestion& y) {
    return x.suggestion_id == y.suggestion_id && x.action == y.action
           && x.provider_name == y.provider_name && x.model_id == y.model_id
           && x.route_id == y.route_id && x.title == y.title && x.details == y.details
           && x.new_route == y.new_route;
  };
  if (a.run_id != b.run_id || a.started_ms != b.started_ms || a.checked_at_ms != b.checked_at_ms
      || a.providers.size() != b.providers.size() || a.suggestions.size() != b.suggestions.size()) {
    return false;
  }
  for (size_t i = 0; i < a.providers.size(); ++i) {
    if (!same_provider(a.providers[i], b.providers[i])) {
      return false;
    }
  }
  for (size_t i = 0; i < a.suggestions.size(); ++i) {
    if (!same_suggestion(a.suggestions[i], b.suggestions[i])) {
      return false;
    }
  }
  return true;
}

} // namespace

CAF_TEST(the report has the reference shape with float second timestamps) {
  auto doc = parse(report_json(sample_report()));
  CAF_REQUIRE(doc.IsObject());
  CAF_CHECK_EQUAL(std::string{doc["run_id"].GetString()}, "run-7");
  CAF_REQUIRE(doc["started_at"].IsDouble());
  CAF_CHECK_EQUAL(doc["started_at"].GetDouble(), 1700000000.123);
  CAF_CHECK_EQUAL(doc["checked_at"].GetDouble(), 1700000042.999);
  CAF_REQUIRE(doc["providers"].IsArray());
  const auto& cerebras = doc["providers"][0];
  CAF_CHECK(!cerebras["configured"].GetBool());
  CAF_CHECK(!cerebras["ok"].GetBool());
  CAF_CHECK_EQUAL(std::string{cerebras["error"].GetString()}, "missing_api_key");
  const auto& openrouter = doc["providers"][1];
  CAF_CHECK(openrouter["error"].IsNull());
  CAF_CHECK_EQUAL(openrouter["discovered_model_count"].GetInt64(), 312);
  for (const char* key : {"new_route_suggestion_count", "confirmed_route_count",
                          "stale_route_suggestion_count", "recovered_route_suggestion_count"}) {
    CAF_CHECK(named(openrouter[key].IsInt64(), key));
  }
  const auto& add = doc["suggestions"][0];
  CAF_CHECK_EQUAL(std::string{add["action"].GetString()}, "add_route");
  CAF_REQUIRE(add["route"].IsObject());
  CAF_CHECK_EQUAL(std::string{add["route"]["route_id"].GetString()},
                  "openrouter-new-llama-chat-free");
  CAF_CHECK(!add["route"]["enabled"].GetBool());
  CAF_CHECK(add["route"]["rank_score"].IsNull());
  CAF_CHECK_EQUAL(add["route"].MemberCount(), 16u);
  const auto& remove = doc["suggestions"][1];
  CAF_CHECK_EQUAL(std::string{remove["action"].GetString()}, "remove_route");
  CAF_CHECK(remove["route"].IsNull());
  CAF_CHECK_EQUAL(std::string{doc["suggestions"][2]["action"].GetString()}, "clear_stale");
}

CAF_TEST(suggestion json keeps the reference key order) {
  auto doc = parse(gw::catalog::suggestion_json(add_suggestion()));
  std::vector<std::string> keys;
  for (const auto& m : doc.GetObject()) {
    keys.emplace_back(m.name.GetString());
  }
  std::vector<std::string> expected{"suggestion_id", "action", "provider_name", "model_id",
                                    "route_id",      "title",  "details",       "route"};
  CAF_CHECK_EQUAL(keys, expected);
  auto list = parse(gw::catalog::suggestions_json({add_suggestion(), add_suggestion()}));
  CAF_REQUIRE(list.IsArray());
  CAF_CHECK_EQUAL(list.Size(), 2u);
  CAF_CHECK_EQUAL(gw::catalog::suggestions_json({}), "[]");
}

CAF_TEST(a report survives its JSON round trip exactly) {
  auto report = sample_report();
  auto text = report_json(report);
  auto back = parse_report_json(text);
  CAF_REQUIRE(back);
  CAF_CHECK(same(report, *back));
  CAF_CHECK_EQUAL(report_json(*back), text);
  diagnosis_report empty;
  auto empty_back = parse_report_json(report_json(empty));
  CAF_REQUIRE(empty_back);
  CAF_CHECK(same(empty, *empty_back));
}

CAF_TEST(a list of suggestions survives its JSON round trip and garbage is refused) {
  auto report = sample_report();
  auto text = gw::catalog::suggestions_json(report.suggestions);
  auto back = gw::catalog::parse_suggestions_json(text);
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(gw::catalog::suggestions_json(*back), text);
  CAF_CHECK(gw::catalog::parse_suggestions_json("[]")->empty());
  CAF_CHECK(!gw::catalog::parse_suggestions_json("{}"));
  CAF_CHECK(!gw::catalog::parse_suggestions_json("[1]"));
  CAF_CHECK(!gw::catalog::parse_suggestions_json("[{\"action\": 3}]"));
  CAF_CHECK(!gw::catalog::parse_suggestions_json("not json"));
}

CAF_TEST(every millisecond survives the round trip) {
  diagnosis_report report;
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1700000000001},
                     int64_t{4102444800999}, int64_t{99999999999998}}) {
    report.started_ms = ms;
    report.checked_at_ms = ms + 1;
    auto back = parse_report_json(report_json(report));
    CAF_REQUIRE(back);
    CAF_CHECK_EQUAL(back->started_ms, ms);
    CAF_CHECK_EQUAL(back->checked_at_ms, ms + 1);
  }
}

CAF_TEST(integer seconds are read too) {
  auto back = parse_report_json(
    R"({"run_id": "r", "started_at": 1700000000, "checked_at": 1700000001.5, "providers": [],)"
    R"( "suggestions": []})");
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->started_ms, 1700000000000);
  CAF_CHECK_EQUAL(back->checked_at_ms, 1700000001500);
}

CAF_TEST(garbage is an invalid request never a crash) {
  auto good = report_json(sample_report());
  std::vector<std::string> bad{
    "",
    "not json",
    "[]",
    "null",
    good.substr(0, good.size() / 2),
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": []})",
    R"({"run_id": 5, "started_at": 1, "checked_at": 2, "providers": [], "suggestions": []})",
    R"({"run_id": "r", "started_at": -1, "checked_at": 2, "providers": [], "suggestions": []})",
    R"({"run_id": "r", "started_at": 1e300, "checked_at": 2, "providers": [],)"
    R"( "suggestions": []})",
    R"({"run_id": "r", "started_at": "1", "checked_at": 2, "providers": [], "suggestions": []})",
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": [1], "suggestions": []})",
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": [{}], "suggestions": []})",
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": {}, "suggestions": []})",
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": [], "suggestions": [[]]})",
  };
  // Each key of a suggestion and of its route, broken one at a time.
  auto doc_text = gw::catalog::suggestion_json(add_suggestion());
  auto wrap = [](const std::string& suggestion_text) {
    return R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": [], "suggestions": [)"
           + suggestion_text + "]}";
  };
  CAF_REQUIRE(parse_report_json(wrap(doc_text)));
  for (auto [from, to] :
       {std::pair{R"("action":"add_route")", R"("action":"add")"},
        std::pair{R"("title":"Add )", R"("title":7,"x":")"},
        std::pair{R"("route":{)", R"("route":1,"r":{)"}, std::pair{R"("rank":0)", R"("rank":"0")"},
        std::pair{R"("enabled":false)", R"("enabled":0)"},
        std::pair{R"("context_window":65536)", R"("context_window":"65536")"},
        std::pair{R"("tags":["text",)", R"("tags":[1,)"},
        std::pair{R"("rank_score":null)", R"("rank_score":1.5)"},
        std::pair{R"("rank_source":"ai_supervisor")", R"("rank_sourc":"ai_supervisor")"}}) {
    auto pos = doc_text.find(from);
    CAF_REQUIRE(named(pos != std::string::npos, from));
    auto broken = doc_text;
    broken.replace(pos, std::string{from}.size(), to);
    bad.push_back(wrap(broken));
  }
  for (const auto& text : bad) {
    auto parsed = parse_report_json(text);
    CAF_CHECK(named(!parsed, text));
    if (!parsed) {
      CAF_CHECK(parsed.error().code == gw::errc::invalid_request);
      CAF_CHECK(!parsed.error().message.empty());
    }
  }
}

CAF_TEST(unknown keys are ignored for forward compatibility) {
  auto back = parse_report_json(
    R"({"run_id": "r", "started_at": 1, "checked_at": 2, "providers": [], "suggestions": [],)"
    R"( "auto_applied": ["x"]})");
  CAF_CHECK(back);
}
