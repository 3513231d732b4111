#include "http/upstream/connection.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <utility>

namespace gw::upstream::detail {

namespace {

using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

/// asio's host_name_verification rejects a mismatch without recording why, so OpenSSL
/// would report a bare "certificate verify failed"; record the reason for the detail text.
struct verify_host_name {
  net::ssl::host_name_verification check;
  bool is_address = false;

  bool operator()(bool preverified, net::ssl::verify_context& ctx) const {
    bool ok = check(preverified, ctx);
    if (preverified && !ok) {
      X509_STORE_CTX_set_error(ctx.native_handle(), is_address ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                               : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
  }
};

std::string tls_detail(const error_code& ec, SSL* ssl) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (ec.category() == net::error::get_ssl_category()
      && ERR_GET_REASON(static_cast<unsigned long>(ec.value()))
           == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    return "certificate verify failed";
  }
  return "tls handshake failed: " + ec.message();
}

} // namespace

transport_failure classify(const error_code& ec, stage where) {
  if (ec == beast::error::timeout) {
    return transport_failure::timeout;
  }
  if (ec == net::error::operation_aborted) {
    return transport_failure::cancelled;
  }
  switch (where) {
  case stage::connect:
    return transport_failure::connect_error;
  case stage::handshake:
    return transport_failure::tls_error;
  case stage::write:
  case stage::read:
    break;
  }
  if (ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message
      || ec == net::error::eof || ec == net::error::connection_reset
      || ec == net::error::connection_aborted || ec == net::error::broken_pipe
      || ec == net::ssl::error::stream_truncated || ec == net::error::not_connected
      || ec == net::error::bad_descriptor) {
    return transport_failure::connection_reset;
  }
  return transport_failure::protocol_error;
}

bool is_stale_connection_error(const error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == net::error::eof
         || ec == net::error::connection_reset || ec == net::error::connection_aborted
         || ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

connection::connection(net::io_context& ioc, net::ssl::context* tls,
                       std::weak_ptr<connection_owner> owner)
    : executor_(ioc.get_executor()), owner_(std::move(owner)), watchdog_(ioc) {
  // Beast reads at most the buffer's free capacity (512 bytes while it is small): a 4 KB
  // answer or stream would take eight receives.
  buffer_.reserve(read_buffer_bytes);
  if (tls != nullptr) {
    tls_.emplace(executor_, *tls);
  } else {
    plain_.emplace(executor_);
  }
}

connection::~connection() {
  error_code ignored;
  tcp().socket().close(ignored);
  if (counted) {
    if (auto owner = owner_.lock()) {
      owner->on_connection_closed();
    }
  }
}

void connection::close() {
  error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
  connected_ = false;
}

void connection::set_deadline(std::chrono::steady_clock::time_point at) {
  deadline_ = at;
  if (at < watchdog_at_) {
    arm_watchdog(at);
  }
}

void connection::arm_watchdog(std::chrono::steady_clock::time_point at) {
  watchdog_at_ = at;
  watchdog_.expires_at(at); // ends a pending wait with operation_aborted
  watchdog_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) {
      return; // armed again, or the connection is gone
    }
    if (auto self = weak.lock()) {
      self->on_watchdog();
    }
  });
}

void connection::on_watchdog() {
  watchdog_at_ = no_deadline;
  if (deadline_ == no_deadline) {
    return; // nothing is bounded now: the watchdog rests until the next deadline
  }
  if (std::chrono::steady_clock::now() < deadline_) {
    arm_watchdog(deadline_); // the deadline moved on since this wait was armed
    return;
  }
  timed_out_ = true;
  close();
}

void connection::connect(const endpoint& ep, connect_handler done) {
  host_ = ep.host;
  error_code ec;
  auto address = net::ip::make_address(ep.host, ec);
  if (!ec) {
    // IP literal: no resolver round trip (and no resolver thread).
    tcp().async_connect(tcp::endpoint{address, ep.port},
                        [this, done = std::move(done)](const error_code& err) mutable {
                          on_connected(err, std::move(done));
                        });
    return;
  }
  resolver_ = std::make_unique<tcp::resolver>(executor_);
  resolver_->async_resolve(
    ep.host, std::to_string(ep.port),
    [this, done = std::move(done)](const error_code& err,
                                   const tcp::resolver::results_type& r) mutable {
      if (err) {
        auto failure = classify(err, stage::connect);
        done(failure, "resolving " + host_ + ": " + err.message());
        return;
      }
      tcp().async_connect(
        r, [this, done = std::move(done)](const error_code& err2, const tcp::endpoint&) mutable {
          on_connected(err2, std::move(done));
        });
    });
}

void connection::on_connected(const error_code& ec, connect_handler done) {
  resolver_.reset();
  if (ec) {
    done(classify(ec, stage::connect), "connecting to " + host_ + ": " + ec.message());
    return;
  }
  error_code ignored;
  tcp().socket().set_option(tcp::no_delay{true}, ignored);
  if (!tls_) {
    // Lets an exchange try its send without blocking (Asio's own operations already use the
    // socket non-blocking).
    tcp().socket().non_blocking(true, ignored);
    connected_ = true;
    done(transport_failure::none, {});
    return;
  }
  handshake(std::move(done));
}

void connection::handshake(connect_handler done) {
  error_code ec;
  net::ip::make_address(host_, ec);
  bool is_address = !ec;
  ec.clear();
  // SNI is for host names only (RFC 6066 forbids IP literals).
  if (!is_address && !SSL_set_tlsext_host_name(tls_->native_handle(), host_.c_str())) {
    done(transport_failure::tls_error, "cannot set SNI host name");
    return;
  }
  tls_->set_verify_mode(net::ssl::verify_peer, ec);
  if (!ec) {
    tls_->set_verify_callback(verify_host_name{net::ssl::host_name_verification(host_), is_address},
                              ec);
  }
  if (ec) {
    done(transport_failure::tls_error, "tls setup failed: " + ec.message());
    return;
  }
  tls_->async_handshake(net::ssl::stream_base::client,
                        [this, done = std::move(done)](const error_code& err) mutable {
                          if (err) {
                            auto failure = classify(err, stage::handshake);
                            std::string detail = failure == transport_failure::tls_error
                                                   ? tls_detail(err, tls_->native_handle())
                                                   : "tls handshake: " + err.message();
                            done(failure, std::move(detail));
                            return;
                          }
                          connected_ = true;
                          done(transport_failure::none, {});
                        });
}

} // namespace gw::upstream::detail
