// What a catalog id may be. Ids reach HTTP response headers (X-Gateway-Route, -Model,
// -Provider) and URL paths (/v1/gateway/models/{route_id}/...), so every path that brings an
// id in (catalog file, PUT, diagnosis) checks it here: a CR/LF in a header value would split
// the response, and a '/' in a route id could never be addressed.
#pragma once

#include <string>
#include <string_view>

namespace gw::catalog {

/// Why `value` cannot be a route_id ("" = it can): empty, a control character, or a '/'.
std::string route_id_problem(std::string_view value);

/// Why `value` cannot be a model_id or provider_name ("" = it can): empty or a control
/// character ('/' is common in model ids: "openai/gpt-oss-120b").
std::string model_id_problem(std::string_view value);

/// No control character (C0 except HTAB, DEL): the value may go into an HTTP header as it is.
bool header_safe(std::string_view value);

} // namespace gw::catalog
