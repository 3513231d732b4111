// metrics-dump: prints the exposition of a gateway_metrics whose every family has a series, so
// that `promtool check metrics` and the deploy checks can read what the gateway exports without
// starting it.
#include "metrics/gateway_metrics.hpp"
#include "metrics/waterfall_metrics.hpp"
#include "tests/unit/metrics/populate.hpp"

#include <iostream>

int main() {
  gw::metrics::gateway_metrics metrics;
  gw::metrics::waterfall_metrics waterfall{metrics};
  gw::metrics::test::populate(metrics, waterfall);
  std::cout << metrics.serialize();
  return std::cout.good() ? 0 : 1;
}
