// What a client mode implements (client.cpp forwards every public call to one of these).
// Implementations are thread-safe: many threads call one backend at once.
#pragma once

#include "freerouter/client.hpp"

#include <string>
#include <vector>

namespace freerouter::detail {

class backend {
public:
  virtual ~backend() = default;

  virtual const char* mode() const = 0;
  /// `body` is the complete chat request JSON (request_json.hpp); `stream` is false in it.
  virtual result<chat_result> chat(const std::string& body) = 0;
  /// `body` asks for a stream; events reach `on_event` on the calling thread.
  virtual result<chat_result> chat_stream(const std::string& body,
                                          const stream_callback& on_event) = 0;
  virtual result<std::vector<model_info>> models() = 0;
  virtual result<std::vector<provider_status>> status() = 0;
  virtual result<std::string> start_diagnosis() = 0;
  virtual result<diagnosis_state> diagnosis() = 0;
};

} // namespace freerouter::detail
