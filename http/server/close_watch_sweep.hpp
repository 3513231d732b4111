// Arms the client-close watch of requests that are still open after a while, for a whole loop
// at once, instead of one watch per request as soon as it is read.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace gw::server {

/// What the sweep arms: a connection that can watch its client for a hang-up.
class close_watch_target {
public:
  /// Starts the watch if `exchange` is still the connection's open request (called on its loop).
  virtual void arm_close_watch(uint64_t exchange) = 0;

protected:
  ~close_watch_target() = default;
};

/// One per loop. A watch is a read on the client's socket, and Asio tries every read at once:
/// armed per request, it costs a failed recv syscall (~1.2 µs here, 3% of a request) for an
/// answer that usually leaves a few milliseconds later. The sweep arms it only for requests
/// still open one to two periods after they asked, so a quick answer costs a list entry and a
/// hang-up during a slow one is noticed at most two periods late (an upstream call cancelled
/// 50 ms later, where an LLM answer takes seconds). The timer runs only while entries wait.
class close_watch_sweep : public std::enable_shared_from_this<close_watch_sweep> {
public:
  using executor_type = boost::asio::io_context::executor_type;
  static constexpr std::chrono::milliseconds default_period{25};

  explicit close_watch_sweep(executor_type loop, std::chrono::milliseconds period = default_period);

  /// On the loop: arm `target`'s watch at a coming sweep if `exchange` is still open then.
  void enlist(std::weak_ptr<close_watch_target> target, uint64_t exchange);

private:
  struct entry {
    std::weak_ptr<close_watch_target> target;
    uint64_t exchange = 0;
  };
  void schedule();
  /// Arms the entries of the period before the last; the last period's wait for the next.
  void sweep();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds period_;
  bool running_ = false;
  /// Enlisted since the last sweep, and before it (armed at the next).
  std::vector<entry> young_;
  std::vector<entry> old_;
};

} // namespace gw::server
