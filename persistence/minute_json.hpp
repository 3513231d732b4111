// The sliding-minute window of a quota bucket, stored as one JSON text column:
// {"times_ms":[...],"tokens":[...]} (two parallel arrays, oldest first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gw::persistence {

struct minute_window {
  std::vector<int64_t> times_ms;
  std::vector<int64_t> tokens;
};

std::string encode_minute_window(const std::vector<int64_t>& times_ms,
                                 const std::vector<int64_t>& tokens);

/// Lenient on purpose: the window holds at most 60 s of history, so an unreadable value
/// (hand-edited file, truncated write) yields an empty window instead of refusing to start.
/// Arrays of unequal length are cut to the shorter one.
minute_window decode_minute_window(const std::string& json);

} // namespace gw::persistence
