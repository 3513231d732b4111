#define CAF_SUITE catalog.json
#include "catalog/catalog_json.hpp"

#include "catalog/default_catalog.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using gw::errc;
using gw::catalog::parse_catalog;
using gw::catalog::route;
using gw::catalog::serialize_catalog;

namespace {

// A catalog exactly as the original Python gateway writes it (json.dump, indent=2), with the
// "health"/"usage" keys its GET /v1/gateway/models payload adds, listed out of rank order.
constexpr const char* original_format = R"json([
  {
    "route_id": "groq-openai-gpt-oss-120b",
    "provider_name": "groq",
    "model_id": "openai/gpt-oss-120b",
    "display_name": "GPT OSS 120B",
    "rank": 20,
    "enabled": true,
    "context_window": 131072,
    "quality": "high",
    "speed": "very fast",
    "cost": "free-tier",
    "tags": [
      "text",
      "reasoning"
    ],
    "notes": "Free plan.",
    "source_url": "https://console.groq.com/docs/rate-limits",
    "rank_score": 99255,
    "rank_reason": "deterministic_quality_score",
    "rank_source": "heuristic",
    "health": {
      "route_id": "groq-openai-gpt-oss-120b",
      "status": "healthy",
      "consecutive_failures": 0,
      "rate_limited_until": null
    },
    "usage": {
      "requests": 3,
      "tokens": 1200
    }
  },
  {
    "route_id": "custom-local",
    "provider_name": "p1",
    "model_id": "local/model",
    "display_name": "Local \"quoted\" model",
    "rank": 5,
    "enabled": false,
    "context_window": null,
    "quality": "unknown",
    "speed": "unknown",
    "cost": "free-tier",
    "tags": [
      "text"
    ],
    "notes": "",
    "source_url": "",
    "rank_score": null,
    "rank_reason": "",
    "rank_source": "ai_supervisor"
  }
]
)json";

// What the original writes for the same two routes (sorted, 16 fields), byte for byte.
constexpr const char* original_output = R"json([
  {
    "route_id": "custom-local",
    "provider_name": "p1",
    "model_id": "local/model",
    "display_name": "Local \"quoted\" model",
    "rank": 5,
    "enabled": false,
    "context_window": null,
    "quality": "unknown",
    "speed": "unknown",
    "cost": "free-tier",
    "tags": [
      "text"
    ],
    "notes": "",
    "source_url": "",
    "rank_score": null,
    "rank_reason": "",
    "rank_source": "ai_supervisor"
  },
  {
    "route_id": "groq-openai-gpt-oss-120b",
    "provider_name": "groq",
    "model_id": "openai/gpt-oss-120b",
    "display_name": "GPT OSS 120B",
    "rank": 20,
    "enabled": true,
    "context_window": 131072,
    "quality": "high",
    "speed": "very fast",
    "cost": "free-tier",
    "tags": [
      "text",
      "reasoning"
    ],
    "notes": "Free plan.",
    "source_url": "https://console.groq.com/docs/rate-limits",
    "rank_score": 99255,
    "rank_reason": "deterministic_quality_score",
    "rank_source": "heuristic"
  }
]
)json";

// Parses a one-entry catalog built from the given members.
gw::expected<std::vector<route>> parse_one(const std::string& members) {
  return parse_catalog(R"([{"route_id": "r", "provider_name": "groq", "model_id": "m", )" + members
                       + "}]");
}

route parse_one_ok(const std::string& members) {
  auto routes = parse_one(members);
  if (!routes) {
    CAF_FAIL("unexpected error: " << routes.error().message);
  }
  CAF_REQUIRE_EQUAL(routes->size(), 1u);
  return routes->front();
}

std::string parse_error(const std::string& json) {
  auto routes = parse_catalog(json);
  CAF_REQUIRE(!routes);
  CAF_CHECK(routes.error().code == errc::invalid_request);
  return routes.error().message;
}

} // namespace

CAF_TEST(a catalog in the original format parses with every field) {
  auto routes = parse_catalog(original_format);
  CAF_REQUIRE(routes);
  CAF_REQUIRE_EQUAL(routes->size(), 2u);
  const auto& local = (*routes)[0];
  CAF_CHECK_EQUAL(local.route_id, "custom-local");
  CAF_CHECK_EQUAL(local.display_name, "Local \"quoted\" model");
  CAF_CHECK_EQUAL(local.rank, 5);
  CAF_CHECK(!local.enabled);
  CAF_CHECK(!local.context_window.has_value());
  CAF_CHECK(!local.rank_score.has_value());
  CAF_CHECK_EQUAL(local.rank_source, "ai_supervisor");
  const auto& groq = (*routes)[1];
  route expected;
  expected.route_id = "groq-openai-gpt-oss-120b";
  expected.provider_name = "groq";
  expected.model_id = "openai/gpt-oss-120b";
  expected.display_name = "GPT OSS 120B";
  expected.rank = 20;
  expected.enabled = true;
  expected.context_window = 131072;
  expected.quality = "high";
  expected.speed = "very fast";
  expected.cost = "free-tier";
  expected.tags = {"text", "reasoning"};
  expected.notes = "Free plan.";
  expected.source_url = "https://console.groq.com/docs/rate-limits";
  expected.rank_score = 99255;
  expected.rank_reason = "deterministic_quality_score";
  expected.rank_source = "heuristic";
  CAF_CHECK(groq == expected);
}

CAF_TEST(serializing reproduces the original writer byte for byte) {
  auto routes = parse_catalog(original_format);
  CAF_REQUIRE(routes);
  CAF_CHECK_EQUAL(serialize_catalog(*routes), original_output);
}

CAF_TEST(a data wrapper object is accepted) {
  auto routes =
    parse_catalog(std::string{R"({"object": "list", "data": )"} + original_format + "}");
  CAF_REQUIRE(routes);
  CAF_CHECK_EQUAL(routes->size(), 2u);
  auto empty = parse_catalog(R"({"data": []})");
  CAF_REQUIRE(empty);
  CAF_CHECK(empty->empty());
}

CAF_TEST(anything but an array or a data array is rejected) {
  const std::string expected = "Expected a JSON array or { data: [...] }";
  CAF_CHECK_EQUAL(parse_error(R"({"data": "not-a-list"})"), expected);
  CAF_CHECK_EQUAL(parse_error(R"({"routes": []})"), expected);
  CAF_CHECK_EQUAL(parse_error("42"), expected);
  CAF_CHECK_EQUAL(parse_error("null"), expected);
}

CAF_TEST(malformed json is an invalid request) {
  CAF_CHECK_EQUAL(parse_error("[{").rfind("Invalid JSON: ", 0), 0u);
  CAF_CHECK_EQUAL(parse_error("").rfind("Invalid JSON: ", 0), 0u);
  CAF_CHECK_EQUAL(parse_error("[] trailing").rfind("Invalid JSON: ", 0), 0u);
}

CAF_TEST(every entry must be an object) {
  CAF_CHECK_EQUAL(parse_error(R"([1])"), "Each model catalog entry must be an object");
  CAF_CHECK_EQUAL(parse_error(R"({"data": ["x"]})"), "Each model catalog entry must be an object");
}

CAF_TEST(missing required fields are named with the entry index) {
  CAF_CHECK_EQUAL(parse_error(R"([{"route_id": "a", "provider_name": "p", "model_id": "m"}])"),
                  "catalog entry 0: missing required field 'rank'");
  CAF_CHECK_EQUAL(
    parse_error(R"([{"route_id": "a", "provider_name": "p", "model_id": "m", "rank": 1},
                    {"provider_name": "p", "model_id": "m2", "rank": 2}])"),
    "catalog entry 1: missing required field 'route_id'");
  CAF_CHECK_EQUAL(parse_error(R"([{"route_id": "a", "model_id": "m", "rank": 1}])"),
                  "catalog entry 0: missing required field 'provider_name'");
  CAF_CHECK_EQUAL(parse_error(R"([{"route_id": "a", "provider_name": "p", "rank": 1}])"),
                  "catalog entry 0: missing required field 'model_id'");
}

CAF_TEST(wrong types are named with the entry index and field) {
  auto error_of = [](const std::string& members) {
    auto routes = parse_one(members);
    CAF_REQUIRE(!routes);
    CAF_CHECK(routes.error().code == errc::invalid_request);
    return routes.error().message;
  };
  CAF_CHECK_EQUAL(error_of(R"("rank": "abc")"), "catalog entry 0: field 'rank' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1.5)"), "catalog entry 0: field 'rank' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": null)"), "catalog entry 0: field 'rank' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": true)"), "catalog entry 0: field 'rank' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "context_window": "big")"),
                  "catalog entry 0: field 'context_window' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "rank_score": [1])"),
                  "catalog entry 0: field 'rank_score' must be an integer");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "quality": 5)"),
                  "catalog entry 0: field 'quality' must be a string");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "notes": {})"),
                  "catalog entry 0: field 'notes' must be a string");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "tags": "text")"),
                  "catalog entry 0: field 'tags' must be an array of strings");
  CAF_CHECK_EQUAL(error_of(R"("rank": 1, "display_name": ["x"])"),
                  "catalog entry 0: field 'display_name' must be a string");
  CAF_CHECK_EQUAL(parse_error(R"([{"route_id": {}, "provider_name": "p", "model_id": "m",
                                   "rank": 1}])"),
                  "catalog entry 0: field 'route_id' must be a string");
}

CAF_TEST(ids that could split a header or not be addressed are refused naming the entry) {
  auto error_of = [](const std::string& entry) {
    auto routes = parse_catalog(R"([{"route_id": "fine", "provider_name": "p", "model_id": "m",
                                     "rank": 1}, )"
                                + entry + "]");
    CAF_REQUIRE(!routes);
    CAF_CHECK(routes.error().code == errc::invalid_request);
    return routes.error().message;
  };
  CAF_CHECK_EQUAL(
    error_of(R"({"route_id": "a\r\nX-Evil: 1", "provider_name": "p", "model_id": "m", "rank": 2})"),
    "catalog entry 1: field 'route_id' must not contain control characters (CR, LF, NUL, ...)");
  CAF_CHECK_EQUAL(
    error_of(R"({"route_id": "b", "provider_name": "p", "model_id": "m\nX-Evil: 1", "rank": 2})"),
    "catalog entry 1: field 'model_id' must not contain control characters (CR, LF, NUL, ...)");
  CAF_CHECK_EQUAL(
    error_of(R"({"route_id": "b", "provider_name": "p\u0000", "model_id": "m", "rank": 2})"),
    "catalog entry 1: field 'provider_name' must not contain control characters (CR, LF, NUL, "
    "...)");
  CAF_CHECK_EQUAL(error_of(R"({"route_id": "", "provider_name": "p", "model_id": "m", "rank": 2})"),
                  "catalog entry 1: field 'route_id' must not be empty");
  CAF_CHECK_EQUAL(error_of(R"({"route_id": "b", "provider_name": "p", "model_id": "", "rank": 2})"),
                  "catalog entry 1: field 'model_id' must not be empty");
  CAF_CHECK(error_of(R"({"route_id": "groq/x", "provider_name": "p", "model_id": "m", "rank": 2})")
              .find("catalog entry 1: field 'route_id' must not contain '/'")
            == 0);
  // A '/' in a model id is ordinary.
  CAF_CHECK(parse_catalog(R"([{"route_id": "r", "provider_name": "p", "model_id": "org/m",
                               "rank": 1}])"));
}

CAF_TEST(integers may come as integral floats or numeric strings) {
  auto r = parse_one_ok(R"("rank": "7", "context_window": 8192.0, "rank_score": " -12 ")");
  CAF_CHECK_EQUAL(r.rank, 7);
  CAF_CHECK_EQUAL(*r.context_window, 8192);
  CAF_CHECK_EQUAL(*r.rank_score, -12);
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 3.0)").rank, 3);
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": "+4")").rank, 4);
}

CAF_TEST(ids are stringified) {
  auto routes = parse_catalog(R"([{"route_id": 123, "provider_name": "groq", "model_id": 7,
                                   "rank": 1}])");
  CAF_REQUIRE(routes);
  CAF_REQUIRE_EQUAL(routes->size(), 1u);
  CAF_CHECK_EQUAL(routes->front().route_id, "123");
  CAF_CHECK_EQUAL(routes->front().model_id, "7");
  CAF_CHECK_EQUAL(routes->front().display_name, "7");
}

CAF_TEST(enabled follows truthiness) {
  CAF_CHECK(parse_one_ok(R"("rank": 1)").enabled);
  CAF_CHECK(parse_one_ok(R"("rank": 1, "enabled": true)").enabled);
  CAF_CHECK(!parse_one_ok(R"("rank": 1, "enabled": false)").enabled);
  CAF_CHECK(!parse_one_ok(R"("rank": 1, "enabled": null)").enabled);
  CAF_CHECK(!parse_one_ok(R"("rank": 1, "enabled": 0)").enabled);
  CAF_CHECK(parse_one_ok(R"("rank": 1, "enabled": 2)").enabled);
  CAF_CHECK(!parse_one_ok(R"("rank": 1, "enabled": "")").enabled);
  CAF_CHECK(parse_one_ok(R"("rank": 1, "enabled": "yes")").enabled);
  CAF_CHECK(!parse_one_ok(R"("rank": 1, "enabled": [])").enabled);
}

CAF_TEST(absent optional fields take the reference defaults) {
  auto r = parse_one_ok(R"("rank": 9)");
  route expected;
  expected.route_id = "r";
  expected.provider_name = "groq";
  expected.model_id = "m";
  expected.display_name = "m";
  expected.rank = 9;
  CAF_CHECK(r == expected);
  CAF_CHECK(r.enabled);
  CAF_CHECK_EQUAL(r.quality, "unknown");
  CAF_CHECK_EQUAL(r.speed, "unknown");
  CAF_CHECK_EQUAL(r.cost, "free-tier");
  CAF_CHECK_EQUAL(r.tags, std::vector<std::string>{"text"});
  CAF_CHECK_EQUAL(r.rank_source, "heuristic");
  CAF_CHECK(r.rank_reason.empty());
  CAF_CHECK(!r.rank_score.has_value());
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 1, "display_name": "")").display_name, "m");
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 1, "display_name": null)").display_name, "m");
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 1, "quality": null)").quality, "unknown");
}

CAF_TEST(tags are canonicalized) {
  std::vector<std::string> expected{"vision", "text"};
  CAF_CHECK_EQUAL(
    parse_one_ok(R"("rank": 1, "tags": ["chat", "vision", "text", 5, "vision"])").tags, expected);
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 1, "tags": [])").tags, std::vector<std::string>{"text"});
  CAF_CHECK_EQUAL(parse_one_ok(R"("rank": 1, "tags": null)").tags,
                  std::vector<std::string>{"text"});
}

CAF_TEST(non text chat routes are dropped silently) {
  auto routes = parse_catalog(R"([
    {"route_id": "a", "provider_name": "p", "model_id": "m", "rank": 1},
    {"route_id": "b", "provider_name": "p", "model_id": "ocr-1", "rank": 2},
    {"route_id": "c", "provider_name": "p", "model_id": "m3", "rank": 3, "tags": ["vision"]},
    {"route_id": "d", "provider_name": "p", "model_id": "m4", "rank": 4,
     "tags": ["text", "safety"]}])");
  CAF_REQUIRE(routes);
  CAF_REQUIRE_EQUAL(routes->size(), 1u);
  CAF_CHECK_EQUAL(routes->front().route_id, "a");
}

CAF_TEST(duplicate route ids are rejected) {
  CAF_CHECK_EQUAL(parse_error(R"([
    {"route_id": "a", "provider_name": "p", "model_id": "m", "rank": 1},
    {"route_id": "a", "provider_name": "q", "model_id": "n", "rank": 2}])"),
                  "Duplicate route_id: a");
  // A duplicate that the text chat filter drops anyway is no conflict, as in the reference.
  auto routes = parse_catalog(R"([
    {"route_id": "a", "provider_name": "p", "model_id": "m", "rank": 1},
    {"route_id": "a", "provider_name": "p", "model_id": "n", "rank": 2, "tags": ["safety"]}])");
  CAF_CHECK(routes);
}

CAF_TEST(parsed routes come sorted by rank then provider then model) {
  auto routes = parse_catalog(R"([
    {"route_id": "c", "provider_name": "p", "model_id": "z", "rank": 2},
    {"route_id": "b", "provider_name": "q", "model_id": "a", "rank": 1},
    {"route_id": "a", "provider_name": "p", "model_id": "y", "rank": 1},
    {"route_id": "d", "provider_name": "p", "model_id": "x", "rank": 1}])");
  CAF_REQUIRE(routes);
  std::vector<std::string> ids;
  for (const auto& r : *routes) {
    ids.push_back(r.route_id);
  }
  std::vector<std::string> expected{"d", "a", "b", "c"};
  CAF_CHECK_EQUAL(ids, expected);
}

CAF_TEST(serialize then parse returns the input) {
  auto defaults = gw::catalog::default_catalog();
  auto parsed = parse_catalog(serialize_catalog(defaults));
  CAF_REQUIRE(parsed);
  CAF_CHECK(*parsed == defaults);
  auto odd = parse_one_ok(R"("rank": -3, "display_name": "Ünïcode \\ \"x\" \n",
                             "notes": "tab\there", "tags": ["text", "rag"])");
  auto again = parse_catalog(serialize_catalog({odd}));
  CAF_REQUIRE(again);
  CAF_REQUIRE_EQUAL(again->size(), 1u);
  CAF_CHECK(again->front() == odd);
}

CAF_TEST(serializing sorts and ends with a newline) {
  CAF_CHECK_EQUAL(serialize_catalog({}), "[]\n");
  auto b = parse_one_ok(R"("rank": 2)");
  auto a = b;
  a.route_id = "first";
  a.rank = 1;
  auto text = serialize_catalog({b, a});
  CAF_CHECK(text.find("\"first\"") < text.find("\"r\""));
  CAF_CHECK_EQUAL(text.back(), '\n');
}

CAF_TEST(route fields can be followed by caller keys) {
  auto r = parse_one_ok(R"("rank": 1, "context_window": 10)");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  writer.StartObject();
  gw::catalog::write_route_fields(writer, r);
  writer.Key("health");
  writer.Null();
  writer.EndObject();
  CAF_CHECK_EQUAL(std::string(buffer.GetString(), buffer.GetSize()),
                  R"({"route_id":"r","provider_name":"groq","model_id":"m","display_name":"m",)"
                  R"("rank":1,"enabled":true,"context_window":10,"quality":"unknown",)"
                  R"("speed":"unknown","cost":"free-tier","tags":["text"],"notes":"",)"
                  R"("source_url":"","rank_score":null,"rank_reason":"",)"
                  R"("rank_source":"heuristic","health":null})");
}

CAF_TEST(a catalog larger than the bound is refused with a clear message) {
  auto catalog_of = [](size_t n) {
    std::string json = "[";
    for (size_t i = 0; i < n; ++i) {
      json += (i ? "," : "") + std::string(R"({"route_id": "r)") + std::to_string(i)
              + R"(", "provider_name": "groq", "model_id": "m)" + std::to_string(i)
              + R"(", "rank": )" + std::to_string(i + 1) + "}";
    }
    return json + "]";
  };
  auto at_bound = parse_catalog(catalog_of(gw::catalog::max_catalog_routes));
  CAF_REQUIRE(at_bound);
  CAF_CHECK_EQUAL(at_bound->size(), gw::catalog::max_catalog_routes);
  auto over = parse_catalog(catalog_of(gw::catalog::max_catalog_routes + 1));
  CAF_REQUIRE(!over);
  CAF_CHECK_EQUAL(over.error().code, errc::invalid_request);
  CAF_CHECK_EQUAL(over.error().message, "The catalog has 5001 routes; at most 5000 are allowed");
}
