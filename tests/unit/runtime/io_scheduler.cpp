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
#include <functional>
#include <future>
#include <thread>
#include <vector>

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

/// Counts to `n` by messaging itself, then tells `done`; `on_step` sees every step first.
caf::behavior counter(caf::event_based_actor* self, int n, std::shared_ptr<std::promise<int>> done,
                      std::function<void(int)> on_step) {
  return {[=](int x) {
    on_step(x);
    if (x == n) {
      done->set_value(x);
      self->quit();
      return;
    }
    self->send(self, x + 1);
  }};
}

void no_step(int) {}

/// An io_context run by `threads` threads, with an actor system on the io scheduler over it.
struct io_setup {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  caf::actor_system_config cfg;
  std::shared_ptr<gw::runtime::io_scheduler> scheduler;
  std::vector<std::thread> io_threads;
  std::unique_ptr<caf::actor_system> sys;

  explicit io_setup(int threads) : ioc(threads) {
    cfg.set("logger.verbosity", caf::atom("quiet"));
    scheduler = gw::runtime::io_scheduler::install(cfg, ioc);
    sys = std::make_unique<caf::actor_system>(cfg);
    for (int i = 0; i < threads; ++i) {
      io_threads.emplace_back([this] { ioc.run(); });
    }
  }

  /// The first I/O thread (the only one of the fixture).
  uint64_t io_thread() const {
    return thread_key(io_threads.front().get_id());
  }

  void stop_io() {
    work.reset();
    ioc.stop();
    for (auto& t : io_threads) {
      if (t.joinable()) {
        t.join();
      }
    }
  }

  ~io_setup() {
    stop_io();
    scheduler->leave_io_threads();
    sys.reset();
  }

  io_setup(const io_setup&) = delete;
  io_setup& operator=(const io_setup&) = delete;
};

/// One I/O thread, as IO_THREADS=1.
struct io_fixture : io_setup {
  io_fixture() : io_setup(1) {}
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
        CAF_CHECK_EQUAL(where, io_thread());
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
  CAF_CHECK_EQUAL(result.get(), io_thread());
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
  constexpr int steps = 100000;
  auto counted = std::make_shared<std::atomic<int>>(0);
  std::promise<int> io_ran_at;
  // At step 10 the counter (on the I/O thread) queues a plain handler. Drained without
  // yielding, the counter would finish first; the scheduler re-queues itself behind the
  // handler instead, so the handler runs while the count is still far from its end.
  auto on_step = [&, counted](int x) {
    counted->store(x);
    if (x == 10) {
      net::post(ioc, [&, counted] { io_ran_at.set_value(counted->load()); });
    }
  };
  auto done = std::make_shared<std::promise<int>>();
  caf::anon_send(sys->spawn(counter, steps, done, std::function<void(int)>(on_step)), 0);
  auto ran_at = io_ran_at.get_future();
  CAF_REQUIRE(ran_at.wait_for(5s) == std::future_status::ready);
  CAF_CHECK_LESS(ran_at.get(), steps / 2);
  auto finished = done->get_future();
  CAF_REQUIRE(finished.wait_for(20s) == std::future_status::ready);
  CAF_CHECK_EQUAL(finished.get(), steps);
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
        CAF_CHECK_NOT_EQUAL(where, io_thread());
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
  io_setup setup(2);
  constexpr int counters = 8;
  constexpr int steps = 20000;
  std::vector<std::future<int>> results;
  for (int i = 0; i < counters; ++i) {
    auto done = std::make_shared<std::promise<int>>();
    results.push_back(done->get_future());
    caf::anon_send(setup.sys->spawn(counter, steps, done, std::function<void(int)>(no_step)), 0);
  }
  std::atomic<int> handlers{0};
  for (int i = 0; i < 1000; ++i) {
    net::post(setup.ioc, [&handlers] { ++handlers; });
  }
  for (auto& result : results) {
    CAF_REQUIRE(result.wait_for(30s) == std::future_status::ready);
    CAF_CHECK_EQUAL(result.get(), steps);
  }
  setup.stop_io();
  CAF_CHECK_EQUAL(handlers.load(), 1000);
}
