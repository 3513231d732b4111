// Errors as values for users of the FreeRouter client: every call returns result<T>, a value or
// an error carrying the gateway's own error code. Self-contained (standard library only).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace freerouter {

/// Why a call failed. `code` is the gateway's `error.code` when the gateway answered (the same
/// in remote and embedded mode), else one of the client's own codes:
///   gateway codes:  waterfall_exhausted, request_queue_timeout, request_deadline_exceeded,
///                   invalid_request, invalid_api_key, stream_interrupted,
///                   upstream_rejected_request (or the provider's own code for a request it
///                   refused), not_found, ...
///   client codes:   connection_failed (no answer from the gateway: refused, reset, timed out),
///                   protocol_error (an answer that is not what the API promises),
///                   data_dir_locked (embedded: another server or client holds the data dir),
///                   config_error (embedded: the data dir's configuration is unusable),
///                   not_supported (the call does not exist in this mode)
struct error {
  std::string code;
  /// The gateway's `error.type` (provider_unavailable, invalid_request_error, ...); may be empty.
  std::string type;
  /// One line for a person.
  std::string message;
  /// The HTTP status the gateway answered (embedded mode: the status it would have answered);
  /// 0 when there was no answer.
  int http_status = 0;
};

/// A value or an error. Check with `if (r)` before using `*r`.
template <class T>
class result {
public:
  result(T value) : value_(std::move(value)) { // NOLINT(google-explicit-constructor)
  }
  result(freerouter::error err) : error_(std::move(err)) { // NOLINT(google-explicit-constructor)
  }

  explicit operator bool() const {
    return value_.has_value();
  }
  bool has_value() const {
    return value_.has_value();
  }
  T& operator*() & {
    return *value_;
  }
  const T& operator*() const& {
    return *value_;
  }
  T&& operator*() && {
    return std::move(*value_);
  }
  T* operator->() {
    return &*value_;
  }
  const T* operator->() const {
    return &*value_;
  }
  /// Meaningful only when !has_value().
  const freerouter::error& error() const {
    return error_;
  }

private:
  std::optional<T> value_;
  freerouter::error error_;
};

} // namespace freerouter
