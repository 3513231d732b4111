#define CAF_SUITE persistence.minute_json

#include "persistence/minute_json.hpp"

#include <caf/test/unit_test.hpp>

using namespace gw::persistence;

CAF_TEST(a window survives encoding and decoding unchanged) {
  std::vector<int64_t> times{1'700'000'000'000, 1'700'000'000'500, -3};
  std::vector<int64_t> tokens{10, 0, 9'000'000'000};
  auto json = encode_minute_window(times, tokens);
  CAF_CHECK_EQUAL(json, R"({"times_ms":[1700000000000,1700000000500,-3],)"
                        R"("tokens":[10,0,9000000000]})");
  auto window = decode_minute_window(json);
  CAF_CHECK_EQUAL(window.times_ms, times);
  CAF_CHECK_EQUAL(window.tokens, tokens);
}

CAF_TEST(an empty window encodes as two empty arrays) {
  auto json = encode_minute_window({}, {});
  CAF_CHECK_EQUAL(json, R"({"times_ms":[],"tokens":[]})");
  auto window = decode_minute_window(json);
  CAF_CHECK(window.times_ms.empty());
  CAF_CHECK(window.tokens.empty());
}

CAF_TEST(unreadable json decodes as an empty window) {
  for (const char* bad : {"", "not json", "[1,2]", R"({"times_ms":[1]})",
                          R"({"times_ms":["x"],"tokens":[1]})", R"({"times_ms":[1],"tokens":[)"}) {
    auto window = decode_minute_window(bad);
    CAF_CHECK(window.times_ms.empty());
    CAF_CHECK(window.tokens.empty());
  }
}

CAF_TEST(arrays of unequal length are cut to the shorter one) {
  auto window = decode_minute_window(R"({"times_ms":[1,2,3],"tokens":[7]})");
  CAF_CHECK_EQUAL(window.times_ms, std::vector<int64_t>{1});
  CAF_CHECK_EQUAL(window.tokens, std::vector<int64_t>{7});
}
