#define CAF_SUITE catalog.model_listing
#include "catalog/diagnosis.hpp"
#include "catalog/python_text.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

using gw::catalog::listed_model;
using gw::catalog::parse_model_listing;

namespace {

// The one item of {"data": [<item_json>]}.
listed_model item(const std::string& item_json) {
  auto listing = parse_model_listing(R"({"data": [)" + item_json + "]}");
  if (!listing || listing->items.size() != 1) {
    CAF_FAIL("the test listing does not parse to one item: " << item_json);
  }
  return listing->items.front();
}

bool zero_price(const std::string& pricing_json) {
  return item(R"({"id": "m", "pricing": )" + pricing_json + "}").zero_price;
}

std::string python_str(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  std::string out;
  gw::catalog::append_python_str(&doc, out);
  return out;
}

} // namespace

CAF_TEST(a body that is not JSON is a non JSON models payload) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "{\"data\": [", "\xff\xfe{}"}) {
    auto listing = parse_model_listing(body);
    CAF_REQUIRE(!listing);
    CAF_CHECK(listing.error().code == gw::errc::invalid_request);
    CAF_CHECK_EQUAL(listing.error().message, "non-JSON models payload");
  }
}

CAF_TEST(JSON that is not an object is an invalid models payload) {
  for (const char* body : {"[]", R"([{"id": "m"}])", "\"data\"", "null", "42"}) {
    auto listing = parse_model_listing(body);
    CAF_REQUIRE(!listing);
    CAF_CHECK(listing.error().code == gw::errc::invalid_request);
    CAF_CHECK_EQUAL(listing.error().message, "invalid models payload");
  }
}

CAF_TEST(a missing or non array data is an empty listing) {
  for (const char* body : {"{}", R"({"data": null})", R"({"data": {"id": "m"}})",
                           R"({"object": "list", "models": [{"id": "m"}]})"}) {
    auto listing = parse_model_listing(body);
    CAF_REQUIRE(listing);
    CAF_CHECK(listing->items.empty());
    CAF_CHECK(listing->raw_ids.empty());
  }
}

CAF_TEST(raw ids are the trimmed non empty string ids of the objects in data) {
  auto listing = parse_model_listing(
    R"({"data": [{"id": " a/b "}, "c", {"id": 7}, {"id": "   "}, {"name": "no id"},)"
    R"( {"id": "models/gemini-2.5-flash"}, null]})");
  CAF_REQUIRE(listing);
  std::vector<std::string> expected{"a/b", "models/gemini-2.5-flash"};
  CAF_CHECK_EQUAL(listing->raw_ids, expected);
  // Every object is an item (so that verdicts line up); those without a valid id have none.
  CAF_REQUIRE_EQUAL(listing->items.size(), 5u);
  CAF_CHECK_EQUAL(listing->items[0].id, "a/b");
  CAF_CHECK_EQUAL(listing->items[1].id, "");
  CAF_CHECK_EQUAL(listing->items[2].id, "");
  CAF_CHECK_EQUAL(listing->items[3].id, "");
  CAF_CHECK_EQUAL(listing->items[4].id, "models/gemini-2.5-flash");
}

CAF_TEST(structured zero price needs a complete pair of numeric zeros) {
  // The reference's tested examples (§13.2).
  CAF_CHECK(!zero_price(R"({"prompt": "0"})"));
  CAF_CHECK(!zero_price(R"({"prompt": "0", "completion": "free"})"));
  CAF_CHECK(zero_price(R"({"prompt": "0", "completion": "0"})"));
  CAF_CHECK(!zero_price(R"({"prompt": "0.1", "completion": "0"})"));
  // Each of the four pairs, numbers or numeric strings.
  CAF_CHECK(zero_price(R"({"input": 0, "output": 0.0})"));
  CAF_CHECK(zero_price(R"({"input_price": "0.000", "output_price": " 0 "})"));
  CAF_CHECK(zero_price(R"({"prompt_price": 0, "completion_price": "-0"})"));
  // Every present key of the eight counts, even outside the complete pair.
  CAF_CHECK(!zero_price(R"({"prompt": "0", "completion": "0", "input": "0.5"})"));
  CAF_CHECK(!zero_price(R"({"prompt": "0", "completion": "0", "output": null})"));
  CAF_CHECK(zero_price(R"({"prompt": "0", "completion": "0", "image": "0.01", "request": "1"})"));
  CAF_CHECK(!zero_price(R"({"prompt": "0", "output": "0"})"));
  CAF_CHECK(!zero_price(R"({})"));
  CAF_CHECK(!zero_price(R"("0")"));
  CAF_CHECK(!zero_price(R"([0, 0])"));
  CAF_CHECK(!item(R"({"id": "m"})").zero_price);
}

CAF_TEST(the search text is Python str of id name description and architecture values) {
  auto m = item(R"({"id": "acme/Pix", "name": "Pix Large",)"
                R"( "architecture": {"input_modalities": ["text", "image"], "modality": null,)"
                R"( "instruct_type": true, "n": 3, "f": 1.5, "o": {"k": "it's"}}})");
  CAF_CHECK_EQUAL(m.search_text,
                  "acme/pix pix large none ['text', 'image'] none true 3 1.5 {'k': \"it's\"}");
  CAF_CHECK(m.has_architecture);
  CAF_CHECK_EQUAL(item(R"({"id": "x", "architecture": "text"})").search_text, "x none none");
  CAF_CHECK(!item(R"({"id": "x", "architecture": "text"})").has_architecture);
}

CAF_TEST(python str prints values the way the reference saw them) {
  CAF_CHECK_EQUAL(python_str(R"(["text", "image"])"), "['text', 'image']");
  CAF_CHECK_EQUAL(python_str(R"([null, true, false, 1, -2.0, [], {}])"),
                  "[None, True, False, 1, -2.0, [], {}]");
  CAF_CHECK_EQUAL(python_str(R"("plain")"), "plain");
  CAF_CHECK_EQUAL(python_str(R"(["a'b", "a\"b", "a'\"b", "t\tn\nb\\"])"),
                  R"(["a'b", 'a"b', 'a\'"b', 't\tn\nb\\'])");
  CAF_CHECK_EQUAL(python_str(R"({"a": {"b": [1]}})"), "{'a': {'b': [1]}}");
  CAF_CHECK_EQUAL(python_str(R"(["\u0001", "\u00e9"])"), "['\\x01', '\u00e9']");
}

CAF_TEST(python float repr is the shortest round trip text) {
  using gw::catalog::python_float_repr;
  CAF_CHECK_EQUAL(python_float_repr(0.0), "0.0");
  CAF_CHECK_EQUAL(python_float_repr(-0.0), "-0.0");
  CAF_CHECK_EQUAL(python_float_repr(65536.0), "65536.0");
  CAF_CHECK_EQUAL(python_float_repr(0.1), "0.1");
  CAF_CHECK_EQUAL(python_float_repr(123.456), "123.456");
  CAF_CHECK_EQUAL(python_float_repr(0.0001), "0.0001");
  CAF_CHECK_EQUAL(python_float_repr(0.00001), "1e-05");
  CAF_CHECK_EQUAL(python_float_repr(1.5e-5), "1.5e-05");
  CAF_CHECK_EQUAL(python_float_repr(1e15), "1000000000000000.0");
  CAF_CHECK_EQUAL(python_float_repr(1e16), "1e+16");
  CAF_CHECK_EQUAL(python_float_repr(1.2345e300), "1.2345e+300");
}

CAF_TEST(modalities come from arrays or separated strings lowercased) {
  auto lists = item(R"({"id": "m", "architecture": {"input_modalities": ["Text", " image ", 3],)"
                    R"( "output_modalities": "TEXT, audio  video", "modality": "Text->Text"}})");
  std::vector<std::string> in{"text", "image"};
  std::vector<std::string> out{"text", "audio", "video"};
  CAF_CHECK_EQUAL(lists.input_modalities, in);
  CAF_CHECK_EQUAL(lists.output_modalities, out);
  CAF_CHECK_EQUAL(lists.modality, "text->text");
}

CAF_TEST(context length is read only when it is an integer) {
  CAF_CHECK_EQUAL(item(R"({"id": "m", "context_length": 65536})").context_length,
                  std::optional<int64_t>{65536});
  CAF_CHECK(!item(R"({"id": "m", "context_length": "65536"})").context_length);
  CAF_CHECK(!item(R"({"id": "m", "context_length": 1.5})").context_length);
  CAF_CHECK(!item(R"({"id": "m"})").context_length);
}

CAF_TEST(capability text flattens keys values and items of the capability fields) {
  auto m = item(R"({"id": "m", "supported_parameters": ["Tools", "tool_choice"],)"
                R"( "capabilities": {"Web-Search": true, "modes": ["Browser Search"]},)"
                R"( "pricing": {"tools": "ignored"}})");
  CAF_CHECK_EQUAL(m.capability_text, "tools tool_choice web-search modes browser search ");
}

CAF_TEST(deeply nested values neither crash nor recurse without bound) {
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  auto m = item(R"({"id": "m", "architecture": {"x": )" + deep + R"(}, "tools": )" + deep + "}");
  CAF_CHECK_EQUAL(m.id, "m");
  CAF_CHECK(m.search_text.find("...") != std::string::npos);
}
