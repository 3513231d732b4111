#include "core/constant_time.hpp"

#include <cstddef>

namespace gw {

bool constant_time_equal(std::string_view presented, std::string_view secret) {
  if (secret.empty()) {
    return false;
  }
  // Every byte of `presented` is compared (against the secret repeated), and differences are
  // only accumulated: no early exit, no branch on secret data.
  unsigned diff = presented.size() == secret.size() ? 0U : 1U;
  size_t j = 0;
  for (char c : presented) {
    diff |= static_cast<unsigned char>(c) ^ static_cast<unsigned char>(secret[j]);
    j = j + 1 == secret.size() ? 0 : j + 1;
  }
  return diff == 0;
}

} // namespace gw
