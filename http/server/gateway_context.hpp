// What endpoint handlers may use: actor handles (messages only), settings, counters.
#pragma once

#include "actors/protocol.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "http/openai/live_events.hpp"
#include "http/server/request_limiter.hpp"

#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::server {

struct gateway_context {
  const config::gateway_config* config = nullptr;
  /// For short-lived bridge actors that ask an actor and answer an exchange.
  caf::actor_system* system = nullptr;
  actors::router_actor router;
  /// The loop the actors run on (runtime/io_loops' primary); null: send from anywhere (tests).
  /// See send_from_actor_loop in handlers/chat.cpp.
  boost::asio::io_context* actor_loop = nullptr;
  /// Endpoint diagnosis; invalid in tests that do not spawn it (the endpoints answer 503).
  actors::diagnosis_actor diagnosis;
  /// The SQLite writer, for the read-only usage-series query of the pages. Weak on purpose:
  /// idle keep-alive sessions keep this context alive past shutdown, and a strong handle
  /// would keep the detached persistence actor (and its thread) alive with it, so that the
  /// actor system never finishes. Empty in some tests.
  caf::weak_actor_ptr persistence;
  /// MAX_CONCURRENT_REQUESTS admission for inference endpoints.
  std::shared_ptr<request_limiter> limiter;
  /// Prometheus families; null = no metrics (tests).
  metrics::gateway_metrics* metrics = nullptr;
  /// The live traffic monitor (reference §12): recent events and SSE subscribers.
  std::shared_ptr<openai::live_ring> live;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// Request ids: 12 hex chars, unique per process (seeded randomly at start).
  mutable std::atomic<uint64_t> request_counter{0};
  /// Request failures (with the request id), and each attempt at debug level.
  log::logger log;
  /// Removes provider keys from upstream text (a streamed error after commit).
  redactor_ptr redact = std::make_shared<redactor>();

  std::string next_request_id() const;
};

/// A random starting point for request ids, so ids differ across restarts.
uint64_t random_request_seed();

} // namespace gw::server
