// Errors as values: every fallible function in the project returns gw::expected<T>
// (or gw::error for "no value"), never throws across a module boundary.
#pragma once

#include <cstdint>
#include <string>

namespace gw {

/// What went wrong, independent of where it is reported (HTTP, stderr, logs).
enum class errc : uint8_t {
  /// The caller's input is malformed or violates the API (HTTP 400).
  invalid_request,
  /// A named thing (route id, path) does not exist (HTTP 404).
  not_found,
  /// The path exists but not for this method (HTTP 405).
  method_not_allowed,
  /// A body exceeded its configured limit (HTTP 413).
  payload_too_large,
  /// A configuration file or key is unusable; the binary exits non-zero.
  config_error,
  /// Reading or writing a local file failed.
  io_error,
  /// SQLite reported a failure.
  storage_error,
  /// Another process holds something this one needs exclusively (the data dir's lock).
  locked,
  /// A bug: an invariant did not hold. Reported, never crashes the process.
  internal,
};

/// Stable lower-case name of an error code, used in logs and tests.
const char* to_string(errc code);

/// An error code plus a human-readable message naming the file/key/field at fault.
struct error {
  errc code = errc::internal;
  std::string message;
};

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

} // namespace gw
