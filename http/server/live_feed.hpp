// The live SSE feed (reference §12): one small actor per connected client moves events from
// its bounded ring subscription to the exchange, one chunk in flight at a time (the
// exchange's on_written is the backpressure), and writes `: heartbeat` after 1 s without
// output. A client that reads slowly only loses its own oldest events; publishing never
// waits for it.
#pragma once

#include "http/server/gateway_context.hpp"
#include "http/server/http_types.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>

namespace gw::server {

struct live_feed_options {
  /// Idle time after which a `: heartbeat` comment is written.
  std::chrono::milliseconds heartbeat{1000};
  /// Events written together in one chunk at most.
  size_t max_batch = 64;
  /// A chunk the exchange has not confirmed within this time ends the feed. Backstop only:
  /// the server's own write timeout normally fails the write first, but once the io_context
  /// has stopped no confirmation ever comes and the actor must still terminate.
  std::chrono::milliseconds stalled_write_limit{90000};
};

/// Answers `ex` with 200 text/event-stream (Cache-Control: no-cache, X-Accel-Buffering: no)
/// and streams every event published to `ctx.live` from now on as `data: <json>\n\n`. The
/// feed ends when the client goes away, a write fails or stalls, the router terminates, or
/// `ctx.live` is closed (shutdown: open feeds are exchanges that never finish by themselves,
/// so a drain would otherwise wait for its whole timeout). Needs `ctx.system` and `ctx.live`.
void start_live_feed(const gateway_context& ctx, const exchange_ptr& ex,
                     live_feed_options options = {});

} // namespace gw::server
