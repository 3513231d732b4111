#define CAF_SUITE metrics.waterfall
#include "metrics/waterfall_metrics.hpp"

#include "metrics/gateway_metrics.hpp"
#include "tests/unit/metrics/exposition.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using namespace gw::metrics;
using gw::metrics::test::count_samples;
using gw::metrics::test::sample;

namespace {

struct fixture {
  gateway_metrics metrics;
  waterfall_metrics waterfall{metrics};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(waterfall_metrics_tests, fixture)

CAF_TEST(attempts are counted by provider route and outcome) {
  waterfall.count_attempt("p1", "r1", "provider_5xx");
  waterfall.count_attempt("p1", "r1", "provider_5xx");
  waterfall.count_attempt("p2", "r2", "success");
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_upstream_attempts_total{outcome=\"provider_5xx\","
                               "provider=\"p1\",route_id=\"r1\"}"),
                  2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_upstream_attempts_total{outcome=\"success\","
                               "provider=\"p2\",route_id=\"r2\"}"),
                  1.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_upstream_attempts_total"), 2);
}

CAF_TEST(skips are counted by provider route and reason) {
  waterfall.count_skip("p1", "r1", "route_rate_limited");
  waterfall.count_skip("p3", "r3", "missing_api_key");
  waterfall.count_skip("p3", "r3", "missing_api_key");
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_route_skips_total{provider=\"p1\","
                               "reason=\"route_rate_limited\",route_id=\"r1\"}"),
                  1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_route_skips_total{provider=\"p3\","
                               "reason=\"missing_api_key\",route_id=\"r3\"}"),
                  2.0);
}

CAF_TEST(tokens are summed per direction and non positive counts are ignored) {
  waterfall.count_tokens("p2", "r2", 100, 20);
  waterfall.count_tokens("p2", "r2", 5, 0);
  waterfall.count_tokens("p2", "r2", -3, -4);
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_tokens_total{direction=\"prompt\",provider=\"p2\","
                               "route_id=\"r2\"}"),
                  105.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_tokens_total{direction=\"completion\",provider=\"p2\","
                               "route_id=\"r2\"}"),
                  20.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_tokens_total"), 2);
}

CAF_TEST(a success counted through a kept series lands in the same series as the lookups) {
  served_series series;
  waterfall.count_success(series, "p2", "r2", 100, 20);
  waterfall.count_success(series, "p2", "r2", 5, 0);
  waterfall.count_attempt("p2", "r2", "success");
  waterfall.count_tokens("p2", "r2", 1, 1);
  // The same object asked for other labels resolves them again.
  waterfall.count_success(series, "p3", "r2", 7, 7);
  CAF_CHECK_EQUAL(series.provider, "p3");
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_upstream_attempts_total{outcome=\"success\","
                               "provider=\"p2\",route_id=\"r2\"}"),
                  3.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_tokens_total{direction=\"prompt\",provider=\"p2\","
                               "route_id=\"r2\"}"),
                  106.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_tokens_total{direction=\"completion\",provider=\"p2\","
                               "route_id=\"r2\"}"),
                  21.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_upstream_attempts_total{outcome=\"success\","
                               "provider=\"p3\",route_id=\"r2\"}"),
                  1.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_tokens_total"), 4);
}

CAF_TEST(two owners count into the same series) {
  waterfall_metrics other{metrics};
  waterfall.count_attempt("p1", "r1", "timeout");
  other.count_attempt("p1", "r1", "timeout");
  CAF_CHECK_EQUAL(sample(metrics.serialize(),
                         "freerouter_upstream_attempts_total{outcome=\"timeout\","
                         "provider=\"p1\",route_id=\"r1\"}"),
                  2.0);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(a default waterfall handle ignores every call and can be given a registry later) {
  gateway_metrics metrics;
  waterfall_metrics handle;
  handle.count_attempt("p", "r", "success");
  handle.count_skip("p", "r", "cooldown");
  handle.count_tokens("p", "r", 1, 1);
  served_series series;
  handle.count_success(series, "p", "r", 1, 1);
  CAF_CHECK(series.attempts == nullptr);
  CAF_CHECK_EQUAL(count_samples(metrics.serialize(), "freerouter_upstream_attempts_total"), 0);
  // How an actor's state receives its handle after construction.
  handle = waterfall_metrics{metrics};
  handle.count_attempt("p", "r", "success");
  CAF_CHECK_EQUAL(sample(metrics.serialize(),
                         "freerouter_upstream_attempts_total{outcome=\"success\","
                         "provider=\"p\",route_id=\"r\"}"),
                  1.0);
}
