#define CAF_SUITE metrics.gateway_metrics
#include "metrics/gateway_metrics.hpp"

#include "tests/unit/metrics/exposition.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

using namespace gw::metrics;
using gw::metrics::test::count_samples;
using gw::metrics::test::sample;
using gw::metrics::test::type_of;

namespace {

// The exported names are a stable API (deploy/ alerts and dashboard): this list changes only
// together with them.
const std::vector<std::pair<std::string, std::string>> every_family = {
  {"freerouter_http_requests_total", "counter"},
  {"freerouter_upstream_attempts_total", "counter"},
  {"freerouter_route_skips_total", "counter"},
  {"freerouter_requests_exhausted_total", "counter"},
  {"freerouter_tokens_total", "counter"},
  {"freerouter_request_duration_seconds", "histogram"},
  {"freerouter_gateway_overhead_seconds", "histogram"},
  {"freerouter_request_fallbacks", "histogram"},
  {"freerouter_upstream_duration_seconds", "histogram"},
  {"freerouter_stream_first_token_seconds", "histogram"},
  {"freerouter_quota_remaining", "gauge"},
  {"freerouter_quota_limit", "gauge"},
  {"freerouter_provider_cooldown_until_timestamp_seconds", "gauge"},
  {"freerouter_provider_key_failing", "gauge"},
  {"freerouter_quota_not_persisted_total", "counter"},
  {"freerouter_route_health", "gauge"},
  {"freerouter_route_cooldown_until_timestamp_seconds", "gauge"},
  {"freerouter_limiter_slots", "gauge"},
  {"freerouter_limiter_slots_in_use", "gauge"},
  {"freerouter_limiter_queue_length", "gauge"},
  {"freerouter_limiter_rejections_total", "counter"},
  {"freerouter_persistence_batch_size", "histogram"},
  {"freerouter_persistence_lag_seconds", "gauge"},
  {"freerouter_diagnosis_runs_total", "counter"},
  {"freerouter_diagnosis_last_run_timestamp_seconds", "gauge"},
  {"freerouter_diagnosis_suggestions", "gauge"},
  {"freerouter_diagnosis_run_duration_seconds", "histogram"},
  {"freerouter_diagnosis_last_success_timestamp_seconds", "gauge"},
  {"freerouter_diagnosis_models", "gauge"},
  {"freerouter_diagnosis_auto_applied_total", "counter"},
  {"freerouter_build_info", "gauge"},
  {"freerouter_start_time_seconds", "gauge"},
};

struct fixture {
  gateway_metrics metrics;

  std::optional<double> get(std::string_view series) {
    return sample(metrics.serialize(), series);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(gateway_metrics_tests, fixture)

CAF_TEST(every family is listed with its type before any event) {
  auto text = metrics.serialize();
  for (const auto& [name, type] : every_family) {
    CAF_CHECK_EQUAL(type_of(text, name), type);
  }
  // Nothing else: every "# TYPE" line is one of the list.
  size_t types = 0;
  for (auto pos = text.find("# TYPE "); pos != std::string::npos;
       pos = text.find("# TYPE ", pos + 1)) {
    ++types;
  }
  CAF_CHECK_EQUAL(types, every_family.size());
}

CAF_TEST(the content type is the text exposition format 0.0.4) {
  CAF_CHECK_EQUAL(content_type, "text/plain; version=0.0.4; charset=utf-8");
}

CAF_TEST(fixed series start at zero and labelled ones appear only once used) {
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_requests_exhausted_total"), 0.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_limiter_rejections_total"), 0.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_runs_total{result=\"failed\"}"), 0.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_fallbacks_count"), 0.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_upstream_attempts_total"), 0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_quota_remaining"), 0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_route_health"), 0);
}

CAF_TEST(build info carries the version and the start time is now) {
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_build_info{version=\"" GW_VERSION "\"}"), 1.0);
  auto started = sample(text, "freerouter_start_time_seconds");
  CAF_REQUIRE(started.has_value());
  using namespace std::chrono;
  auto now = duration<double>(system_clock::now().time_since_epoch()).count();
  CAF_CHECK_GREATER_OR_EQUAL(*started, now - 60);
  CAF_CHECK_LESS_OR_EQUAL(*started, now + 1);
}

CAF_TEST(http requests are counted by endpoint and exact status code) {
  auto& chat = metrics.http_endpoint("/v1/chat/completions");
  CAF_CHECK_EQUAL(&chat, &metrics.http_endpoint("/v1/chat/completions"));
  CAF_CHECK_EQUAL(chat.endpoint(), "/v1/chat/completions");
  chat.count(200);
  chat.count(200);
  chat.count(503);
  chat.count(42);
  chat.count(600);
  metrics.http_endpoint(unmatched_endpoint).count(404);
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_http_requests_total{code=\"200\",endpoint=\"/v1/chat/completions\"}"),
    2.0);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_http_requests_total{code=\"503\",endpoint=\"/v1/chat/completions\"}"),
    1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_http_requests_total{code=\"other\","
                               "endpoint=\"/v1/chat/completions\"}"),
                  2.0);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_http_requests_total{code=\"404\",endpoint=\"unmatched\"}"), 1.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_http_requests_total"), 4);
}

CAF_TEST(a request records its duration overhead fallbacks and exhaustion) {
  metrics.observe_request({2.0, 1.75, 3, false, false});
  metrics.observe_request({0.5, 0.0, 0, false, true});
  metrics.observe_request({4.0, 4.5, 1, true, false});
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_duration_seconds_count{stream=\"false\"}"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_duration_seconds_sum{stream=\"false\"}"), 2.5);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_duration_seconds_count{stream=\"true\"}"), 1.0);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_request_duration_seconds_bucket{stream=\"true\",le=\"5\"}"), 1.0);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_request_duration_seconds_bucket{stream=\"true\",le=\"2.5\"}"), 0.0);
  // Overhead: 0.25 + 0.5 + 0 (upstream longer than total is clamped, not negative).
  CAF_CHECK_EQUAL(sample(text, "freerouter_gateway_overhead_seconds_count"), 3.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_gateway_overhead_seconds_sum"), 0.75);
  CAF_CHECK_EQUAL(sample(text, "freerouter_gateway_overhead_seconds_bucket{le=\"0.0001\"}"), 1.0);
  // Fallbacks: 3 calls -> 2, 0 calls -> 0, 1 call -> 0.
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_fallbacks_count"), 3.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_fallbacks_sum"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_fallbacks_bucket{le=\"0\"}"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_request_fallbacks_bucket{le=\"2\"}"), 3.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_requests_exhausted_total"), 1.0);
}

CAF_TEST(first token times go to their own histogram) {
  metrics.observe_first_token(0.25);
  metrics.observe_first_token(12);
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_stream_first_token_seconds_count"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_stream_first_token_seconds_bucket{le=\"0.5\"}"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_stream_first_token_seconds_sum"), 12.25);
}

CAF_TEST(a provider handle exports only the quota windows it sets) {
  auto p = metrics.provider("groq");
  CAF_CHECK(p.enabled());
  p.set_quota(quota_kind::rpm, 29, 30);
  p.set_quota(quota_kind::rpm, 28, 30);
  p.set_quota(quota_kind::tpd, 100, 500000);
  p.set_cooldown_until(1700000000.5);
  p.set_key_failing(true);
  p.observe_upstream_duration(0.3);
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_quota_remaining{kind=\"rpm\",provider=\"groq\"}"), 28.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_quota_limit{kind=\"rpm\",provider=\"groq\"}"), 30.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_quota_remaining{kind=\"tpd\",provider=\"groq\"}"),
                  100.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_quota_remaining"), 2);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_provider_cooldown_until_timestamp_seconds{provider=\"groq\"}"),
    1700000000.5);
  CAF_CHECK_EQUAL(sample(text, "freerouter_provider_key_failing{provider=\"groq\"}"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_upstream_duration_seconds_count{provider=\"groq\"}"),
                  1.0);
  // A second handle for the same provider updates the same series.
  auto again = metrics.provider("groq");
  again.set_key_failing(false);
  again.set_quota(quota_kind::rpm, 10, 30);
  text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_provider_key_failing{provider=\"groq\"}"), 0.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_quota_remaining{kind=\"rpm\",provider=\"groq\"}"), 10.0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_provider_key_failing"), 1);
  again.count_not_persisted();
  again.count_not_persisted();
  text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_quota_not_persisted_total{provider=\"groq\"}"), 2.0);
}

CAF_TEST(a default provider handle ignores every call) {
  provider_metrics p;
  CAF_CHECK(!p.enabled());
  p.set_quota(quota_kind::rpm, 1, 2);
  p.set_cooldown_until(5);
  p.set_key_failing(true);
  p.observe_upstream_duration(1);
  p.count_not_persisted();
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_quota_remaining"), 0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_provider_key_failing"), 0);
}

CAF_TEST(route health is one hot over the four states and follows transitions) {
  auto state = [&](const char* name) {
    return get(std::string{"freerouter_route_health{provider=\"p1\",route_id=\"r1\",state=\""}
               + name + "\"}");
  };
  metrics.set_route_health("p1", "r1", "active");
  CAF_CHECK_EQUAL(state("active"), 1.0);
  CAF_CHECK_EQUAL(state("rate_limited"), 0.0);
  CAF_CHECK_EQUAL(state("too_slow"), 0.0);
  CAF_CHECK_EQUAL(state("potentially_outdated"), 0.0);
  metrics.set_route_health("p1", "r1", "rate_limited");
  CAF_CHECK_EQUAL(state("active"), 0.0);
  CAF_CHECK_EQUAL(state("rate_limited"), 1.0);
  metrics.set_route_health("p1", "r1", "no_such_state");
  for (auto name : {"active", "rate_limited", "too_slow", "potentially_outdated"}) {
    CAF_CHECK_EQUAL(state(name), 0.0);
  }
  CAF_CHECK_EQUAL(count_samples(metrics.serialize(), "freerouter_route_health"), 4);
}

CAF_TEST(forgetting a route drops its health and cooldown series but not other routes) {
  metrics.set_route_health("p1", "r1", "too_slow");
  metrics.set_route_cooldown_until("p1", "r1", 1700000100);
  metrics.set_route_health("p1", "r2", "active");
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_route_cooldown_until_timestamp_seconds{provider=\"p1\","
                               "route_id=\"r1\"}"),
                  1700000100.0);
  metrics.forget_route("p1", "r1");
  metrics.forget_route("p1", "never-seen");
  text = metrics.serialize();
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_route_cooldown_until_timestamp_seconds"), 0);
  CAF_CHECK_EQUAL(count_samples(text, "freerouter_route_health"), 4);
  CAF_CHECK_EQUAL(sample(text, "freerouter_route_health{provider=\"p1\",route_id=\"r2\","
                               "state=\"active\"}"),
                  1.0);
  // A route that comes back is exported again.
  metrics.set_route_health("p1", "r1", "active");
  CAF_CHECK_EQUAL(count_samples(metrics.serialize(), "freerouter_route_health"), 8);
}

CAF_TEST(limiter persistence and diagnosis values are exported as set) {
  metrics.set_limiter_capacity(20);
  metrics.set_limiter_state(7, 3);
  metrics.count_limiter_rejection();
  metrics.count_limiter_rejection();
  metrics.observe_persistence_batch(12, 0.25);
  metrics.observe_persistence_batch(1, 0.5);
  diagnosis_summary partial{diagnosis_result::partial, 4, 1699999990, 1700000000, {}};
  partial.providers.push_back({"groq", 12, 2, 1, 0});
  metrics.record_diagnosis_run(partial);
  metrics.record_diagnosis_run({diagnosis_result::ok, 1, 1700000570, 1700000600, {}});
  metrics.count_diagnosis_auto_applied(2);
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text, "freerouter_limiter_slots"), 20.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_limiter_slots_in_use"), 7.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_limiter_queue_length"), 3.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_limiter_rejections_total"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_persistence_batch_size_count"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_persistence_batch_size_sum"), 13.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_persistence_batch_size_bucket{le=\"10\"}"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_persistence_lag_seconds"), 0.5);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_runs_total{result=\"partial\"}"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_runs_total{result=\"ok\"}"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_runs_total{result=\"failed\"}"), 0.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_suggestions"), 1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_last_run_timestamp_seconds"), 1700000600.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_last_success_timestamp_seconds"),
                  1700000600.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_run_duration_seconds_count"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_run_duration_seconds_sum"), 40.0);
  CAF_CHECK_EQUAL(
    sample(text, "freerouter_diagnosis_models{kind=\"discovered\",provider=\"groq\"}"), 12.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_models{kind=\"new\",provider=\"groq\"}"), 2.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_models{kind=\"stale\",provider=\"groq\"}"),
                  1.0);
  CAF_CHECK_EQUAL(sample(text, "freerouter_diagnosis_auto_applied_total"), 2.0);
}

CAF_TEST(label values are escaped so the exposition stays parseable) {
  metrics.set_route_health("p\"1", "r\\1\nx", "active");
  auto text = metrics.serialize();
  CAF_CHECK_EQUAL(sample(text,
                         "freerouter_route_health{provider=\"p\\\"1\",route_id=\"r\\\\1\\nx\","
                         "state=\"active\"}"),
                  1.0);
}

CAF_TEST(quota kinds and diagnosis results have their label words) {
  CAF_CHECK_EQUAL(std::string{to_string(quota_kind::rpm)}, "rpm");
  CAF_CHECK_EQUAL(std::string{to_string(quota_kind::rpd)}, "rpd");
  CAF_CHECK_EQUAL(std::string{to_string(quota_kind::tpm)}, "tpm");
  CAF_CHECK_EQUAL(std::string{to_string(quota_kind::tpd)}, "tpd");
  CAF_CHECK_EQUAL(std::string{to_string(diagnosis_result::ok)}, "ok");
  CAF_CHECK_EQUAL(std::string{to_string(diagnosis_result::partial)}, "partial");
  CAF_CHECK_EQUAL(std::string{to_string(diagnosis_result::failed)}, "failed");
}

CAF_TEST_FIXTURE_SCOPE_END()
