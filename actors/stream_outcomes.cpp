#include "actors/stream_outcomes.hpp"

#include "catalog/rate_limit_hints.hpp"

#include <chrono>

namespace gw::actors {

namespace {

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

} // namespace

bool unstreamable(const upstream::upstream_result& head, bool has_body) {
  return !head.ok() || head.status >= 400 || !has_body;
}

stream_outcome unstreamable_head_outcome(const upstream::upstream_result& head) {
  auto verdict = catalog::classify(head);
  if (head.ok() && head.status < 400) {
    verdict.kind = catalog::outcome_kind::malformed_response;
    verdict.reason = "malformed_response";
  }
  stream_outcome failed;
  failed.kind = verdict.kind;
  failed.reason = verdict.reason;
  failed.status = head.status;
  failed.reached_provider = head.ok() || head.failure == upstream::transport_failure::timeout;
  if (auto until =
        catalog::cooldown_from_hints(head.headers, head.body, std::chrono::system_clock::now())) {
    failed.cooldown_until_ms = epoch_ms(*until);
  }
  if (!verdict.fall_through) {
    failed.error_body = head.body;
  }
  return failed;
}

stream_outcome failed_before_commit(catalog::outcome_kind kind, std::string reason, int status) {
  stream_outcome failed;
  failed.kind = kind;
  failed.reason = std::move(reason);
  failed.status = status;
  return failed;
}

stream_outcome finished_stream(int status, const catalog::usage_counts& usage,
                               const upstream::header_list& head_headers) {
  stream_outcome ok;
  ok.committed = true;
  ok.status = status;
  ok.usage = usage;
  ok.remaining_exhausted = catalog::remaining_exhausted(head_headers);
  if (auto until =
        catalog::cooldown_from_hints(head_headers, {}, std::chrono::system_clock::now())) {
    ok.cooldown_until_ms = epoch_ms(*until);
  }
  return ok;
}

stream_outcome interrupted_stream(catalog::outcome_kind kind, int status,
                                  const catalog::usage_counts& usage) {
  stream_outcome broken;
  broken.committed = true;
  broken.kind = kind;
  broken.reason = "stream_interrupted";
  broken.status = status;
  broken.usage = usage;
  return broken;
}

stream_outcome client_gone(bool committed, const catalog::usage_counts& usage) {
  stream_outcome gone;
  gone.committed = committed;
  gone.client_gone = true;
  gone.kind = committed ? catalog::outcome_kind::success : catalog::outcome_kind::transport_error;
  gone.reason = "client_closed";
  gone.usage = usage;
  return gone;
}

std::string read_failure_reason(upstream::transport_failure failure,
                                bool past_first_token_deadline) {
  if (failure == upstream::transport_failure::timeout && past_first_token_deadline) {
    return "first_token_timeout";
  }
  return upstream::to_string(failure);
}

} // namespace gw::actors
