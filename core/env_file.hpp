// The `.env` file format (python-dotenv's common subset): what FreeRouter users already write.
#pragma once

#include "core/expected.hpp"

#include <map>
#include <string>
#include <string_view>

namespace gw::config {

/// Settings by name. Keys are stored UPPER-CASE because setting names are case-insensitive.
using env_map = std::map<std::string, std::string>;

/// Parses `KEY=VALUE` lines. Accepted: blank lines, `#` comment lines, an optional leading
/// `export `, values in single quotes (literal) or double quotes (escapes `\n \t \r \" \\`),
/// and unquoted values (trimmed, a trailing ` # comment` removed). A later duplicate key wins.
/// A malformed line gives errc::config_error "<file_name>:<line>: <problem>".
gw::expected<env_map> parse_env_file(std::string_view text, const std::string& file_name);

/// Reads and parses the file at `path`. A missing file gives errc::not_found (callers decide
/// whether that matters), an unreadable one errc::io_error.
gw::expected<env_map> read_env_file(const std::string& path);

/// ASCII upper-case copy; the normal form of every setting name.
std::string upper_key(std::string_view key);

} // namespace gw::config
