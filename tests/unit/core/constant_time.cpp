#define CAF_SUITE core.constant_time
#include "core/constant_time.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using gw::constant_time_equal;

CAF_TEST(equal keys match) {
  CAF_CHECK(constant_time_equal("sk-test-123", "sk-test-123"));
  CAF_CHECK(constant_time_equal(std::string(4096, 'k'), std::string(4096, 'k')));
}

CAF_TEST(any difference refuses) {
  CAF_CHECK(!constant_time_equal("sk-test-124", "sk-test-123"));
  CAF_CHECK(!constant_time_equal("Xk-test-123", "sk-test-123"));
  CAF_CHECK(!constant_time_equal(std::string("sk-test-123\0", 12), "sk-test-123"));
}

CAF_TEST(prefixes and extensions refuse) {
  CAF_CHECK(!constant_time_equal("sk-test-12", "sk-test-123"));
  CAF_CHECK(!constant_time_equal("sk-test-1234", "sk-test-123"));
  // The presented value repeats the secret: the wrap-around must not make it match.
  CAF_CHECK(!constant_time_equal("abcabc", "abc"));
  CAF_CHECK(!constant_time_equal("", "abc"));
}

CAF_TEST(an empty secret matches nothing) {
  CAF_CHECK(!constant_time_equal("", ""));
  CAF_CHECK(!constant_time_equal("x", ""));
}
