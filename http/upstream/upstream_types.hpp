// Plain data exchanged with an upstream (provider) HTTP endpoint. Free of Beast so that
// actors, the classifier and tests can use it without heavy headers.
#pragma once

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

using header_list = std::vector<std::pair<std::string, std::string>>;

/// Case-insensitive header lookup; returns nullptr when absent.
inline const std::string* find_header(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size()) {
      bool same = true;
      for (size_t i = 0; i < key.size() && same; ++i) {
        auto lower = [](char c) {
          return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
        };
        same = lower(key[i]) == lower(name[i]);
      }
      if (same) {
        return &value;
      }
    }
  }
  return nullptr;
}

/// Lets the party that asked for an upstream call abandon it (the client went away): the
/// transport closes the connection and completes the call with transport_failure::cancelled.
/// Thread-safe; cancel() before the call started cancels it as soon as it starts.
class cancel_token {
public:
  void cancel() {
    std::function<void()> handler;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (cancelled_) {
        return;
      }
      cancelled_ = true;
      handler = std::move(handler_);
    }
    if (handler) {
      handler();
    }
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return cancelled_;
  }
  /// Installs what cancel() does (the transport, once the call is on a connection); runs it
  /// at once when the token is already cancelled.
  void on_cancel(std::function<void()> handler) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (!cancelled_) {
        handler_ = std::move(handler);
        return;
      }
    }
    handler();
  }

private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::function<void()> handler_;
};

struct upstream_request {
  std::string method = "POST";
  /// Path relative to the provider's base URL, e.g. "/chat/completions".
  std::string path;
  header_list headers;
  std::string body;
  /// Bounds connect + TLS + write + every read of this attempt.
  std::chrono::milliseconds timeout{90'000};
  /// Optional: lets the caller abandon the call.
  std::shared_ptr<cancel_token> cancel;
};

/// Why an attempt never produced an HTTP response.
enum class transport_failure : uint8_t {
  none,
  /// DNS, refused, unreachable.
  connect_error,
  /// Handshake or certificate verification failed (never silently downgraded).
  tls_error,
  /// The per-attempt timeout elapsed.
  timeout,
  /// The peer closed or reset the connection mid-exchange.
  connection_reset,
  /// The peer sent something that is not valid HTTP/1.1.
  protocol_error,
  /// The attempt was cancelled (client gone, shutdown).
  cancelled,
};

/// Stable name, also used as the attempt reason (e.g. "connect_error").
inline const char* to_string(transport_failure failure) {
  switch (failure) {
  case transport_failure::none:
    return "none";
  case transport_failure::connect_error:
    return "connect_error";
  case transport_failure::tls_error:
    return "tls_error";
  case transport_failure::timeout:
    return "timeout";
  case transport_failure::connection_reset:
    return "connection_reset";
  case transport_failure::protocol_error:
    return "protocol_error";
  case transport_failure::cancelled:
    return "cancelled";
  }
  return "none";
}

struct upstream_result {
  transport_failure failure = transport_failure::none;
  /// Human-readable cause when failure != none (e.g. "certificate verify failed").
  std::string detail;
  /// Valid when failure == none.
  int status = 0;
  header_list headers;
  std::string body;
  /// Time from send to the complete response (or failure).
  std::chrono::microseconds elapsed{0};

  bool ok() const {
    return failure == transport_failure::none;
  }
};

} // namespace gw::upstream
