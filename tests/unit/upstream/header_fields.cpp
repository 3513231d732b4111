#define CAF_SUITE upstream.header_fields
#include "http/upstream/header_fields.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using gw::upstream::header_block;

CAF_TEST(a block renders its fields in order as header lines) {
  auto block = header_block::render({{"Authorization", "Bearer k"}, {"X-Title", "FreeRouter"}});
  CAF_REQUIRE(block.has_value());
  CAF_CHECK_EQUAL(std::string(block->text()), "Authorization: Bearer k\r\nX-Title: FreeRouter\r\n");
  CAF_CHECK(header_block{}.text().empty());
}

CAF_TEST(a block leaves out the fields the client owns) {
  auto block = header_block::render(
    {{"Host", "evil"}, {"content-length", "1"}, {"Connection", "close"}, {"X-A", "1"}});
  CAF_REQUIRE(block.has_value());
  CAF_CHECK_EQUAL(std::string(block->text()), "X-A: 1\r\n");
}

CAF_TEST(a field that could split the request makes no block) {
  CAF_CHECK(!header_block::render({{"X-A", "1\r\nInjected: yes"}}).has_value());
  CAF_CHECK(!header_block::render({{"X-A", std::string("a\0b", 3)}}).has_value());
  CAF_CHECK(!header_block::render({{"X A", "1"}}).has_value());
  CAF_CHECK(!header_block::render({{"", "1"}}).has_value());
}

CAF_TEST(copies of a block share its text) {
  auto block = header_block::render({{"X-A", "1"}});
  CAF_REQUIRE(block.has_value());
  auto copy = *block;
  CAF_CHECK_EQUAL(copy.text().data(), block->text().data());
}

CAF_TEST(the header rules) {
  CAF_CHECK(gw::upstream::is_token("X-Custom_1.a~"));
  CAF_CHECK(!gw::upstream::is_token("X:A"));
  CAF_CHECK(gw::upstream::is_safe_value("a\tb"));
  CAF_CHECK(!gw::upstream::is_safe_value("a\nb"));
  CAF_CHECK(gw::upstream::is_reserved_header("TRANSFER-ENCODING"));
  CAF_CHECK(gw::upstream::is_reserved_header("keep-alive"));
  CAF_CHECK(!gw::upstream::is_reserved_header("Authorization"));
}
