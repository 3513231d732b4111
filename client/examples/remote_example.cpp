// The README's remote-mode example, built so that it keeps compiling against the public header.
#include <cstdlib>
#include <iostream>

#include <freerouter/client.hpp>

int main() {
  freerouter::remote_options options;
  options.url = "http://127.0.0.1:8000";
  if (const char* key = std::getenv("FREEROUTER_API_KEY")) { // NOLINT(concurrency-mt-unsafe)
    options.api_key = key;
  }
  auto client = freerouter::client::remote(options);
  if (!client) {
    std::cerr << client.error().message << '\n';
    return 3;
  }
  auto answer = client->chat({{"system", "Answer briefly."}, {"user", "What is 2+2?"}});
  if (!answer) {
    std::cerr << answer.error().code << " (" << answer.error().http_status
              << "): " << answer.error().message << '\n'; // e.g. waterfall_exhausted (503)
    return 1;
  }
  std::cout << answer->content << "  [" << answer->provider << '/' << answer->route_id << ", "
            << answer->attempts << " upstream calls]\n";
  // Streamed: routing events and text deltas, in order, on this thread.
  client->chat_stream({{"user", "Tell a short story"}}, {}, [](const freerouter::stream_event& e) {
    if (e.kind == freerouter::event_kind::content) {
      std::cout << e.text << std::flush;
    } else if (e.kind == freerouter::event_kind::route_fail) {
      std::cerr << "\n(" << e.route_id << " failed: " << e.reason << ")\n";
    }
  });
  return 0;
}
