// Local calendar days of an IANA time zone, for quota day windows that reset at the provider's
// midnight (contract §6.5). The zone's TZif file is parsed here rather than through
// setenv("TZ")/tzset/localtime: those mutate process-wide state while other threads run.
// Pure: every instant is passed in by the caller as int64 milliseconds since the Unix epoch.
#pragma once

#include "core/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace gw::catalog {

/// Immutable and cheap to copy (the parsed zone is shared), so every quota ledger of a provider
/// can hold its own copy.
class day_clock {
public:
  /// The UTC clock: offset 0, days are UTC calendar days.
  day_clock();

  /// Loads `zone` from `<zoneinfo_dir>/<zone>` (TZif v1..v4). "", "UTC" and "Etc/UTC" need no
  /// file. Errors (errc::config_error): "unknown time zone 'X'" when the name is unsafe (absolute,
  /// "..", odd characters) or no such file exists; "time zone file for 'X' is malformed".
  static gw::expected<day_clock> load(const std::string& zone,
                                      const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

  /// The zone name as given to load() ("UTC" for the default clock).
  const std::string& zone() const;

  /// Local time minus UTC at `utc_ms`, e.g. -8 h for Los Angeles in winter.
  int64_t utc_offset_ms(int64_t utc_ms) const;

  /// The local calendar date at `utc_ms` as "YYYY-MM-DD".
  std::string day_key(int64_t utc_ms) const;

  /// The first instant (UTC ms) after `utc_ms` whose local date is later than the local date at
  /// `utc_ms`. When a DST jump skips local midnight this is the jump itself.
  int64_t next_midnight_ms(int64_t utc_ms) const;

  struct zone_data; // defined in day_clock.cpp

private:
  explicit day_clock(std::shared_ptr<const zone_data> data);

  std::shared_ptr<const zone_data> data_;
};

} // namespace gw::catalog
