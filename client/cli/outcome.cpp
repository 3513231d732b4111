#include "outcome.hpp"

#include <iostream>

namespace freerouter::cli {

int report(const error& e) {
  std::cerr << "freerouter-cli: " << e.code;
  if (e.http_status != 0) {
    std::cerr << " (HTTP " << e.http_status << ")";
  }
  std::cerr << ": " << e.message << '\n';
  if (e.code == "connection_failed" || e.code == "data_dir_locked") {
    return cannot_connect;
  }
  if (e.code == "config_error") {
    return usage_error; // a URL or a data dir configuration that cannot be used
  }
  return gateway_error;
}

} // namespace freerouter::cli
