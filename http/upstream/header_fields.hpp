// Request header fields for an upstream call: the rules a name and a value must follow, and a
// block of fields rendered once. A provider's own fields (its key, the content type, its extra
// headers) are the same on every call; rendering and checking them per call cost ~1.5k
// instructions of a ~55k proxied request (callgrind, BENCHMARKS.md).
#pragma once

#include "catalog/upstream_answer.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gw::upstream {

/// An RFC 9110 token (a method or a header name): non-empty, letters, digits, "!#$%&'*+-.^_`|~".
bool is_token(std::string_view text);
/// No byte that would end the line: CR, LF, or a NUL.
bool is_safe_value(std::string_view text);
/// Headers the client owns (Host, Content-Length, Connection, Transfer-Encoding, Keep-Alive);
/// a caller's copy would contradict the framing.
bool is_reserved_header(std::string_view name);

/// Header fields rendered as "Name: value\r\n" lines, already checked. Cheap to copy (shared).
class header_block {
public:
  /// Renders `fields`, leaving reserved ones out; nullopt when a name or value breaks the rules.
  static std::optional<header_block> render(const catalog::header_list& fields);

  header_block() = default;
  /// The lines; empty for an empty (default) block.
  std::string_view text() const {
    return text_ ? std::string_view{*text_} : std::string_view{};
  }

private:
  explicit header_block(std::shared_ptr<const std::string> text) : text_(std::move(text)) {}
  std::shared_ptr<const std::string> text_;
};

} // namespace gw::upstream
