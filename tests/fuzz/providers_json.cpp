// Fuzz target: providers.json, through resolve_providers() as the gateway calls it at start-up
// (the loader reads a file, so each input is written to a scratch file).
#include "catalog/providers.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = gw::fuzz::scratch_dir() + "/providers.json";
  gw::fuzz::write_file(path, gw::fuzz::as_text(data, size));
  const gw::config::env_map env{{"P1_API_KEY", "k"}, {"GROQ_BASE_URL", "http://127.0.0.1:1/v1"}};
  auto providers = gw::catalog::resolve_providers(env, path, /*providers_file_required=*/true);
  if (!providers) {
    gw::fuzz::require(!providers.error().message.empty(), "an error without a message");
    return 0;
  }
  for (const auto& p : *providers) {
    gw::fuzz::require(gw::catalog::find_provider(*providers, p.name) != nullptr, "lost provider");
  }
  return 0;
}
