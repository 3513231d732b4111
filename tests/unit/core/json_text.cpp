#define CAF_SUITE core.json_text
#include "core/json_text.hpp"

#include <caf/test/unit_test.hpp>

#include <random>
#include <string>

using namespace gw;

namespace {

/// The byte-by-byte answer the word-wide scans must give.
unsigned plain_bytes(const char* p, unsigned limit) {
  unsigned n = 0;
  while (n < limit && !json_text::ends_plain_run(p[n])) {
    ++n;
  }
  return n;
}

} // namespace

CAF_TEST(the eight and sixteen byte scans stop at the first quote backslash or control byte) {
  // Bytes drawn mostly from plain text, with high (UTF-8) bytes, and now and then one that ends
  // a run, at every position.
  std::mt19937 random(7);
  const std::string plain = "abc XYZ 019 {}[]:,é\x7f\x80\xff\xc3\xa9";
  const std::string ends = std::string("\"\\\x00\x01\x1f\n\t", 7);
  for (int round = 0; round < 20000; ++round) {
    char block[16];
    for (char& c : block) {
      c = random() % 10 == 0 ? ends[random() % ends.size()] : plain[random() % plain.size()];
    }
    CAF_CHECK_EQUAL(json_text::plain_prefix(block), plain_bytes(block, 8));
    CAF_CHECK_EQUAL(json_text::plain_prefix16(block), plain_bytes(block, 16));
  }
  const char all_plain[] = "0123456789abcdef";
  CAF_CHECK_EQUAL(json_text::plain_prefix16(all_plain), 16u);
}
