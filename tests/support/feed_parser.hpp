// Test helper: feeds a Beast basic_parser the way a connection does, for the parsers the
// gateway derives from it (request_reader, answer_parser).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <string>
#include <string_view>

namespace gw::testing {

/// Feeds `text` in pieces of `step` bytes, as reads would deliver it, and parses what is
/// buffered after each piece as the connection does; the first error, if any.
template <class Parser>
boost::beast::error_code feed_parser(Parser& parser, std::string_view text, size_t step) {
  std::string pending;
  for (size_t at = 0; at < text.size() && !parser.is_done(); at += step) {
    pending.append(text.substr(at, step));
    while (!parser.is_done() && !pending.empty()) {
      boost::beast::error_code ec;
      auto used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == boost::beast::http::error::need_more) {
        break;
      }
      if (ec) {
        return ec;
      }
      if (used == 0) {
        break;
      }
    }
  }
  return {};
}

} // namespace gw::testing
