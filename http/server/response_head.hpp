// The bytes of an HTTP/1.1 response head and of a chunk's framing, written by hand. Beast's
// generic serializer (buffers_cat_view over a field list) cost ~15k instructions per answer,
// a tenth of a whole proxied request (callgrind, BENCHMARKS.md); a head is a few appends.
#pragma once

#include "http/server/http_types.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace gw::server {

/// How the body after the head is delimited.
enum class body_framing {
  /// Content-Length: the body's size (left out for 1xx, 204 and 304, which have no body).
  length,
  /// Transfer-Encoding: chunked (a stream).
  chunked,
};

/// Status line, Content-Type, the given headers, then the framing header and, when the
/// connection will be closed after this answer, `Connection: close`. Header values that could
/// split the response (CR, LF, NUL) are left out; names are the gateway's own constants.
/// `head_lines` (server_response::head_lines) is written as it is, after `headers`.
std::string response_head(int status, std::string_view content_type, const header_list& headers,
                          body_framing framing, size_t content_length, bool keep_alive,
                          std::string_view head_lines = {});

/// True for statuses that never carry a body (1xx, 204, 304).
bool status_without_body(int status);

/// A chunk's size line: the size in hex, then CRLF. The chunk is that line, the data, CRLF.
std::string chunk_size_line(size_t size);

} // namespace gw::server
