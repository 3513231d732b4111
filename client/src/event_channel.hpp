// Hands a streamed chat's events from the I/O side (embedded_stream, on an io thread) to the
// thread that called chat_stream(), which runs the caller's callback. A `resume` item asks the
// consumer to pull the next upstream chunk once it has delivered everything before it: the
// caller's pace bounds what is buffered (pull backpressure, as the server's relay does).
#pragma once

#include "freerouter/result.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace freerouter::detail {

class event_channel {
public:
  struct item {
    /// One stream-route event as SSE text (`data: {...}\n\n`); empty for a resume item.
    std::string event;
    std::function<void()> resume;
  };
  enum class state { item, closed, timeout };

  void push(std::string event) {
    put(item{std::move(event), nullptr});
  }
  void push_resume(std::function<void()> resume) {
    put(item{{}, std::move(resume)});
  }
  /// The request ended: with an error (not served), or nullopt (the stream was the answer).
  /// Items pushed before stay readable; later pushes are dropped.
  void close(std::optional<error> failure) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (closed_) {
        return;
      }
      closed_ = true;
      failure_ = std::move(failure);
    }
    ready_.notify_all();
  }

  /// The next item, `closed` once every item was read after close(), or `timeout`.
  state pop(item& out, std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, wait, [this] { return !items_.empty() || closed_; })) {
      return state::timeout;
    }
    if (items_.empty()) {
      return state::closed;
    }
    out = std::move(items_.front());
    items_.pop_front();
    return state::item;
  }

  std::optional<error> failure() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return failure_;
  }

private:
  void put(item it) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (closed_) {
        return;
      }
      items_.push_back(std::move(it));
    }
    ready_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<item> items_;
  bool closed_ = false;
  std::optional<error> failure_;
};

} // namespace freerouter::detail
