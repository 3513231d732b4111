// One client chat request travelling through the waterfall. Created by the HTTP frontend and
// mutated by one party at a time, handed over by message or callback (so no locks): the router
// while it chooses a route, then the upstream call's completion on the I/O thread until it
// either answers or hands the job back to the router. Answered exactly once through its sink,
// which hops onto the client connection's loop.
#pragma once

#include "catalog/attempt.hpp"
#include "http/openai/chat_payload.hpp"
#include "http/upstream/upstream_types.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gw::actors {

class stream_sink;

using catalog::attempt_record;
/// A route the router will consider for this job, in waterfall order: the catalog's shared
/// record of its names (model_catalog::names_of), not a copy of three strings per route.
using candidate = std::shared_ptr<const catalog::route_ref>;

// -- how a request ended (typed; http/ maps it to status, headers and OpenAI JSON) ---------

/// A route answered 200: its body goes to the client unchanged.
struct chat_served {
  candidate route;
  std::string body;
};

/// Every route was skipped or failed (503 waterfall_exhausted).
struct chat_exhausted {
  /// When the first skipped route frees up (ms since epoch; 0 = unknown): Retry-After.
  int64_t retry_at_ms = 0;
  /// The instant the waterfall gave up, to turn retry_at_ms into seconds.
  int64_t at_ms = 0;
};

/// REQUEST_DEADLINE_SECONDS elapsed before any route answered (504).
struct chat_deadline {
  int64_t deadline_seconds = 0;
};

/// A provider said the request itself is wrong (contract §6.9): its status and body.
struct chat_caller_error {
  candidate route;
  int status = 400;
  std::string upstream_body;
};

/// A streamed route committed: the stream itself was the answer.
struct chat_streamed {
  candidate route;
};

using chat_outcome =
  std::variant<chat_served, chat_exhausted, chat_deadline, chat_caller_error, chat_streamed>;

/// Answered through a sink given at construction, or, in a subclass, through deliver() and
/// observe_route(): the frontend's job keeps its connection, limiter slot and monitor in the
/// same allocation as the job (a sink's captures were one more block, a route observer's two).
class chat_job {
public:
  /// Receives the outcome and the finished job itself (its attempts, calls and routes are
  /// final), so a sink needs no pointer back to the job that owns it.
  using sink = std::function<void(chat_outcome, const chat_job&)>;

  chat_job(std::string id, openai::chat_request chat, sink on_reply)
      : request_id(std::move(id)), request(std::move(chat)), sink_(std::move(on_reply)) {}
  virtual ~chat_job() = default;
  chat_job(const chat_job&) = delete;
  chat_job& operator=(const chat_job&) = delete;

  const std::string request_id;
  const openai::chat_request request;
  /// Web-search mode: only routes with this tag, and an answer with visible content.
  std::string required_tag;
  bool require_content = false;
  /// Handed to every upstream call of this job (upstream_cancel_of), so that cancel() can
  /// abandon it. Part of the job: one allocation fewer per request.
  upstream::cancel_token upstream_cancel;
  /// Streaming requests: the byte path to the client (null for JSON answers).
  std::shared_ptr<stream_sink> relay;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline = started + std::chrono::seconds(120);

  // -- owned by the router while it chooses, by the call's completion while a call runs -----
  std::vector<candidate> candidates;
  std::vector<attempt_record> attempts;
  /// Upstream calls made (X-Gateway-Attempts): skips are not calls.
  int upstream_calls = 0;
  /// Summed duration of those calls, for the gateway-overhead metric.
  std::chrono::microseconds upstream_time{0};
  /// Earliest instant a skipped route frees up (ms since epoch; 0 = unknown), for Retry-After.
  int64_t earliest_retry_ms = 0;
  /// Providers whose recovering route this request already probed: one probe per provider.
  std::vector<std::string> probed_providers;
  /// The reservation of the streamed attempt in flight (reported when it ends).
  uint64_t stream_reservation_id = 0;
  int64_t stream_reserved_tokens = 0;
  bool stream_probe = false;
  bool stream_ticket_from_snapshot = false;

  /// Delivers the reply once; later calls are ignored (deadline timer vs. router race).
  void finish(chat_outcome outcome) {
    if (!finished_.exchange(true)) {
      deliver(std::move(outcome));
    }
  }
  /// A route event of the waterfall (route_trying, route_skip, route_fail, route_flagged):
  /// the live traffic monitor's. Ignored unless a subclass observes them.
  virtual void observe_route(std::string_view /*type*/, const candidate& /*route*/,
                             std::string_view /*reason*/) const {}
  bool finished() const {
    return finished_.load();
  }
  /// The client went away: the upstream call in flight is abandoned and the router stops
  /// the waterfall at the next step.
  void cancel() {
    cancelled_.store(true);
    upstream_cancel.cancel();
  }
  bool cancelled() const {
    return cancelled_.load();
  }

protected:
  /// For a subclass that answers through deliver().
  chat_job(std::string id, openai::chat_request chat)
      : request_id(std::move(id)), request(std::move(chat)) {}

  /// Answers the client; called once, by finish().
  virtual void deliver(chat_outcome outcome) {
    sink_(std::move(outcome), *this);
  }

private:
  sink sink_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> cancelled_{false};
};

using chat_job_ptr = std::shared_ptr<chat_job>;

/// The job's cancel token as an upstream call holds it: sharing the job's ownership.
inline std::shared_ptr<upstream::cancel_token> upstream_cancel_of(const chat_job_ptr& job) {
  return {job, &job->upstream_cancel};
}

} // namespace gw::actors
