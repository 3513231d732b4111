#define CAF_SUITE server.request_limiter

#include "http/server/request_limiter.hpp"

#include <boost/asio/io_context.hpp>
#include <caf/test/dsl.hpp>

#include <chrono>
#include <vector>

using namespace gw;

namespace {

struct fixture {
  boost::asio::io_context loop;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(request_limiter_tests, fixture)

CAF_TEST(try_acquire takes free slots and then refuses without queueing) {
  server::request_limiter limiter(loop, {2, std::chrono::seconds(30), 4});
  auto first = limiter.try_acquire();
  auto second = limiter.try_acquire();
  CAF_CHECK(first != nullptr);
  CAF_CHECK(second != nullptr);
  CAF_CHECK(limiter.try_acquire() == nullptr);
  CAF_CHECK_EQUAL(limiter.in_use(), 2u);
  CAF_CHECK_EQUAL(limiter.waiting(), 0u); // a refusal is not a waiter
  first->release();
  first->release(); // only the first release gives the slot back
  CAF_CHECK_EQUAL(limiter.in_use(), 1u);
  CAF_CHECK(limiter.try_acquire() != nullptr); // destroyed at once: the slot comes back
  CAF_CHECK_EQUAL(limiter.in_use(), 1u);
}

CAF_TEST(try_acquire does not overtake a waiter) {
  server::request_limiter limiter(loop, {1, std::chrono::seconds(30), 4});
  auto held = limiter.try_acquire();
  std::vector<server::slot_ptr> granted;
  limiter.acquire([&granted](server::slot_ptr slot) { granted.push_back(std::move(slot)); });
  CAF_CHECK_EQUAL(limiter.waiting(), 1u);
  held->release();
  // The freed slot belongs to the waiter, even before its callback has run.
  CAF_CHECK(limiter.try_acquire() == nullptr);
  loop.run();
  CAF_REQUIRE_EQUAL(granted.size(), 1u);
  CAF_CHECK(granted.front() != nullptr);
  CAF_CHECK_EQUAL(limiter.in_use(), 1u);
  CAF_CHECK_EQUAL(limiter.waiting(), 0u);
}

CAF_TEST(acquire rejects when the queue is full) {
  server::request_limiter limiter(loop, {1, std::chrono::seconds(30), 0});
  auto held = limiter.try_acquire();
  bool called = false;
  server::slot_ptr got;
  limiter.acquire([&](server::slot_ptr slot) {
    called = true;
    got = std::move(slot);
  });
  CAF_CHECK(called);
  CAF_CHECK(got == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
