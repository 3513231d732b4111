// Remote mode against the real freerouter binary (started per test on its own data dir).
#define CAF_SUITE client.remote
#include "tests/unit/client/scenarios.hpp"

using namespace gw::client_testing;

namespace {

struct fixture {
  fixture() {
    started = fake.start();
  }

  /// The gateway on `routes` and a client of it; null when either cannot start.
  freerouter::client* open(const std::vector<route_spec>& routes) {
    write_gateway_files(dir, fake, routes);
    if (!started || !gateway.start(dir.path)) {
      return nullptr;
    }
    freerouter::remote_options o;
    o.url = gateway.url();
    o.timeout = 30s;
    auto made = freerouter::client::remote(o);
    if (!made) {
      return nullptr;
    }
    client.emplace(std::move(*made));
    return &*client;
  }

  fake_process fake;
  bool started = false;
  data_dir dir;
  gateway_process gateway;
  std::optional<freerouter::client> client;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_tests, fixture)

CAF_TEST(a chat returns the answer with its provider route model and attempts) {
  auto* c = open(answering_catalog());
  CAF_REQUIRE(c != nullptr);
  CAF_CHECK_EQUAL(c->mode(), "remote");
  check_answers(*c);
}

CAF_TEST(a stream shows the routing then the text in order) {
  auto* c = open(failover_stream_catalog());
  CAF_REQUIRE(c != nullptr);
  check_stream_order(*c);
}

CAF_TEST(errors carry the gateway error code and status) {
  auto* c = open(failing_catalog());
  CAF_REQUIRE(c != nullptr);
  check_exhausted(*c);
}

CAF_TEST(a stream cut after its first text ends as stream_interrupted) {
  auto* c = open(cut_stream_catalog());
  CAF_REQUIRE(c != nullptr);
  check_cut_stream(*c);
}

CAF_TEST(one client called by 100 threads keeps a binding quota exact) {
  auto* c = open(quota_catalog());
  CAF_REQUIRE(c != nullptr);
  check_quota_is_exact(*c, fake);
}

CAF_TEST(no gateway at the url is connection_failed) {
  freerouter::remote_options o;
  o.url = "http://127.0.0.1:" + std::to_string(free_port());
  auto c = freerouter::client::remote(o);
  CAF_REQUIRE(c);
  auto r = c->ask("hello");
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.error().code, "connection_failed");
  CAF_CHECK_EQUAL(r.error().http_status, 0);
  auto bad = freerouter::client::remote(freerouter::remote_options{"ftp://x", {}, {}, 1s, 1});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(bad.error().code, "config_error");
}

CAF_TEST(the api key is sent as a bearer token) {
  auto* c = open(answering_catalog());
  CAF_REQUIRE(c != nullptr);
  gateway.stop();
  dir.write("test.env", "GATEWAY_API_KEYS=secret-1\n");
  CAF_REQUIRE(gateway.start(dir.path));
  freerouter::remote_options o;
  o.url = gateway.url();
  auto without = freerouter::client::remote(o);
  CAF_REQUIRE(without);
  auto refused = without->ask("hello");
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error().http_status, 401);
  CAF_CHECK_EQUAL(refused.error().code, "invalid_api_key");
  o.api_key = "secret-1";
  auto with = freerouter::client::remote(o);
  CAF_REQUIRE(with);
  auto answer = with->ask("hello");
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(*answer, "hello");
}

CAF_TEST_FIXTURE_SCOPE_END()
