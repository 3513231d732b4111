// One gateway per data dir: the server and embedded clients exclude each other.
#define CAF_SUITE client.data_lock
#include "runtime/data_lock.hpp"

#include "tests/unit/client/scenarios.hpp"

using namespace gw::client_testing;

namespace {

struct fixture {
  fixture() {
    started = fake.start();
    write_gateway_files(dir, fake, answering_catalog());
  }

  fake_process fake;
  bool started = false;
  data_dir dir;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(data_lock_tests, fixture)

CAF_TEST(the lock file sits beside the database and a second holder is refused) {
  auto db = dir.path + "/gateway.sqlite3";
  CAF_CHECK_EQUAL(gw::runtime::data_lock::path_for(db), dir.path + "/freerouter.lock");
  auto first = gw::runtime::data_lock::acquire(db);
  CAF_REQUIRE(first);
  auto second = gw::runtime::data_lock::acquire(db);
  CAF_REQUIRE(!second);
  CAF_CHECK(second.error().code == gw::errc::locked);
  CAF_CHECK(second.error().message.find("freerouter.lock is held") != std::string::npos);
  { auto released = std::move(*first); }
  CAF_CHECK(gw::runtime::data_lock::acquire(db));
}

CAF_TEST(a second embedded client on the same data dir is refused until the first closes) {
  CAF_REQUIRE(started);
  auto first = freerouter::client::embedded(embedded_on(dir));
  CAF_REQUIRE(first);
  auto second = freerouter::client::embedded(embedded_on(dir));
  CAF_REQUIRE(!second);
  CAF_CHECK_EQUAL(second.error().code, "data_dir_locked");
  CAF_CHECK(second.error().message.find("held by another FreeRouter") != std::string::npos);
  { auto closed = std::move(*first); }
  auto third = freerouter::client::embedded(embedded_on(dir));
  CAF_CHECK(third);
}

CAF_TEST(an embedded client refuses the data dir of a running server) {
  CAF_REQUIRE(started);
  gateway_process server;
  CAF_REQUIRE(server.start(dir.path));
  auto c = freerouter::client::embedded(embedded_on(dir));
  CAF_REQUIRE(!c);
  CAF_CHECK_EQUAL(c.error().code, "data_dir_locked");
}

CAF_TEST(a server refuses the data dir of an embedded client) {
  CAF_REQUIRE(started);
  auto c = freerouter::client::embedded(embedded_on(dir));
  CAF_REQUIRE(c);
  gateway_process server;
  CAF_CHECK(!server.start(dir.path));
  CAF_CHECK_EQUAL(server.wait_exit(), 1);
  CAF_CHECK(c->ask("hello")); // the embedded gateway still serves
}

CAF_TEST_FIXTURE_SCOPE_END()
