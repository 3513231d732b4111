// ACTOR_SCHEDULER=io: a CAF scheduler whose workers are the gateway's I/O threads. An actor
// message sent from an I/O handler (a request for the router, an upstream completion) is then
// processed on that same thread right after the handler, instead of waking a CAF worker and
// coming back through the io_context: measured with IO_THREADS=1 on 2 cores, 43 µs of CPU per
// proxied request against 80 µs with CAF's own threads (BENCHMARKS.md).
#pragma once

#include <memory>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace caf {
class actor_system_config;
} // namespace caf

namespace gw::runtime {

class io_scheduler_queue;

/// Lets the owner move the actors off the I/O threads once those have stopped.
class io_scheduler {
public:
  /// Installs the scheduler into `cfg`: the actor system made from it runs its actors as
  /// handlers of `ioc` (one at a time, in the order they became ready).
  static std::shared_ptr<io_scheduler> install(caf::actor_system_config& cfg,
                                               boost::asio::io_context& ioc);

  explicit io_scheduler(std::shared_ptr<io_scheduler_queue> queue);

  /// From now on, and for what was waiting, actors run on a thread of the scheduler's own, so
  /// that shutdown can still talk to them and ~actor_system (which waits for every actor) can
  /// end once the io_context stops. Whoever stops the io_context must call it before
  /// destroying the actor system (gateway_runtime::stop does). While I/O threads still run,
  /// actors then run on both, one actor at a time as CAF guarantees.
  void leave_io_threads();

private:
  std::shared_ptr<io_scheduler_queue> queue_;
};

} // namespace gw::runtime
