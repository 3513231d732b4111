#include "actors/router.hpp"

#include "actors/route.hpp"
#include "actors/router_internal.hpp"
#include "actors/waterfall_replies.hpp"
#include "catalog/failure_classifier.hpp"
#include "catalog/rate_limit_hints.hpp"
#include "catalog/usage.hpp"
#include "http/openai/chat_payload.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace gw::actors {

namespace detail {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

int64_t wall_ms() {
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

milliseconds remaining(const chat_job& job) {
  auto left = duration_cast<milliseconds>(job.deadline - std::chrono::steady_clock::now());
  return std::max(left, milliseconds{0});
}

void spawn_route(router_ptr self, const catalog::route& r) {
  auto& wiring = self->state.wiring;
  route_wiring rw;
  if (auto it = wiring.specs.find(r.provider_name); it != wiring.specs.end()) {
    rw.spec = it->second;
  }
  if (auto it = wiring.buckets.find(r.provider_name); it != wiring.buckets.end()) {
    rw.bucket = it->second;
  }
  rw.persistence = wiring.persistence;
  rw.now = wiring.now;
  rw.metrics = wiring.metrics;
  if (auto it = wiring.restored_health.find(r.route_id); it != wiring.restored_health.end()) {
    // A restored record only applies to the same provider model (ids can be reused).
    if (it->second.provider_name == r.provider_name && it->second.model_id == r.model_id) {
      rw.restored = it->second;
    }
    wiring.restored_health.erase(it);
  }
  self->state.routes[r.route_id] = self->spawn<caf::linked>(route, r, std::move(rw));
  self->state.route_providers[r.route_id] = r.provider_name;
}

/// Answers the job and observes its timing (total, upstream share, fallbacks).
void finish(router_ptr self, const chat_job_ptr& job, chat_reply reply) {
  if (auto* m = self->state.wiring.metrics) {
    metrics::request_timing timing;
    timing.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - job->started).count();
    timing.upstream_seconds = std::chrono::duration<double>(job->upstream_time).count();
    timing.upstream_calls = job->upstream_calls;
    timing.exhausted = reply.status == 503;
    timing.stream = job->relay != nullptr;
    m->observe_request(timing);
  }
  job->finish(std::move(reply));
}

void record(chat_job& job, const candidate& c, std::string status, std::string reason,
            int status_code) {
  job.attempts.push_back(
    {c.provider_name, std::move(status), std::move(reason), status_code, c.route_id, c.model_id});
}

void try_route(router_ptr self, const chat_job_ptr& job, size_t index);

/// Route progress for the observers of a job: the stream-route client and the live monitor.
void notify(const chat_job_ptr& job, std::string_view type, const candidate& cand,
            std::string_view reason) {
  if (job->relay) {
    job->relay->route_event(type, cand, reason);
  }
  if (job->on_route_event) {
    job->on_route_event(type, cand, reason);
  }
}

/// Tells the quota bucket and the route how an attempt ended. The reconcile goes straight to
/// the bucket, before the router asks the next route: a provider-wide cooldown or a failing
/// key from this answer then reaches the bucket before any later reservation of this request.
void send_report(router_ptr self, const candidate& cand, const attempt_report& report) {
  auto& st = self->state;
  if (auto it = st.wiring.buckets.find(cand.provider_name); it != st.wiring.buckets.end()) {
    self->send(it->second, atom::reconcile_v, report);
  }
  if (auto it = st.routes.find(cand.route_id); it != st.routes.end()) {
    self->send(it->second, atom::report_v, report);
  }
}

void on_upstream_result(router_ptr self, const chat_job_ptr& job, size_t index,
                        const route_ticket& ticket, upstream::upstream_result& result,
                        bool deadline_clipped) {
  const auto& cand = job->candidates[index];
  if (result.failure == upstream::transport_failure::cancelled && job->cancelled()) {
    // The client left: no health verdict on the route, its quota and probe are released.
    attempt_report abandoned;
    abandoned.kind = catalog::outcome_kind::transport_error;
    abandoned.reached_provider = false;
    abandoned.probe = ticket.probe;
    abandoned.reserved_tokens = ticket.reserved_tokens;
    abandoned.reservation_id = ticket.reservation_id;
    send_report(self, cand, abandoned);
    return;
  }
  job->upstream_time += result.elapsed;
  auto outcome = catalog::classify(result);
  if (outcome.kind == catalog::outcome_kind::success && job->require_content) {
    rapidjson::Document body;
    body.Parse<rapidjson::kParseIterativeFlag>(result.body.data(), result.body.size());
    if (!openai::has_assistant_content(body)) {
      outcome.kind = catalog::outcome_kind::malformed_response;
      outcome.reason = "empty_assistant_response";
    }
  }
  attempt_report report;
  report.kind = outcome.kind;
  if (deadline_clipped && outcome.kind == catalog::outcome_kind::timeout) {
    report.kind = catalog::outcome_kind::transport_error; // not a health verdict
  }
  report.status = result.status;
  report.reached_provider = result.ok() || result.failure == upstream::transport_failure::timeout;
  report.probe = ticket.probe;
  report.reserved_tokens = ticket.reserved_tokens;
  report.reservation_id = ticket.reservation_id;
  report.latency_ms = duration_cast<milliseconds>(result.elapsed).count();
  if (result.ok()) {
    // Read by classify() from the same parse that validated the body: no second parse.
    const auto& usage = outcome.usage;
    report.prompt_tokens = usage.prompt_tokens;
    report.completion_tokens = usage.completion_tokens;
    report.total_tokens = usage.total_tokens;
    if (auto until = catalog::cooldown_from_hints(result.headers, result.body,
                                                  std::chrono::system_clock::now())) {
      report.cooldown_until_ms = duration_cast<milliseconds>(until->time_since_epoch()).count();
    }
    report.remaining_exhausted = catalog::remaining_exhausted(result.headers);
  }
  send_report(self, cand, report);
  auto& counters = self->state.counters;
  counters.count_attempt(cand.provider_name, cand.route_id, catalog::to_string(outcome.kind));
  if (outcome.kind == catalog::outcome_kind::success) {
    counters.count_tokens(cand.provider_name, cand.route_id, report.prompt_tokens,
                          report.completion_tokens);
    record(*job, cand, "selected", {}, result.status);
    finish(self, job, success_reply(*job, cand, std::move(result.body)));
    return;
  }
  if (!outcome.fall_through) {
    record(*job, cand, "failed", outcome.reason, result.status);
    finish(self, job, caller_error_reply(*job, cand, result.status, result.body));
    return;
  }
  auto status = outcome.kind == catalog::outcome_kind::rate_limited ? "rate_limited" : "failed";
  record(*job, cand, status, outcome.reason, result.ok() ? result.status : 0);
  notify(job, "route_fail", cand, outcome.reason);
  try_route(self, job, index + 1);
}

void call_provider(router_ptr self, const chat_job_ptr& job, size_t index,
                   const route_ticket& ticket) {
  const auto& cand = job->candidates[index];
  auto& st = self->state;
  auto provider = st.wiring.providers.find(cand.provider_name);
  auto spec = st.wiring.specs.find(cand.provider_name);
  if (provider == st.wiring.providers.end() || spec == st.wiring.specs.end()) {
    record(*job, cand, "skipped", "unknown_provider", 0);
    try_route(self, job, index + 1);
    return;
  }
  upstream::upstream_request req;
  req.path = "/chat/completions";
  req.body = openai::build_upstream_body(job->request, cand.provider_name, cand.model_id, false);
  req.cancel = job->upstream_cancel;
  auto attempt_timeout =
    spec->second->timeout_seconds
      ? milliseconds{static_cast<int64_t>(*spec->second->timeout_seconds * 1000)}
      : st.settings.attempt_timeout;
  req.timeout = std::min(attempt_timeout, remaining(*job));
  // A timeout caused by the request's own deadline says nothing about the route's speed.
  bool clipped = req.timeout < attempt_timeout;
  ++job->upstream_calls;
  notify(job, "route_trying", cand, {});
  // No CAF timeout: the transport always completes the call within req.timeout, and a dead
  // provider actor answers with an error at once. (Every finite CAF timeout is a round trip
  // through CAF's clock thread; dropping the two per request gave +20% requests/s, bench/.)
  self->request(provider->second, caf::infinite, atom::call_v, std::move(req))
    .then(
      [self, job, index, ticket, clipped](upstream::upstream_result& result) {
        on_upstream_result(self, job, index, ticket, result, clipped);
      },
      [self, job, index, ticket](caf::error&) {
        upstream::upstream_result lost;
        lost.failure = upstream::transport_failure::timeout;
        lost.detail = "provider actor did not answer";
        on_upstream_result(self, job, index, ticket, lost, false);
      });
}

void on_stream_result(router_ptr self, const chat_job_ptr& job, size_t index,
                      stream_outcome& outcome) {
  const auto& cand = job->candidates[index];
  job->upstream_time += outcome.elapsed;
  attempt_report report;
  report.kind = outcome.kind;
  report.status = outcome.status;
  // A client that left before commit: release the quota and the probe.
  report.reached_provider =
    outcome.reached_provider && !(outcome.client_gone && !outcome.committed);
  report.probe = job->stream_probe;
  report.reserved_tokens = job->stream_reserved_tokens;
  report.reservation_id = job->stream_reservation_id;
  report.prompt_tokens = outcome.usage.prompt_tokens;
  report.completion_tokens = outcome.usage.completion_tokens;
  report.total_tokens = outcome.usage.total_tokens;
  report.cooldown_until_ms = outcome.cooldown_until_ms;
  report.remaining_exhausted = outcome.remaining_exhausted;
  report.latency_ms = duration_cast<milliseconds>(outcome.elapsed).count();
  send_report(self, cand, report);
  auto& counters = self->state.counters;
  counters.count_attempt(cand.provider_name, cand.route_id,
                         outcome.reason.empty() ? catalog::to_string(outcome.kind)
                                                : outcome.reason);
  if (outcome.committed) {
    counters.count_tokens(cand.provider_name, cand.route_id, outcome.usage.prompt_tokens,
                          outcome.usage.completion_tokens);
    record(*job, cand, "selected", {}, outcome.status);
    finish(self, job, chat_reply{200, {}, {}});
    return;
  }
  if (outcome.client_gone || job->cancelled()) {
    job->cancel();
    return;
  }
  if (outcome.kind == catalog::outcome_kind::caller_error) {
    record(*job, cand, "failed", "caller_error", outcome.status);
    finish(self, job, caller_error_reply(*job, cand, outcome.status, outcome.error_body));
    return;
  }
  auto status = outcome.kind == catalog::outcome_kind::rate_limited ? "rate_limited" : "failed";
  record(*job, cand, status, outcome.reason, outcome.status);
  notify(job, "route_fail", cand, outcome.reason);
  try_route(self, job, index + 1);
}

void call_stream(router_ptr self, const chat_job_ptr& job, size_t index,
                 const route_ticket& ticket) {
  const auto& cand = job->candidates[index];
  auto& st = self->state;
  auto provider = st.wiring.providers.find(cand.provider_name);
  if (provider == st.wiring.providers.end()) {
    record(*job, cand, "skipped", "unknown_provider", 0);
    try_route(self, job, index + 1);
    return;
  }
  upstream::upstream_request req;
  req.path = "/chat/completions";
  req.body = openai::build_upstream_body(job->request, cand.provider_name, cand.model_id, true);
  // Bounds connect + head and then every single read (the idle timeout between chunks); not
  // clipped to the request deadline, which bounds the waterfall (until commit) only.
  req.timeout = st.settings.stream_idle_timeout;
  req.cancel = job->upstream_cancel;
  ++job->upstream_calls;
  job->stream_reservation_id = ticket.reservation_id;
  job->stream_reserved_tokens = ticket.reserved_tokens;
  job->stream_probe = ticket.probe;
  notify(job, "route_trying", cand, {});
  job->relay->begin_attempt(index, cand, job->upstream_calls);
  st.active_streams[job.get()] = job;
  self->send(provider->second, atom::open_stream_v, std::move(req), job->relay);
}

void try_route(router_ptr self, const chat_job_ptr& job, size_t index) {
  if (job->cancelled() || job->finished()) {
    return;
  }
  if (index >= job->candidates.size()) {
    finish(self, job, exhausted_reply(*job, wall_ms()));
    return;
  }
  if (remaining(*job).count() == 0) {
    finish(self, job, deadline_reply(*job, self->state.settings.deadline.count()));
    return;
  }
  const auto& cand = job->candidates[index];
  auto it = self->state.routes.find(cand.route_id);
  if (it == self->state.routes.end()) {
    // Removed by a catalog edit while this request was under way.
    record(*job, cand, "skipped", "route_removed", 0);
    try_route(self, job, index + 1);
    return;
  }
  const auto& probed = job->probed_providers;
  bool probe_allowed = std::find(probed.begin(), probed.end(), cand.provider_name) == probed.end();
  attempt_request ask{job->request.prompt_estimate, job->request.total_estimate(), probe_allowed};
  // No CAF timeout: a route (or the bucket it delegates to) always answers at once or after
  // a bounded persistence write, and a removed route answers with an error.
  self->request(it->second, caf::infinite, atom::acquire_v, ask)
    .then(
      [self, job, index](route_ticket& ticket) {
        if (ticket.probe) {
          job->probed_providers.push_back(job->candidates[index].provider_name);
        }
        if (!ticket.granted && ticket.probe) {
          // The route handed out its probe but the quota said no: free the probe.
          attempt_report abandoned;
          abandoned.kind = catalog::outcome_kind::transport_error;
          abandoned.reached_provider = false;
          abandoned.probe = true;
          auto& routes = self->state.routes;
          if (auto pos = routes.find(job->candidates[index].route_id); pos != routes.end()) {
            self->send(pos->second, atom::report_v, abandoned);
          }
        }
        if (!ticket.granted) {
          const auto& c = job->candidates[index];
          self->state.counters.count_skip(c.provider_name, c.route_id, ticket.skip_reason);
          record(*job, c, "skipped", ticket.skip_reason, 0);
          notify(job, "route_skip", c, ticket.skip_reason);
          if (ticket.retry_at_ms > 0
              && (job->earliest_retry_ms == 0 || ticket.retry_at_ms < job->earliest_retry_ms)) {
            job->earliest_retry_ms = ticket.retry_at_ms;
          }
          try_route(self, job, index + 1);
          return;
        }
        if (job->relay) {
          call_stream(self, job, index, ticket);
        } else {
          call_provider(self, job, index, ticket);
        }
      },
      [self, job, index](caf::error&) {
        record(*job, job->candidates[index], "skipped", "route_unavailable", 0);
        try_route(self, job, index + 1);
      });
}

} // namespace

void run_waterfall(router_ptr self, const chat_job_ptr& job) {
  auto& st = self->state;
  auto chosen = st.catalog->candidates(job->request.model, st.settings.alias, job->required_tag);
  job->candidates.reserve(chosen.size());
  for (const auto* r : chosen) {
    job->candidates.push_back({r->route_id, r->provider_name, r->model_id});
  }
  try_route(self, job, 0);
}

void sync_routes(router_ptr self) {
  auto& st = self->state;
  std::unordered_map<std::string, route_actor> kept;
  for (const auto& r : st.catalog->all()) {
    auto it = st.routes.find(r.route_id);
    if (it != st.routes.end() && st.route_providers[r.route_id] != r.provider_name) {
      // Same id, another provider: a different route (spec, bucket, health). Start afresh.
      self->send_exit(it->second, caf::exit_reason::user_shutdown);
      st.routes.erase(it);
      it = st.routes.end();
    }
    if (it == st.routes.end()) {
      spawn_route(self, r);
      kept[r.route_id] = st.routes[r.route_id];
      continue;
    }
    self->send(it->second, atom::update_v, r);
    kept[r.route_id] = it->second;
  }
  for (auto& [id, handle] : st.routes) {
    if (kept.count(id) == 0) {
      self->send_exit(handle, caf::exit_reason::user_shutdown);
      if (auto* m = st.wiring.metrics) {
        // Removed routes drop their health gauges; their counters are history and stay.
        m->forget_route(st.route_providers[id], id);
      }
      st.route_providers.erase(id);
    }
  }
  st.routes = std::move(kept);
}

} // namespace detail

using namespace detail;

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   catalog::model_catalog catalog, router_wiring wiring,
                                   router_settings settings) {
  auto& st = self->state;
  st.catalog = std::make_unique<catalog::model_catalog>(std::move(catalog));
  st.wiring = std::move(wiring);
  st.settings = std::move(settings);
  if (st.wiring.metrics != nullptr) {
    st.counters = metrics::waterfall_metrics(*st.wiring.metrics);
  }
  for (const auto& r : st.catalog->all()) {
    spawn_route(self, r);
  }
  return {
    [self](atom::dispatch, chat_job_ptr& job) { run_waterfall(self, job); },
    [self](atom::stream_done, chat_job_ptr& job, uint64_t index, stream_outcome& outcome) {
      self->state.active_streams.erase(job.get());
      if (index < job->candidates.size()) {
        on_stream_result(self, job, static_cast<size_t>(index), outcome);
      }
    },
    [self](atom::list_models) {
      auto created = wall_ms() / 1000;
      return model_list_json(*self->state.catalog, self->state.settings.alias, created);
    },
    [self](atom::catalog) { return catalog_view(self); },
    [self](atom::replace, const std::string& body) { return replace_catalog(self, body); },
    [self](atom::reset) { return reset_catalog(self); },
    [self](atom::auto_rank) { return auto_rank_catalog(self); },
    [self](atom::enable, const std::string& route_id, bool enabled) {
      return set_route_enabled(self, route_id, enabled);
    },
    [self](atom::clear, atom::health, const std::string& route_id) {
      return reset_route_health(self, route_id);
    },
    [self](atom::providers) { return providers_status(self); },
    [self](atom::summary) { return route_summary(self); },
  };
}

} // namespace gw::actors
