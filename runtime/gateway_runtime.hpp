// The gateway without its HTTP frontend: the data dir's lock, configuration, providers and
// catalog, the state store, the upstream transports and every long-lived actor. The server
// binary (app/) puts its HTTP listener in front of it; the embedded client (client/) sends
// chat jobs to its router directly. Upstream I/O runs on an io_context the caller owns and
// runs on one thread (runtime/io_loops' primary), because the server shares it with its
// listener; upstream connections rely on that thread to serialise their handlers.
//
//   start: lock -> prepare (catalog, providers, SQLite) -> transports -> actor system
//          -> persistence actor -> spawn_gateway (router, routes, providers, buckets)
//   stop:  close the upstream pools -> flush router, buckets, persistence -> stop the actors
#pragma once

#include "actors/gateway.hpp"
#include "actors/transport.hpp"
#include "core/config.hpp"
#include "core/expected.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "runtime/data_lock.hpp"

#include <caf/fwd.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::metrics {
class gateway_metrics;
} // namespace gw::metrics

namespace gw::runtime {

class io_scheduler;

class gateway_runtime {
public:
  /// Fails with errc::locked when another process holds the data dir, otherwise with the
  /// configuration or storage error that prepare() reports. `metrics` may be null (no
  /// metrics); it must outlive the runtime. `ioc` must outlive the runtime too. Warnings
  /// and the actors' lines go to `log`.
  static gw::expected<std::unique_ptr<gateway_runtime>> start(const config::gateway_config& cfg,
                                                              boost::asio::io_context& ioc,
                                                              metrics::gateway_metrics* metrics,
                                                              const log::logger& log);
  /// The same with a logger made from the configuration (the embedded client).
  static gw::expected<std::unique_ptr<gateway_runtime>> start(const config::gateway_config& cfg,
                                                              boost::asio::io_context& ioc,
                                                              metrics::gateway_metrics* metrics);

  /// Calls stop().
  ~gateway_runtime();
  gateway_runtime(const gateway_runtime&) = delete;
  gateway_runtime& operator=(const gateway_runtime&) = delete;

  caf::actor_system& system() {
    return *system_;
  }
  const actors::gateway_actors& actors() const {
    return actors_;
  }
  size_t route_count() const {
    return route_count_;
  }
  size_t providers_configured() const {
    return providers_configured_;
  }
  const log::logger& logger() const {
    return log_;
  }
  /// Removes every configured key from upstream text (shared with the HTTP frontend).
  const redactor_ptr& redactor() const {
    return redact_;
  }

  /// Once no request is in flight: fails queued upstream calls, writes every state, stops the
  /// actors (each wait bounded). With ACTOR_SCHEDULER=io the actors first move to a thread of
  /// their own, so this works whether or not the io_context still runs. Idempotent. The lock is
  /// released when the runtime is destroyed.
  void stop();

  /// Internal: use start().
  gateway_runtime(data_lock lock, log::logger log, redactor_ptr redact);

private:
  data_lock lock_;
  log::logger log_;
  redactor_ptr redact_;
  std::vector<actors::transport_ptr> transports_;
  /// The actor system keeps a reference to its configuration: it lives as long.
  std::unique_ptr<caf::actor_system_config> system_config_;
  /// Set with ACTOR_SCHEDULER=io: the actors run on the io_context's threads until stop().
  std::shared_ptr<io_scheduler> io_scheduler_;
  std::unique_ptr<caf::actor_system> system_;
  actors::gateway_actors actors_;
  size_t route_count_ = 0;
  size_t providers_configured_ = 0;
  bool stopped_ = false;
};

} // namespace gw::runtime
