// What came back from one upstream exchange, free of any transport: the status, headers and
// body of an answer, or why there was none. The classifier and the rate-limit hint readers
// (catalog/) judge it; http/upstream produces it (and names it gw::upstream::upstream_result).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::catalog {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// Header names compare case-insensitively (ASCII): `key` as received, `name` in any case.
inline bool header_name_is(std::string_view key, std::string_view name) {
  if (key.size() != name.size()) {
    return false;
  }
  auto lower = [](char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  };
  for (size_t i = 0; i < key.size(); ++i) {
    if (lower(key[i]) != lower(name[i])) {
      return false;
    }
  }
  return true;
}

/// The same for the first prefix.size() characters of `key`.
inline bool header_name_starts_with(std::string_view key, std::string_view prefix) {
  return key.size() >= prefix.size() && header_name_is(key.substr(0, prefix.size()), prefix);
}

/// Case-insensitive header lookup; returns nullptr when absent.
inline const std::string* find_header(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (header_name_is(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

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

} // namespace gw::catalog
