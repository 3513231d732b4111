// Removes secrets from text that came from outside: a provider's error message may echo the
// API key it was sent ("Invalid API key: sk-abc..."), and that text reaches clients, the live
// monitor, the status views and the log. Applied where upstream text enters the gateway's
// domain, so nothing downstream has to remember it. Pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

/// What a redacted secret is replaced with.
inline constexpr std::string_view redacted_marker = "[redacted]";

class redactor {
public:
  /// `secrets`: the configured provider keys (empty ones are ignored).
  explicit redactor(std::vector<std::string> secrets = {});

  /// `text` with every occurrence of a secret, and the credential of every `Bearer <token>`
  /// (any case, e.g. an echoed Authorization header), replaced by redacted_marker.
  std::string apply(std::string_view text) const;

  /// In place; returns whether anything was replaced.
  bool apply_in_place(std::string& text) const;

private:
  /// Longest first, so a key that contains another is replaced whole.
  std::vector<std::string> secrets_;
};

using redactor_ptr = std::shared_ptr<const redactor>;

} // namespace gw
