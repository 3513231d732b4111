// Plain data exchanged with an upstream (provider) HTTP endpoint. Free of Beast so that
// actors and tests can use it without heavy headers. The answer side (upstream_result,
// header_list, transport_failure) is a catalog value: the classifier judges it.
#pragma once

#include "catalog/upstream_answer.hpp"
#include "http/upstream/header_fields.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::upstream {

using catalog::find_header;
using catalog::header_list;
using catalog::to_string;
using catalog::transport_failure;
using catalog::upstream_result;

/// What a cancel_token stops: the transport's call in flight.
class cancel_target {
public:
  virtual ~cancel_target() = default;
  /// Abandons the call; any thread.
  virtual void cancel_now() = 0;
};

/// Lets the party that asked for an upstream call abandon it (the client went away): the
/// transport closes the connection and completes the call with transport_failure::cancelled.
/// Thread-safe; cancel() before the call started cancels it as soon as it starts.
class cancel_token {
public:
  void cancel() {
    std::shared_ptr<cancel_target> target;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (cancelled_) {
        return;
      }
      cancelled_ = true;
      target = target_.lock();
    }
    if (target) {
      target->cancel_now();
    }
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return cancelled_;
  }
  /// Names what cancel() stops (the transport's call, once it is on a connection), held
  /// weakly: a call that ended needs no stopping. Stops it at once when the token is already
  /// cancelled. A pointer, not a callback: no allocation per call.
  void on_cancel(std::weak_ptr<cancel_target> target) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (!cancelled_) {
        target_ = std::move(target);
        return;
      }
    }
    if (auto now = target.lock()) {
      now->cancel_now();
    }
  }

private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::weak_ptr<cancel_target> target_;
};

struct upstream_request {
  std::string method = "POST";
  /// Path relative to the provider's base URL, e.g. "/chat/completions".
  std::string path;
  /// Fields rendered once for many calls (a provider's key and content type), sent first.
  header_block fixed_headers;
  /// This call's own fields, checked on every send.
  header_list headers;
  std::string body;
  /// Bounds connect + TLS + write + every read of this attempt (of a stream: until its head).
  std::chrono::milliseconds timeout{90'000};
  /// Streams only: bounds every read of the body after the head; 0 = `timeout`.
  std::chrono::milliseconds read_timeout{0};
  /// Optional: lets the caller abandon the call.
  std::shared_ptr<cancel_token> cancel;
};

} // namespace gw::upstream
