#define CAF_SUITE catalog.model_catalog
#include "catalog/model_catalog.hpp"

#include "catalog/default_catalog.hpp"

#include <caf/test/unit_test.hpp>

using gw::errc;
using gw::catalog::model_catalog;
using gw::catalog::route;

namespace {

route make(const std::string& id, int64_t rank, std::vector<std::string> tags = {"text"},
           std::string provider = "groq") {
  route r;
  r.route_id = id;
  r.provider_name = std::move(provider);
  r.model_id = "model-" + id;
  r.display_name = "Display " + id;
  r.rank = rank;
  r.tags = std::move(tags);
  return r;
}

std::vector<std::string> ids(const std::vector<const route*>& routes) {
  std::vector<std::string> out;
  out.reserve(routes.size());
  for (const auto* r : routes) {
    out.push_back(r->route_id);
  }
  return out;
}

std::vector<std::string> ids(const std::vector<route>& routes) {
  std::vector<std::string> out;
  out.reserve(routes.size());
  for (const auto& r : routes) {
    out.push_back(r.route_id);
  }
  return out;
}

using names = std::vector<std::string>;

} // namespace

CAF_TEST(construction sorts by rank then provider then model) {
  model_catalog catalog{{make("c", 2), make("b", 1, {"text"}, "zeta"), make("a", 1)}};
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"a", "b", "c"}));
}

CAF_TEST(repeated reads return the same sorted list without re sorting) {
  model_catalog catalog{{}};
  CAF_REQUIRE(!catalog.replace({make("b", 2), make("a", 1)}));
  const auto* first = &catalog.all();
  const auto* data = catalog.all().data();
  CAF_CHECK_EQUAL(catalog.all().size(), 2u);
  CAF_CHECK(&catalog.all() == first);
  CAF_CHECK(catalog.all().data() == data);
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"a", "b"}));
}

CAF_TEST(find returns the route or null) {
  model_catalog catalog{{make("a", 1), make("b", 2)}};
  CAF_REQUIRE(catalog.find("b") != nullptr);
  CAF_CHECK_EQUAL(catalog.find("b")->rank, 2);
  CAF_CHECK(catalog.find("zzz") == nullptr);
}

CAF_TEST(candidates omit disabled routes) {
  model_catalog catalog{{make("a", 1), make("b", 2), make("c", 3)}};
  CAF_REQUIRE(!catalog.set_enabled("b", false));
  CAF_CHECK_EQUAL(ids(catalog.candidates("", "auto")), (names{"a", "c"}));
}

CAF_TEST(a requested model moves to the front and keeps the rest) {
  model_catalog catalog{{make("a", 1), make("b", 2)}};
  CAF_CHECK_EQUAL(ids(catalog.candidates("b", "auto")), (names{"b", "a"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("model-b", "auto")), (names{"b", "a"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("Display b", "auto")), (names{"b", "a"}));
  // Exact and case-sensitive; an unknown model is no error, just the plain order.
  CAF_CHECK_EQUAL(ids(catalog.candidates("B", "auto")), (names{"a", "b"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("nope", "auto")), (names{"a", "b"}));
}

CAF_TEST(several matches keep rank order at the front) {
  auto a = make("a", 1);
  auto b = make("b", 2);
  auto c = make("c", 3);
  auto d = make("d", 4);
  b.model_id = "shared";
  d.model_id = "shared";
  model_catalog catalog{{d, c, b, a}};
  CAF_CHECK_EQUAL(ids(catalog.candidates("shared", "auto")), (names{"b", "d", "a", "c"}));
}

CAF_TEST(the alias and auto mean no preference) {
  model_catalog catalog{{make("a", 1), make("b", 2), make("freerouter", 3)}};
  CAF_CHECK_EQUAL(ids(catalog.candidates("auto", "freerouter")), (names{"a", "b", "freerouter"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("freerouter", "freerouter")),
                  (names{"a", "b", "freerouter"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("freerouter", "auto")), (names{"freerouter", "a", "b"}));
}

CAF_TEST(a required tag restricts candidates) {
  model_catalog catalog{{make("a", 1), make("b", 2, {"text", "web-search"}),
                         make("c", 3, {"text", "web-search"}), make("d", 4, {"text"})}};
  CAF_CHECK_EQUAL(ids(catalog.candidates("", "auto", "web-search")), (names{"b", "c"}));
  CAF_CHECK_EQUAL(ids(catalog.candidates("c", "auto", "web-search")), (names{"c", "b"}));
  // A requested route lacking the tag is not smuggled in.
  CAF_CHECK_EQUAL(ids(catalog.candidates("a", "auto", "web-search")), (names{"b", "c"}));
}

CAF_TEST(replace rejects duplicate ids and keeps the old catalog) {
  model_catalog catalog{{make("a", 1)}};
  auto err = catalog.replace({make("x", 1), make("x", 2)});
  CAF_REQUIRE(err.has_value());
  CAF_CHECK(err->code == errc::invalid_request);
  CAF_CHECK(err->message.find("Duplicate") != std::string::npos);
  CAF_CHECK_EQUAL(err->message, "Duplicate route_id: x");
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"a"}));
}

CAF_TEST(replace keeps ranks as given and drops non text chat routes) {
  model_catalog catalog{{}};
  CAF_REQUIRE(!catalog.replace({make("late", 999), make("early", 7),
                                make("guard", 1, {"text", "safety"}), make("img", 2, {"vision"})}));
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"early", "late"}));
  CAF_CHECK_EQUAL(catalog.all()[0].rank, 7);
  CAF_CHECK_EQUAL(catalog.all()[1].rank, 999);
}

CAF_TEST(a text route and a text vision route are both kept in rank order) {
  model_catalog catalog{{}};
  CAF_REQUIRE(!catalog.replace({make("vision", 2, {"text", "vision"}), make("plain", 1)}));
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"plain", "vision"}));
}

CAF_TEST(set enabled changes only the enabled flag) {
  model_catalog catalog{{make("a", 1), make("b", 2)}};
  auto before = *catalog.find("a");
  CAF_REQUIRE(!catalog.set_enabled("a", false));
  auto after = *catalog.find("a");
  CAF_CHECK(!after.enabled);
  after.enabled = true;
  CAF_CHECK(after == before);
  CAF_REQUIRE(!catalog.set_enabled("a", true));
  CAF_CHECK(catalog.find("a")->enabled);
}

CAF_TEST(set enabled on an unknown id is not found) {
  model_catalog catalog{{make("a", 1)}};
  auto err = catalog.set_enabled("nope", false);
  CAF_REQUIRE(err.has_value());
  CAF_CHECK(err->code == errc::not_found);
  CAF_CHECK_EQUAL(err->message, "Unknown route_id: nope");
}

CAF_TEST(auto rank renumbers by the heuristic) {
  auto weak = make("weak", 1);
  weak.model_id = "acme-small";
  auto strong = make("strong", 2);
  strong.model_id = "openai/gpt-oss-120b";
  model_catalog catalog{{weak, strong}};
  catalog.auto_rank();
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"strong", "weak"}));
  CAF_CHECK_EQUAL(catalog.all()[0].rank, 1);
  CAF_CHECK_EQUAL(catalog.all()[1].rank, 2);
  CAF_CHECK(catalog.all()[0].rank_score.has_value());
}

CAF_TEST(reset restores the default catalog) {
  model_catalog catalog{{make("a", 1)}};
  catalog.reset_to_defaults();
  CAF_CHECK(catalog.all() == gw::catalog::default_catalog());
  CAF_CHECK(catalog.find("a") == nullptr);
}

CAF_TEST(a discovered stronger route is added disabled and ranked first) {
  route small;
  small.route_id = "groq-openai-gpt-oss-20b";
  small.provider_name = "groq";
  small.model_id = "openai/gpt-oss-20b";
  small.display_name = "GPT OSS 20B";
  small.rank = 1;
  small.tags = {"text", "reasoning"};
  model_catalog catalog{{small}};
  route found;
  found.route_id = "gemini-gemini-3-1-pro-preview";
  found.provider_name = "gemini";
  found.model_id = "gemini-3.1-pro-preview";
  found.display_name = "Gemini 3.1 Pro Preview";
  found.rank = 999;
  found.enabled = true;
  auto added = catalog.add_discovered({found});
  CAF_REQUIRE_EQUAL(added.size(), 1u);
  CAF_CHECK(!added[0].enabled);
  CAF_CHECK_EQUAL(added[0].rank, 1);
  CAF_CHECK(added[0].rank_score.has_value());
  CAF_REQUIRE_EQUAL(catalog.all().size(), 2u);
  CAF_CHECK_EQUAL(catalog.all()[0].route_id, "gemini-gemini-3-1-pro-preview");
  CAF_CHECK(!catalog.all()[0].enabled);
  CAF_CHECK_EQUAL(catalog.all()[1].rank, 2);
  // Known ids, known (provider, model) targets and non chat routes are skipped.
  auto same_target = found;
  same_target.route_id = "other-id";
  auto safety = found;
  safety.route_id = "safety";
  safety.model_id = "acme/safety";
  safety.tags = {"text", "safety"};
  CAF_CHECK(catalog.add_discovered({found, same_target, safety}).empty());
  CAF_CHECK_EQUAL(catalog.all().size(), 2u);
}

CAF_TEST(remove deletes the named routes and returns them) {
  model_catalog catalog{{make("a", 1), make("b", 2), make("c", 3)}};
  auto removed = catalog.remove({"c", "a", "missing"});
  CAF_CHECK_EQUAL(ids(removed), (names{"a", "c"}));
  CAF_CHECK_EQUAL(ids(catalog.all()), (names{"b"}));
}

CAF_TEST(names are shared per route and made anew after a mutation) {
  model_catalog catalog{{make("a", 2), make("b", 1)}};
  auto chosen = catalog.candidates("auto", "auto");
  auto first = catalog.names_of(chosen[0]);
  CAF_CHECK_EQUAL(first->route_id, "b");
  CAF_CHECK_EQUAL(first->provider_name, "groq");
  CAF_CHECK_EQUAL(first->model_id, "model-b");
  // One record per route: a second request shares it instead of copying the names.
  CAF_CHECK_EQUAL(catalog.names_of(catalog.candidates("auto", "auto")[0]), first);
  CAF_CHECK_EQUAL(catalog.names_of(chosen[1])->route_id, "a");
  // Each mutation that moves or renames routes: the new names, in the new order; a request
  // under way keeps the record it holds.
  CAF_REQUIRE(!catalog.replace({make("c", 1), make("b", 2)}));
  auto after_replace = catalog.candidates("auto", "auto");
  CAF_CHECK_EQUAL(catalog.names_of(after_replace[0])->route_id, "c");
  CAF_CHECK_EQUAL(catalog.names_of(after_replace[1])->route_id, "b");
  CAF_CHECK_EQUAL(first->route_id, "b");
  catalog.remove({"c"});
  CAF_CHECK_EQUAL(catalog.names_of(catalog.candidates("auto", "auto")[0])->route_id, "b");
  catalog.reset_to_defaults();
  for (const auto* r : catalog.candidates("auto", "auto")) {
    CAF_CHECK_EQUAL(catalog.names_of(r)->route_id, r->route_id);
  }
  catalog.auto_rank();
  for (const auto* r : catalog.candidates("auto", "auto")) {
    CAF_CHECK_EQUAL(catalog.names_of(r)->model_id, r->model_id);
  }
}
