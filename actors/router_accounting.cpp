// What the router does once an attempt ended: tell each owner what it needs to know, and no
// more. A success on a healthy route of an unlimited provider costs no message of its own: it
// joins the usage batches, which go out once per usage_batch_delay.
#include "actors/router_internal.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gw::actors::detail {

namespace {

/// A route whose health a success would not change (on_success only resets what is set).
bool pristine(const route_view& view) {
  const auto& h = view.health;
  return view.current() && h.status == catalog::health_status::active && h.consecutive_failures == 0
         && !h.probe_in_flight && h.reason.empty();
}

void arm_flush(router_ptr self) {
  auto& st = self->state;
  if (!st.flush_armed) {
    st.flush_armed = true;
    self->delayed_send(self, st.settings.usage_batch_delay, atom::tick_v);
  }
}

usage_event usage_of(const catalog::route_ref& route, const attempt_report& report,
                     int64_t now_ms) {
  usage_event event;
  event.route_id = route.route_id;
  event.provider_name = route.provider_name;
  event.model_id = route.model_id;
  event.outcome = catalog::to_string(report.kind);
  event.status_code = report.status;
  event.prompt_tokens = report.prompt_tokens;
  event.completion_tokens = report.completion_tokens;
  event.total_tokens = report.total_tokens;
  event.latency_ms = report.latency_ms;
  event.at_ms = now_ms;
  return event;
}

/// The quota bucket's part. The reconcile of a reservation goes straight to the bucket, before
/// the router asks the next route: a provider-wide cooldown or a failing key from this answer
/// then reaches the bucket before any later reservation of this request.
void account_quota(router_ptr self, provider_view& provider, const route_ticket& ticket,
                   const attempt_report& report) {
  if (!provider.bucket) {
    return;
  }
  if (ticket.from_snapshot) {
    if (report.reached_provider) {
      bool usage_known = report.total_tokens > 0 || report.prompt_tokens > 0;
      provider.unreported.requests += 1;
      provider.unreported.tokens += usage_known ? report.total_tokens : ticket.reserved_tokens;
      arm_flush(self);
    }
    // Only a failure or a remaining=0 hint (scope "provider") can change what the bucket grants.
    bool provider_wide =
      provider.spec && provider.spec->scope == catalog::rate_limit_scope::provider;
    if (report.kind == catalog::outcome_kind::success
        && !(report.remaining_exhausted && provider_wide)) {
      return;
    }
  }
  ++provider.sent;
  self->send(provider.bucket, atom::reconcile_v, report);
}

} // namespace

void report_to_route(router_ptr self, const std::string& route_id, const attempt_report& report) {
  auto& routes = self->state.routes;
  if (auto it = routes.find(route_id); it != routes.end()) {
    ++it->second.sent;
    self->send(it->second.handle, atom::report_v, report);
  }
}

void account(router_ptr self, const catalog::route_ref& route, const route_ticket& ticket,
             const attempt_report& report, std::string_view attempt_label) {
  auto& st = self->state;
  if (auto it = st.providers.find(route.provider_name); it != st.providers.end()) {
    account_quota(self, it->second, ticket, report);
  }
  auto view = st.routes.find(route.route_id);
  bool health_unchanged = report.kind == catalog::outcome_kind::success && !ticket.probe
                          && !report.remaining_exhausted && view != st.routes.end()
                          && pristine(view->second);
  if (!health_unchanged) {
    report_to_route(self, route.route_id, report);
  }
  if (report.reached_provider && st.wiring.persistence) {
    st.unsaved_usage.push_back(usage_of(route, report, st.wiring.now()));
    arm_flush(self);
  }
  if (attempt_label.empty()) {
    return;
  }
  bool success = report.kind == catalog::outcome_kind::success;
  if (success && view != st.routes.end()
      && attempt_label == catalog::to_string(catalog::outcome_kind::success)) {
    st.counters.count_success(view->second.served, route.provider_name, route.route_id,
                              report.prompt_tokens, report.completion_tokens);
    return;
  }
  st.counters.count_attempt(route.provider_name, route.route_id, attempt_label);
  if (success) {
    st.counters.count_tokens(route.provider_name, route.route_id, report.prompt_tokens,
                             report.completion_tokens);
  }
}

void flush_usage(router_ptr self) {
  auto& st = self->state;
  st.flush_armed = false;
  for (auto& [name, provider] : st.providers) {
    if (provider.unreported.requests > 0 || provider.unreported.tokens > 0) {
      self->send(provider.bucket, atom::usage_v, provider.unreported);
      provider.unreported = {};
    }
  }
  if (!st.unsaved_usage.empty()) {
    std::vector<usage_event> batch;
    batch.swap(st.unsaved_usage);
    // The next batch is likely as big: its vector grows once, not by doubling again.
    st.unsaved_usage.reserve(batch.size());
    self->send(st.wiring.persistence, atom::persist_v, std::move(batch));
  }
}

} // namespace gw::actors::detail
