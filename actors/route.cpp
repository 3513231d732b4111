#include "actors/route.hpp"

#include "metrics/gateway_metrics.hpp"

#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace gw::actors {

namespace {

using route_ptr = route_actor::stateful_pointer<route_state>;

/// Writes the health record and mirrors it into the health gauges (both on changes only).
void persist_health(route_ptr self) {
  auto& st = self->state;
  if (st.metrics != nullptr) {
    st.metrics->set_route_health(st.route.provider_name, st.route.route_id,
                                 catalog::to_string(st.health.status));
    st.metrics->set_route_cooldown_until(st.route.provider_name, st.route.route_id,
                                         static_cast<double>(st.health.rate_limited_until_ms)
                                           / 1000.0);
  }
  if (st.persistence) {
    self->send(st.persistence, atom::persist_v, to_health_record(st.route, st.health));
  }
}

/// Tells the router the route's health as it is now.
void push_snapshot(route_ptr self) {
  auto& st = self->state;
  if (st.listener) {
    self->send(st.listener, atom::health_v,
               route_snapshot{st.route.route_id, st.health, st.applied});
  }
}

/// Applies the outcome of an attempt to the route's health. `own_limits`: the provider's rate
/// limits are per model (rate_limit_scope "model"), so a remaining=0 hint rests this route only.
void apply_outcome(catalog::route_health& health, const std::string& route_id,
                   const attempt_report& report, int64_t now, bool own_limits) {
  using catalog::outcome_kind;
  switch (report.kind) {
  case outcome_kind::success:
    if (report.remaining_exhausted && own_limits) {
      catalog::on_remaining_exhausted(health, now, report.cooldown_until_ms);
    } else {
      catalog::on_success(health, now);
    }
    return;
  case outcome_kind::rate_limited:
    catalog::on_rate_limited(health, route_id, now, report.cooldown_until_ms, report.status);
    return;
  case outcome_kind::timeout:
    catalog::on_timeout(health, route_id, now);
    return;
  case outcome_kind::model_not_found:
    catalog::on_model_not_found(health, now, report.status);
    return;
  default:
    if (!report.reached_provider && report.probe) {
      catalog::on_probe_abandoned(health, now);
    } else {
      catalog::on_other_failure(health, route_id, now);
    }
    return;
  }
}

} // namespace

std::string_view static_skip_reason(const catalog::route& route, const catalog::provider_spec* spec,
                                    int64_t prompt_tokens) {
  if (spec == nullptr) {
    return "unknown_provider";
  }
  if (!spec->configured()) {
    return "missing_api_key";
  }
  auto limit = route.context_window ? route.context_window : spec->max_context_tokens;
  if (limit && prompt_tokens > *limit) {
    return "context_window_exceeded";
  }
  return {};
}

health_record to_health_record(const catalog::route& route, const catalog::route_health& health) {
  health_record r;
  r.route_id = route.route_id;
  r.provider_name = route.provider_name;
  r.model_id = route.model_id;
  r.status = catalog::to_string(health.status);
  r.reason = health.reason;
  r.consecutive_failures = health.consecutive_failures;
  r.rate_limited_until_ms = health.rate_limited_until_ms;
  r.next_probe_at_ms = health.next_probe_at_ms;
  r.updated_ms = health.updated_ms;
  return r;
}

catalog::route_health from_health_record(const health_record& record) {
  catalog::route_health h;
  h.status = catalog::health_status_from(record.status).value_or(catalog::health_status::active);
  h.reason = record.reason;
  h.consecutive_failures = record.consecutive_failures;
  h.rate_limited_until_ms = record.rate_limited_until_ms;
  h.next_probe_at_ms = record.next_probe_at_ms;
  h.updated_ms = record.updated_ms;
  return h;
}

route_actor::behavior_type route(route_actor::stateful_pointer<route_state> self,
                                 catalog::route entry, route_wiring wiring) {
  auto& init = self->state;
  init.route = std::move(entry);
  init.spec = std::move(wiring.spec);
  init.bucket = std::move(wiring.bucket);
  init.persistence = std::move(wiring.persistence);
  init.now = wiring.now ? std::move(wiring.now) : system_wall_clock();
  init.metrics = wiring.metrics;
  if (wiring.restored) {
    init.health = from_health_record(*wiring.restored);
  }
  init.listener = std::move(wiring.listener);
  if (init.metrics != nullptr) {
    init.metrics->set_route_health(init.route.provider_name, init.route.route_id,
                                   catalog::to_string(init.health.status));
  }
  push_snapshot(self);
  return {
    [self](atom::acquire, const attempt_request& req) -> caf::result<route_ticket> {
      auto& st = self->state;
      if (auto reason = static_skip_reason(st.route, st.spec.get(), req.prompt_tokens);
          !reason.empty()) {
        return route_ticket{false, std::string(reason), 0, false, 0, 0};
      }
      auto verdict = catalog::evaluate(st.health, st.now(), req.probe_allowed);
      if (verdict.probe) {
        push_snapshot(self); // the probe is now in flight: others must skip the route
      }
      if (!verdict.usable) {
        return route_ticket{false, std::string(verdict.skip_reason), verdict.retry_at_ms, false, 0,
                            0};
      }
      if (!st.bucket) {
        return route_ticket{true, {}, 0, verdict.probe, 0, 0};
      }
      // The bucket answers the router directly: one hop less on the hot path, and no reply
      // promise here that a catalog edit (which stops this actor) could strand. A probe the
      // quota denies comes back to this route from the router as an abandoned probe.
      if (verdict.probe) {
        return self->delegate(st.bucket, atom::reserve_v, req.total_tokens, true);
      }
      return self->delegate(st.bucket, atom::reserve_v, req.total_tokens);
    },
    [self](atom::report, const attempt_report& report) {
      auto& st = self->state;
      auto before = to_health_record(st.route, st.health);
      bool own_limits = st.spec && st.spec->scope == catalog::rate_limit_scope::model;
      apply_outcome(st.health, st.route.route_id, report, st.now(), own_limits);
      ++st.applied;
      auto after = to_health_record(st.route, st.health);
      if (before.status != after.status || before.consecutive_failures != after.consecutive_failures
          || before.next_probe_at_ms != after.next_probe_at_ms || before.reason != after.reason) {
        persist_health(self);
      }
      push_snapshot(self);
    },
    [self](caf::get_atom, atom::health) {
      return to_health_record(self->state.route, self->state.health);
    },
    [self](atom::clear, atom::health) {
      auto& st = self->state;
      catalog::clear(st.health, st.now());
      ++st.applied;
      persist_health(self);
      push_snapshot(self);
      return to_health_record(st.route, st.health);
    },
    [self](atom::update, catalog::route& config) { self->state.route = std::move(config); },
  };
}

} // namespace gw::actors
