#define CAF_SUITE upstream.tls
#include "tests/unit/upstream/fixture.hpp"

#include <caf/test/unit_test.hpp>

using namespace gw::upstream;
using namespace gw::upstream::testing;

namespace {

struct fixture {
  fixture() {
    const auto& certs = test_certs::get();
    if (!certs.ok()) {
      return;
    }
    ca = certs.file("ca.pem");
    trusted_ok = trusted.start({}, certs.file("server.pem"), certs.file("server.key"));
    untrusted_ok = untrusted.start({}, certs.file("untrusted.pem"), certs.file("untrusted.key"));
  }

  std::string https(const fake_process& fake, const char* host = "127.0.0.1") const {
    return std::string("https://") + host + ":" + std::to_string(fake.tls_port) + "/p1/v1";
  }

  client_options trusting_test_ca() const {
    client_options opts;
    opts.extra_ca_file = ca;
    return opts;
  }

  std::string ca;
  fake_process trusted;
  fake_process untrusted;
  bool trusted_ok = false;
  bool untrusted_ok = false;
  io_runner io;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tls_tests, fixture)

CAF_TEST(https to a server signed by the trusted test ca works and keeps the connection) {
  CAF_REQUIRE(trusted_ok);
  auto admin = make_client(io.ioc, trusted.url(""));
  CAF_REQUIRE(reset_fake(*admin)); // forget the readiness probes
  auto client = make_client(io.ioc, https(trusted), trusting_test_ca());
  CAF_REQUIRE(client != nullptr);
  for (int i = 0; i < 20; ++i) {
    auto r = send_sync(*client, chat_request("ok"));
    CAF_REQUIRE(r.ok());
    CAF_CHECK_EQUAL(r.status, 200);
    CAF_CHECK(r.body.find("ok from ok") != std::string::npos);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 1u);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(https by host name uses SNI and checks the dns name) {
  CAF_REQUIRE(trusted_ok);
  auto client = make_client(io.ioc, https(trusted, "localhost"), trusting_test_ca());
  CAF_REQUIRE(client != nullptr);
  auto r = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(to_string(r.failure), std::string("none"));
  CAF_CHECK_EQUAL(r.status, 200);
}

CAF_TEST(an untrusted certificate is a tls error saying certificate verify failed) {
  CAF_REQUIRE(untrusted_ok);
  auto client = make_client(io.ioc, https(untrusted), trusting_test_ca());
  CAF_REQUIRE(client != nullptr);
  auto r = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(to_string(r.failure), std::string("tls_error"));
  CAF_CHECK(r.detail.find("certificate verify failed") != std::string::npos);
  CAF_MESSAGE("detail: " << r.detail);
  auto admin = make_client(io.ioc, untrusted.url(""));
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "total"), 0u);
}

CAF_TEST(the test ca is not trusted unless configured) {
  CAF_REQUIRE(trusted_ok);
  auto client = make_client(io.ioc, https(trusted));
  CAF_REQUIRE(client != nullptr);
  auto r = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(to_string(r.failure), std::string("tls_error"));
  CAF_CHECK(r.detail.find("certificate verify failed") != std::string::npos);
}

CAF_TEST(streaming works over tls) {
  CAF_REQUIRE(trusted_ok);
  auto client = make_client(io.ioc, https(trusted), trusting_test_ca());
  auto opened = open_sync(*client, chat_request("stream;chunks=3", true));
  CAF_REQUIRE(opened.head.ok());
  CAF_REQUIRE(opened.stream != nullptr);
  std::string body;
  bool done = false;
  for (int i = 0; i < 100 && !done; ++i) {
    auto part = read_sync(*opened.stream);
    CAF_REQUIRE(part.failure == transport_failure::none && !part.timed_out_in_test);
    body += part.data;
    done = part.done;
  }
  CAF_CHECK(done);
  CAF_CHECK(body.find("tok2 ") != std::string::npos);
  CAF_CHECK(body.find("data: [DONE]") != std::string::npos);
}

CAF_TEST(a missing ca file is a configuration error) {
  auto ep = parse_base_url("https://127.0.0.1:1/v1");
  CAF_REQUIRE(ep.has_value());
  client_options opts;
  opts.extra_ca_file = "/nonexistent/ca.pem";
  auto client = upstream_client::make(io.ioc, *ep, opts);
  CAF_REQUIRE(!client.has_value());
  CAF_CHECK(client.error().code == gw::errc::config_error);
  CAF_CHECK(client.error().message.find("/nonexistent/ca.pem") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
