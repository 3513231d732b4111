// The router's views as JSON (http/views), which the frontend answers and the embedded client
// reads.
#define CAF_SUITE server.admin_views

#include "http/views/admin_views.hpp"

#include <caf/test/dsl.hpp>
#include <rapidjson/document.h>

using namespace gw;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  CAF_REQUIRE(!doc.HasParseError());
  return doc;
}

catalog::route make_route(const std::string& id, const std::string& provider, bool enabled) {
  catalog::route r;
  r.route_id = id;
  r.provider_name = provider;
  r.model_id = "m-" + id;
  r.enabled = enabled;
  return r;
}

} // namespace

CAF_TEST(each admin refusal has its status and error code) {
  using actors::admin_refusal;
  struct row {
    admin_refusal reason;
    int status;
    const char* code;
  };
  for (auto [reason, status, code] :
       {row{admin_refusal::invalid_catalog, 400, "invalid_catalog"},
        row{admin_refusal::unknown_provider, 400, "unknown_provider"},
        row{admin_refusal::unknown_route, 404, "unknown_route"},
        row{admin_refusal::not_saved, 500, "catalog_write_failed"},
        row{admin_refusal::route_unavailable, 503, "route_unavailable"}}) {
    actors::admin_error refused{reason, "why"};
    CAF_CHECK_EQUAL(views::admin_error_status(refused), status);
    auto doc = parse(views::admin_error_json(refused));
    CAF_CHECK_EQUAL(std::string(doc["error"]["code"].GetString()), code);
    CAF_CHECK_EQUAL(std::string(doc["error"]["message"].GetString()), "why");
  }
}

CAF_TEST(a route view carries the route and its health) {
  actors::route_with_health view{make_route("a", "groq", true), {}, true};
  view.health.status = "rate_limited";
  auto doc = parse(views::view_json(view));
  CAF_CHECK_EQUAL(std::string(doc["data"]["route_id"].GetString()), "a");
  CAF_CHECK_EQUAL(std::string(doc["data"]["health"]["status"].GetString()), "rate_limited");
  CAF_CHECK(!doc["data"].HasMember("unavailable_reason"));
  view.provider_known = false;
  auto unknown = parse(views::view_json(view));
  CAF_CHECK_EQUAL(std::string(unknown["data"]["unavailable_reason"].GetString()),
                  "unknown_provider");
}

CAF_TEST(the catalog view marks routes of unknown providers and defaults missing health) {
  actors::catalog_view view;
  view.routes = {make_route("a", "groq", true), make_route("b", "newco", true)};
  view.catalog_path = "/data/model_catalog.json";
  catalog::provider_spec groq;
  groq.name = "groq";
  view.providers = {groq};
  auto doc = parse(views::view_json(view));
  CAF_CHECK_EQUAL(std::string(doc["catalog_path"].GetString()), "/data/model_catalog.json");
  const auto& data = doc["data"];
  CAF_REQUIRE_EQUAL(data.Size(), 2u);
  CAF_CHECK(!data[0].HasMember("unavailable_reason"));
  CAF_CHECK_EQUAL(std::string(data[0]["health"]["status"].GetString()), "active");
  CAF_CHECK_EQUAL(std::string(data[1]["unavailable_reason"].GetString()), "unknown_provider");
}

CAF_TEST(the providers view lists known providers then the unknown ones the catalog names) {
  actors::providers_view view;
  catalog::provider_spec groq;
  groq.name = "groq";
  view.providers = {groq};
  view.routes = {make_route("a", "groq", true), make_route("b", "newco", true)};
  view.now_ms = 10'000;
  actors::quota_view q;
  q.available = false;
  q.unavailable_reason = "cooldown";
  q.retry_at_ms = 12'500;
  view.quotas.emplace("groq", q);
  auto doc = parse(views::view_json(view));
  const auto& data = doc["data"];
  CAF_REQUIRE_EQUAL(data.Size(), 2u);
  CAF_CHECK_EQUAL(std::string(data[0]["name"].GetString()), "groq");
  CAF_CHECK_EQUAL(data[0]["retry_after_seconds"].GetInt64(), 3); // 2.5 s, rounded up
  CAF_CHECK_EQUAL(data[0]["models"].Size(), 1u);
  CAF_CHECK_EQUAL(std::string(data[1]["name"].GetString()), "newco");
  CAF_CHECK_EQUAL(std::string(data[1]["unavailable_reason"].GetString()), "unknown_provider");
}

CAF_TEST(health json carries the summary counts and the limiter) {
  actors::route_summary sum;
  sum.providers_total = 5;
  sum.providers_configured = 3;
  sum.providers_usable = 2;
  sum.routes_total = 10;
  sum.routes_enabled = 8;
  sum.routes_healthy = 7;
  auto doc = parse(views::health_json(sum, 42, {4, 1, 0}));
  CAF_CHECK_EQUAL(std::string(doc["status"].GetString()), "ok");
  CAF_CHECK_EQUAL(doc["uptime_seconds"].GetInt64(), 42);
  CAF_CHECK_EQUAL(doc["providers"]["configured"].GetInt64(), 3);
  CAF_CHECK_EQUAL(doc["providers"]["usable"].GetInt64(), 2);
  CAF_CHECK_EQUAL(doc["providers"]["total"].GetInt64(), 5);
  CAF_CHECK_EQUAL(doc["routes"]["healthy"].GetInt64(), 7);
  CAF_CHECK_EQUAL(doc["limiter"]["slots"].GetUint64(), 4u);
  CAF_CHECK_EQUAL(doc["limiter"]["in_use"].GetUint64(), 1u);
}
