#include "http/server/close_watch_sweep.hpp"

#include <utility>

namespace gw::server {

close_watch_sweep::close_watch_sweep(executor_type loop, std::chrono::milliseconds period)
    : timer_(std::move(loop)), period_(period) {}

void close_watch_sweep::enlist(std::weak_ptr<close_watch_target> target, uint64_t exchange) {
  young_.push_back({std::move(target), exchange});
  if (!running_) {
    running_ = true;
    schedule();
  }
}

void close_watch_sweep::schedule() {
  timer_.expires_after(period_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) {
      self->running_ = false; // the loop is shutting down
      return;
    }
    self->sweep();
  });
}

void close_watch_sweep::sweep() {
  auto due = std::exchange(old_, std::move(young_));
  young_.clear();
  for (auto& item : due) {
    if (auto target = item.target.lock()) {
      target->arm_close_watch(item.exchange);
    }
  }
  if (young_.empty()) {
    due.clear();
    young_ = std::move(due); // keeps its capacity for the next period
  }
  if (old_.empty() && young_.empty()) {
    running_ = false;
    return;
  }
  schedule();
}

} // namespace gw::server
