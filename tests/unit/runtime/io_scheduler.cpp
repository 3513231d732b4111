// ACTOR_SCHEDULER=io with real threads: actors run as handlers of the io_context, a send from
// an I/O handler is processed on that thread, and after the io_context stops the actors still
// answer (shutdown) and the actor system still ends.
#define CAF_SUITE runtime.io_scheduler
#include "runtime/io_scheduler.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace net = boost::asio;

namespace {

using namespace std::chrono_literals;

/// A thread's id as a message value (std::thread::id is not one).
uint64_t thread_key(std::thread::id id) {
  return std::hash<std::thread::id>{}(id);
}

/// Answers each integer with itself plus `step` and the thread it ran on. (Every actor here
/// takes an argument: CAF 0.17 dereferences a null argument tuple when spawning an
/// argument-less function actor, which UBSan reports.)
caf::behavior adder(caf::event_based_actor*, int step) {
  return {[step](int x) {
    return caf::make_message(x + step, thread_key(std::this_thread::get_id()));
  }};
}

/// Counts to `n` by messaging itself, then tells `done`.
caf::behavior counter(caf::event_based_actor* self, int n,
                      std::shared_ptr<std::promise<int>> done) {
  return {[=](int x) {
    if (x == n) {
      done->set_value(x);
      self->quit();
      return;
    }
    self->send(self, x + 1);
  }};
}

struct io_fixture {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  caf::actor_system_config cfg;
  std::shared_ptr<gw::runtime::io_scheduler> scheduler;
  std::thread io_thread;
  std::unique_ptr<caf::actor_system> sys;

  io_fixture() {
    cfg.set("logger.verbosity", caf::atom("quiet"));
    scheduler = gw::runtime::io_scheduler::install(cfg, ioc);
    sys = std::make_unique<caf::actor_system>(cfg);
    io_thread = std::thread([this] { ioc.run(); });
  }

  void stop_io() {
    work.reset();
    ioc.stop();
    if (io_thread.joinable()) {
      io_thread.join();
    }
  }

  ~io_fixture() {
    stop_io();
    scheduler->leave_io_threads();
    sys.reset();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(io_scheduler_tests, io_fixture)

CAF_TEST(an actor runs on the io thread and answers a caller outside it) {
  auto add = sys->spawn(adder, 1);
  caf::scoped_actor self{*sys};
  self->request(add, 5s, 41)
    .receive(
      [&](int result, uint64_t where) {
        CAF_CHECK_EQUAL(result, 42);
        CAF_CHECK_EQUAL(where, thread_key(io_thread.get_id()));
      },
      [&](caf::error& err) { CAF_FAIL("no answer: " << sys->render(err)); });
  caf::anon_send_exit(add, caf::exit_reason::user_shutdown);
}

CAF_TEST(a message sent from an io handler is processed on that thread after the handler) {
  auto add = sys->spawn(adder, 1);
  std::promise<uint64_t> seen;
  auto ask = [&seen](caf::event_based_actor* self, const caf::actor& target) {
    self->request(target, caf::infinite, 1).then([&seen](int, uint64_t where) {
      seen.set_value(where);
    });
  };
  auto asker = sys->spawn(ask, add);
  auto result = seen.get_future();
  CAF_REQUIRE(result.wait_for(5s) == std::future_status::ready);
  CAF_CHECK_EQUAL(result.get(), thread_key(io_thread.get_id()));
  // From inside a handler: the actor cannot run before the handler returns (one thread).
  std::promise<bool> ordered;
  std::atomic<bool> handler_done{false};
  auto observe = [&](caf::event_based_actor*, int) -> caf::behavior {
    return {[&](int) {
      ordered.set_value(handler_done.load());
    }};
  };
  auto probe = sys->spawn(observe, 0);
  net::post(ioc, [&] {
    caf::anon_send(probe, 7);
    std::this_thread::sleep_for(20ms);
    handler_done = true;
  });
  auto order = ordered.get_future();
  CAF_REQUIRE(order.wait_for(5s) == std::future_status::ready);
  CAF_CHECK(order.get());
  for (const auto& a : {add, asker, probe}) {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
}

CAF_TEST(a busy actor does not starve the io handlers queued behind it) {
  auto done = std::make_shared<std::promise<int>>();
  auto count = sys->spawn(counter, 100000, done);
  // Queued while the counter messages itself: it must run long before the count ends.
  std::promise<bool> io_ran;
  net::post(ioc, [&] { io_ran.set_value(true); });
  auto ran = io_ran.get_future();
  caf::anon_send(count, 0);
  CAF_REQUIRE(ran.wait_for(5s) == std::future_status::ready);
  auto finished = done->get_future();
  CAF_REQUIRE(finished.wait_for(20s) == std::future_status::ready);
  CAF_CHECK_EQUAL(finished.get(), 100000);
}

CAF_TEST(after the io context stops the actors answer on a thread of their own) {
  auto add = sys->spawn(adder, 1);
  stop_io();
  // Queued for the stopped io_context: the scheduler's own thread takes it over.
  caf::anon_send(add, 1);
  scheduler->leave_io_threads();
  caf::scoped_actor self{*sys};
  self->request(add, 5s, 1)
    .receive(
      [&](int result, uint64_t where) {
        CAF_CHECK_EQUAL(result, 2);
        CAF_CHECK_NOT_EQUAL(where, thread_key(io_thread.get_id()));
        CAF_CHECK_NOT_EQUAL(where, thread_key(std::this_thread::get_id()));
      },
      [&](caf::error& err) {
        CAF_FAIL("no answer after leaving the io threads: " << sys->render(err));
      });
  caf::anon_send_exit(add, caf::exit_reason::user_shutdown);
}

CAF_TEST(work left in the stopped io context is taken over and the actor system ends) {
  auto add = sys->spawn(adder, 1);
  stop_io(); // its start may still be queued there, with the exit behind it in the mailbox
  caf::anon_send_exit(add, caf::exit_reason::user_shutdown);
  add = nullptr;
  scheduler->leave_io_threads();
  // ~actor_system waits for every actor to end (the test's watchdog catches a hang).
  sys.reset();
  CAF_CHECK(sys == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(actors stay consistent when two io threads run them) {
  // IO_THREADS=2: drains run on either thread; CAF must still see one resume at a time per
  // actor. Eight counters message themselves while both threads also serve plain handlers.
  net::io_context ioc{2};
  auto work = net::make_work_guard(ioc);
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  auto scheduler = gw::runtime::io_scheduler::install(cfg, ioc);
  auto sys = std::make_unique<caf::actor_system>(cfg);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&ioc] { ioc.run(); });
  }
  constexpr int counters = 8;
  constexpr int steps = 20000;
  std::vector<std::future<int>> results;
  for (int i = 0; i < counters; ++i) {
    auto done = std::make_shared<std::promise<int>>();
    results.push_back(done->get_future());
    caf::anon_send(sys->spawn(counter, steps, done), 0);
  }
  std::atomic<int> handlers{0};
  for (int i = 0; i < 1000; ++i) {
    net::post(ioc, [&handlers] { ++handlers; });
  }
  for (auto& result : results) {
    CAF_REQUIRE(result.wait_for(30s) == std::future_status::ready);
    CAF_CHECK_EQUAL(result.get(), steps);
  }
  work.reset();
  ioc.stop();
  for (auto& t : threads) {
    t.join();
  }
  CAF_CHECK_EQUAL(handlers.load(), 1000);
  scheduler->leave_io_threads();
  sys.reset();
}
