// Embedded mode: the gateway's actors in the test process, on a data dir of their own.
#define CAF_SUITE client.embedded
#include "tests/unit/client/scenarios.hpp"

using namespace gw::client_testing;

namespace {

struct fixture {
  fixture() {
    started = fake.start();
  }

  freerouter::client* open(const std::vector<route_spec>& routes) {
    write_gateway_files(dir, fake, routes);
    if (!started) {
      return nullptr;
    }
    auto made = freerouter::client::embedded(embedded_on(dir));
    if (!made) {
      CAF_MESSAGE("embedded client: " << made.error().code << ": " << made.error().message);
      return nullptr;
    }
    client.emplace(std::move(*made));
    return &*client;
  }

  fake_process fake;
  bool started = false;
  data_dir dir;
  std::optional<freerouter::client> client;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(embedded_tests, fixture)

CAF_TEST(a chat returns the answer with its provider route model and attempts) {
  auto* c = open(answering_catalog());
  CAF_REQUIRE(c != nullptr);
  CAF_CHECK_EQUAL(c->mode(), "embedded");
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

CAF_TEST(the quota used is persisted for the next client on the data dir) {
  auto* c = open(quota_catalog());
  CAF_REQUIRE(c != nullptr);
  for (int i = 0; i < 3; ++i) {
    CAF_REQUIRE(c->ask("hello"));
  }
  client.reset(); // writes the state and releases the data dir
  auto again = freerouter::client::embedded(embedded_on(dir));
  CAF_REQUIRE(again);
  auto status = again->status();
  CAF_REQUIRE(status);
  for (const auto& p : *status) {
    if (p.name == "p1") {
      CAF_CHECK_EQUAL(p.requests_day.used, 3);
    }
  }
}

CAF_TEST(diagnosis is refused in embedded mode) {
  auto* c = open(answering_catalog());
  CAF_REQUIRE(c != nullptr);
  auto r = c->start_diagnosis();
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(r.error().code, "not_supported");
}

CAF_TEST_FIXTURE_SCOPE_END()
