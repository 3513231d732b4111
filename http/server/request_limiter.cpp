#include "http/server/request_limiter.hpp"

#include "metrics/gateway_metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <mutex>

namespace gw::server {

namespace net = boost::asio;

struct request_limiter::impl : std::enable_shared_from_this<impl> {
  struct waiter {
    uint64_t id;
    std::function<void(slot_ptr)> on_done;
    std::shared_ptr<net::steady_timer> timer;
  };

  class held_slot final : public limiter_slot {
  public:
    explicit held_slot(std::shared_ptr<impl> owner) : owner_(std::move(owner)) {}
    ~held_slot() override {
      try {
        release();
      } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw; nothing to do
      }
    }
    /// Called from several threads (the reply, the client going away, a stream's commit):
    /// only the first call gives the slot back.
    void release() override {
      if (!released_.exchange(true)) {
        owner_->give_back();
      }
    }

  private:
    const std::shared_ptr<impl> owner_;
    std::atomic<bool> released_{false};
  };

  impl(net::io_context& io, settings s, metrics::gateway_metrics* m)
      : ioc(io), config(s), metrics(m) {}

  net::io_context& ioc;
  settings config;
  metrics::gateway_metrics* metrics;

  /// Publishes the gauges; called with the mutex held so snapshots cannot reorder.
  void export_state() const {
    if (metrics != nullptr) {
      metrics->set_limiter_state(used, queue.size());
    }
  }

  void reject(const std::function<void(slot_ptr)>& on_done) const {
    if (metrics != nullptr) {
      metrics->count_limiter_rejection();
    }
    on_done(nullptr);
  }
  mutable std::mutex mutex;
  size_t used = 0;
  uint64_t next_id = 0;
  std::deque<waiter> queue;

  /// Takes a slot when one is free and nobody waits (a waiter is served first). Called with
  /// the mutex held.
  bool take_free_slot() {
    if (used >= config.slots || !queue.empty()) {
      return false;
    }
    ++used;
    export_state();
    return true;
  }

  /// A slot came back: hand it to the oldest waiter, or return it to the pool.
  void give_back() {
    std::function<void(slot_ptr)> next;
    std::shared_ptr<net::steady_timer> timer;
    {
      std::lock_guard<std::mutex> guard(mutex);
      if (queue.empty()) {
        --used;
        export_state();
        return;
      }
      next = std::move(queue.front().on_done);
      timer = std::move(queue.front().timer);
      queue.pop_front();
      export_state();
    }
    timer->cancel();
    // The slot passes straight to the waiter; run it on an io thread, not inside release().
    net::post(ioc, [self = shared_from_this(), next = std::move(next)] {
      next(std::make_shared<held_slot>(self));
    });
  }

  void expire(uint64_t id) {
    std::function<void(slot_ptr)> rejected;
    {
      std::lock_guard<std::mutex> guard(mutex);
      for (auto it = queue.begin(); it != queue.end(); ++it) {
        if (it->id == id) {
          rejected = std::move(it->on_done);
          queue.erase(it);
          export_state();
          break;
        }
      }
    }
    if (rejected) {
      reject(rejected);
    }
  }
};

request_limiter::request_limiter(net::io_context& ioc, settings s,
                                 metrics::gateway_metrics* metrics)
    : impl_(std::make_shared<impl>(ioc, s, metrics)) {
  if (impl_->config.slots == 0) {
    impl_->config.slots = 1;
  }
  if (metrics != nullptr) {
    metrics->set_limiter_capacity(impl_->config.slots);
  }
}

request_limiter::~request_limiter() = default;

slot_ptr request_limiter::try_acquire() {
  {
    std::lock_guard<std::mutex> guard(impl_->mutex);
    if (!impl_->take_free_slot()) {
      return nullptr;
    }
  }
  return std::make_shared<impl::held_slot>(impl_);
}

void request_limiter::acquire(std::function<void(slot_ptr)> on_done) {
  auto& m = *impl_;
  std::unique_lock<std::mutex> guard(m.mutex);
  if (m.take_free_slot()) {
    guard.unlock();
    on_done(std::make_shared<impl::held_slot>(impl_));
    return;
  }
  if (m.queue.size() >= m.config.max_waiting || m.config.queue_timeout.count() <= 0) {
    guard.unlock();
    m.reject(on_done);
    return;
  }
  auto id = m.next_id++;
  auto timer = std::make_shared<net::steady_timer>(m.ioc, m.config.queue_timeout);
  // Armed under the lock: give_back() may cancel this timer from another thread as soon as
  // the waiter is visible in the queue.
  timer->async_wait([weak = std::weak_ptr<impl>(impl_), id](boost::system::error_code ec) {
    if (ec) {
      return; // cancelled: the waiter got a slot
    }
    if (auto self = weak.lock()) {
      self->expire(id);
    }
  });
  m.queue.push_back({id, std::move(on_done), timer});
  m.export_state();
  guard.unlock();
}

size_t request_limiter::in_use() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->used;
}

size_t request_limiter::waiting() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->queue.size();
}

size_t request_limiter::capacity() const {
  return impl_->config.slots;
}

} // namespace gw::server
