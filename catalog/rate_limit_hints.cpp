#include "catalog/rate_limit_hints.hpp"

#include "catalog/tags.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <string>

namespace gw::catalog {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr int64_t ns_per_ms = 1'000'000;
constexpr int64_t ns_per_s = 1'000'000'000;
// Durations and Unix times saturate here (~126 years, i.e. 2096 as an instant): far beyond the
// clamp, and two of them still fit in int64 nanoseconds.
constexpr int64_t saturated_ns = int64_t{4'000'000'000} * ns_per_s;
// A bare number this large is not "seconds from now" but an absolute Unix time.
constexpr uint64_t epoch_seconds_floor = 1'000'000'000;    // 2001-09-09
constexpr uint64_t epoch_millis_floor = 1'000'000'000'000; // the same instant in ms
// Bodies are searched for hints only in their head; 429 bodies are small.
constexpr size_t searched_body_bytes = size_t{64} * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// An unsigned decimal "12", "7.66", ".5" kept exact (no binary floating point), so rounding
// up to whole milliseconds is exact too.
struct decimal {
  uint64_t whole = 0;
  uint64_t fraction = 0;      // the first fraction_digits digits after the point
  int fraction_digits = 0;    // at most 9
  bool fraction_rest = false; // a non-zero digit beyond the 9th
};

bool parse_decimal(std::string_view text, size_t& pos, decimal& out) {
  int whole_digits = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (++whole_digits > 18) {
      return false;
    }
    out.whole = out.whole * 10 + static_cast<uint64_t>(text[pos++] - '0');
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && is_digit(text[pos])) {
      if (out.fraction_digits < 9) {
        out.fraction = out.fraction * 10 + static_cast<uint64_t>(text[pos] - '0');
        ++out.fraction_digits;
      } else if (text[pos] != '0') {
        out.fraction_rest = true;
      }
      ++pos;
    }
  }
  // At least one digit on either side of the point.
  return whole_digits > 0 || out.fraction_digits > 0;
}

// value * unit_ns in nanoseconds, rounded up, saturating.
int64_t scale(const decimal& value, int64_t unit_ns) {
  using wide = unsigned __int128;
  wide pow10 = 1;
  for (int i = 0; i < value.fraction_digits; ++i) {
    pow10 *= 10;
  }
  wide unit = static_cast<wide>(unit_ns);
  wide total = static_cast<wide>(value.whole) * unit
               + (static_cast<wide>(value.fraction) * unit + pow10 - 1) / pow10
               + (value.fraction_rest ? 1 : 0);
  return total > static_cast<wide>(saturated_ns) ? saturated_ns : static_cast<int64_t>(total);
}

int64_t unit_nanoseconds(std::string_view unit) {
  struct unit_name {
    std::string_view name;
    int64_t ns;
  };
  static constexpr int64_t minute = 60 * ns_per_s;
  static constexpr std::array<unit_name, 29> units{{
    {"ns", 1},
    {"nsec", 1},
    {"us", 1000},
    {"usec", 1000},
    {"\xc2\xb5s", 1000}, // micro sign
    {"\xce\xbcs", 1000}, // greek mu
    {"ms", ns_per_ms},
    {"msec", ns_per_ms},
    {"msecs", ns_per_ms},
    {"millisecond", ns_per_ms},
    {"milliseconds", ns_per_ms},
    {"s", ns_per_s},
    {"sec", ns_per_s},
    {"secs", ns_per_s},
    {"second", ns_per_s},
    {"seconds", ns_per_s},
    {"m", minute},
    {"min", minute},
    {"mins", minute},
    {"minute", minute},
    {"minutes", minute},
    {"h", 60 * minute},
    {"hr", 60 * minute},
    {"hrs", 60 * minute},
    {"hour", 60 * minute},
    {"hours", 60 * minute},
    {"d", int64_t{24} * 60 * minute},
    {"day", int64_t{24} * 60 * minute},
    {"days", int64_t{24} * 60 * minute},
  }};
  for (const auto& u : units) {
    if (u.name == unit) {
      return u.ns;
    }
  }
  return 0;
}

// A duration, or a bare number without unit (whose meaning depends on the header).
struct parsed_amount {
  bool bare = false;
  decimal number; // when bare
  int64_t ns = 0; // when not bare
};

std::optional<parsed_amount> parse_amount(std::string_view raw) {
  auto text = ascii_lower(trim(raw));
  if (text.empty()) {
    return std::nullopt;
  }
  parsed_amount out;
  size_t pos = 0;
  int components = 0;
  while (pos < text.size()) {
    decimal number;
    if (!parse_decimal(text, pos, number)) {
      return std::nullopt;
    }
    while (pos < text.size() && text[pos] == ' ') {
      ++pos;
    }
    size_t unit_start = pos;
    while (pos < text.size()
           && (is_alpha(text[pos]) || static_cast<unsigned char>(text[pos]) >= 0x80)) {
      ++pos;
    }
    auto unit = std::string_view(text).substr(unit_start, pos - unit_start);
    if (unit.empty()) {
      if (components > 0 || pos != text.size()) {
        return std::nullopt;
      }
      out.bare = true;
      out.number = number;
      return out;
    }
    auto unit_ns = unit_nanoseconds(unit);
    if (unit_ns == 0) {
      return std::nullopt;
    }
    out.ns = std::min(saturated_ns, out.ns + scale(number, unit_ns));
    ++components;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == ',')) {
      ++pos;
    }
  }
  return out;
}

// -- dates ------------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct date_parts {
  int year = -1;
  int month = -1;
  int day = -1;
  int hour = -1;
  int minute = -1;
  int second = 0;
  int64_t fraction_ns = 0;
  int zone_minutes = 0; // east of UTC
};

std::optional<sys_time> to_instant(const date_parts& p) {
  if (p.year < 1970 || p.year > 2200 || p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31
      || p.hour < 0 || p.hour > 23 || p.minute < 0 || p.minute > 59 || p.second < 0
      || p.second > 60) {
    return std::nullopt;
  }
  int64_t seconds = days_from_civil(p.year, p.month, p.day) * 86400 + int64_t{p.hour} * 3600
                    + int64_t{p.minute} * 60 + std::min(p.second, 59)
                    - int64_t{p.zone_minutes} * 60;
  return sys_time{}
         + std::chrono::duration_cast<sys_time::duration>(std::chrono::seconds(seconds)
                                                          + nanoseconds(p.fraction_ns));
}

bool parse_int(std::string_view text, int& out) {
  if (text.empty() || text.size() > 9) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// "HH:MM[:SS]"
bool parse_clock(std::string_view text, date_parts& p) {
  auto first = text.find(':');
  auto second = text.find(':', first + 1);
  if (!parse_int(text.substr(0, first), p.hour)) {
    return false;
  }
  if (second == std::string_view::npos) {
    return parse_int(text.substr(first + 1), p.minute);
  }
  return parse_int(text.substr(first + 1, second - first - 1), p.minute)
         && parse_int(text.substr(second + 1), p.second);
}

// "+hhmm" / "-hhmm"
bool parse_numeric_zone(std::string_view text, date_parts& p) {
  if (text.size() != 5 || (text[0] != '+' && text[0] != '-')) {
    return false;
  }
  int hhmm = 0;
  if (!parse_int(text.substr(1), hhmm)) {
    return false;
  }
  p.zone_minutes = (hhmm / 100 * 60 + hhmm % 100) * (text[0] == '-' ? -1 : 1);
  return true;
}

bool apply_word(std::string_view word, date_parts& p) {
  static constexpr std::array<std::string_view, 12> months{
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  static constexpr std::array<std::string_view, 7> weekdays{"mon", "tue", "wed", "thu",
                                                            "fri", "sat", "sun"};
  struct named_zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<named_zone, 12> zones{{{"gmt", 0},
                                                     {"utc", 0},
                                                     {"ut", 0},
                                                     {"z", 0},
                                                     {"est", -5},
                                                     {"edt", -4},
                                                     {"cst", -6},
                                                     {"cdt", -5},
                                                     {"mst", -7},
                                                     {"mdt", -6},
                                                     {"pst", -8},
                                                     {"pdt", -7}}};
  if (std::all_of(word.begin(), word.end(), is_digit)) {
    int value = 0;
    if (!parse_int(word, value)) {
      return false;
    }
    if (word.size() <= 2 && p.day < 0) {
      p.day = value;
    } else if (word.size() == 2 && p.year < 0) {
      p.year = value < 70 ? 2000 + value : 1900 + value; // RFC 850 two-digit years
    } else if (word.size() == 4 && p.year < 0) {
      p.year = value;
    } else {
      return false;
    }
    return true;
  }
  auto lower = ascii_lower(word);
  for (const auto& zone : zones) {
    if (lower == zone.name) {
      p.zone_minutes = zone.hours * 60;
      return true;
    }
  }
  if (lower.size() >= 3) {
    auto prefix = std::string_view(lower).substr(0, 3);
    for (size_t i = 0; i < months.size(); ++i) {
      if (prefix == months[i]) {
        p.month = static_cast<int>(i) + 1;
        return true;
      }
    }
    if (std::find(weekdays.begin(), weekdays.end(), prefix) != weekdays.end()) {
      return true;
    }
  }
  return false;
}

// "2025-01-31T12:00:00[.fff][Z|+hh:mm|+hhmm]"
std::optional<sys_time> parse_iso8601(std::string_view text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':'
      || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return std::nullopt;
  }
  date_parts p;
  if (!parse_int(text.substr(0, 4), p.year) || !parse_int(text.substr(5, 2), p.month)
      || !parse_int(text.substr(8, 2), p.day) || !parse_int(text.substr(11, 2), p.hour)
      || !parse_int(text.substr(14, 2), p.minute) || !parse_int(text.substr(17, 2), p.second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    int64_t scale_ns = 100'000'000;
    for (++pos; pos < text.size() && is_digit(text[pos]); ++pos, scale_ns /= 10) {
      p.fraction_ns += (text[pos] - '0') * scale_ns;
    }
  }
  auto zone = text.substr(pos);
  if (zone.empty() || zone == "Z" || zone == "z") {
    return to_instant(p);
  }
  std::string compact(zone);
  compact.erase(std::remove(compact.begin(), compact.end(), ':'), compact.end());
  if (!parse_numeric_zone(compact, p)) {
    return std::nullopt;
  }
  return to_instant(p);
}

// -- hint collection --------------------------------------------------------------------------

struct hint_collector {
  sys_time now;
  std::optional<sys_time> latest;

  void add_instant(sys_time at) {
    at = std::clamp(at, now, now + max_hinted_cooldown);
    if (!latest || at > *latest) {
      latest = at;
    }
  }

  void add_delay(int64_t ns) {
    auto ms = (std::max<int64_t>(0, ns) + ns_per_ms - 1) / ns_per_ms;
    add_instant(now + std::chrono::duration_cast<sys_time::duration>(milliseconds(ms)));
  }

  // `bare_unit_ns`: what a number without unit counts (1 s, or 1 ms for retry-after-ms).
  // Bare seconds large enough to be Unix times are read as such (seconds or milliseconds).
  bool add_value(std::string_view text, int64_t bare_unit_ns) {
    if (auto amount = parse_amount(text)) {
      if (!amount->bare) {
        add_delay(amount->ns);
      } else if (bare_unit_ns == ns_per_s && amount->number.whole >= epoch_millis_floor) {
        add_instant(sys_time{}
                    + std::chrono::duration_cast<sys_time::duration>(
                      nanoseconds(scale(amount->number, ns_per_ms))));
      } else if (bare_unit_ns == ns_per_s && amount->number.whole >= epoch_seconds_floor) {
        auto ns = scale(amount->number, ns_per_s);
        auto ms = (ns + ns_per_ms - 1) / ns_per_ms;
        add_instant(sys_time{} + std::chrono::duration_cast<sys_time::duration>(milliseconds(ms)));
      } else {
        add_delay(scale(amount->number, bare_unit_ns));
      }
      return true;
    }
    if (auto at = parse_http_date(text)) {
      add_instant(*at);
      return true;
    }
    return false;
  }
};

// A header count such as "0", "12" or "3.5"; nullopt when unparsable.
std::optional<double> parse_number(std::string_view raw) {
  auto text = trim(raw);
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || out != out) {
    return std::nullopt;
  }
  return out;
}

std::optional<double> header_number(const gw::catalog::header_list& headers,
                                    std::string_view name) {
  const auto* value = gw::catalog::find_header(headers, name);
  return value == nullptr ? std::nullopt : parse_number(*value);
}

// "... Please try again in 7.66s." / "retry in 52.1s" / "retry after 60 seconds".
void collect_body_phrases(std::string_view body, hint_collector& hints) {
  static constexpr std::array<std::string_view, 4> phrases{"try again in ", "retry in ",
                                                           "try again after ", "retry after "};
  auto text = ascii_lower(body.substr(0, searched_body_bytes));
  auto word_end = [&text](size_t from) {
    auto end = text.find_first_of(" \t\r\n,;)\"'", from);
    return end == std::string::npos ? text.size() : end;
  };
  auto strip_dot = [](std::string_view word) {
    while (!word.empty() && word.back() == '.') {
      word.remove_suffix(1);
    }
    return word;
  };
  for (auto phrase : phrases) {
    auto at = text.find(phrase);
    if (at == std::string::npos) {
      continue;
    }
    auto first_start = at + phrase.size();
    auto first_end = word_end(first_start);
    auto second_end = first_end < text.size() ? word_end(first_end + 1) : first_end;
    auto two_words =
      strip_dot(std::string_view(text).substr(first_start, second_end - first_start));
    auto one_word = strip_dot(std::string_view(text).substr(first_start, first_end - first_start));
    auto two = parse_amount(two_words);
    if (two && !two->bare) {
      hints.add_delay(two->ns);
    } else if (auto one = parse_amount(one_word)) {
      hints.add_delay(one->bare ? scale(one->number, ns_per_s) : one->ns);
    }
  }
}

void collect_retry_info(const rapidjson::Value& error, hint_collector& hints) {
  if (!error.IsObject()) {
    return;
  }
  auto details = error.FindMember("details");
  if (details == error.MemberEnd() || !details->value.IsArray()) {
    return;
  }
  for (const auto& detail : details->value.GetArray()) {
    if (!detail.IsObject()) {
      continue;
    }
    auto delay = detail.FindMember("retryDelay");
    if (delay == detail.MemberEnd()) {
      continue;
    }
    const auto& v = delay->value;
    if (v.IsString()) {
      if (auto amount = parse_amount({v.GetString(), v.GetStringLength()})) {
        hints.add_delay(amount->bare ? scale(amount->number, ns_per_s) : amount->ns);
      }
    } else if (v.IsObject()) { // protobuf Duration as an object: {"seconds": 3, "nanos": 5e8}
      int64_t ns = 0;
      auto seconds = v.FindMember("seconds");
      auto nanos = v.FindMember("nanos");
      if (seconds != v.MemberEnd() && seconds->value.IsNumber()) {
        ns += static_cast<int64_t>(std::clamp(seconds->value.GetDouble(), 0.0, 1e9)) * ns_per_s;
      }
      if (nanos != v.MemberEnd() && nanos->value.IsNumber()) {
        ns += static_cast<int64_t>(std::clamp(nanos->value.GetDouble(), 0.0, 1e9));
      }
      if (ns > 0) {
        hints.add_delay(ns);
      }
    }
  }
}

void collect_message_phrases(const rapidjson::Value& object, hint_collector& hints) {
  auto message = object.FindMember("message");
  if (message != object.MemberEnd() && message->value.IsString()) {
    collect_body_phrases({message->value.GetString(), message->value.GetStringLength()}, hints);
  }
}

// Error objects of a JSON body: Gemini's {"error": {"details": [{"retryDelay": "3s"}]}}
// (sometimes wrapped in an array) and "try again in ..." in error messages. Only error texts
// are searched, never an answer: a model may well write "try again in 5 minutes".
void collect_error_object(const rapidjson::Value& object, hint_collector& hints) {
  if (!object.IsObject()) {
    return;
  }
  auto error = object.FindMember("error");
  if (error != object.MemberEnd()) {
    collect_retry_info(error->value, hints);
    if (error->value.IsObject()) {
      collect_message_phrases(error->value, hints);
    } else if (error->value.IsString()) {
      collect_body_phrases({error->value.GetString(), error->value.GetStringLength()}, hints);
    }
  } else if (!object.HasMember("choices")) {
    collect_message_phrases(object, hints); // {"message": "..."} error bodies
  }
}

void collect_body(std::string_view body, hint_collector& hints) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return;
  }
  if (body[first] != '{' && body[first] != '[') {
    collect_body_phrases(body, hints); // a plain-text error page
    return;
  }
  if (body.size() > searched_body_bytes) {
    return; // error bodies are small; this is an answer
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError()) {
    collect_body_phrases(body, hints);
    return;
  }
  if (doc.IsArray()) {
    for (const auto& item : doc.GetArray()) {
      collect_error_object(item, hints);
    }
  } else {
    collect_error_object(doc, hints);
  }
}

} // namespace

std::optional<nanoseconds> parse_duration(std::string_view text) {
  auto amount = parse_amount(text);
  if (!amount) {
    return std::nullopt;
  }
  return nanoseconds(amount->bare ? scale(amount->number, ns_per_s) : amount->ns);
}

std::optional<sys_time> parse_http_date(std::string_view raw) {
  auto text = trim(raw);
  if (auto iso = parse_iso8601(text)) {
    return iso;
  }
  date_parts p;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (is_space(text[pos]) || text[pos] == ',')) {
      ++pos;
    }
    auto end = text.find_first_of(" \t\r\n,", pos);
    end = end == std::string_view::npos ? text.size() : end;
    auto token = text.substr(pos, end - pos);
    pos = end;
    if (token.empty()) {
      continue;
    }
    bool ok = true;
    if (token.find(':') != std::string_view::npos) {
      ok = parse_clock(token, p);
    } else if (parse_numeric_zone(token, p)) {
      ok = true;
    } else if (token.find('-') != std::string_view::npos) { // RFC 850 "06-Nov-94"
      size_t start = 0;
      while (ok && start <= token.size()) {
        auto dash = token.find('-', start);
        dash = dash == std::string_view::npos ? token.size() : dash;
        ok = apply_word(token.substr(start, dash - start), p);
        start = dash + 1;
      }
    } else {
      ok = apply_word(token, p);
    }
    if (!ok) {
      return std::nullopt;
    }
  }
  return to_instant(p);
}

std::optional<sys_time> cooldown_from_hints(const gw::catalog::header_list& headers,
                                            std::string_view body, sys_time now) {
  static constexpr std::string_view reset_prefix = "x-ratelimit-reset";
  hint_collector hints{now, std::nullopt};
  // Names are compared in place: lowercasing a copy of each cost an allocation per header on
  // every answer.
  for (const auto& [name, value] : headers) {
    if (header_name_is(name, "retry-after")) {
      hints.add_value(value, ns_per_s);
    } else if (header_name_is(name, "retry-after-ms")) {
      hints.add_value(value, ns_per_ms);
    } else if (header_name_starts_with(name, reset_prefix)) {
      auto remaining =
        "x-ratelimit-remaining" + ascii_lower(std::string_view(name).substr(reset_prefix.size()));
      // Counts are truncated (reference §5.6): 0.5 left is none left.
      auto left = header_number(headers, remaining);
      if (left && *left >= 1) {
        continue; // that limit still has room: it is not why we were limited
      }
      hints.add_value(value, ns_per_s);
    }
  }
  if (!body.empty()) {
    collect_body(body, hints);
  }
  return hints.latest;
}

bool remaining_exhausted(const gw::catalog::header_list& headers) {
  for (const auto& [name, value] : headers) {
    if (!header_name_starts_with(name, "x-ratelimit-remaining")) {
      continue;
    }
    if (auto left = parse_number(value); left && *left < 1) {
      return true;
    }
  }
  return false;
}

} // namespace gw::catalog
