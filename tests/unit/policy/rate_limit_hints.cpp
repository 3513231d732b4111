#define CAF_SUITE policy.rate_limit_hints
#include "catalog/rate_limit_hints.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using gw::catalog::cooldown_from_hints;
using gw::catalog::header_list;
using gw::catalog::parse_duration;
using gw::catalog::parse_http_date;
using gw::catalog::remaining_exhausted;
using gw::catalog::sys_time;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

namespace {

// 2025-03-01T00:00:00Z, plus 123 µs so that rounding to whole milliseconds is visible.
const sys_time now = sys_time{} + seconds(1'740'787'200) + std::chrono::microseconds(123);
const sys_time midnight = sys_time{} + seconds(1'740'787'200);

// Milliseconds from `now` to the hinted instant; -1 when there is none.
int64_t wait_ms(const header_list& headers, const std::string& body = "", sys_time at = now) {
  auto until = cooldown_from_hints(headers, body, at);
  if (!until) {
    return -1;
  }
  return std::chrono::duration_cast<milliseconds>(*until - at).count();
}

int64_t header_wait_ms(const std::string& name, const std::string& value) {
  return wait_ms({{name, value}});
}

} // namespace

CAF_TEST(retry after accepts seconds fractions and http dates) {
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "120"), 120'000);
  CAF_CHECK_EQUAL(header_wait_ms("Retry-After", "120"), 120'000);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", " 1.5 "), 1'500);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "0.0001"), 1); // rounded up
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "0"), 0);
  // An HTTP-date is an absolute instant (second precision): 00:02:00 is 120 s after midnight.
  auto date_wait = [](const std::string& value) {
    auto until = cooldown_from_hints({{"retry-after", value}}, "", now);
    return until ? std::chrono::duration_cast<milliseconds>(*until - midnight).count() : -1;
  };
  CAF_CHECK_EQUAL(date_wait("Sat, 01 Mar 2025 00:02:00 GMT"), 120'000);    // IMF-fixdate
  CAF_CHECK_EQUAL(date_wait("Saturday, 01-Mar-25 00:02:00 GMT"), 120'000); // RFC 850
  CAF_CHECK_EQUAL(date_wait("Sat Mar  1 00:02:00 2025"), 120'000);         // asctime
  CAF_CHECK_EQUAL(date_wait("Sat, 01 Mar 2025 01:02:00 +0100"), 120'000);  // RFC 2822 zone
  CAF_CHECK_EQUAL(date_wait("Fri, 28 Feb 2025 19:02:00 EST"), 120'000);
}

CAF_TEST(retry after ms counts milliseconds) {
  CAF_CHECK_EQUAL(header_wait_ms("retry-after-ms", "1500"), 1'500);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after-ms", "250.5"), 251);
  CAF_CHECK_EQUAL(header_wait_ms("Retry-After-Ms", "2s"), 2'000);
}

CAF_TEST(reset headers accept every common duration form) {
  struct row {
    std::string value;
    int64_t ms;
  };
  const row table[] = {
    {"6m0s", 360'000},       {"1h2m3.5s", 3'723'500}, {"7.66s", 7'660},
    {"2m59.56s", 179'560},   {"500ms", 500},          {"0.4ms", 1},
    {"1500us", 2},           {"2 seconds", 2'000},    {"1 second", 1'000},
    {"1.5 minutes", 90'000}, {"3 min", 180'000},      {"1 hour", 3'600'000},
    {"30", 30'000},          {"12.25", 12'250},       {"1h", 3'600'000},
    {"45S", 45'000},
  };
  for (const auto& r : table) {
    CAF_MESSAGE("value " << r.value);
    CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset-requests", r.value), r.ms);
    CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset-tokens", r.value), r.ms);
    CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset", r.value), r.ms);
  }
}

CAF_TEST(large bare numbers are unix times in seconds or milliseconds) {
  // 300 s after midnight, as epoch seconds and as epoch milliseconds.
  auto until = cooldown_from_hints({{"x-ratelimit-reset", "1740787500"}}, "", now);
  CAF_REQUIRE(until.has_value());
  CAF_CHECK(*until == midnight + seconds(300));
  until = cooldown_from_hints({{"X-RateLimit-Reset", "1740787230000"}}, "", now);
  CAF_REQUIRE(until.has_value());
  CAF_CHECK(*until == midnight + seconds(30));
  // The reference's rule, epoch seconds above 2e9, holds as well.
  auto later = sys_time{} + seconds(2'000'000'000 - 100);
  CAF_CHECK_EQUAL(wait_ms({{"x-ratelimit-reset-requests", "2000000060"}}, "", later), 160'000);
}

CAF_TEST(reset headers accept dates too) {
  auto until = cooldown_from_hints({{"x-ratelimit-reset", "2025-03-01T00:01:00Z"}}, "", now);
  CAF_REQUIRE(until.has_value());
  CAF_CHECK(*until == midnight + seconds(60));
  until = cooldown_from_hints({{"x-ratelimit-reset", "2025-03-01T01:01:00.5+01:00"}}, "", now);
  CAF_REQUIRE(until.has_value());
  CAF_CHECK(*until == midnight + milliseconds(60'500));
  until =
    cooldown_from_hints({{"x-ratelimit-reset-tokens", "Sat, 01 Mar 2025 00:00:10 GMT"}}, "", now);
  CAF_REQUIRE(until.has_value());
  CAF_CHECK(*until == midnight + seconds(10));
}

CAF_TEST(hints are never earlier than now and at most a day ahead) {
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "Fri, 28 Feb 2025 00:00:00 GMT"), 0);
  CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset", "1000000000"), 0);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "1000000"), 24 * 3'600'000);
  CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset", "99999999999999999"), 24 * 3'600'000);
}

CAF_TEST(the latest hint wins) {
  CAF_CHECK_EQUAL(wait_ms({{"retry-after", "5"},
                           {"x-ratelimit-reset-tokens", "7.66s"},
                           {"x-ratelimit-reset-requests", "2m"}}),
                  120'000);
  CAF_CHECK_EQUAL(wait_ms({{"retry-after", "50"}, {"x-ratelimit-reset-tokens", "7.66s"}}), 50'000);
}

CAF_TEST(a reset whose limit still has room is not a reason to wait) {
  // Groq-style: requests left, tokens exhausted -> the token reset is the one that matters.
  CAF_CHECK_EQUAL(wait_ms({{"x-ratelimit-remaining-requests", "14"},
                           {"x-ratelimit-reset-requests", "2m59.56s"},
                           {"x-ratelimit-remaining-tokens", "0"},
                           {"x-ratelimit-reset-tokens", "7.66s"}}),
                  7'660);
  // Cerebras-style suffixes pair up the same way.
  CAF_CHECK_EQUAL(wait_ms({{"x-ratelimit-remaining-requests-day", "1000"},
                           {"x-ratelimit-reset-requests-day", "33011.38"},
                           {"x-ratelimit-remaining-tokens-minute", "0"},
                           {"x-ratelimit-reset-tokens-minute", "11.38"}}),
                  11'380);
  // Names pair up whatever their case.
  CAF_CHECK_EQUAL(wait_ms({{"X-RateLimit-Remaining-Requests", "14"},
                           {"X-RateLimit-Reset-Requests", "2m59.56s"},
                           {"x-ratelimit-remaining-tokens", "0"},
                           {"X-Ratelimit-Reset-TOKENS", "7.66s"}}),
                  7'660);
  // Only limits with room left: nothing to go on.
  CAF_CHECK_EQUAL(
    wait_ms({{"x-ratelimit-remaining-tokens", "500"}, {"x-ratelimit-reset-tokens", "7.66s"}}), -1);
  CAF_CHECK_EQUAL(
    wait_ms({{"x-ratelimit-remaining-TOKENS", "500"}, {"X-RateLimit-Reset-Tokens", "7.66s"}}), -1);
  // An explicit retry-after always counts.
  CAF_CHECK_EQUAL(wait_ms({{"x-ratelimit-remaining-tokens", "500"},
                           {"x-ratelimit-reset-tokens", "7.66s"},
                           {"retry-after", "3"}}),
                  3'000);
}

CAF_TEST(gemini retry delay in the error body is read) {
  const std::string body =
    R"({"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3s"}]}})";
  CAF_CHECK_EQUAL(wait_ms({}, body), 3'000);
  CAF_CHECK_EQUAL(wait_ms({}, R"({"error":{"details":[{"retryDelay":"1.5s"}]}})"), 1'500);
  CAF_CHECK_EQUAL(wait_ms({}, R"([{"error":{"details":[{"retryDelay":"2s"}]}}])"), 2'000);
  CAF_CHECK_EQUAL(
    wait_ms({}, R"({"error":{"details":[{"retryDelay":{"seconds":4,"nanos":500000000}}]}})"),
    4'500);
  // The header and the body both count; the later one wins.
  CAF_CHECK_EQUAL(wait_ms({{"retry-after", "1"}}, body), 3'000);
}

CAF_TEST(try again phrases in the error message are read) {
  CAF_CHECK_EQUAL(
    wait_ms(
      {},
      R"({"error":{"message":"Rate limit reached for model on tokens per minute (TPM): Limit 6000, Used 5000. Please try again in 7.66s. Need more tokens?"}})"),
    7'660);
  CAF_CHECK_EQUAL(wait_ms({}, "Please try again in 2m59.56s."), 179'560);
  CAF_CHECK_EQUAL(wait_ms({}, "Rate limit exceeded. Please try again in 20ms."), 20);
  CAF_CHECK_EQUAL(wait_ms({}, "Too many requests, retry after 60 seconds"), 60'000);
  CAF_CHECK_EQUAL(wait_ms({}, "You exceeded your current quota. Please retry in 52.13s."), 52'130);
}

CAF_TEST(only error texts are searched for phrases not the answer) {
  CAF_CHECK_EQUAL(wait_ms({}, R"({"message":"Too many requests, try again in 3s"})"), 3'000);
  CAF_CHECK_EQUAL(wait_ms({}, R"({"error":"quota hit, retry in 2s"})"), 2'000);
  CAF_CHECK_EQUAL(wait_ms({}, R"([{"error":{"message":"Please retry in 4s."}}])"), 4'000);
  // A model that tells its user to try again later is not a rate limit.
  CAF_CHECK_EQUAL(
    wait_ms(
      {},
      R"({"choices":[{"message":{"content":"Please try again in 5 minutes."}}],"message":"try again in 9s"})"),
    -1);
  CAF_CHECK_EQUAL(wait_ms({}, R"({"id":"x","content":"try again in 5 minutes"})"), -1);
}

CAF_TEST(absent or unusable hints give nothing) {
  CAF_CHECK_EQUAL(wait_ms({}), -1);
  CAF_CHECK_EQUAL(wait_ms({{"content-type", "application/json"}}, R"({"error":"slow down"})"), -1);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "soon"), -1);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", ""), -1);
  CAF_CHECK_EQUAL(header_wait_ms("retry-after", "-5"), -1);
  CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset", "5 fortnights"), -1);
  CAF_CHECK_EQUAL(header_wait_ms("x-ratelimit-reset", "1m2"), -1);
  CAF_CHECK_EQUAL(wait_ms({}, "please try again in a moment"), -1);
  CAF_CHECK_EQUAL(wait_ms({}, R"({"error":{"details":[{"retryDelay":"later"}]}})"), -1);
}

CAF_TEST(durations parse exactly and round up to nanoseconds) {
  CAF_CHECK(parse_duration("7.66s") == nanoseconds(7'660'000'000));
  CAF_CHECK(parse_duration("1h2m3.5s") == nanoseconds(3'723'500'000'000));
  CAF_CHECK(parse_duration("0.1234567891s") == nanoseconds(123'456'790));
  CAF_CHECK(parse_duration("3") == nanoseconds(3'000'000'000));
  CAF_CHECK(parse_duration("250 ms") == nanoseconds(250'000'000));
  CAF_CHECK(!parse_duration("s"));
  CAF_CHECK(!parse_duration("."));
  CAF_CHECK(!parse_duration("1.5.2s"));
}

CAF_TEST(http dates parse in all three forms) {
  auto expected = sys_time{} + seconds(784'111'777); // Sun, 06 Nov 1994 08:49:37 GMT
  CAF_CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CAF_CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CAF_CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == expected);
  CAF_CHECK(parse_http_date("1994-11-06T08:49:37Z") == expected);
  CAF_CHECK(!parse_http_date("Sun, 32 Nov 1994 08:49:37 GMT"));
  CAF_CHECK(!parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  CAF_CHECK(!parse_http_date("Sun, 06 Nov 1994"));
  CAF_CHECK(!parse_http_date("tomorrow"));
  CAF_CHECK(!parse_http_date(""));
}

CAF_TEST(remaining headers at or below zero mean exhausted) {
  CAF_CHECK(remaining_exhausted({{"x-ratelimit-remaining-requests", "0"}}));
  CAF_CHECK(remaining_exhausted({{"X-RateLimit-Remaining-Tokens", "0"}}));
  CAF_CHECK(remaining_exhausted({{"x-ratelimit-remaining-tokens", "-12"}}));
  CAF_CHECK(remaining_exhausted({{"x-ratelimit-remaining-requests", "0.5"}})); // truncated
  CAF_CHECK(remaining_exhausted({{"x-ratelimit-remaining-tokens-minute", "0"}}));
  CAF_CHECK(remaining_exhausted(
    {{"x-ratelimit-remaining-requests", "10"}, {"x-ratelimit-remaining-tokens", "0"}}));
  CAF_CHECK(!remaining_exhausted({{"x-ratelimit-remaining-requests", "3"}}));
  CAF_CHECK(!remaining_exhausted({{"x-ratelimit-remaining-requests", "1.0"}}));
  CAF_CHECK(!remaining_exhausted({{"x-ratelimit-remaining-requests", "abc"}}));
  CAF_CHECK(!remaining_exhausted({{"x-ratelimit-remaining-requests", ""}}));
  CAF_CHECK(!remaining_exhausted({{"x-ratelimit-limit-requests", "0"}}));
  CAF_CHECK(!remaining_exhausted({}));
}

CAF_TEST(arbitrary hint text never yields an instant outside now to now plus a day) {
  const std::string alphabet = "0123456789 .:-+,smhdMSGTZretryaginsecondNovSun\xc2\xb5";
  uint64_t state = 0x2545F4914F6CDD1Dull; // fixed seed: the run is reproducible
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string value;
    for (auto len = next() % 24; len > 0; --len) {
      value.push_back(alphabet[next() % alphabet.size()]);
    }
    header_list headers{{"retry-after", value}, {"x-ratelimit-reset-tokens", value}};
    auto until = cooldown_from_hints(headers, "try again in " + value, now);
    if (until) {
      ++parsed;
      CAF_CHECK(*until >= now);
      CAF_CHECK(*until <= now + hours(24));
    }
    parse_http_date(value);
  }
  CAF_CHECK(parsed > 0);
}
