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

CAF_TEST(a slash in a route id is refused because it could not be addressed) {
  auto problem = route_id_problem("groq/llama");
  CAF_CHECK(problem.find("must not contain '/'") == 0);
  CAF_CHECK(problem.find("\"groq/llama\"") != std::string::npos);
}
