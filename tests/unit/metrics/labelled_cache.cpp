#define CAF_SUITE metrics.labelled_cache
#include "metrics/labelled_cache.hpp"

#include <caf/test/unit_test.hpp>
#include <prometheus/counter.h>

#include <string>

using namespace gw::metrics;

namespace {

struct fixture {
  prometheus::Family<prometheus::Counter> family{"freerouter_test_total", "help", {}};

  double value(const prometheus::Labels& labels) {
    if (!family.Has(labels)) {
      return -1;
    }
    return family.Add(labels).Value();
  }

  size_t series() {
    auto collected = family.Collect();
    return collected.empty() ? 0 : collected.front().metric.size();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(labelled_cache_tests, fixture)

CAF_TEST(the same label values give the same counter and are added to the family once) {
  labelled_cache<prometheus::Counter, 2> cache{family, {"provider", "outcome"}};
  auto& a = cache.get({"p1", "success"});
  auto& b = cache.get({"p1", "success"});
  auto& c = cache.get({"p1", "timeout"});
  CAF_CHECK_EQUAL(&a, &b);
  CAF_CHECK_NOT_EQUAL(&a, &c);
  a.Increment();
  b.Increment();
  c.Increment();
  CAF_CHECK_EQUAL(value({{"provider", "p1"}, {"outcome", "success"}}), 2.0);
  CAF_CHECK_EQUAL(value({{"provider", "p1"}, {"outcome", "timeout"}}), 1.0);
  CAF_CHECK_EQUAL(cache.size(), 2u);
  CAF_CHECK_EQUAL(series(), 2u);
}

CAF_TEST(value tuples that concatenate alike stay distinct) {
  labelled_cache<prometheus::Counter, 2> cache{family, {"provider", "route_id"}};
  auto& a = cache.get({"ab", "c"});
  auto& b = cache.get({"a", "bc"});
  auto& c = cache.get({"a:", "1:c"});
  CAF_CHECK_NOT_EQUAL(&a, &b);
  CAF_CHECK_NOT_EQUAL(&b, &c);
  CAF_CHECK_EQUAL(cache.size(), 3u);
}

CAF_TEST(two caches over one family share the series) {
  labelled_cache<prometheus::Counter, 1> one{family, {"provider"}};
  labelled_cache<prometheus::Counter, 1> two{family, {"provider"}};
  one.get({"p1"}).Increment();
  two.get({"p1"}).Increment();
  CAF_CHECK_EQUAL(&one.get({"p1"}), &two.get({"p1"}));
  CAF_CHECK_EQUAL(value({{"provider", "p1"}}), 2.0);
}

CAF_TEST(combinations beyond the cap are counted in one overflow series) {
  labelled_cache<prometheus::Counter, 2> cache{family, {"provider", "route_id"}, 2};
  cache.get({"p", "r1"}).Increment();
  cache.get({"p", "r2"}).Increment();
  cache.get({"p", "r3"}).Increment();
  cache.get({"p", "r4"}).Increment();
  cache.get({"p", "r1"}).Increment();
  CAF_CHECK_EQUAL(cache.size(), 2u);
  CAF_CHECK_EQUAL(value({{"provider", "p"}, {"route_id", "r1"}}), 2.0);
  CAF_CHECK_EQUAL(value({{"provider", "p"}, {"route_id", "r3"}}), -1.0);
  CAF_CHECK_EQUAL(value({{"provider", "_overflow"}, {"route_id", "_overflow"}}), 2.0);
  CAF_CHECK_EQUAL(series(), 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(histogram series are cached the same way) {
  histogram_family family{"freerouter_h_seconds", "help", {1}};
  labelled_cache<histogram_series, 1> cache{family, {"provider"}};
  auto& a = cache.get({"p1"});
  CAF_CHECK_EQUAL(&a, &cache.get({"p1"}));
  CAF_CHECK_EQUAL(&a, &family.add({{"provider", "p1"}}));
  a.observe(0.5);
  CAF_CHECK_EQUAL(family.add({{"provider", "p1"}}).count(), 1u);
}
