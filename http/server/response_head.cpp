#include "http/server/response_head.hpp"

#include "catalog/ids.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gw::server {

namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

void append_number(std::string& out, size_t n, int base) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, base);
  out.append(digits, end);
}

} // namespace

bool status_without_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

std::string response_head(int status, std::string_view content_type, const header_list& headers,
                          body_framing framing, size_t content_length, bool keep_alive) {
  std::string out;
  out.reserve(160 + headers.size() * 48);
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<size_t>(status), 10);
  out.push_back(' ');
  auto reason =
    boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size()).append("\r\n");
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
    out.append("Content-Length: ");
    append_number(out, content_length, 10);
    out.append("\r\n");
  }
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
  return out;
}

std::string chunk_size_line(size_t size) {
  std::string out;
  append_number(out, size, 16);
  out.append("\r\n");
  return out;
}

} // namespace gw::server
