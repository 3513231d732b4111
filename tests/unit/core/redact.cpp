#define CAF_SUITE core.redact
#include "core/redact.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using gw::redactor;

CAF_TEST(every occurrence of every key is replaced) {
  redactor r({"sk-abc123", "gsk_zzz", ""});
  CAF_CHECK_EQUAL(r.apply("Invalid API key: sk-abc123 (sk-abc123)"),
                  "Invalid API key: [redacted] ([redacted])");
  CAF_CHECK_EQUAL(r.apply(R"({"error":{"message":"key gsk_zzz is revoked"}})"),
                  R"({"error":{"message":"key [redacted] is revoked"}})");
  CAF_CHECK_EQUAL(r.apply("nothing secret here"), "nothing secret here");
}

CAF_TEST(a key containing another is replaced whole) {
  redactor r({"abc", "abcdef-long"});
  CAF_CHECK_EQUAL(r.apply("x abcdef-long y abc"), "x [redacted] y [redacted]");
}

CAF_TEST(bearer credentials are replaced even for keys not configured) {
  redactor none;
  CAF_CHECK_EQUAL(none.apply("Authorization: Bearer sk-unknown-999 was refused"),
                  "Authorization: Bearer [redacted] was refused");
  CAF_CHECK_EQUAL(none.apply(R"({"got":"bearer  tok.en/x=="})"), R"({"got":"bearer  [redacted]"})");
  CAF_CHECK_EQUAL(none.apply("BEARER abc, next"), "BEARER [redacted], next");
  // No credential follows: nothing to replace.
  CAF_CHECK_EQUAL(none.apply("a bearer"), "a bearer");
  CAF_CHECK_EQUAL(none.apply("bearer\"x\""), "bearer\"x\"");
}

CAF_TEST(apply in place reports whether anything changed) {
  redactor r({"k-1"});
  std::string clean = "fine";
  CAF_CHECK(!r.apply_in_place(clean));
  std::string dirty = "k-1";
  CAF_CHECK(r.apply_in_place(dirty));
  CAF_CHECK_EQUAL(dirty, "[redacted]");
}
