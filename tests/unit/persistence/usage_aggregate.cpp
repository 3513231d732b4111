#define CAF_SUITE persistence.usage_aggregate

#include "persistence/usage_aggregate.hpp"

#include <caf/test/unit_test.hpp>

using namespace gw;
using namespace gw::persistence;

namespace {

persistence::usage_event event(std::string outcome, int status, int64_t at_ms, int64_t prompt = 0,
                               int64_t completion = 0) {
  persistence::usage_event e;
  e.route_id = "groq/llama";
  e.provider_name = "groq";
  e.model_id = "llama";
  e.outcome = std::move(outcome);
  e.status_code = status;
  e.prompt_tokens = prompt;
  e.completion_tokens = completion;
  e.total_tokens = prompt + completion;
  e.at_ms = at_ms;
  return e;
}

} // namespace

CAF_TEST(only success is a success and every other outcome is a failure) {
  auto success = classify_outcome("success");
  CAF_CHECK_EQUAL(success.success, 1);
  CAF_CHECK_EQUAL(success.failure, 0);
  auto rate = classify_outcome("rate_limited");
  CAF_CHECK_EQUAL(rate.failure, 1);
  CAF_CHECK_EQUAL(rate.rate_limit, 1);
  CAF_CHECK_EQUAL(rate.timeout, 0);
  CAF_CHECK_EQUAL(classify_outcome("timeout").timeout, 1);
  CAF_CHECK_EQUAL(classify_outcome("model_not_found").not_found, 1);
  auto five = classify_outcome("provider_5xx");
  CAF_CHECK_EQUAL(five.failure, 1);
  CAF_CHECK_EQUAL(five.success + five.rate_limit + five.timeout + five.not_found, 0);
}

CAF_TEST(events add up and the newest event sets the last status) {
  persistence::route_usage row;
  apply_event(row, event("success", 200, 1000, 10, 5));
  apply_event(row, event("model_not_found", 404, 2000));
  apply_event(row, event("success", 200, 2000, 3, 4));
  CAF_CHECK_EQUAL(row.route_id, "groq/llama");
  CAF_CHECK_EQUAL(row.total_events, 3);
  CAF_CHECK_EQUAL(row.successes, 2);
  CAF_CHECK_EQUAL(row.failures, 1);
  CAF_CHECK_EQUAL(row.not_found, 1);
  CAF_CHECK_EQUAL(row.prompt_tokens, 13);
  CAF_CHECK_EQUAL(row.completion_tokens, 9);
  CAF_CHECK_EQUAL(row.total_tokens, 22);
  CAF_CHECK_EQUAL(row.last_used_at_ms, 2000);
  CAF_CHECK_EQUAL(row.last_status_code, 200);
}

CAF_TEST(an older event recorded late does not replace the last status) {
  persistence::route_usage row;
  apply_event(row, event("success", 200, 5000));
  apply_event(row, event("rate_limited", 429, 4000));
  CAF_CHECK_EQUAL(row.last_status_code, 200);
  CAF_CHECK_EQUAL(row.last_used_at_ms, 5000);
  CAF_CHECK_EQUAL(row.rate_limits, 1);
}
