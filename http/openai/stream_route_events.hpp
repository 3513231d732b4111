// The events of the stream-route protocol used by the chat page (reference §9): each one a
// complete SSE message `data: <Python-style JSON>\n\n`, i.e. the layout of Python's
// json.dumps defaults (", " and ": " separators, non-ASCII escaped as \uXXXX), because the
// page and the upstream tests match substrings such as `"type": "error"`. Also the OpenAI-stream
// error event sent after commit (contract §6.4). Pure.
#pragma once

#include "catalog/usage.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace gw::openai {

// -- Python-style JSON ------------------------------------------------------

/// Appends `text` as json.dumps(ensure_ascii=True) writes a str: `"` `\` and \n \r \t \b \f
/// escaped, every other character outside 0x20..0x7E as \uXXXX (lowercase hex, surrogate
/// pairs above U+FFFF). Invalid UTF-8 bytes become \ufffd.
void append_python_json_string(std::string& out, std::string_view text);

/// Appends a JSON number as Python writes it: integers exactly, floats as repr() does
/// (shortest round-trip digits, "1.0", "1e-05", "1e+16"). Valid compact JSON as well.
void append_json_number(std::string& out, const rapidjson::Value& number);

/// The whole value in Python-style layout. Containers nested deeper than 128 levels are
/// written as null (bounds the recursion on hostile input).
std::string python_json(const rapidjson::Value& value);

// -- stream-route events ----------------------------------------------------

/// `{"type": <type>, "provider": .., "model_id": .., "route_id": .., "reason": ..}`.
/// An empty `reason` is replaced by the type's default (route_skip: route_unavailable,
/// route_fail: provider_error, route_flagged: health_flagged) or, for other types
/// (route_trying, route_selected), the key is left out.
std::string route_event(std::string_view type, std::string_view provider, std::string_view model_id,
                        std::string_view route_id, std::string_view reason);

/// `{"type": "content", "text": ..}`.
std::string content_event(std::string_view text);

/// `{"type": "usage", "usage": <usage>}`; `usage_json` is the upstream's usage object as JSON
/// text (any layout). Text that is not a JSON object is written as `{}`.
std::string usage_event(const std::string& usage_json);

/// The same event for the counts the gateway read off the stream.
std::string usage_event(const catalog::usage_counts& usage);

/// `{"type": "done", "content": .., "provider": .., "model_id": .., "route_id": ..}`.
std::string done_event(std::string_view content, std::string_view provider,
                       std::string_view model_id, std::string_view route_id);

/// `{"type": "error", "message": .., "code": .., "status": ..}`: `code` is the gateway's
/// error code (waterfall_exhausted, invalid_request, ...; left out when empty) so that programs
/// (the C++ client) can tell errors apart; `status` the HTTP status a JSON reply would have had
/// (left out when 0).
std::string error_event(std::string_view message, std::string_view code = {}, int status = 0);

// -- OpenAI stream ----------------------------------------------------------

/// The event that ends an OpenAI stream whose upstream failed after commit (no [DONE] follows):
/// `data:
/// {"error":{"message":..,"type":"upstream_error","code":"stream_interrupted","param":null}}\n\n`.
std::string stream_interrupted_event(std::string_view message);

} // namespace gw::openai
