// Wall-clock time as ms since the Unix epoch, injected into actors so that tests drive time
// by hand (quota windows, day resets, health backoffs) instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace gw::actors {

using wall_clock = std::function<int64_t()>;

inline wall_clock system_wall_clock() {
  return [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
}

} // namespace gw::actors
