// Process-wide concurrency cap with a bounded, timed wait queue (reference §6, contract §6.2).
// Lives on the Asio side: admission is decided before any actor is bothered, and a rejected
// request costs no mailbox hop.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::metrics {
class gateway_metrics;
} // namespace gw::metrics

namespace gw::server {

/// One held slot. Released exactly once: by release() or when the last copy is destroyed.
class limiter_slot {
public:
  virtual ~limiter_slot() = default;
  virtual void release() = 0;
};

using slot_ptr = std::shared_ptr<limiter_slot>;

class request_limiter {
public:
  struct settings {
    size_t slots = 20;
    std::chrono::milliseconds queue_timeout{30'000};
    size_t max_waiting = 200;
  };

  /// `metrics` (may be null) gets the slot/queue gauges and the rejection counter.
  request_limiter(boost::asio::io_context& ioc, settings s,
                  metrics::gateway_metrics* metrics = nullptr);
  ~request_limiter();
  request_limiter(const request_limiter&) = delete;
  request_limiter& operator=(const request_limiter&) = delete;

  /// Calls `on_done` exactly once: with a slot (possibly right away, on the caller's thread) or
  /// with nullptr when the queue is full or the wait timed out. Thread-safe.
  /// Unlike the reference, a free slot is always taken even with a zero timeout or waiting cap.
  void acquire(std::function<void(slot_ptr)> on_done);

  /// A slot when one is free and nobody waits, else nullptr (nothing queued, nothing counted):
  /// the common case without the callback acquire() must allocate. Thread-safe.
  slot_ptr try_acquire();

  size_t in_use() const;
  size_t waiting() const;
  size_t capacity() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace gw::server
