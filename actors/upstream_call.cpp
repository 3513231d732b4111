#include "actors/upstream_call.hpp"

#include "actors/stream_sink.hpp"
#include "catalog/failure_classifier.hpp"
#include "catalog/rate_limit_hints.hpp"
#include "http/openai/web_search.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/send.hpp>
#include <rapidjson/document.h>

#include <chrono>

namespace gw::actors {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// An attempt abandoned because the client left: no health verdict, quota and probe released.
attempt_report abandoned_report(const route_ticket& ticket) {
  attempt_report report;
  report.kind = catalog::outcome_kind::transport_error;
  report.reached_provider = false;
  report.probe = ticket.probe;
  report.reserved_tokens = ticket.reserved_tokens;
  report.reservation_id = ticket.reservation_id;
  return report;
}

attempt_report report_of(const call_context& ctx, const catalog::attempt_outcome& outcome,
                         const upstream::upstream_result& result) {
  // A served answer carries hints in its headers only (body hints come with 429s): no second
  // parse of the body.
  auto report = report_of_answer(outcome, result, ctx.ticket, ctx.provider->now(), false);
  if (ctx.deadline_clipped && outcome.kind == catalog::outcome_kind::timeout) {
    report.kind = catalog::outcome_kind::transport_error; // not a health verdict
  }
  return report;
}

} // namespace

attempt_report report_of_answer(const catalog::attempt_outcome& outcome,
                                const upstream::upstream_result& result, const route_ticket& ticket,
                                int64_t now_ms, bool body_hints) {
  attempt_report report;
  report.kind = outcome.kind;
  report.status = result.status;
  report.reached_provider = result.ok() || result.failure == upstream::transport_failure::timeout;
  report.probe = ticket.probe;
  report.reserved_tokens = ticket.reserved_tokens;
  report.reservation_id = ticket.reservation_id;
  report.latency_ms = duration_cast<milliseconds>(result.elapsed).count();
  if (result.ok()) {
    const auto& usage = outcome.usage;
    report.prompt_tokens = usage.prompt_tokens;
    report.completion_tokens = usage.completion_tokens;
    report.total_tokens = usage.total_tokens;
    auto now = std::chrono::system_clock::time_point{milliseconds{now_ms}};
    auto body = body_hints ? std::string_view{result.body} : std::string_view{};
    if (auto until = catalog::cooldown_from_hints(result.headers, body, now)) {
      report.cooldown_until_ms = duration_cast<milliseconds>(until->time_since_epoch()).count();
    }
    report.remaining_exhausted = catalog::remaining_exhausted(result.headers);
  }
  return report;
}

void add_provider_headers(upstream::upstream_request& req, const catalog::provider_spec& spec,
                          bool stream) {
  req.headers.reserve(3 + spec.extra_headers.size());
  req.headers.emplace_back("Authorization", "Bearer " + spec.api_key);
  req.headers.emplace_back("Content-Type", "application/json");
  if (stream) {
    req.headers.emplace_back("Accept", "text/event-stream");
  }
  for (const auto& header : spec.extra_headers) {
    req.headers.push_back(header);
  }
}

std::optional<upstream::header_block> render_provider_headers(const catalog::provider_spec& spec,
                                                              bool stream) {
  upstream::upstream_request fields;
  add_provider_headers(fields, spec, stream);
  return upstream::header_block::render(fields.headers);
}

void finish_job(metrics::gateway_metrics* metrics, chat_job& job, chat_outcome outcome) {
  if (metrics != nullptr) {
    metrics::request_timing timing;
    timing.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
    timing.upstream_seconds = std::chrono::duration<double>(job.upstream_time).count();
    timing.upstream_calls = job.upstream_calls;
    timing.exhausted = std::holds_alternative<chat_exhausted>(outcome);
    timing.stream = job.relay != nullptr;
    metrics->observe_request(timing);
  }
  job.finish(std::move(outcome));
}

void record_attempt(chat_job& job, size_t index, std::string_view status, std::string_view reason,
                    int status_code) {
  job.attempts.push_back(
    {job.candidates[index], std::string(status), std::string(reason), status_code});
}

void notify_route(const chat_job& job, std::string_view type, const candidate& route,
                  std::string_view reason) {
  if (job.relay) {
    job.relay->route_event(type, *route, reason);
  }
  job.observe_route(type, route, reason);
}

void complete_call(const call_context& ctx, upstream::upstream_result result) {
  auto& job = *ctx.job;
  call_settlement settlement;
  settlement.ticket = ctx.ticket;
  if (result.failure == upstream::transport_failure::cancelled && job.cancelled()) {
    settlement.report = abandoned_report(ctx.ticket);
    settlement.abandoned = true;
    caf::anon_send(ctx.router, atom::call_done_v, ctx.job, uint64_t{ctx.index}, settlement);
    return;
  }
  ctx.provider->series.observe_upstream_duration(
    std::chrono::duration<double>(result.elapsed).count());
  job.upstream_time += result.elapsed;
  auto outcome = catalog::classify(result);
  if (outcome.kind == catalog::outcome_kind::success && job.require_content) {
    rapidjson::Document body;
    body.Parse<rapidjson::kParseIterativeFlag>(result.body.data(), result.body.size());
    if (!openai::has_assistant_content(body)) {
      outcome.kind = catalog::outcome_kind::malformed_response;
      outcome.reason = "empty_assistant_response";
    }
  }
  settlement.report = report_of(ctx, outcome, result);
  if (outcome.kind == catalog::outcome_kind::success) {
    record_attempt(job, ctx.index, "selected", {}, result.status);
    settlement.answered = true;
    finish_job(ctx.metrics, job, chat_served{job.candidates[ctx.index], std::move(result.body)});
  } else if (!outcome.fall_through) {
    record_attempt(job, ctx.index, "failed", outcome.reason, result.status);
    settlement.answered = true;
    // The caller sees the provider's own message: without any key it may echo.
    ctx.provider->redact->apply_in_place(result.body);
    finish_job(ctx.metrics, job,
               chat_caller_error{job.candidates[ctx.index], result.status, std::move(result.body)});
  } else {
    auto status = outcome.kind == catalog::outcome_kind::rate_limited ? "rate_limited" : "failed";
    record_attempt(job, ctx.index, status, outcome.reason, result.ok() ? result.status : 0);
    notify_route(job, "route_fail", job.candidates[ctx.index], outcome.reason);
  }
  // After this send the job belongs to the router again: nothing below may touch it.
  caf::anon_send(ctx.router, atom::call_done_v, ctx.job, uint64_t{ctx.index}, settlement);
}

} // namespace gw::actors
