// Fuzz target: the .env reader. Keys come back upper-case and non-empty; errors name the file.
#include "core/env_file.hpp"

#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto env = gw::config::parse_env_file(gw::fuzz::as_text(data, size), "fuzz.env");
  if (!env) {
    gw::fuzz::require(env.error().message.rfind("fuzz.env:", 0) == 0,
                      "error does not name the file");
    return 0;
  }
  for (const auto& [key, value] : *env) {
    gw::fuzz::require(!key.empty(), "empty key");
    gw::fuzz::require(key == gw::config::upper_key(key), "key not upper-case");
  }
  return 0;
}
