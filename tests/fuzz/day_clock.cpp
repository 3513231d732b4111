// Fuzz target: the TZif reader and its POSIX-TZ footer (catalog/day_clock). The loader reads
// files only, so each input is written to a scratch zoneinfo directory. A zone that loads must
// answer for any instant, and the next midnight is always after the instant asked about.
#include "catalog/day_clock.hpp"

#include "tests/fuzz/fuzz_support.hpp"

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    auto d = gw::fuzz::scratch_dir() + "/zoneinfo";
    std::filesystem::create_directories(d + "/Fuzz");
    return d;
  }();
  gw::fuzz::write_file(dir + "/Fuzz/Zone", gw::fuzz::as_text(data, size));
  auto clock = gw::catalog::day_clock::load("Fuzz/Zone", dir);
  if (!clock) {
    gw::fuzz::require(!clock.error().message.empty(), "an error without a message");
    return 0;
  }
  // 1901, 1970, 2025, 2100 and 2300 (past the last transition: the footer rule decides).
  for (int64_t at : {int64_t{-2'177'452'800'000}, int64_t{0}, int64_t{1'740'787'200'000},
                     int64_t{4'102'444'800'000}, int64_t{10'413'792'000'000}}) {
    (void)clock->utc_offset_ms(at);
    gw::fuzz::require(clock->day_key(at).size() >= 10, "day key shorter than YYYY-MM-DD");
    gw::fuzz::require(clock->next_midnight_ms(at) > at, "next midnight not after the instant");
  }
  return 0;
}
