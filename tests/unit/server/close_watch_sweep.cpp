#define CAF_SUITE server.close_watch_sweep

#include "http/server/close_watch_sweep.hpp"

#include <caf/test/dsl.hpp>

#include <chrono>
#include <memory>
#include <vector>

using namespace gw;

namespace {

constexpr auto period = std::chrono::milliseconds(2);

/// Records the exchanges it was asked to watch.
class recording_target final : public server::close_watch_target {
public:
  void arm_close_watch(uint64_t exchange) override {
    armed.push_back(exchange);
  }
  std::vector<uint64_t> armed;
};

struct fixture {
  boost::asio::io_context loop;
  std::shared_ptr<server::close_watch_sweep> sweep =
    std::make_shared<server::close_watch_sweep>(loop.get_executor(), period);
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(close_watch_sweep_tests, fixture)

CAF_TEST(an entry is armed at the second sweep and the timer then stops) {
  auto target = std::make_shared<recording_target>();
  auto started = std::chrono::steady_clock::now();
  sweep->enlist(target, 7);
  CAF_CHECK_EQUAL(loop.run_one(), 1u); // the first sweep only ages the entry
  CAF_CHECK(target->armed.empty());
  CAF_CHECK_EQUAL(loop.run_one(), 1u);
  CAF_CHECK_EQUAL(target->armed, std::vector<uint64_t>{7});
  CAF_CHECK(std::chrono::steady_clock::now() - started >= 2 * period);
  // Nothing left to sweep: no timer keeps the loop busy.
  CAF_CHECK_EQUAL(loop.run(), 0u);
}

CAF_TEST(a connection gone before its sweep is skipped) {
  auto target = std::make_shared<recording_target>();
  sweep->enlist(target, 1);
  target.reset();
  CAF_CHECK_EQUAL(loop.run(), 2u);
}

CAF_TEST(entries of later periods wait their own two sweeps) {
  auto first = std::make_shared<recording_target>();
  auto second = std::make_shared<recording_target>();
  sweep->enlist(first, 1);
  loop.run_one();
  sweep->enlist(second, 2);
  loop.run_one();
  CAF_CHECK_EQUAL(first->armed, std::vector<uint64_t>{1});
  CAF_CHECK(second->armed.empty());
  loop.run_one();
  CAF_CHECK_EQUAL(second->armed, std::vector<uint64_t>{2});
  CAF_CHECK_EQUAL(first->armed.size(), 1u);
  CAF_CHECK_EQUAL(loop.run(), 0u);
}

CAF_TEST(the sweep starts again after it stopped) {
  auto target = std::make_shared<recording_target>();
  sweep->enlist(target, 1);
  loop.run();
  loop.restart();
  sweep->enlist(target, 2);
  loop.run();
  CAF_CHECK_EQUAL(target->armed, (std::vector<uint64_t>{1, 2}));
}

CAF_TEST_FIXTURE_SCOPE_END()
