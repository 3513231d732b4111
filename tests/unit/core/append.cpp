#define CAF_SUITE core.append
#include "core/append.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

CAF_TEST(append_all adds every piece in order) {
  std::string out = "a";
  gw::append_all(out, {"b", "", "cd"});
  CAF_CHECK_EQUAL(out, "abcd");
}

CAF_TEST(a text buffer joins its pieces) {
  gw::text_buffer<16> text;
  text.add({"HTTP/1.1 ", "200"});
  text.add("");
  text.add(" OK");
  CAF_CHECK_EQUAL(std::move(text).str(), "HTTP/1.1 200 OK");
}

CAF_TEST(a text buffer longer than its capacity spills and keeps every byte) {
  gw::text_buffer<8> text;
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    auto piece = std::to_string(i) + ",";
    text.add(piece);
    expected += piece;
  }
  text.add(std::string(100, 'x'));
  expected += std::string(100, 'x');
  CAF_CHECK_EQUAL(std::move(text).str(), expected);
}

CAF_TEST(a piece that exactly fills the buffer stays on the stack side) {
  gw::text_buffer<4> text;
  text.add("abcd");
  text.add("");
  CAF_CHECK_EQUAL(std::move(text).str(), "abcd");
}
