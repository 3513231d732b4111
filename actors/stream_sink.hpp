// What the router needs of a streamed request's byte path. The relay that implements it lives
// in http/server (stream_relay.hpp): it pulls the upstream body on the I/O side and writes to
// the client, so tokens never pass a mailbox; the router only starts attempts and hears how
// each one ended (stream_done with a stream_outcome).
#pragma once

#include "catalog/attempt.hpp"
#include "catalog/failure_classifier.hpp"
#include "catalog/usage.hpp"
#include "http/upstream/upstream_types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gw::upstream {
class upstream_stream;
} // namespace gw::upstream

namespace gw::actors {

/// How one streamed attempt ended (relay -> router).
struct stream_outcome {
  /// The route committed: bytes reached the client, no other route may be tried.
  bool committed = false;
  /// success, or the failure that ended the attempt (before or after commit).
  catalog::outcome_kind kind = catalog::outcome_kind::success;
  /// Attempt reason ("empty_stream", "provider_stream_error", "stream_interrupted", ...).
  std::string reason;
  int status = 0;
  bool reached_provider = true;
  /// The client went away: nothing more to answer.
  bool client_gone = false;
  /// The upstream answered a caller error before any byte: its body (for the error reply).
  std::string error_body;
  catalog::usage_counts usage;
  int64_t cooldown_until_ms = 0;
  bool remaining_exhausted = false;
  std::chrono::microseconds elapsed{0};
};

class stream_sink {
public:
  virtual ~stream_sink() = default;

  /// Starts attempt `index` on `route`; the transport will call on_head() for it.
  virtual void begin_attempt(size_t index, catalog::route_ref route, int upstream_calls) = 0;

  /// The transport answered the head of the current attempt (any I/O thread).
  virtual void on_head(const upstream::upstream_result& head,
                       std::shared_ptr<upstream::upstream_stream> body) = 0;

  /// A route event of the waterfall (skip, trying, fail): shown to clients that follow the
  /// routing (stream-route); ignored for OpenAI clients.
  virtual void route_event(std::string_view type, const catalog::route_ref& route,
                           std::string_view reason) = 0;
};

using stream_sink_ptr = std::shared_ptr<stream_sink>;

} // namespace gw::actors
