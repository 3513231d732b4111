// One client chat request travelling through the waterfall. Created by the HTTP frontend,
// mutated only by the router actor (one actor => no locks), answered exactly once through
// its sink, which hops back onto the client's connection strand.
#pragma once

#include "http/openai/chat_payload.hpp"
#include "http/upstream/upstream_types.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gw::actors {

class stream_relay;

/// One entry of the attempts list (reference §7.5 field order).
struct attempt_record {
  std::string provider_name;
  /// "skipped", "failed", "rate_limited", "flagged", "selected".
  std::string status;
  /// Skip or failure reason; empty = null.
  std::string reason;
  /// Upstream HTTP status; 0 = null.
  int status_code = 0;
  std::string route_id;
  std::string model_id;
};

/// What the frontend writes back to the client for a non-streaming request.
struct chat_reply {
  int status = 200;
  std::string body;
  upstream::header_list headers;
};

/// A route the router will consider for this job, in waterfall order.
struct candidate {
  std::string route_id;
  std::string provider_name;
  std::string model_id;
};

class chat_job {
public:
  using sink = std::function<void(chat_reply)>;

  chat_job(std::string id, openai::chat_request chat, sink on_reply)
      : request_id(std::move(id)), request(std::move(chat)), sink_(std::move(on_reply)) {}

  const std::string request_id;
  const openai::chat_request request;
  /// Web-search mode: only routes with this tag, and an answer with visible content.
  std::string required_tag;
  bool require_content = false;
  /// Handed to every upstream call of this job, so that cancel() can abandon it.
  const std::shared_ptr<upstream::cancel_token> upstream_cancel =
    std::make_shared<upstream::cancel_token>();
  /// Observes the waterfall's route events (live traffic monitor); may be empty.
  std::function<void(std::string_view type, const candidate& route, std::string_view reason)>
    on_route_event;
  /// Streaming requests: the byte path to the client (null for JSON answers).
  std::shared_ptr<stream_relay> relay;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline = started + std::chrono::seconds(120);

  // -- owned by the router while the waterfall runs ---------------------------------------
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

  /// Delivers the reply once; later calls are ignored (deadline timer vs. router race).
  void finish(chat_reply reply) {
    if (!finished_.exchange(true)) {
      sink_(std::move(reply));
    }
  }
  bool finished() const {
    return finished_.load();
  }
  /// The client went away: the upstream call in flight is abandoned and the router stops
  /// the waterfall at the next step.
  void cancel() {
    cancelled_.store(true);
    upstream_cancel->cancel();
  }
  bool cancelled() const {
    return cancelled_.load();
  }

private:
  sink sink_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> cancelled_{false};
};

using chat_job_ptr = std::shared_ptr<chat_job>;

} // namespace gw::actors
