// freerouter-cli: the terminal client of FreeRouter, on the public client library
// (client/include/freerouter/client.hpp). Its own binary rather than a subcommand of the
// server: the server's flags and start-up stay untouched, and this one links only the library.
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "outcome.hpp"

namespace {

/// Read at start-up, before the client starts any thread.
std::string env(const char* name) {
  const char* value = std::getenv(name); // NOLINT(concurrency-mt-unsafe)
  return value == nullptr ? std::string() : std::string(value);
}

} // namespace

int main(int argc, char** argv) {
  using namespace freerouter::cli;
  auto parsed = parse_options({argv + 1, argv + argc}, env("FREEROUTER_URL"));
  if (parsed.help) {
    std::cout << usage_text();
    return ok;
  }
  if (!parsed.opts) {
    std::cerr << "freerouter-cli: " << parsed.error << "\n\n" << usage_text();
    return usage_error;
  }
  const auto& o = *parsed.opts;
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_seconds * 1000));
  auto c = [&]() {
    if (!o.data_dir.empty()) {
      freerouter::embedded_options e;
      e.data_dir = o.data_dir;
      e.env_file = o.env_file;
      return freerouter::client::embedded(e);
    }
    freerouter::remote_options r;
    r.url = o.url;
    r.api_key = env("FREEROUTER_API_KEY");
    r.admin_key = env("FREEROUTER_ADMIN_KEY");
    r.timeout = timeout;
    return freerouter::client::remote(r);
  }();
  if (!c) {
    return report(c.error());
  }
  auto term = detect_terminal(o.color);
  if (o.command == "ask") {
    return run_ask(*c, o);
  }
  if (o.command == "chat") {
    return run_chat(*c, o, term);
  }
  if (o.command == "models") {
    return run_models(*c, o, term);
  }
  if (o.command == "status") {
    return run_status(*c, term);
  }
  return run_diagnose(*c, o, term);
}
