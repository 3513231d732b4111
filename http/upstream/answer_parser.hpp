// Parses an upstream's complete (not streamed) answer straight into the values the gateway
// keeps. Included by upstream_client.cpp only: it brings in Beast.
#pragma once

#include "catalog/upstream_answer.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

namespace gw::upstream::detail {

/// Status, headers and body, as an upstream_result holds them. Beast's
/// response_parser<string_body> keeps each header in a field node of its own (an allocation
/// per header, freed with the parser) that then had to be copied into a header_list; this
/// parser appends each header to the list once. Limits, keep-alive and framing are
/// basic_parser's own, so the framing and transport fields it reads (Content-Length,
/// Transfer-Encoding, Connection, Keep-Alive) and the ones nobody reads from an answer
/// (Content-Type, Date, Server) are not kept: the gateway reads only hints (Retry-After,
/// X-RateLimit-*) from an answer's headers.
class answer_parser final : public boost::beast::http::basic_parser<false> {
public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  int status() const {
    return status_;
  }
  catalog::header_list& headers() {
    return headers_;
  }
  std::string& body() {
    return body_;
  }

private:
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {} // a response parser never sees a request line

  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = code;
  }

  void on_field_impl(boost::beast::http::field known, string_view name, string_view value,
                     error_code&) override {
    using boost::beast::http::field;
    switch (known) {
    case field::content_length:
    case field::transfer_encoding:
    case field::connection:
    case field::keep_alive:
    case field::content_type:
    case field::date:
    case field::server:
      return;
    default:
      break;
    }
    if (headers_.empty()) {
      headers_.reserve(16); // a provider's answer has ~15 (rate limits, tracing): no regrowth
    }
    headers_.emplace_back(std::string(name), std::string(value));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) {
      body_.reserve(static_cast<size_t>(*length)); // basic_parser checked it against body_limit
    }
  }

  size_t on_body_impl(string_view data, error_code&) override {
    body_.append(data.data(), data.size());
    return data.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
    body_.append(data.data(), data.size());
    return data.size();
  }

  void on_finish_impl(error_code&) override {}

  int status_ = 0;
  catalog::header_list headers_;
  std::string body_;
};

} // namespace gw::upstream::detail
