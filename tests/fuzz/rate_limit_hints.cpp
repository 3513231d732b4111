// Fuzz target: rate-limit hints. The input is "name: value" header lines, a blank line, then an
// error body (Gemini's retryDelay, "try again in ..."). Every hint must land within
// [now, now + max_hinted_cooldown]; the duration and HTTP-date parsers get the raw text too.
#include "catalog/rate_limit_hints.hpp"

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = gw::fuzz::as_text(data, size);
  (void)gw::catalog::parse_duration(text);
  (void)gw::catalog::parse_http_date(text);

  auto blank = text.find("\n\n");
  auto head = text.substr(0, blank);
  auto body = blank == std::string_view::npos ? std::string_view{} : text.substr(blank + 2);
  gw::catalog::header_list headers;
  while (!head.empty()) {
    auto eol = head.find('\n');
    auto line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  (void)gw::catalog::remaining_exhausted(headers);
  // 2025-03-01T00:00:00Z, the unit tests' "now".
  const gw::catalog::sys_time now{std::chrono::seconds(1'740'787'200)};
  if (auto until = gw::catalog::cooldown_from_hints(headers, body, now)) {
    gw::fuzz::require(*until >= now, "hint before now");
    gw::fuzz::require(*until <= now + gw::catalog::max_hinted_cooldown, "hint beyond the clamp");
  }
  return 0;
}
