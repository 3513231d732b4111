// The README's embedded-mode example, built so that it keeps compiling against the public header.
#include <iostream>

#include <freerouter/client.hpp>

int main() {
  freerouter::embedded_options options;
  options.data_dir = "./data";                         // as the server's --data-dir
  options.environment = {{"GROQ_API_KEY", "gsk_..."}}; // and/or the process environment, --env-file
  auto client = freerouter::client::embedded(options);
  if (!client) {
    std::cerr << client.error().code << ": " << client.error().message << '\n';
    return 3;
  }
  if (auto text = client->ask("Say hi")) {
    std::cout << *text << '\n';
  }
  if (auto providers = client->status()) {
    for (const auto& p : *providers) {
      std::cout << p.name << ' ' << p.requests_day.used << '\n';
    }
  }
  return 0;
} // ~client writes the state and releases the data dir
