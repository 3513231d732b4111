#include "catalog/day_clock.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace gw::catalog {

namespace {

constexpr int64_t ms_per_s = 1000;
constexpr int64_t ms_per_day = 86'400'000;
// Instants are clamped to about +-3 million years so that adding an offset or a day never
// overflows; nothing in a quota window is ever that far out.
constexpr int64_t max_instant_ms = int64_t{100'000'000'000'000'000};
// TZif files can start with a "big bang" transition at -2^59 s; such values are clamped before
// the conversion to milliseconds.
constexpr int64_t max_transition_s = max_instant_ms / ms_per_s;
// Real zone files are a few KiB; anything far larger is not a zone file.
constexpr std::streamsize max_tzif_bytes = 1 << 20;
// No zone is more than a day away from UTC; a larger offset means a corrupt file.
constexpr int64_t max_utc_offset_s = int64_t{26} * 3600;
// Local midnight is at most a day (plus a DST jump) away, so a handful of offset segments cover
// it; the bound only guards against pathological files.
constexpr int max_segments_per_midnight = 64;

int64_t clamp_instant(int64_t ms) {
  return std::clamp(ms, -max_instant_ms, max_instant_ms);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, day 0 = 1970-01-01).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct civil_date {
  int64_t year;
  int64_t month;
  int64_t day;
};

civil_date civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t days_in_month(int64_t y, int64_t m) {
  static constexpr std::array<int64_t, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[static_cast<size_t>(m - 1)];
}

// -- POSIX TZ strings (the TZif footer), e.g. "PST8PDT,M3.2.0,M11.1.0" -------------------------

// When a DST change happens within a year: Jn (1..365, Feb 29 never counted), n (0..365,
// counting Feb 29) or Mm.w.d (weekday d of week w of month m, w = 5 meaning the last).
struct tz_rule {
  enum class kind : uint8_t { julian_no_leap, zero_based, month_week_day };
  kind form = kind::month_week_day;
  int64_t day = 0;
  int64_t month = 0;
  int64_t week = 0;
  int64_t weekday = 0;
  int64_t time_s = 7200; // local wall-clock time of the change, default 02:00
};

struct posix_tz {
  int64_t std_offset_ms = 0; // local minus UTC (east positive, unlike the POSIX sign)
  bool has_dst = false;
  int64_t dst_offset_ms = 0;
  tz_rule start;
  tz_rule end;
};

class tz_parser {
public:
  explicit tz_parser(std::string_view text) : text_(text) {}

  std::optional<posix_tz> parse() {
    posix_tz tz;
    std::optional<int64_t> std_offset;
    if (!name() || !(std_offset = offset(24))) {
      return std::nullopt;
    }
    tz.std_offset_ms = -*std_offset * ms_per_s;
    if (done()) {
      return tz;
    }
    if (!name()) {
      return std::nullopt;
    }
    tz.has_dst = true;
    tz.dst_offset_ms = tz.std_offset_ms + 3600 * ms_per_s;
    if (!done() && peek() != ',') {
      auto dst_offset = offset(24);
      if (!dst_offset) {
        return std::nullopt;
      }
      tz.dst_offset_ms = -*dst_offset * ms_per_s;
    }
    // Without rules the change dates are implementation-defined; TZif footers always give them.
    if (!eat(',') || !rule(tz.start) || !eat(',') || !rule(tz.end) || !done()) {
      return std::nullopt;
    }
    return tz;
  }

private:
  bool done() const {
    return pos_ >= text_.size();
  }
  char peek() const {
    return done() ? '\0' : text_[pos_];
  }
  bool eat(char c) {
    if (peek() != c) {
      return false;
    }
    ++pos_;
    return true;
  }
  static bool is_digit(char c) {
    return c >= '0' && c <= '9';
  }
  static bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  // "PST" (at least three letters) or "<-03>" (anything but '>' inside the brackets).
  bool name() {
    if (eat('<')) {
      size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos || close == pos_) {
        return false;
      }
      pos_ = close + 1;
      return true;
    }
    size_t begin = pos_;
    while (!done() && is_alpha(peek())) {
      ++pos_;
    }
    return pos_ - begin >= 3;
  }

  std::optional<int64_t> number(int64_t max_value, size_t max_digits) {
    int64_t value = 0;
    size_t digits = 0;
    while (!done() && is_digit(peek()) && digits < max_digits) {
      value = value * 10 + (peek() - '0');
      ++pos_;
      ++digits;
    }
    if (digits == 0 || value > max_value) {
      return std::nullopt;
    }
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds. `max_hours` is 24 for zone offsets and 167 for rule times
  // (RFC 8536's extension, e.g. "M9.1.6/24" in America/Santiago).
  std::optional<int64_t> offset(int64_t max_hours) {
    int64_t sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    auto hours = number(max_hours, 3);
    if (!hours) {
      return std::nullopt;
    }
    int64_t seconds = *hours * 3600;
    if (eat(':')) {
      auto minutes = number(59, 2);
      if (!minutes) {
        return std::nullopt;
      }
      seconds += *minutes * 60;
      if (eat(':')) {
        auto secs = number(59, 2);
        if (!secs) {
          return std::nullopt;
        }
        seconds += *secs;
      }
    }
    return sign * seconds;
  }

  bool rule(tz_rule& r) {
    if (eat('J')) {
      auto day = number(365, 3);
      if (!day || *day < 1) {
        return false;
      }
      r.form = tz_rule::kind::julian_no_leap;
      r.day = *day;
    } else if (eat('M')) {
      auto month = number(12, 2);
      if (!month || *month < 1 || !eat('.')) {
        return false;
      }
      auto week = number(5, 1);
      if (!week || *week < 1 || !eat('.')) {
        return false;
      }
      auto weekday = number(6, 1);
      if (!weekday) {
        return false;
      }
      r.form = tz_rule::kind::month_week_day;
      r.month = *month;
      r.week = *week;
      r.weekday = *weekday;
    } else {
      auto day = number(365, 3);
      if (!day) {
        return false;
      }
      r.form = tz_rule::kind::zero_based;
      r.day = *day;
    }
    if (eat('/')) {
      auto time = offset(167);
      if (!time) {
        return false;
      }
      r.time_s = *time;
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The local day (days since 1970-01-01) on which `r` falls in `year`.
int64_t rule_day(const tz_rule& r, int64_t year) {
  const int64_t jan1 = days_from_civil(year, 1, 1);
  switch (r.form) {
  case tz_rule::kind::julian_no_leap:
    return jan1 + r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);
  case tz_rule::kind::zero_based:
    return jan1 + r.day;
  case tz_rule::kind::month_week_day:
    break;
  }
  const int64_t first = days_from_civil(year, r.month, 1);
  const int64_t wd = ((first + 4) % 7 + 7) % 7; // 0 = Sunday; 1970-01-01 was a Thursday
  int64_t day = first + (r.weekday - wd + 7) % 7 + (r.week - 1) * 7;
  while (day >= first + days_in_month(year, r.month)) {
    day -= 7;
  }
  return day;
}

// The UTC instant of `r` in `year`; the rule's wall-clock time is read in `offset_before_ms`,
// the offset in force just before the change.
int64_t rule_instant(const tz_rule& r, int64_t year, int64_t offset_before_ms) {
  return rule_day(r, year) * ms_per_day + r.time_s * ms_per_s - offset_before_ms;
}

int64_t local_year(int64_t utc_ms, int64_t offset_ms) {
  return civil_from_days(floor_div(utc_ms + offset_ms, ms_per_day)).year;
}

int64_t footer_offset(const posix_tz& tz, int64_t utc_ms) {
  if (!tz.has_dst) {
    return tz.std_offset_ms;
  }
  const int64_t year = local_year(utc_ms, tz.std_offset_ms);
  const int64_t start = rule_instant(tz.start, year, tz.std_offset_ms);
  const int64_t end = rule_instant(tz.end, year, tz.dst_offset_ms);
  if (start == end) {
    return tz.std_offset_ms;
  }
  // Northern zones have start < end within the year; southern ones are in DST across New Year.
  const bool dst =
    start < end ? (start <= utc_ms && utc_ms < end) : !(end <= utc_ms && utc_ms < start);
  return dst ? tz.dst_offset_ms : tz.std_offset_ms;
}

std::optional<int64_t> footer_next_change(const posix_tz& tz, int64_t utc_ms) {
  if (!tz.has_dst) {
    return std::nullopt;
  }
  const int64_t year = local_year(utc_ms, tz.std_offset_ms);
  std::optional<int64_t> best;
  for (int64_t y = year - 1; y <= year + 2; ++y) {
    for (int64_t change :
         {rule_instant(tz.start, y, tz.std_offset_ms), rule_instant(tz.end, y, tz.dst_offset_ms)}) {
      if (change > utc_ms && (!best || change < *best)) {
        best = change;
      }
    }
  }
  return best;
}

// -- TZif (RFC 8536) ---------------------------------------------------------------------------

class byte_reader {
public:
  explicit byte_reader(std::string_view bytes) : bytes_(bytes) {}

  bool has(size_t n) const {
    return pos_ <= bytes_.size() && bytes_.size() - pos_ >= n;
  }
  size_t position() const {
    return pos_;
  }
  void skip(size_t n) {
    pos_ += n;
  }
  uint8_t u8() {
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  uint32_t u32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      value = (value << 8) | u8();
    }
    return value;
  }
  int64_t s32() {
    return static_cast<int32_t>(u32());
  }
  int64_t s64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
      value = (value << 8) | u8();
    }
    return static_cast<int64_t>(value);
  }
  std::string_view rest() const {
    return bytes_.substr(std::min(pos_, bytes_.size()));
  }

private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct tzif_header {
  char version = '\0';
  uint32_t isutcnt = 0;
  uint32_t isstdcnt = 0;
  uint32_t leapcnt = 0;
  uint32_t timecnt = 0;
  uint32_t typecnt = 0;
  uint32_t charcnt = 0;
};

std::optional<tzif_header> read_header(byte_reader& in) {
  if (!in.has(44)) {
    return std::nullopt;
  }
  const bool magic = in.u8() == 'T' && in.u8() == 'Z' && in.u8() == 'i' && in.u8() == 'f';
  tzif_header h;
  h.version = static_cast<char>(in.u8());
  in.skip(15);
  h.isutcnt = in.u32();
  h.isstdcnt = in.u32();
  h.leapcnt = in.u32();
  h.timecnt = in.u32();
  h.typecnt = in.u32();
  h.charcnt = in.u32();
  if (!magic || h.typecnt == 0) {
    return std::nullopt;
  }
  return h;
}

uint64_t data_block_size(const tzif_header& h, uint64_t time_size) {
  return uint64_t{h.timecnt} * (time_size + 1) + uint64_t{h.typecnt} * 6 + h.charcnt
         + uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

} // namespace

struct day_clock::zone_data {
  std::string name;
  // Ascending instants at which the offset changes, and the offset in force from each on.
  std::vector<int64_t> transitions_ms;
  std::vector<int64_t> offsets_ms;
  // In force before the first transition (RFC 8536: local time type 0).
  int64_t initial_offset_ms = 0;
  // Rules from the last transition on; without them the last offset simply continues.
  std::optional<posix_tz> footer;

  int64_t offset_at(int64_t utc_ms) const {
    if (!transitions_ms.empty() && utc_ms < transitions_ms.front()) {
      return initial_offset_ms;
    }
    if (footer && (transitions_ms.empty() || utc_ms >= transitions_ms.back())) {
      return footer_offset(*footer, utc_ms);
    }
    if (transitions_ms.empty()) {
      return initial_offset_ms;
    }
    auto it = std::upper_bound(transitions_ms.begin(), transitions_ms.end(), utc_ms);
    return offsets_ms[static_cast<size_t>(std::distance(transitions_ms.begin(), it) - 1)];
  }

  std::optional<int64_t> next_change_after(int64_t utc_ms) const {
    if (!transitions_ms.empty() && utc_ms < transitions_ms.back()) {
      return *std::upper_bound(transitions_ms.begin(), transitions_ms.end(), utc_ms);
    }
    if (footer) {
      return footer_next_change(*footer, utc_ms);
    }
    return std::nullopt;
  }
};

namespace {

std::optional<day_clock::zone_data> parse_tzif(std::string_view bytes) {
  byte_reader in{bytes};
  auto header = read_header(in);
  if (!header) {
    return std::nullopt;
  }
  uint64_t time_size = 4;
  if (header->version >= '2') {
    // Skip the legacy 32-bit block; the 64-bit one that follows covers every instant.
    uint64_t v1_size = data_block_size(*header, 4);
    if (!in.has(v1_size)) {
      return std::nullopt;
    }
    in.skip(v1_size);
    header = read_header(in);
    if (!header) {
      return std::nullopt;
    }
    time_size = 8;
  }
  if (!in.has(data_block_size(*header, time_size))) {
    return std::nullopt;
  }
  std::vector<int64_t> times(header->timecnt);
  for (auto& t : times) {
    t = time_size == 8 ? in.s64() : in.s32();
  }
  std::vector<uint8_t> type_of(header->timecnt);
  for (auto& idx : type_of) {
    idx = in.u8();
    if (idx >= header->typecnt) {
      return std::nullopt;
    }
  }
  std::vector<int64_t> type_offsets_s(header->typecnt);
  for (auto& off : type_offsets_s) {
    off = in.s32();
    in.skip(2); // isdst, desigidx: the date only depends on the offset
    if (off > max_utc_offset_s || off < -max_utc_offset_s) {
      return std::nullopt;
    }
  }
  in.skip(header->charcnt + uint64_t{header->leapcnt} * (time_size + 4) + header->isstdcnt
          + header->isutcnt);

  day_clock::zone_data zone;
  zone.initial_offset_ms = type_offsets_s[0] * ms_per_s;
  int64_t in_force = zone.initial_offset_ms;
  for (size_t i = 0; i < times.size(); ++i) {
    if (i > 0 && times[i] <= times[i - 1]) {
      return std::nullopt;
    }
    const int64_t at = std::clamp(times[i], -max_transition_s, max_transition_s) * ms_per_s;
    const int64_t offset = type_offsets_s[type_of[i]] * ms_per_s;
    // Changes of abbreviation or isdst alone do not move the calendar. The last transition is
    // kept whatever it changes: the footer rules apply from it on.
    if (offset == in_force && i + 1 < times.size()) {
      continue;
    }
    zone.transitions_ms.push_back(at);
    zone.offsets_ms.push_back(offset);
    in_force = offset;
  }
  if (time_size == 8) {
    // The footer is "\n<POSIX TZ>\n"; absent, empty or unparsable means "the last offset goes on".
    std::string_view rest = in.rest();
    if (rest.size() >= 2 && rest.front() == '\n') {
      size_t close = rest.find('\n', 1);
      if (close != std::string_view::npos && close > 1) {
        zone.footer = tz_parser{rest.substr(1, close - 1)}.parse();
      }
    }
  }
  return zone;
}

bool is_utc_name(const std::string& zone) {
  return zone.empty() || zone == "UTC" || zone == "Etc/UTC";
}

// IANA names are made of letters, digits, '/', '_', '-', '+' (and '.' in a few legacy links); an
// absolute path or a ".." component could read any file on the machine.
bool is_safe_zone_name(const std::string& zone) {
  if (zone.size() > 255 || zone.front() == '/' || zone.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(zone.begin(), zone.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/'
           || c == '_' || c == '-' || c == '+' || c == '.';
  });
}

gw::error unknown_zone(const std::string& zone) {
  return gw::make_error(gw::errc::config_error, "unknown time zone '" + zone + "'");
}

} // namespace

day_clock::day_clock()
    : day_clock(std::make_shared<const zone_data>(zone_data{"UTC", {}, {}, 0, {}})) {}

day_clock::day_clock(std::shared_ptr<const zone_data> data) : data_(std::move(data)) {}

gw::expected<day_clock> day_clock::load(const std::string& zone, const std::string& zoneinfo_dir) {
  if (is_utc_name(zone)) {
    return day_clock{
      std::make_shared<const zone_data>(zone_data{zone.empty() ? "UTC" : zone, {}, {}, 0, {}})};
  }
  if (!is_safe_zone_name(zone)) {
    return unknown_zone(zone);
  }
  const std::filesystem::path path = std::filesystem::path{zoneinfo_dir} / zone;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return unknown_zone(zone);
  }
  std::ifstream file{path, std::ios::binary};
  if (!file) {
    return unknown_zone(zone);
  }
  std::string bytes(static_cast<size_t>(max_tzif_bytes), '\0');
  file.read(bytes.data(), max_tzif_bytes);
  bytes.resize(static_cast<size_t>(file.gcount()));
  auto parsed = parse_tzif(bytes);
  if (!parsed) {
    return gw::make_error(gw::errc::config_error, "time zone file for '" + zone + "' is malformed");
  }
  parsed->name = zone;
  return day_clock{std::make_shared<const zone_data>(std::move(*parsed))};
}

const std::string& day_clock::zone() const {
  return data_->name;
}

int64_t day_clock::utc_offset_ms(int64_t utc_ms) const {
  return data_->offset_at(clamp_instant(utc_ms));
}

std::string day_clock::day_key(int64_t utc_ms) const {
  const int64_t t = clamp_instant(utc_ms);
  const civil_date date = civil_from_days(floor_div(t + data_->offset_at(t), ms_per_day));
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04lld-%02lld-%02lld", static_cast<long long>(date.year),
                static_cast<long long>(date.month), static_cast<long long>(date.day));
  return text.data();
}

int64_t day_clock::next_midnight_ms(int64_t utc_ms) const {
  const int64_t t = clamp_instant(utc_ms);
  const int64_t offset = data_->offset_at(t);
  // Local wall-clock time of the next midnight, in ms since the local epoch.
  const int64_t target = (floor_div(t + offset, ms_per_day) + 1) * ms_per_day;
  // Walk the segments of constant offset from `t` on: within one, local time reaches `target`
  // at target - offset, unless the segment ends first (or starts already past it, when a DST
  // jump skips midnight).
  int64_t segment_start = t;
  for (int i = 0; i < max_segments_per_midnight; ++i) {
    const int64_t segment_offset = data_->offset_at(segment_start);
    const int64_t candidate = std::max(segment_start, target - segment_offset);
    const auto segment_end = data_->next_change_after(segment_start);
    if (!segment_end || candidate < *segment_end) {
      return std::max(candidate, t + 1);
    }
    segment_start = *segment_end;
  }
  return target - offset;
}

} // namespace gw::catalog
