#include "web/assets.hpp"

#include <algorithm>

namespace gw::web {

const asset* find_asset(std::string_view name) {
  const auto* begin = detail::asset_table;
  const auto* end = begin + detail::asset_count;
  const auto* it = std::lower_bound(begin, end, name,
                                    [](const asset& a, std::string_view n) { return a.name < n; });
  return it != end && it->name == name ? it : nullptr;
}

} // namespace gw::web
