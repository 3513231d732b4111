// Puts at least one series into every family of gateway_metrics, with realistic values. Used by
// the unit tests and by metrics-dump, whose output promtool lints and the deploy checks read.
#pragma once

#include "metrics/gateway_metrics.hpp"
#include "metrics/waterfall_metrics.hpp"

namespace gw::metrics::test {

inline void populate(gateway_metrics& m, waterfall_metrics& w) {
  auto& chat = m.http_endpoint("/v1/chat/completions");
  chat.count(200);
  chat.count(200);
  chat.count(429);
  chat.count(503);
  m.http_endpoint("unmatched").count(404);

  w.count_attempt("p1", "r1", "provider_5xx");
  w.count_attempt("p2", "r2", "success");
  w.count_attempt("p1", "r1", "rate_limited");
  w.count_skip("p1", "r1", "route_rate_limited");
  w.count_skip("p3", "r3", "missing_api_key");
  w.count_tokens("p2", "r2", 120, 30);

  m.observe_request({0.8, 0.75, 2, false, false});
  m.observe_request({1.5, 1.49, 1, true, false});
  m.observe_request({0.01, 0.0, 0, false, true});
  m.observe_first_token(0.4);

  auto p1 = m.provider("p1");
  p1.set_quota(quota_kind::rpm, 28, 30);
  p1.set_quota(quota_kind::rpd, 990, 1000);
  p1.set_cooldown_until(1.7e9);
  p1.set_key_failing(false);
  p1.observe_upstream_duration(0.7);
  auto p2 = m.provider("p2");
  p2.set_quota(quota_kind::tpm, 1000, 60000);
  p2.set_quota(quota_kind::tpd, 5000, 1000000);
  p2.observe_upstream_duration(1.2);

  m.set_route_health("p1", "r1", "rate_limited");
  m.set_route_health("p2", "r2", "active");
  m.set_route_cooldown_until("p1", "r1", 1.7e9);

  m.set_limiter_capacity(20);
  m.set_limiter_state(3, 1);
  m.count_limiter_rejection();

  m.observe_persistence_batch(12, 0.02);
  diagnosis_summary run{diagnosis_result::ok, 2, 1.7e9 - 30, 1.7e9, {}};
  run.providers.push_back({"p1", 5, 1, 1, 0});
  m.record_diagnosis_run(run);
  m.count_diagnosis_auto_applied(1);
}

} // namespace gw::metrics::test
