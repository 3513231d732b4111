#include "http/server/response_head.hpp"

#include "catalog/ids.hpp"
#include "core/append.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace gw::server {

namespace {

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
                          body_framing framing, size_t content_length, bool keep_alive,
                          std::string_view head_lines) {
  text_buffer<1024> head;
  char status_digits[24];
  char length_digits[24];
  auto reason =
    boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  head.add({"HTTP/1.1 ",
            format_number(status_digits, static_cast<size_t>(status), 10),
            " ",
            {reason.data(), reason.size()},
            "\r\n"});
  if (!content_type.empty() && catalog::header_safe(content_type)) {
    head.add({"Content-Type: ", content_type, "\r\n"});
  }
  for (const auto& [name, value] : headers) {
    // A CR/LF would split the response. Ids are checked where they come in; this is the last
    // line of defence, a scan of a few short values.
    if (catalog::header_safe(value)) {
      head.add({name, ": ", value, "\r\n"});
    }
  }
  head.add(head_lines);
  if (framing == body_framing::chunked) {
    head.add("Transfer-Encoding: chunked\r\n");
  } else if (!status_without_body(status)) {
    head.add({"Content-Length: ", format_number(length_digits, content_length, 10), "\r\n"});
  }
  if (!keep_alive) {
    head.add("Connection: close\r\n");
  }
  head.add("\r\n");
  return std::move(head).str();
}

std::string chunk_size_line(size_t size) {
  char digits[24];
  std::string out;
  append_all(out, {format_number(digits, size, 16), "\r\n"});
  return out;
}

} // namespace gw::server
