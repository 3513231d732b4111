#include "metrics/gateway_metrics.hpp"

#include "metrics/families.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>
#include <exception>

namespace gw::metrics {

const char* to_string(quota_kind kind) {
  switch (kind) {
  case quota_kind::rpm:
    return "rpm";
  case quota_kind::rpd:
    return "rpd";
  case quota_kind::tpm:
    return "tpm";
  case quota_kind::tpd:
    return "tpd";
  }
  return "rpm";
}

const char* to_string(diagnosis_result result) {
  switch (result) {
  case diagnosis_result::ok:
    return "ok";
  case diagnosis_result::partial:
    return "partial";
  case diagnosis_result::failed:
    return "failed";
  }
  return "failed";
}

// -- http_endpoint_counters ---------------------------------------------------------------------

http_endpoint_counters::http_endpoint_counters(prometheus::Family<prometheus::Counter>& family,
                                               std::string endpoint)
    : family_(&family), endpoint_(std::move(endpoint)) {}

void http_endpoint_counters::count(int status) noexcept {
  const bool known = status >= first_code && status <= last_code;
  auto& slot = by_code_[known ? status - first_code : by_code_.size() - 1];
  auto* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // First answer with this code: Family::Add locks, and returns the same counter to every
    // thread that races here, so publishing it twice is harmless.
    try {
      counter = &family_->Add(
        {{"endpoint", endpoint_}, {"code", known ? std::to_string(status) : "other"}});
    } catch (const std::exception&) {
      return; // only bad_alloc can get here: losing one count beats crashing a handler
    }
    slot.store(counter, std::memory_order_release);
  }
  counter->Increment();
}

// -- provider_metrics ---------------------------------------------------------------------------

void provider_metrics::set_quota(quota_kind kind, double remaining, double limit) {
  if (families_ == nullptr) {
    return;
  }
  auto index = static_cast<size_t>(kind);
  if (remaining_[index] == nullptr) {
    prometheus::Labels labels{{"provider", provider_}, {"kind", to_string(kind)}};
    remaining_[index] = &families_->quota_remaining.Add(labels);
    limit_[index] = &families_->quota_limit.Add(labels);
  }
  remaining_[index]->Set(remaining);
  limit_[index]->Set(limit);
}

void provider_metrics::set_cooldown_until(double unix_seconds) noexcept {
  if (cooldown_ != nullptr) {
    cooldown_->Set(unix_seconds);
  }
}

void provider_metrics::set_key_failing(bool failing) noexcept {
  if (key_failing_ != nullptr) {
    key_failing_->Set(failing ? 1 : 0);
  }
}

void provider_metrics::count_not_persisted() noexcept {
  if (not_persisted_ != nullptr) {
    not_persisted_->Increment();
  }
}

void provider_metrics::observe_upstream_duration(double seconds) noexcept {
  if (upstream_ != nullptr) {
    upstream_->observe(seconds);
  }
}

// -- gateway_metrics ----------------------------------------------------------------------------

gateway_metrics::gateway_metrics() : families_(std::make_unique<families>()) {}

gateway_metrics::~gateway_metrics() = default;

std::string gateway_metrics::serialize() const {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_->all.size());
  for (const auto& entry : families_->all) {
    auto collected = entry.source->Collect();
    if (collected.empty()) {
      // prometheus-cpp drops families without series; list them anyway, so that dashboards and
      // their checks find every name before the first event of its kind.
      out.push_back({entry.name, entry.help, entry.type, {}});
    } else {
      for (auto& family : collected) {
        out.push_back(std::move(family));
      }
    }
  }
  return prometheus::TextSerializer{}.Serialize(out);
}

http_endpoint_counters& gateway_metrics::http_endpoint(std::string_view endpoint) {
  std::lock_guard<std::mutex> guard{endpoints_mutex_};
  if (auto i = endpoints_.find(endpoint); i != endpoints_.end()) {
    return *i->second;
  }
  auto counters =
    std::make_unique<http_endpoint_counters>(families_->http_requests, std::string{endpoint});
  auto& ref = *counters;
  endpoints_.emplace(std::string{endpoint}, std::move(counters));
  return ref;
}

void gateway_metrics::observe_request(const request_timing& timing) noexcept {
  auto& f = *families_;
  (timing.stream ? f.duration_stream : f.duration_complete).observe(timing.total_seconds);
  f.overhead.observe(std::max(0.0, timing.total_seconds - timing.upstream_seconds));
  f.fallbacks.observe(std::max(0, timing.upstream_calls - 1));
  if (timing.exhausted) {
    f.exhausted.Increment();
  }
}

void gateway_metrics::observe_first_token(double seconds) noexcept {
  families_->first_token.observe(seconds);
}

provider_metrics gateway_metrics::provider(std::string_view provider_name) {
  provider_metrics m;
  m.families_ = families_.get();
  m.provider_ = std::string{provider_name};
  const prometheus::Labels labels{{"provider", m.provider_}};
  m.cooldown_ = &families_->provider_cooldown_until.Add(labels);
  m.key_failing_ = &families_->provider_key_failing.Add(labels);
  m.not_persisted_ = &families_->quota_not_persisted.Add(labels);
  m.upstream_ = &families_->upstream_duration.add(labels);
  return m;
}

void gateway_metrics::set_route_health(std::string_view provider, std::string_view route_id,
                                       std::string_view state) {
  prometheus::Labels labels{{"provider", std::string{provider}},
                            {"route_id", std::string{route_id}}};
  for (auto name : route_health_states) {
    labels["state"] = std::string{name};
    families_->route_health.Add(labels).Set(name == state ? 1 : 0);
  }
}

void gateway_metrics::set_route_cooldown_until(std::string_view provider, std::string_view route_id,
                                               double unix_seconds) {
  families_->route_cooldown_until
    .Add({{"provider", std::string{provider}}, {"route_id", std::string{route_id}}})
    .Set(unix_seconds);
}

void gateway_metrics::forget_route(std::string_view provider, std::string_view route_id) {
  prometheus::Labels labels{{"provider", std::string{provider}},
                            {"route_id", std::string{route_id}}};
  auto& cooldown = families_->route_cooldown_until;
  if (cooldown.Has(labels)) {
    cooldown.Remove(&cooldown.Add(labels));
  }
  auto& health = families_->route_health;
  for (auto name : route_health_states) {
    labels["state"] = std::string{name};
    if (health.Has(labels)) {
      health.Remove(&health.Add(labels));
    }
  }
}

void gateway_metrics::set_limiter_capacity(std::size_t slots) noexcept {
  families_->slots.Set(static_cast<double>(slots));
}

void gateway_metrics::set_limiter_state(std::size_t slots_in_use,
                                        std::size_t queue_length) noexcept {
  families_->slots_in_use.Set(static_cast<double>(slots_in_use));
  families_->queue_length.Set(static_cast<double>(queue_length));
}

void gateway_metrics::count_limiter_rejection() noexcept {
  families_->rejections.Increment();
}

void gateway_metrics::observe_persistence_batch(std::size_t writes, double lag_seconds) noexcept {
  families_->batch_size.observe(static_cast<double>(writes));
  families_->lag.Set(lag_seconds);
}

void gateway_metrics::record_diagnosis_run(const diagnosis_summary& run) {
  auto& f = *families_;
  switch (run.result) {
  case diagnosis_result::ok:
    f.diagnosis_ok.Increment();
    f.diagnosis_success_at.Set(run.finished_unix_seconds);
    break;
  case diagnosis_result::partial:
    f.diagnosis_partial.Increment();
    break;
  case diagnosis_result::failed:
    f.diagnosis_failed.Increment();
    break;
  }
  f.suggestions.Set(static_cast<double>(run.suggestions));
  f.diagnosis_at.Set(run.finished_unix_seconds);
  f.diagnosis_seconds.observe(std::max(0.0, run.finished_unix_seconds - run.started_unix_seconds));
  for (const auto& p : run.providers) {
    auto set = [&f, &p](const char* kind, int64_t value) {
      f.diagnosis_models.Add({{"provider", p.provider}, {"kind", kind}})
        .Set(static_cast<double>(value));
    };
    set("discovered", p.discovered);
    set("new", p.added);
    set("stale", p.stale);
    set("recovered", p.recovered);
  }
}

void gateway_metrics::set_diagnosis_suggestions(std::size_t pending) noexcept {
  families_->suggestions.Set(static_cast<double>(pending));
}

void gateway_metrics::count_diagnosis_auto_applied(std::size_t applied) noexcept {
  families_->auto_applied.Increment(static_cast<double>(applied));
}

} // namespace gw::metrics
