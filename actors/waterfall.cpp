// The waterfall (reference §7, contract §6): walk the candidates in rank order, skip what may
// not be tried, call the first route granted, fall through on retryable failures.
#include "actors/route.hpp"
#include "actors/router_internal.hpp"
#include "actors/stream_sink.hpp"
#include "actors/upstream_call.hpp"
#include "http/openai/chat_payload.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace gw::actors::detail {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

milliseconds remaining(const chat_job& job) {
  auto left = duration_cast<milliseconds>(job.deadline - std::chrono::steady_clock::now());
  return std::max(left, milliseconds{0});
}

void try_route(router_ptr self, const chat_job_ptr& job, size_t index);

/// REQUEST_TIMEOUT_SECONDS, or the provider's own timeout_seconds.
milliseconds attempt_timeout_of(const router_settings& settings,
                                const catalog::provider_spec& spec) {
  return spec.timeout_seconds ? milliseconds{static_cast<int64_t>(*spec.timeout_seconds * 1000)}
                              : settings.attempt_timeout;
}

/// The router's own answers (exhausted, deadline, a caller error of a stream).
void finish(router_ptr self, const chat_job_ptr& job, chat_outcome outcome) {
  finish_job(self->state.wiring.metrics, *job, std::move(outcome));
}

/// Keeps the earliest instant a route of this request becomes usable again (Retry-After).
void note_retry_at(chat_job& job, int64_t retry_at_ms) {
  if (retry_at_ms > 0 && (job.earliest_retry_ms == 0 || retry_at_ms < job.earliest_retry_ms)) {
    job.earliest_retry_ms = retry_at_ms;
  }
}

void skip(router_ptr self, const chat_job_ptr& job, size_t index, std::string_view reason,
          int64_t retry_at_ms) {
  const auto& c = *job->candidates[index];
  self->state.counters.count_skip(c.provider_name, c.route_id, reason);
  record_attempt(*job, index, "skipped", reason, 0);
  notify_route(*job, "route_skip", job->candidates[index], reason);
  note_retry_at(*job, retry_at_ms);
  try_route(self, job, index + 1);
}

void call_provider(router_ptr self, const chat_job_ptr& job, size_t index,
                   const route_ticket& ticket) {
  auto& st = self->state;
  const auto& cand = *job->candidates[index];
  auto& provider = st.providers.at(cand.provider_name);
  const auto& spec = *provider.spec;
  upstream::upstream_request req;
  req.path = "/chat/completions";
  req.body = openai::build_upstream_body(job->request, cand.provider_name, cand.model_id, false);
  provider.add_headers(req, false);
  req.cancel = upstream_cancel_of(job);
  auto attempt_timeout = attempt_timeout_of(st.settings, spec);
  req.timeout = std::min(attempt_timeout, remaining(*job));
  ++job->upstream_calls;
  notify_route(*job, "route_trying", job->candidates[index], {});
  call_context ctx;
  ctx.router = router_actor{self};
  ctx.job = job;
  ctx.index = index;
  ctx.ticket = ticket;
  ctx.deadline_clipped = req.timeout < attempt_timeout;
  ctx.metrics = st.wiring.metrics;
  ctx.provider = provider.link;
  // From here until call_done arrives the job belongs to the completion (I/O thread). The
  // transport always completes within req.timeout, so no CAF timeout is needed.
  provider.transport->send(std::move(req), [ctx = std::move(ctx)](upstream::upstream_result r) {
    complete_call(ctx, std::move(r));
  });
}

void call_stream(router_ptr self, const chat_job_ptr& job, size_t index,
                 const route_ticket& ticket) {
  auto& st = self->state;
  const auto& cand = *job->candidates[index];
  auto& provider = st.providers.at(cand.provider_name);
  upstream::upstream_request req;
  req.path = "/chat/completions";
  req.body = openai::build_upstream_body(job->request, cand.provider_name, cand.model_id, true);
  provider.add_headers(req, true);
  // Connect + head: like a JSON attempt (REQUEST_TIMEOUT_SECONDS or the provider's own), and
  // never longer than the first-token timeout or the waterfall's deadline. Then every single
  // read: the idle timeout between chunks (the relay bounds the reads before commit by the
  // first-token deadline).
  req.timeout = std::min({attempt_timeout_of(st.settings, *provider.spec),
                          st.settings.stream_first_token_timeout, remaining(*job)});
  req.read_timeout = st.settings.stream_idle_timeout;
  req.cancel = upstream_cancel_of(job);
  ++job->upstream_calls;
  job->stream_ticket_from_snapshot = ticket.from_snapshot;
  job->stream_reservation_id = ticket.reservation_id;
  job->stream_reserved_tokens = ticket.reserved_tokens;
  job->stream_probe = ticket.probe;
  notify_route(*job, "route_trying", job->candidates[index], {});
  job->relay->begin_attempt(index, cand, job->upstream_calls);
  st.active_streams[job.get()] = job;
  // The body never comes back through an actor: the relay pulls it on the I/O side.
  provider.transport->open_stream(
    std::move(req), [relay = job->relay](const upstream::upstream_result& head,
                                         std::shared_ptr<upstream::upstream_stream> body) {
      relay->on_head(head, std::move(body));
    });
}

void call(router_ptr self, const chat_job_ptr& job, size_t index, const route_ticket& ticket) {
  if (job->relay) {
    call_stream(self, job, index, ticket);
  } else {
    call_provider(self, job, index, ticket);
  }
}

/// The route (stale snapshot, probe due) or the bucket (limits, cooldown, failing key) decides.
void ask(router_ptr self, const chat_job_ptr& job, size_t index, bool route_decides) {
  auto& st = self->state;
  const auto& cand = *job->candidates[index];
  auto on_ticket = [self, job, index](route_ticket& ticket) {
    const auto& c = *job->candidates[index];
    if (ticket.probe) {
      job->probed_providers.push_back(c.provider_name);
    }
    if (!ticket.granted && ticket.probe) {
      // The route handed out its probe but the quota said no: free the probe.
      attempt_report abandoned;
      abandoned.kind = catalog::outcome_kind::transport_error;
      abandoned.reached_provider = false;
      abandoned.probe = true;
      report_to_route(self, c.route_id, abandoned);
    }
    if (!ticket.granted) {
      skip(self, job, index, ticket.skip_reason, ticket.retry_at_ms);
      return;
    }
    call(self, job, index, ticket);
  };
  auto on_error = [self, job, index](caf::error&) {
    record_attempt(*job, index, "skipped", "route_unavailable", 0);
    try_route(self, job, index + 1);
  };
  // No CAF timeout: a route or bucket always answers at once or after a bounded persistence
  // write, and a removed one answers with an error.
  if (route_decides) {
    const auto& probed = job->probed_providers;
    bool probe_allowed =
      std::find(probed.begin(), probed.end(), cand.provider_name) == probed.end();
    attempt_request req{job->request.prompt_estimate, job->request.total_estimate(), probe_allowed};
    self->request(st.routes.at(cand.route_id).handle, caf::infinite, atom::acquire_v, req)
      .then(std::move(on_ticket), std::move(on_error));
    return;
  }
  const auto& bucket = st.providers.at(cand.provider_name).bucket;
  self->request(bucket, caf::infinite, atom::reserve_v, job->request.total_estimate())
    .then(std::move(on_ticket), std::move(on_error));
}

void try_route(router_ptr self, const chat_job_ptr& job, size_t index) {
  if (job->cancelled() || job->finished()) {
    return;
  }
  auto& st = self->state;
  if (index >= job->candidates.size() || job->upstream_calls >= st.settings.max_upstream_calls) {
    finish(self, job, chat_exhausted{job->earliest_retry_ms, st.wiring.now()});
    return;
  }
  if (remaining(*job).count() == 0) {
    finish(self, job, chat_deadline{st.settings.deadline.count()});
    return;
  }
  const auto& cand = *job->candidates[index];
  auto view = st.routes.find(cand.route_id);
  if (view == st.routes.end()) {
    // Removed by a catalog edit while this request was under way.
    record_attempt(*job, index, "skipped", "route_removed", 0);
    try_route(self, job, index + 1);
    return;
  }
  auto provider = st.providers.find(cand.provider_name);
  const auto* spec = provider == st.providers.end() ? nullptr : provider->second.spec.get();
  if (auto reason = static_skip_reason(view->second.entry, spec, job->request.prompt_estimate);
      !reason.empty()) {
    skip(self, job, index, reason, 0);
    return;
  }
  if (!view->second.current()) {
    ask(self, job, index, true);
    return;
  }
  // The route's own rule on a copy of its health: the route stays the only writer.
  auto health = view->second.health;
  auto now = st.wiring.now();
  auto verdict = catalog::evaluate(health, now, true);
  if (!verdict.usable) {
    skip(self, job, index, verdict.skip_reason, verdict.retry_at_ms);
    return;
  }
  if (verdict.probe) {
    ask(self, job, index, true); // the route hands out its single probe
    return;
  }
  if (!provider->second.grants_locally(now)) {
    ask(self, job, index, false);
    return;
  }
  route_ticket ticket;
  ticket.granted = true;
  ticket.from_snapshot = true;
  ticket.reserved_tokens = std::max<int64_t>(job->request.total_estimate(), 0);
  call(self, job, index, ticket);
}

} // namespace

void run_waterfall(router_ptr self, const chat_job_ptr& job) {
  auto& st = self->state;
  auto chosen = st.catalog->candidates(job->request.model, st.settings.alias, job->required_tag);
  job->candidates.reserve(chosen.size());
  job->attempts.reserve(chosen.size()); // most routes end as one attempt each
  for (const auto* r : chosen) {
    job->candidates.push_back(st.catalog->names_of(r));
  }
  try_route(self, job, 0);
}

void on_call_done(router_ptr self, const chat_job_ptr& job, size_t index,
                  const call_settlement& settlement) {
  const auto& cand = *job->candidates[index];
  const auto& report = settlement.report;
  account(self, cand, settlement.ticket, report,
          settlement.abandoned ? std::string_view{} : catalog::to_string(report.kind));
  if (report.kind == catalog::outcome_kind::rate_limited) {
    note_retry_at(*job, report.cooldown_until_ms); // the route rests until the provider's hint
  }
  if (!settlement.answered && !settlement.abandoned) {
    try_route(self, job, index + 1);
  }
}

void on_stream_done(router_ptr self, const chat_job_ptr& job, size_t index,
                    stream_outcome& outcome) {
  const auto& cand = *job->candidates[index];
  job->upstream_time += outcome.elapsed;
  route_ticket ticket;
  ticket.granted = true;
  ticket.from_snapshot = job->stream_ticket_from_snapshot;
  ticket.probe = job->stream_probe;
  ticket.reserved_tokens = job->stream_reserved_tokens;
  ticket.reservation_id = job->stream_reservation_id;
  attempt_report report;
  report.kind = outcome.kind;
  report.status = outcome.status;
  // A client that left before commit: release the quota and the probe.
  report.reached_provider =
    outcome.reached_provider && !(outcome.client_gone && !outcome.committed);
  report.probe = ticket.probe;
  report.reserved_tokens = ticket.reserved_tokens;
  report.reservation_id = ticket.reservation_id;
  report.prompt_tokens = outcome.usage.prompt_tokens;
  report.completion_tokens = outcome.usage.completion_tokens;
  report.total_tokens = outcome.usage.total_tokens;
  report.cooldown_until_ms = outcome.cooldown_until_ms;
  report.remaining_exhausted = outcome.remaining_exhausted;
  report.latency_ms = duration_cast<milliseconds>(outcome.elapsed).count();
  account(self, cand, ticket, report,
          outcome.reason.empty() ? std::string_view{catalog::to_string(outcome.kind)}
                                 : std::string_view{outcome.reason});
  if (outcome.committed) {
    record_attempt(*job, index, "selected", {}, outcome.status);
    finish(self, job, chat_streamed{job->candidates[index]});
    return;
  }
  if (outcome.client_gone || job->cancelled()) {
    job->cancel();
    return;
  }
  if (outcome.kind == catalog::outcome_kind::caller_error) {
    record_attempt(*job, index, "failed", "caller_error", outcome.status);
    // The caller sees the provider's own message: without any key it may echo.
    finish(self, job,
           chat_caller_error{job->candidates[index], outcome.status,
                             self->state.settings.redact->apply(outcome.error_body)});
    return;
  }
  if (outcome.kind == catalog::outcome_kind::rate_limited) {
    note_retry_at(*job, report.cooldown_until_ms);
  }
  auto status = outcome.kind == catalog::outcome_kind::rate_limited ? "rate_limited" : "failed";
  record_attempt(*job, index, status, outcome.reason, outcome.status);
  notify_route(*job, "route_fail", job->candidates[index], outcome.reason);
  try_route(self, job, index + 1);
}

} // namespace gw::actors::detail
