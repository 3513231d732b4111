// The one error envelope of the gateway (contract §6.1): OpenAI's
// {"error":{"message":..,"type":..,"code":..,"param":..}}.
#pragma once

#include <string>
#include <string_view>

namespace gw::openai {

/// Compact JSON. An empty `code` or `param` is written as null. `extra_fields_json`, when not
/// empty, is raw JSON member text (e.g. R"("attempts":[...])") appended inside the error
/// object; the caller guarantees it is valid. Invalid UTF-8 in the strings becomes U+FFFD so
/// the result is always valid JSON.
std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param = {}, std::string_view extra_fields_json = {});

/// Appends `text` as a quoted JSON string (escaped, invalid UTF-8 replaced by U+FFFD).
void append_json_string(std::string& out, std::string_view text);

} // namespace gw::openai
