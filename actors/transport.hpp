// The provider actor's view of the network: one call = one upstream HTTP exchange.
// Production uses the Beast client (http_transport); actor tests inject a scripted fake,
// so no actor test opens a socket.
#pragma once

#include "http/upstream/upstream_types.hpp"

namespace gw::upstream {
class upstream_stream;
} // namespace gw::upstream

#include <functional>
#include <memory>

namespace gw::actors {

class upstream_transport {
public:
  virtual ~upstream_transport() = default;
  /// Sends `req`; `on_done` runs exactly once, on any thread.
  virtual void send(upstream::upstream_request req,
                    std::function<void(upstream::upstream_result)> on_done) = 0;
  /// Opens a streamed response: `on_head` runs once with the status and headers (and, for a
  /// status >= 400 or a failure, the whole body and a null stream); the body is then pulled
  /// from the stream, never pushed.
  virtual void open_stream(
    upstream::upstream_request req,
    std::function<void(upstream::upstream_result, std::shared_ptr<upstream::upstream_stream>)>
      on_head) = 0;
};

using transport_ptr = std::shared_ptr<upstream_transport>;

} // namespace gw::actors
