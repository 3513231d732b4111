#define CAF_SUITE metrics.histogram
#include "metrics/lockfree_histogram.hpp"

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace gw::metrics;

namespace {

std::vector<uint64_t> cumulative(const prometheus::ClientMetric& m) {
  std::vector<uint64_t> out;
  for (const auto& b : m.histogram.bucket) {
    out.push_back(b.cumulative_count);
  }
  return out;
}

std::vector<double> bounds(const prometheus::ClientMetric& m) {
  std::vector<double> out;
  for (const auto& b : m.histogram.bucket) {
    out.push_back(b.upper_bound);
  }
  return out;
}

} // namespace

CAF_TEST(an observation lands in the first bucket whose bound is at least the value) {
  histogram_family family{"h_seconds", "help", {1, 2, 5}};
  auto& h = family.add({});
  for (double v : {0.5, 1.0, 1.5, 5.0, 7.0}) {
    h.observe(v);
  }
  auto m = h.collect();
  CAF_CHECK_EQUAL(cumulative(m), (std::vector<uint64_t>{2, 3, 4, 5}));
  CAF_CHECK_EQUAL(m.histogram.sample_count, 5u);
  CAF_CHECK_EQUAL(m.histogram.sample_sum, 15.0);
  CAF_CHECK_EQUAL(h.count(), 5u);
  CAF_CHECK_EQUAL(h.sum(), 15.0);
  CAF_CHECK(std::isinf(m.histogram.bucket.back().upper_bound));
}

CAF_TEST(a zero bound counts exactly the zero observations) {
  histogram_family family{"fallbacks", "help", {0, 1, 2}};
  auto& h = family.add({});
  h.observe(0);
  h.observe(0);
  h.observe(1);
  h.observe(3);
  CAF_CHECK_EQUAL(cumulative(h.collect()), (std::vector<uint64_t>{2, 3, 3, 4}));
}

CAF_TEST(NaN observations are dropped and do not poison the sum) {
  histogram_family family{"h", "help", {1}};
  auto& h = family.add({});
  h.observe(std::numeric_limits<double>::quiet_NaN());
  h.observe(0.5);
  CAF_CHECK_EQUAL(h.count(), 1u);
  CAF_CHECK_EQUAL(h.sum(), 0.5);
}

CAF_TEST(bucket bounds are sorted and de - duplicated and non - finite bounds are dropped) {
  histogram_family family{
    "h",
    "help",
    {5, 1, 1, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}};
  auto m = family.add({}).collect();
  auto b = bounds(m);
  CAF_REQUIRE_EQUAL(b.size(), 3u);
  CAF_CHECK_EQUAL(b[0], 1.0);
  CAF_CHECK_EQUAL(b[1], 5.0);
  CAF_CHECK(std::isinf(b[2]));
}

CAF_TEST(the same labels give the same series and other labels a new one) {
  histogram_family family{"h", "help", {1}};
  auto& a = family.add({{"provider", "p1"}});
  auto& b = family.add({{"provider", "p1"}});
  auto& c = family.add({{"provider", "p2"}});
  CAF_CHECK_EQUAL(&a, &b);
  CAF_CHECK_NOT_EQUAL(&a, &c);
}

CAF_TEST(a family without series collects nothing and one with series collects their labels) {
  histogram_family family{"freerouter_x_seconds", "the help", {1}};
  CAF_CHECK(family.Collect().empty());
  family.add({{"provider", "p2"}}).observe(0.5);
  family.add({{"provider", "p1"}}).observe(2);
  auto collected = family.Collect();
  CAF_REQUIRE_EQUAL(collected.size(), 1u);
  const auto& f = collected.front();
  CAF_CHECK_EQUAL(f.name, "freerouter_x_seconds");
  CAF_CHECK_EQUAL(f.help, "the help");
  CAF_CHECK(f.type == prometheus::MetricType::Histogram);
  CAF_REQUIRE_EQUAL(f.metric.size(), 2u);
  CAF_REQUIRE_EQUAL(f.metric[0].label.size(), 1u);
  CAF_CHECK_EQUAL(f.metric[0].label[0].name, "provider");
  CAF_CHECK_EQUAL(f.metric[0].label[0].value, "p1");
  CAF_CHECK_EQUAL(f.metric[0].histogram.sample_sum, 2.0);
  CAF_CHECK_EQUAL(f.metric[1].label[0].value, "p2");
  CAF_CHECK_EQUAL(f.metric[1].histogram.sample_sum, 0.5);
}
