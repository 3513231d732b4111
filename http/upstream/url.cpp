#include "http/upstream/url.hpp"

#include <cctype>

namespace gw::upstream {

namespace {

gw::error bad_url(std::string_view url, const char* why) {
  return gw::make_error(gw::errc::config_error,
                        "invalid base url '" + std::string(url) + "': " + why);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool parse_port(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5) {
    return false;
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + unsigned(c - '0');
  }
  if (value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

/// An IPv6 literal as written between brackets: hex digits, ':' and the dots of an embedded
/// IPv4 part, with at least one ':'. Anything else inside brackets (found by fuzzing:
/// "http://[[https]") would be taken as a host name that host_header() cannot write back.
bool valid_ipv6_literal(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    return false;
  }
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
      return false;
    }
  }
  return true;
}

} // namespace

gw::expected<endpoint> parse_base_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return bad_url(url, "missing scheme");
  }
  endpoint ep;
  ep.scheme = lower(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") {
    return bad_url(url, "scheme must be http or https");
  }
  auto rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad_url(url, "query and fragment are not allowed");
  }
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad_url(url, "contains whitespace or control characters");
    }
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(url, "user info is not allowed");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad_url(url, "unterminated IPv6 literal");
    }
    ep.host = std::string(authority.substr(1, close - 1));
    if (!valid_ipv6_literal(ep.host)) {
      return bad_url(url, "invalid IPv6 literal");
    }
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad_url(url, "unexpected text after IPv6 literal");
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return bad_url(url, "empty port");
      }
    }
  } else {
    auto colon = authority.find(':');
    ep.host = std::string(authority.substr(0, colon));
    if (ep.host.find_first_of("[]") != std::string::npos) {
      return bad_url(url, "brackets outside an IPv6 literal");
    }
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return bad_url(url, "empty port");
      }
    }
  }
  if (ep.host.empty()) {
    return bad_url(url, "missing host");
  }
  ep.host = lower(ep.host);
  if (!port_text.empty()) {
    if (!parse_port(port_text, ep.port)) {
      return bad_url(url, "port must be 1-65535");
    }
  } else {
    ep.port = ep.is_tls() ? 443 : 80;
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  ep.base_path = std::string(path);
  return ep;
}

std::string host_header(const endpoint& ep) {
  std::string out;
  bool ipv6 = ep.host.find(':') != std::string::npos;
  if (ipv6) {
    out += '[';
  }
  out += ep.host;
  if (ipv6) {
    out += ']';
  }
  uint16_t default_port = ep.is_tls() ? 443 : 80;
  if (ep.port != default_port) {
    out += ':';
    out += std::to_string(ep.port);
  }
  return out;
}

} // namespace gw::upstream
