// The gateway's logger: one line per event on stderr, as text
//   2026-12-06T10:00:00.123Z warn [req=abc123] message key=value
// or as JSON lines
//   {"ts":"2026-12-06T10:00:00.123Z","level":"warn","request_id":"abc123","msg":"message","key":"value"}
// with a minimum level (LOG_LEVEL) and the request id on every line about a request. spdlog
// writes the lines (timestamps, one locked write per line); it stays in log.cpp so that this
// header is cheap to include everywhere.
//
// No global logger: app/main.cpp (or runtime/, for the embedded client) makes one from the
// configuration and hands it to whoever logs. A logger is a handle: copies share one output,
// so settings structs carry it by value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gw::log {

enum class level : uint8_t { debug, info, warn, error };

enum class format : uint8_t { text, json };

/// "debug", "info", "warn" (also "warning"), "error", any case; nullopt otherwise.
std::optional<level> parse_level(std::string_view text);
/// "text" or "json", any case; nullopt otherwise.
std::optional<format> parse_format(std::string_view text);
std::string_view to_string(level l);
std::string_view to_string(format f);

/// One extra key of a line (text: ` key=value`, JSON: `,"key":"value"`).
struct field {
  std::string_view key;
  std::string_view value;
};

/// The spdlog logger behind a logger (log.cpp).
struct output;

class logger {
public:
  /// Writes to stderr, info and above, as text.
  logger() : logger(level::info, format::text) {}
  /// Writes to stderr.
  logger(level min, format fmt);
  /// Writes to `out` (tests); `out` must outlive every copy of the logger.
  logger(level min, format fmt, std::ostream& out);

  /// Callers test this before building an expensive message: a filtered line then costs
  /// one comparison.
  bool enabled(level l) const {
    return l >= min_;
  }
  level min_level() const {
    return min_;
  }

  void debug(std::string_view msg, std::string_view request_id = {},
             std::initializer_list<field> fields = {}) const {
    if (enabled(level::debug)) {
      write(level::debug, msg, request_id, fields);
    }
  }
  void info(std::string_view msg, std::string_view request_id = {},
            std::initializer_list<field> fields = {}) const {
    if (enabled(level::info)) {
      write(level::info, msg, request_id, fields);
    }
  }
  void warn(std::string_view msg, std::string_view request_id = {},
            std::initializer_list<field> fields = {}) const {
    if (enabled(level::warn)) {
      write(level::warn, msg, request_id, fields);
    }
  }
  void error(std::string_view msg, std::string_view request_id = {},
             std::initializer_list<field> fields = {}) const {
    if (enabled(level::error)) {
      write(level::error, msg, request_id, fields);
    }
  }

  /// Writes one line regardless of the level (the methods above filter first). Newlines and
  /// other control characters in the message or values are escaped: one event, one line.
  void write(level l, std::string_view msg, std::string_view request_id,
             std::initializer_list<field> fields) const;

private:
  level min_;
  format format_;
  std::shared_ptr<output> out_;
};

/// The line of one event without the timestamp (log.cpp formats it; spdlog prepends the
/// time): `warn [req=abc] message key=value`, or for JSON the members after "ts":
/// `"level":"warn","request_id":"abc","msg":"message","key":"value"`. Exposed for tests.
std::string format_body(format fmt, level l, std::string_view msg, std::string_view request_id,
                        std::initializer_list<field> fields);

} // namespace gw::log
