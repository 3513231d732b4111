// Comparing a presented secret (an API key) with the configured one without a timing side
// channel: `==` stops at the first differing byte, so its duration tells an attacker how much
// of a guess was right.
#pragma once

#include <string_view>

namespace gw {

/// True when `presented` equals `secret`. The work depends only on the length of `presented`
/// (which the caller sent), never on where the two differ nor on `secret`'s length beyond the
/// final length check. An empty `secret` matches nothing.
bool constant_time_equal(std::string_view presented, std::string_view secret);

} // namespace gw
