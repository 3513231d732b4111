#define CAF_SUITE metrics.concurrency
#include "metrics/gateway_metrics.hpp"
#include "metrics/lockfree_histogram.hpp"
#include "tests/unit/metrics/exposition.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace gw::metrics;
using gw::metrics::test::sample;

namespace {

constexpr int threads = 4;
constexpr int per_thread = 20000;

template <class F>
void run_parallel(F f) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([f, t] { f(t); });
  }
  for (auto& th : pool) {
    th.join();
  }
}

} // namespace

CAF_TEST(concurrent observations of one histogram are all counted) {
  histogram_family family{"h", "help", {0.5, 1}};
  auto& h = family.add({});
  run_parallel([&h](int t) {
    for (int i = 0; i < per_thread; ++i) {
      h.observe(t % 2 == 0 ? 0.25 : 2.0);
    }
  });
  auto m = h.collect();
  CAF_CHECK_EQUAL(m.histogram.sample_count, static_cast<uint64_t>(threads * per_thread));
  CAF_CHECK_EQUAL(m.histogram.bucket[0].cumulative_count,
                  static_cast<uint64_t>(threads / 2 * per_thread));
  CAF_CHECK_EQUAL(m.histogram.sample_sum, (threads / 2) * per_thread * (0.25 + 2.0));
}

CAF_TEST(threads racing on a status code first use lose no count) {
  gateway_metrics metrics;
  auto& chat = metrics.http_endpoint("/v1/chat/completions");
  // All threads are released at once so that they race on each code's first use.
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (!go.load()) {
        std::this_thread::yield();
      }
      for (int i = 0; i < per_thread; ++i) {
        chat.count(200 + i % 3);
      }
    });
  }
  go = true;
  for (auto& th : pool) {
    th.join();
  }
  auto text = metrics.serialize();
  double total = 0;
  for (auto code : {"200", "201", "202"}) {
    auto v = sample(text, std::string{"freerouter_http_requests_total{code=\""} + code
                            + "\",endpoint=\"/v1/chat/completions\"}");
    CAF_REQUIRE(v.has_value());
    total += *v;
  }
  CAF_CHECK_EQUAL(total, static_cast<double>(threads * per_thread));
}

CAF_TEST(scraping while requests are recorded sees growing consistent totals) {
  gateway_metrics metrics;
  constexpr int total = threads * per_thread;
  std::atomic<bool> done{false};
  // Scrapes that saw a count strictly between 0 and total: proof that scraping and recording
  // overlapped. The writer pauses halfway until there is one (bounded), so the checks below
  // cannot pass on a loop that ran zero times or only before or after the writes.
  std::atomic<int> overlapping_scrapes{0};
  std::thread writer{[&] {
    for (int i = 0; i < total; ++i) {
      metrics.observe_request({0.1, 0.05, 2, false, false});
      if (i == total / 2) {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (overlapping_scrapes.load() == 0 && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
      }
    }
    done = true;
  }};
  double last = 0;
  bool monotonic = true;
  bool count_is_inf_bucket = true;
  while (!done.load()) {
    auto text = metrics.serialize();
    auto count = sample(text, "freerouter_request_fallbacks_count").value_or(-1);
    auto inf = sample(text, "freerouter_request_fallbacks_bucket{le=\"+Inf\"}").value_or(-2);
    monotonic = monotonic && count >= last;
    count_is_inf_bucket = count_is_inf_bucket && count == inf;
    last = count;
    if (count > 0 && count < total) {
      ++overlapping_scrapes;
    }
  }
  writer.join();
  CAF_CHECK_GREATER(overlapping_scrapes.load(), 0);
  CAF_CHECK(monotonic);
  CAF_CHECK(count_is_inf_bucket);
  CAF_CHECK_EQUAL(sample(metrics.serialize(), "freerouter_request_fallbacks_count"),
                  static_cast<double>(total));
}
