// Embedded mode: the gateway's runtime (runtime/gateway_runtime.hpp: the data dir's lock,
// catalog, state, actors) in this process, driven by chat jobs sent straight to the router.
// No HTTP server and no limiter (as the reference's in-process client, §15); quotas, health
// and usage go through the same actors as in the server, so they stay exact and persisted.
#pragma once

#include "client/src/backend.hpp"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace gw::runtime {
class gateway_runtime;
} // namespace gw::runtime

namespace gw::config {
struct gateway_config;
} // namespace gw::config

namespace freerouter::detail {

class embedded_backend final : public backend {
public:
  /// data_dir_locked when a server or another client holds the data dir; config_error when
  /// its configuration cannot be used.
  static result<std::unique_ptr<backend>> start(const embedded_options& options);

  /// Writes every state (bounded waits), stops the actors and the I/O threads, releases the
  /// data dir.
  ~embedded_backend() override;
  embedded_backend(const embedded_backend&) = delete;
  embedded_backend& operator=(const embedded_backend&) = delete;

  const char* mode() const override {
    return "embedded";
  }
  result<chat_result> chat(const std::string& body) override;
  result<chat_result> chat_stream(const std::string& body,
                                  const stream_callback& on_event) override;
  result<std::vector<model_info>> models() override;
  result<std::vector<provider_status>> status() override;
  result<std::string> start_diagnosis() override;
  result<diagnosis_state> diagnosis() override;

  struct io_state; // the io_context and its work guard (embedded_backend.cpp)

  /// Internal: use start().
  explicit embedded_backend(std::unique_ptr<gw::config::gateway_config> cfg);

private:
  std::string next_request_id();
  /// An admin body from the router (catalog, providers) by atom; see embedded_backend.cpp.
  result<std::string> admin_body(bool providers);

  std::unique_ptr<gw::config::gateway_config> cfg_;
  std::unique_ptr<io_state> io_;
  std::thread io_thread_;
  std::unique_ptr<gw::runtime::gateway_runtime> runtime_;
  std::atomic<uint64_t> requests_{0};
};

} // namespace freerouter::detail
