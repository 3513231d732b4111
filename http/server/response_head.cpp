#include "http/server/response_head.hpp"

#include "catalog/ids.hpp"
#include "core/append.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gw::server {

namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  append_all(out, {name, ": ", value, "\r\n"});
}

/// `n` in `base`, in `digits`.
std::string_view format_number(char (&digits)[24], size_t n, int base) {
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, base);
  return {digits, static_cast<size_t>(end - digits)};
}

} // namespace

bool status_without_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

std::string response_head(int status, std::string_view content_type, const header_list& headers,
                          body_framing framing, size_t content_length, bool keep_alive) {
  std::string out;
  out.reserve(160 + headers.size() * 48);
  char digits[24];
  auto reason =
    boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  append_all(out, {"HTTP/1.1 ",
                   format_number(digits, static_cast<size_t>(status), 10),
                   " ",
                   {reason.data(), reason.size()},
                   "\r\n"});
  if (!content_type.empty() && catalog::header_safe(content_type)) {
    append_header(out, "Content-Type", content_type);
  }
  for (const auto& [name, value] : headers) {
    // A CR/LF would split the response. Ids are checked where they come in; this is the last
    // line of defence, a scan of a few short values.
    if (catalog::header_safe(value)) {
      append_header(out, name, value);
    }
  }
  if (framing == body_framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!status_without_body(status)) {
    append_all(out, {"Content-Length: ", format_number(digits, content_length, 10), "\r\n"});
  }
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
  return out;
}

std::string chunk_size_line(size_t size) {
  char digits[24];
  std::string out;
  append_all(out, {format_number(digits, size, 16), "\r\n"});
  return out;
}

} // namespace gw::server
