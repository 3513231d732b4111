// Fuzz target: HTTP request head and body framing as the server reads requests
// (http/server/http_server.cpp): our request_reader (a Beast basic_parser) with the 64 KiB
// header limit and a body limit, fed in two pieces. Content-Length, chunked encoding and
// limits must end in a complete request or an error, and a complete body never exceeds the
// limit.
#include "http/server/request_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace http = boost::beast::http;

namespace {

constexpr size_t header_limit = 64 * 1024; // as in http_server.cpp
constexpr size_t body_limit = 4096;        // small, so the fuzzer reaches it

size_t put_all(gw::server::request_reader& parser, std::string_view bytes,
               boost::beast::error_code& ec) {
  size_t used = 0;
  // put() consumes at most the buffer; every round either consumes bytes or stops.
  while (!ec && used < bytes.size() && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
      used += n;
      break;
    }
    if (n == 0) {
      break;
    }
    used += n;
  }
  return used;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  auto text = gw::fuzz::as_text(data + 1, size - 1);
  size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);
  gw::server::request_reader parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  // Beast wants the unconsumed rest presented again, as a socket read buffer would.
  std::string pending(text.substr(0, cut));
  auto used = put_all(parser, pending, ec);
  pending.erase(0, used);
  pending.append(text.substr(cut));
  if (!ec) {
    used = put_all(parser, pending, ec);
  }
  if (!ec && !parser.is_done() && parser.need_eof()) {
    parser.put_eof(ec);
  }
  if (!ec && parser.is_done()) {
    const auto& req = parser.request();
    gw::fuzz::require(req.body.size() <= body_limit, "body beyond the limit");
    gw::fuzz::require(req.path.find('?') == std::string::npos, "a query left in the path");
  }
  return 0;
}
