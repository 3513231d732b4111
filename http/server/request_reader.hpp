// Parses a client's request straight into the server_request handed to handlers. Included by
// http_server.cpp only: it brings in Beast.
#pragma once

#include "http/server/http_types.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

namespace gw::server {

/// Method, path, query, headers and body, as server_request holds them. Beast's
/// request_parser<string_body> keeps each header in a field node of its own (an allocation
/// per header, freed with the parser) that then had to be copied into the request; this
/// parser writes each part once. Limits, framing and keep-alive stay basic_parser's.
class request_reader final : public boost::beast::http::basic_parser<true> {
public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  /// What has been read so far (all of it once is_done()).
  server_request& request() {
    return request_;
  }
  /// 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version() const {
    return version_;
  }

private:
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override {
    version_ = version;
    request_.headers.reserve(8);
    request_.method.assign(method.data(), method.size());
    auto question = target.find('?');
    auto path = target.substr(0, question);
    request_.path.assign(path.data(), path.size());
    if (question != string_view::npos) {
      auto query = target.substr(question + 1);
      request_.query.assign(query.data(), query.size());
    }
  }

  void on_response_impl(int, string_view, int, error_code&) override {
  } // a request parser never sees a status line

  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    request_.headers.emplace_back(std::string(name), std::string(value));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) {
      request_.body.reserve(static_cast<size_t>(*length)); // checked against body_limit
    }
  }

  size_t on_body_impl(string_view data, error_code&) override {
    request_.body.append(data.data(), data.size());
    return data.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
    request_.body.append(data.data(), data.size());
    return data.size();
  }

  void on_finish_impl(error_code&) override {}

  server_request request_;
  int version_ = 11;
};

} // namespace gw::server
