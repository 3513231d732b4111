#include "runtime/io_scheduler.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/set_thread_name.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace gw::runtime {

namespace net = boost::asio;

/// Messages an actor handles per turn on an I/O thread before I/O handlers get theirs.
constexpr size_t max_messages_per_turn = 64;

/// The actors ready to run, and who runs them: one drain handler at a time on the I/O threads,
/// or, after leave_io_threads(), the queue's own thread.
class io_scheduler_queue : public std::enable_shared_from_this<io_scheduler_queue> {
public:
  explicit io_scheduler_queue(net::io_context& ioc) : ioc_(ioc) {}

  /// Where a resumed actor's own sends go: straight back into this queue.
  class unit final : public caf::execution_unit {
  public:
    unit(caf::actor_system* sys, io_scheduler_queue* queue)
        : caf::execution_unit(sys), queue_(queue) {}
    void exec_later(caf::resumable* job) override {
      queue_->push(job);
    }

  private:
    io_scheduler_queue* queue_;
  };

  void attach(caf::actor_system& sys, size_t max_throughput) {
    unit_.emplace(&sys, this);
    max_throughput_ = max_throughput;
  }

  /// Thread-safe. Only the first job of an empty queue schedules a drain: a burst of sends
  /// from one handler costs one post.
  void push(caf::resumable* job) {
    std::unique_lock<std::mutex> guard(mtx_);
    ready_.push_back(job);
    if (drain_scheduled_) {
      return;
    }
    drain_scheduled_ = true;
    if (own_thread_) {
      guard.unlock();
      wake_.notify_one();
      return;
    }
    guard.unlock();
    auto drain = [self = shared_from_this()] {
      self->drain_once();
    };
    if (ioc_.get_executor().running_in_this_thread()) {
      net::defer(ioc_, std::move(drain)); // after the current handler, on this thread
    } else {
      net::post(ioc_, std::move(drain));
    }
  }

  void leave_io_threads() {
    std::unique_lock<std::mutex> guard(mtx_);
    if (!own_thread_) {
      start_own_thread(guard);
    }
  }

  /// Ends the queue's own thread (actor system shutdown; every actor is done by then).
  void stop() {
    {
      std::lock_guard<std::mutex> guard(mtx_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

private:
  /// Called with the lock held and own_thread_ unset; releases the lock.
  void start_own_thread(std::unique_lock<std::mutex>& guard) {
    own_thread_ = true;
    // A drain posted to the stopped io_context will not run: the thread takes over.
    drain_scheduled_ = !ready_.empty();
    guard.unlock();
    thread_ = std::thread([self = shared_from_this()] {
      caf::detail::set_thread_name("caf.worker");
      self->run_own_thread();
    });
  }

  /// Runs the actors ready now; actors made ready meanwhile get a new drain, so that I/O
  /// handlers queued behind this one are not starved by a busy actor.
  void drain_once() {
    std::vector<caf::resumable*> batch;
    {
      std::lock_guard<std::mutex> guard(mtx_);
      batch.swap(ready_);
    }
    run(batch);
    std::unique_lock<std::mutex> guard(mtx_);
    if (ready_.empty() || own_thread_) {
      drain_scheduled_ = !ready_.empty();
      if (own_thread_ && drain_scheduled_) {
        guard.unlock();
        wake_.notify_one();
      }
      return;
    }
    guard.unlock();
    net::defer(ioc_, [self = shared_from_this()] { self->drain_once(); });
  }

  void run_own_thread() {
    std::unique_lock<std::mutex> guard(mtx_);
    for (;;) {
      wake_.wait(guard, [this] { return !ready_.empty() || stopping_; });
      if (ready_.empty()) {
        return; // stopping
      }
      std::vector<caf::resumable*> batch;
      batch.swap(ready_);
      guard.unlock();
      run(batch);
      guard.lock();
      drain_scheduled_ = !ready_.empty();
    }
  }

  void run(const std::vector<caf::resumable*>& batch) {
    for (auto* job : batch) {
      switch (job->resume(&*unit_, max_throughput_)) {
      case caf::resumable::resume_later:
        push(job); // keeps its reference: still scheduled
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
      case caf::resumable::shutdown_execution_unit:
        intrusive_ptr_release(job);
        break;
      }
    }
  }

  net::io_context& ioc_;
  std::optional<unit> unit_;
  size_t max_throughput_ = 0;
  std::mutex mtx_;
  std::condition_variable wake_;
  std::vector<caf::resumable*> ready_;
  /// A drain is posted (or the own thread was woken) and has not yet taken the queue.
  bool drain_scheduled_ = false;
  bool own_thread_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

namespace {

/// The CAF side: the scheduler module of the actor system, with CAF's own timer thread.
class io_coordinator final : public caf::scheduler::abstract_coordinator {
public:
  io_coordinator(caf::actor_system& sys, std::shared_ptr<io_scheduler_queue> queue)
      : abstract_coordinator(sys), queue_(std::move(queue)) {}

  void enqueue(caf::resumable* job) override {
    queue_->push(job);
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override {
    return clock_;
  }

  void start() override {
    queue_->attach(system(), max_throughput_);
    clock_thread_ = std::thread([this] {
      caf::detail::set_thread_name("caf.clock");
      system().thread_started();
      clock_.run_dispatch_loop();
      system().thread_terminates();
    });
    abstract_coordinator::start();
  }

  void stop() override {
    queue_->leave_io_threads(); // the printer's exit must not wait for a stopped io_context
    stop_actors();
    clock_.cancel_dispatch_loop();
    clock_thread_.join();
    queue_->stop();
  }

private:
  std::shared_ptr<io_scheduler_queue> queue_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
};

} // namespace

std::shared_ptr<io_scheduler> io_scheduler::install(caf::actor_system_config& cfg,
                                                    net::io_context& ioc) {
  auto queue = std::make_shared<io_scheduler_queue>(ioc);
  // CAF's default lets one resume run an actor until its mailbox is empty, so an actor that
  // keeps messaging itself would hold the I/O thread. After this many messages it yields: it
  // is queued again behind the I/O handlers waiting meanwhile (runtime.io_scheduler checks it).
  cfg.set("scheduler.max-throughput", max_messages_per_turn);
  cfg.module_factories.push_back([queue](caf::actor_system& sys) -> caf::actor_system::module* {
    return new io_coordinator(sys, queue);
  });
  return std::make_shared<io_scheduler>(queue);
}

io_scheduler::io_scheduler(std::shared_ptr<io_scheduler_queue> queue) : queue_(std::move(queue)) {}

void io_scheduler::leave_io_threads() {
  queue_->leave_io_threads();
}

} // namespace gw::runtime
