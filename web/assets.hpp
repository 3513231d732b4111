// The web pages and their assets, embedded into the binary at build time (tools/embed.mjs):
// no runtime file lookups, every script and stylesheet is served by the gateway itself.
#pragma once

#include <cstddef>
#include <string_view>

namespace gw::web {

struct asset {
  /// Served name: "chat.html", "assets/common.js", "openapi.json".
  std::string_view name;
  std::string_view content_type;
  /// A strong ETag (quoted content hash).
  std::string_view etag;
  std::string_view body;
};

/// The asset called `name`, or nullptr.
const asset* find_asset(std::string_view name);

namespace detail {
extern const asset asset_table[];
extern const size_t asset_count;
} // namespace detail

} // namespace gw::web
