// The gateway's event loops: IO_THREADS io_contexts, each run by exactly one thread (nginx's
// worker model, inside one process). A connection lives on one loop for its whole life, so its
// handlers run one at a time without a strand: strands cost ~15% of the instructions of a
// proxied request (a mutex and shared_ptr copies per handler; BENCHMARKS.md, seventh session).
//
// Loop 0, the primary, also runs the listener, the actors (ACTOR_SCHEDULER=io), the upstream
// connections, the limiter's timers and the signal handler. The others run client connections
// only (http_server spreads accepted connections over all loops).
#pragma once

#include <memory>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::runtime {

class io_loops {
public:
  /// `count` loops (at least one).
  explicit io_loops(int count);
  ~io_loops();
  io_loops(const io_loops&) = delete;
  io_loops& operator=(const io_loops&) = delete;

  boost::asio::io_context& primary();
  /// Every loop, the primary first: where client connections may live.
  std::vector<boost::asio::io_context*> all();
  /// Runs the primary on the calling thread and every other loop on a thread of its own.
  /// Returns once the primary has stopped (ioc.stop()), after stopping and joining the others.
  void run();

private:
  struct loop;
  /// Stops every loop but the primary and joins its thread (idempotent).
  void stop_secondaries();

  std::vector<std::unique_ptr<loop>> loops_;
};

} // namespace gw::runtime
