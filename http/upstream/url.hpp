// Provider base URLs ("https://api.groq.com/openai/v1") split into what a connection needs.
#pragma once

#include "core/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gw::upstream {

struct endpoint {
  /// "http" or "https" (lower case).
  std::string scheme;
  /// Host name or IP literal; IPv6 literals are stored without brackets.
  std::string host;
  /// Explicit port, else 80 / 443 from the scheme.
  uint16_t port = 0;
  /// Path prefix without a trailing '/', e.g. "/openai/v1"; empty for the root.
  std::string base_path;

  bool is_tls() const {
    return scheme == "https";
  }
};

/// Parses an absolute http(s) URL without user info, query or fragment.
/// Errors are errc::config_error naming the URL, since base URLs come from configuration.
gw::expected<endpoint> parse_base_url(std::string_view url);

/// The Host header value for `ep`: brackets around IPv6 literals, ":port" unless default.
std::string host_header(const endpoint& ep);

} // namespace gw::upstream
