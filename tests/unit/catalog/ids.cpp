#define CAF_SUITE catalog.ids
#include "catalog/ids.hpp"

#include <caf/test/unit_test.hpp>

#include <initializer_list>
#include <string>

using namespace gw::catalog;

CAF_TEST(ordinary ids are accepted) {
  CAF_CHECK_EQUAL(route_id_problem("groq-openai-gpt-oss-120b"), "");
  CAF_CHECK_EQUAL(route_id_problem("my route \t(tab) ünïcode"), "");
  CAF_CHECK_EQUAL(model_id_problem("openai/gpt-oss-120b"), "");
  CAF_CHECK_EQUAL(model_id_problem("models/gemini-2.5-flash"), "");
}

CAF_TEST(empty ids are refused) {
  CAF_CHECK_EQUAL(route_id_problem(""), "must not be empty");
  CAF_CHECK_EQUAL(model_id_problem(""), "must not be empty");
}

CAF_TEST(control characters are refused so that no header can be split) {
  for (std::string bad : std::initializer_list<std::string>{
         "a\r\nX-Injected: 1", "a\nb", "a\rb", std::string("a\0b", 3), "a\x1b[31m", "a\x7f"}) {
    CAF_CHECK(!header_safe(bad));
    CAF_CHECK_EQUAL(route_id_problem(bad),
                    "must not contain control characters (CR, LF, NUL, ...)");
    CAF_CHECK_EQUAL(model_id_problem(bad),
                    "must not contain control characters (CR, LF, NUL, ...)");
  }
  CAF_CHECK(header_safe("tab\tis fine"));
}

CAF_TEST(every control byte is found at every offset of a long value) {
  for (int byte = 0; byte < 256; ++byte) {
    bool unsafe = (byte < 0x20 && byte != '\t') || byte == 0x7f;
    for (size_t at = 0; at < 19; ++at) {
      std::string value(19, 'a');
      value[at] = static_cast<char>(byte);
      CAF_CHECK_EQUAL(header_safe(value), !unsafe);
      // A tab or a high byte earlier in the same word must not hide it.
      if (at > 0) {
        value[at - 1] = (at % 2 == 0) ? '\t' : static_cast<char>(0xC3);
        CAF_CHECK_EQUAL(header_safe(value), !unsafe);
      }
    }
  }
  CAF_CHECK(header_safe("chatcmpl-0123456789abcdef-\xc3\xa9t\xc3\xa9\t"));
}

CAF_TEST(a slash in a route id is refused because it could not be addressed) {
  auto problem = route_id_problem("groq/llama");
  CAF_CHECK(problem.find("must not contain '/'") == 0);
  CAF_CHECK(problem.find("\"groq/llama\"") != std::string::npos);
}
