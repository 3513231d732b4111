#define CAF_SUITE quota.day_clock
#include "catalog/day_clock.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using gw::catalog::day_clock;

namespace {

constexpr int64_t sec = 1000;
constexpr int64_t hour = 3600 * sec;

day_clock load(const std::string& zone, const std::string& dir = "/usr/share/zoneinfo") {
  auto clock = day_clock::load(zone, dir);
  CAF_REQUIRE(clock.has_value());
  return *clock;
}

// A scratch zoneinfo directory holding hand-made TZif files.
class zone_dir {
public:
  zone_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path()
            / ("gw-quota-tests-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  zone_dir(const zone_dir&) = delete;
  zone_dir& operator=(const zone_dir&) = delete;
  ~zone_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream out{path_ / name, std::ios::binary};
    out << bytes;
  }
  std::string path() const {
    return path_.string();
  }

private:
  std::filesystem::path path_;
};

void put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void put64(std::string& out, int64_t v) {
  put32(out, static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
  put32(out, static_cast<uint32_t>(static_cast<uint64_t>(v) & 0xffffffff));
}

void header(std::string& out, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt) {
  out += "TZif2";
  out.append(15, '\0');
  for (uint32_t count : {0u, 0u, 0u, timecnt, typecnt, charcnt}) {
    put32(out, count);
  }
}

struct transition {
  int64_t at_s;
  uint8_t type;
};

// A TZif v2 file: an empty v1 block, then transitions, types (UTC offsets in seconds) and the
// POSIX footer.
std::string tzif(const std::vector<transition>& transitions, const std::vector<int32_t>& offsets,
                 const std::string& footer) {
  std::string out;
  header(out, 0, 1, 1);
  out.append(6, '\0'); // one ttinfo: offset 0
  out.push_back('\0'); // designations
  header(out, static_cast<uint32_t>(transitions.size()), static_cast<uint32_t>(offsets.size()), 1);
  for (const auto& t : transitions) {
    put64(out, t.at_s);
  }
  for (const auto& t : transitions) {
    out.push_back(static_cast<char>(t.type));
  }
  for (int32_t offset : offsets) {
    put32(out, static_cast<uint32_t>(offset));
    out.push_back('\0');
    out.push_back('\0');
  }
  out.push_back('\0');
  out += "\n" + footer + "\n";
  return out;
}

} // namespace

CAF_TEST(los angeles winter days turn at 08 : 00 utc) {
  auto la = load("America/Los_Angeles");
  const int64_t midnight = int64_t{1705392000} * sec; // 2024-01-16 00:00 PST
  CAF_CHECK_EQUAL(la.utc_offset_ms(midnight), -8 * hour);
  CAF_CHECK_EQUAL(la.day_key(midnight - 1), "2024-01-15");
  CAF_CHECK_EQUAL(la.day_key(midnight), "2024-01-16");
  CAF_CHECK_EQUAL(la.next_midnight_ms(midnight - 10 * hour), midnight);
  CAF_CHECK_EQUAL(la.next_midnight_ms(midnight - 1), midnight);
  CAF_CHECK_EQUAL(la.next_midnight_ms(midnight), int64_t{1705478400} * sec);
}

CAF_TEST(los angeles summer days turn at 07 : 00 utc) {
  auto la = load("America/Los_Angeles");
  const int64_t midnight = int64_t{1721113200} * sec; // 2024-07-16 00:00 PDT
  CAF_CHECK_EQUAL(la.utc_offset_ms(midnight), -7 * hour);
  CAF_CHECK_EQUAL(la.day_key(midnight - 1), "2024-07-15");
  CAF_CHECK_EQUAL(la.day_key(midnight), "2024-07-16");
  CAF_CHECK_EQUAL(la.next_midnight_ms(midnight - 1), midnight);
  CAF_CHECK_EQUAL(la.next_midnight_ms(midnight), int64_t{1721199600} * sec);
}

CAF_TEST(days of dst changes last 23 and 25 hours) {
  auto la = load("America/Los_Angeles");
  // 2024-03-10 04:00 PST -> 2024-03-11 00:00 PDT, 2024-11-03 05:00 PDT -> 2024-11-04 00:00 PST.
  CAF_CHECK_EQUAL(la.next_midnight_ms(int64_t{1710072000} * sec), int64_t{1710140400} * sec);
  CAF_CHECK_EQUAL(la.next_midnight_ms(int64_t{1730635200} * sec), int64_t{1730707200} * sec);
  CAF_CHECK_EQUAL(la.day_key(int64_t{1710072000} * sec), "2024-03-10");
}

CAF_TEST(instants after the last transition follow the posix footer rules) {
  auto la = load("America/Los_Angeles");
  const int64_t new_year = int64_t{4102473600} * sec; // 2100-01-01 00:00 PST
  CAF_CHECK_EQUAL(la.utc_offset_ms(new_year), -8 * hour);
  CAF_CHECK_EQUAL(la.day_key(new_year - 1), "2099-12-31");
  CAF_CHECK_EQUAL(la.day_key(new_year), "2100-01-01");
  const int64_t july = int64_t{4118108400} * sec; // 2100-07-01 00:00 PDT
  CAF_CHECK_EQUAL(la.utc_offset_ms(july), -7 * hour);
  CAF_CHECK_EQUAL(la.next_midnight_ms(july - hour), july);
  auto sydney = load("Australia/Sydney");
  CAF_CHECK_EQUAL(sydney.utc_offset_ms(int64_t{4103654400} * sec), 11 * hour); // Jan: AEDT
  CAF_CHECK_EQUAL(sydney.utc_offset_ms(int64_t{4119292800} * sec), 10 * hour); // Jul: AEST
}

CAF_TEST(berlin days turn at 23 : 00 utc in winter and 22 : 00 utc in summer) {
  auto berlin = load("Europe/Berlin");
  const int64_t winter = int64_t{1704063600} * sec; // 2024-01-01 00:00 CET
  CAF_CHECK_EQUAL(berlin.utc_offset_ms(winter), 1 * hour);
  CAF_CHECK_EQUAL(berlin.day_key(winter - 1), "2023-12-31");
  CAF_CHECK_EQUAL(berlin.day_key(winter), "2024-01-01");
  CAF_CHECK_EQUAL(berlin.next_midnight_ms(winter - 1), winter);
  const int64_t summer = int64_t{1719784800} * sec; // 2024-07-01 00:00 CEST
  CAF_CHECK_EQUAL(berlin.utc_offset_ms(summer), 2 * hour);
  CAF_CHECK_EQUAL(berlin.day_key(summer - 1), "2024-06-30");
  CAF_CHECK_EQUAL(berlin.day_key(summer), "2024-07-01");
  CAF_CHECK_EQUAL(berlin.next_midnight_ms(summer - 5 * hour), summer);
}

CAF_TEST(a dst jump over midnight starts the next day at the jump) {
  // Chile springs forward at Saturday 24:00 (-04) to Sunday 01:00 (-03): midnight never occurs.
  auto santiago = load("America/Santiago");
  const int64_t jump = int64_t{1725768000} * sec; // 2024-09-08 04:00 UTC
  CAF_CHECK_EQUAL(santiago.next_midnight_ms(int64_t{1725724800} * sec), jump);
  CAF_CHECK_EQUAL(santiago.day_key(jump - 1), "2024-09-07");
  CAF_CHECK_EQUAL(santiago.day_key(jump), "2024-09-08");
  CAF_CHECK_EQUAL(santiago.utc_offset_ms(jump), -3 * hour);
}

CAF_TEST(utc needs no zone file and has calendar days of utc) {
  const int64_t new_year = int64_t{1704067200} * sec; // 2024-01-01 00:00 UTC
  for (const std::string zone : {"UTC", "Etc/UTC", ""}) {
    auto utc = load(zone, "/nonexistent");
    CAF_CHECK_EQUAL(utc.utc_offset_ms(new_year), 0);
    CAF_CHECK_EQUAL(utc.day_key(new_year - 1), "2023-12-31");
    CAF_CHECK_EQUAL(utc.next_midnight_ms(new_year - 1), new_year);
    CAF_CHECK_EQUAL(utc.next_midnight_ms(new_year), new_year + 24 * hour);
  }
  day_clock fallback;
  CAF_CHECK_EQUAL(fallback.zone(), "UTC");
  CAF_CHECK_EQUAL(fallback.day_key(-1), "1969-12-31");
  CAF_CHECK_EQUAL(fallback.next_midnight_ms(-1), 0);
  CAF_CHECK_EQUAL(fallback.day_key(0), "1970-01-01");
}

CAF_TEST(unknown or unsafe zone names are config errors) {
  auto mars = day_clock::load("Mars/Olympus_Mons");
  CAF_REQUIRE(!mars.has_value());
  CAF_CHECK(mars.error().code == gw::errc::config_error);
  CAF_CHECK_EQUAL(mars.error().message, "unknown time zone 'Mars/Olympus_Mons'");
  for (const std::string zone : {"../../etc/passwd", "/etc/passwd", "America", "Europe/Ber lin",
                                 "America/../Europe/Berlin"}) {
    auto clock = day_clock::load(zone);
    CAF_CHECK(!clock.has_value());
    CAF_CHECK_EQUAL(clock.error().message, "unknown time zone '" + zone + "'");
  }
}

CAF_TEST(a footer without transitions defines the whole zone) {
  zone_dir dir;
  dir.write("Test_Zone", tzif({}, {-3 * 3600}, "XST3XDT,M3.2.0,M11.1.0"));
  auto zone = load("Test_Zone", dir.path());
  CAF_CHECK_EQUAL(zone.zone(), "Test_Zone");
  CAF_CHECK_EQUAL(zone.utc_offset_ms(int64_t{1894665600} * sec), -3 * hour); // 2030-01-15
  CAF_CHECK_EQUAL(zone.utc_offset_ms(int64_t{1910304000} * sec), -2 * hour); // 2030-07-15
  CAF_CHECK_EQUAL(zone.day_key(int64_t{1910304000} * sec), "2030-07-14");
}

CAF_TEST(an unparsable or empty footer keeps the last offset) {
  zone_dir dir;
  const int64_t change_s = 1'000'000'000; // 2001-09-09
  dir.write("Garbage", tzif({{change_s, 1}}, {0, 5 * 3600}, "not a tz string"));
  dir.write("Empty", tzif({{change_s, 1}}, {0, 5 * 3600}, ""));
  for (const char* name : {"Garbage", "Empty"}) {
    auto zone = load(name, dir.path());
    CAF_CHECK_EQUAL(zone.utc_offset_ms(change_s * sec - 1), 0);
    CAF_CHECK_EQUAL(zone.utc_offset_ms(change_s * sec), 5 * hour);
    CAF_CHECK_EQUAL(zone.utc_offset_ms(int64_t{4119292800} * sec), 5 * hour);
  }
}

CAF_TEST(a truncated or foreign file is reported as malformed) {
  zone_dir dir;
  std::string whole = tzif({{1'000'000'000, 1}}, {0, 3600}, "");
  dir.write("Truncated", whole.substr(0, whole.size() / 2 + 20));
  dir.write("Foreign", "#!/bin/sh\necho not a zone file\n");
  for (const std::string name : {"Truncated", "Foreign"}) {
    auto zone = day_clock::load(name, dir.path());
    CAF_REQUIRE(!zone.has_value());
    CAF_CHECK(zone.error().code == gw::errc::config_error);
    CAF_CHECK_EQUAL(zone.error().message, "time zone file for '" + name + "' is malformed");
  }
}
