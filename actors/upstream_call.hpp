// One upstream attempt of a non-streamed request, from the router's grant to its settlement.
// The router builds the request and calls the provider's transport itself; the completion
// runs on the I/O thread that read the answer: it classifies it, answers the client at once
// when the attempt is final (success, caller error), records the attempt, and only then tells
// the router (call_done) so that accounting and the next route never delay an answer.
#pragma once

#include "actors/chat_job.hpp"
#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "catalog/provider_spec.hpp"
#include "core/redact.hpp"
#include "http/upstream/upstream_types.hpp"
#include "metrics/gateway_metrics.hpp"

#include <cstdint>
#include <memory>
#include <optional>

namespace gw::actors {

/// Adds `Authorization: Bearer <key>`, Content-Type (and Accept for streams) and the
/// provider's extra headers.
void add_provider_headers(upstream::upstream_request& req, const catalog::provider_spec& spec,
                          bool stream);

/// The same fields, rendered once for every call of the provider; nullopt when one breaks the
/// header rules (calls then carry them one by one, and each fails its check as it did).
std::optional<upstream::header_block> render_provider_headers(const catalog::provider_spec& spec,
                                                              bool stream);

/// Observes the request's timing (total, upstream share, fallbacks) and answers it. Any thread.
void finish_job(metrics::gateway_metrics* metrics, chat_job& job, chat_outcome outcome);

/// Appends one entry to the job's attempts list: what became of candidate `index`.
void record_attempt(chat_job& job, size_t index, std::string_view status, std::string_view reason,
                    int status_code);

/// Route progress for the job's observers (stream-route client, live monitor). Any thread.
void notify_route(const chat_job& job, std::string_view type, const candidate& route,
                  std::string_view reason);

/// What one upstream exchange tells the route and the quota bucket: the outcome, status, usage,
/// latency, the reservation it settles, and the rate-limit hints of its headers (and of its
/// body when `body_hints`: a second parse, worth it only off the hot path).
attempt_report report_of_answer(const catalog::attempt_outcome& outcome,
                                const upstream::upstream_result& result, const route_ticket& ticket,
                                int64_t now_ms, bool body_hints);

/// What a completion reads of its provider. Shared (not borrowed from the router's state): a
/// completion may still run while the router is being stopped.
struct provider_link {
  metrics::provider_metrics series;
  /// The injected wall clock (rate-limit hints with absolute times are read against it).
  wall_clock now;
  /// Removes provider keys from an error answer returned to the caller (router_settings).
  redactor_ptr redact = std::make_shared<redactor>();
};

/// What the completion of attempt `index` needs besides the result.
struct call_context {
  router_actor router;
  chat_job_ptr job;
  size_t index = 0;
  route_ticket ticket;
  /// The attempt's timeout was cut short by the request's deadline: a timeout is then no
  /// verdict on the route's speed.
  bool deadline_clipped = false;
  metrics::gateway_metrics* metrics = nullptr;
  std::shared_ptr<provider_link> provider;
};

/// The completion (I/O thread): classify, answer when final, record, report to the router.
void complete_call(const call_context& ctx, upstream::upstream_result result);

} // namespace gw::actors
