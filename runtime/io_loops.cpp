#include "runtime/io_loops.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <optional>
#include <string>

#include <pthread.h>

namespace gw::runtime {

namespace net = boost::asio;

struct io_loops::loop {
  /// Concurrency hint 1: one thread runs it, so Asio keeps handlers posted from that thread in
  /// a thread-private queue.
  net::io_context ioc{1};
  /// Keeps a secondary loop running while it has no connection (the primary has its listener).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  std::thread thread;
};

io_loops::io_loops(int count) {
  for (int i = 0; i < std::max(1, count); ++i) {
    loops_.push_back(std::make_unique<loop>());
  }
}

io_loops::~io_loops() {
  stop_secondaries();
  primary().stop();
}

net::io_context& io_loops::primary() {
  return loops_.front()->ioc;
}

std::vector<net::io_context*> io_loops::all() {
  std::vector<net::io_context*> out;
  out.reserve(loops_.size());
  for (auto& l : loops_) {
    out.push_back(&l->ioc);
  }
  return out;
}

void io_loops::run() {
  for (size_t i = 1; i < loops_.size(); ++i) {
    auto& l = *loops_[i];
    l.guard.emplace(l.ioc.get_executor());
    l.thread = std::thread([&l] { l.ioc.run(); });
    // Named for `top -H` and the tests (at most 15 characters).
    pthread_setname_np(l.thread.native_handle(), ("io-loop-" + std::to_string(i)).c_str());
  }
  loops_.front()->ioc.run();
  stop_secondaries();
}

void io_loops::stop_secondaries() {
  for (size_t i = 1; i < loops_.size(); ++i) {
    auto& l = *loops_[i];
    l.guard.reset();
    l.ioc.stop();
    if (l.thread.joinable()) {
      l.thread.join();
    }
  }
}

} // namespace gw::runtime
