#include "core/log.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace gw::log {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const char hex_digits[] = "0123456789abcdef";

/// JSON string contents: `"` `\` escaped, control characters as \n \r \t or \u00XX.
void append_json_escaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        out += "\\u00";
        out += hex_digits[c >> 4];
        out += hex_digits[c & 0xf];
      } else {
        out += ch;
      }
    }
  }
}

/// Text: control characters escaped as in JSON, so an upstream message with newlines stays
/// on its line; everything else as it is.
void append_text_escaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      append_json_escaped(out, std::string_view(&ch, 1));
    } else {
      out += ch;
    }
  }
}

/// A text field value: quoted when it would not read as one token.
void append_text_value(std::string& out, std::string_view value) {
  bool quote = value.empty() || std::any_of(value.begin(), value.end(), [](char c) {
                 return c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20;
               });
  if (!quote) {
    append_text_escaped(out, value);
    return;
  }
  out += '"';
  append_json_escaped(out, value);
  out += '"';
}

void append_json_member(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  append_json_escaped(out, key);
  out += "\":\"";
  append_json_escaped(out, value);
  out += '"';
}

spdlog::level::level_enum spdlog_level(level l) {
  switch (l) {
  case level::debug:
    return spdlog::level::debug;
  case level::info:
    return spdlog::level::info;
  case level::warn:
    return spdlog::level::warn;
  case level::error:
    return spdlog::level::err;
  }
  return spdlog::level::err;
}

} // namespace

/// The spdlog logger (not registered in spdlog's global registry) and its sink.
struct output {
  std::shared_ptr<spdlog::logger> sink;
};

namespace {

std::shared_ptr<output> make_output(spdlog::sink_ptr sink, format fmt) {
  auto out = std::make_shared<output>();
  out->sink = std::make_shared<spdlog::logger>("freerouter", std::move(sink));
  // The level is checked by logger::enabled before a line is formatted; spdlog passes all.
  out->sink->set_level(spdlog::level::trace);
  std::string pattern =
    fmt == format::json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ",%v})" : "%Y-%m-%dT%H:%M:%S.%eZ %v";
  out->sink->set_formatter(
    std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc, "\n"));
  // stderr is unbuffered, but the ostream sink is not: every line is flushed as it is
  // written, so a line is out before the process can die.
  out->sink->flush_on(spdlog::level::trace);
  return out;
}

} // namespace

std::optional<level> parse_level(std::string_view text) {
  auto v = lower(text);
  if (v == "debug") {
    return level::debug;
  }
  if (v == "info") {
    return level::info;
  }
  if (v == "warn" || v == "warning") {
    return level::warn;
  }
  if (v == "error") {
    return level::error;
  }
  return std::nullopt;
}

std::optional<format> parse_format(std::string_view text) {
  auto v = lower(text);
  if (v == "text") {
    return format::text;
  }
  if (v == "json") {
    return format::json;
  }
  return std::nullopt;
}

std::string_view to_string(level l) {
  switch (l) {
  case level::debug:
    return "debug";
  case level::info:
    return "info";
  case level::warn:
    return "warn";
  case level::error:
    return "error";
  }
  return "error";
}

std::string_view to_string(format f) {
  return f == format::json ? "json" : "text";
}

std::string format_body(format fmt, level l, std::string_view msg, std::string_view request_id,
                        std::initializer_list<field> fields) {
  std::string out;
  out.reserve(msg.size() + request_id.size() + 48);
  if (fmt == format::json) {
    out += R"("level":")";
    out += to_string(l);
    out += '"';
    if (!request_id.empty()) {
      append_json_member(out, "request_id", request_id);
    }
    append_json_member(out, "msg", msg);
    for (const auto& f : fields) {
      append_json_member(out, f.key, f.value);
    }
    return out;
  }
  out += to_string(l);
  if (!request_id.empty()) {
    out += " [req=";
    append_text_escaped(out, request_id);
    out += ']';
  }
  out += ' ';
  append_text_escaped(out, msg);
  for (const auto& f : fields) {
    out += ' ';
    append_text_escaped(out, f.key);
    out += '=';
    append_text_value(out, f.value);
  }
  return out;
}

logger::logger(level min, format fmt)
    : min_(min), format_(fmt),
      out_(make_output(std::make_shared<spdlog::sinks::stderr_sink_mt>(), fmt)) {}

logger::logger(level min, format fmt, std::ostream& out)
    : min_(min), format_(fmt),
      out_(make_output(std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true), fmt)) {}

void logger::write(level l, std::string_view msg, std::string_view request_id,
                   std::initializer_list<field> fields) const {
  if (!out_) {
    return; // moved from
  }
  auto body = format_body(format_, l, msg, request_id, fields);
  out_->sink->log(spdlog_level(l), spdlog::string_view_t(body.data(), body.size()));
}

} // namespace gw::log
