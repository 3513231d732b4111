// Remote mode: HTTP/1.1 to a running gateway through the project's keep-alive client
// (http/upstream/upstream_client.hpp: a pool of connections shared by every calling thread),
// driven by one I/O thread. Chats go to /v1/chat/completions, streams to the stream-route
// endpoint (routing events and text as SSE), status calls to the admin API.
#pragma once

#include "client/src/backend.hpp"

#include <memory>
#include <thread>

namespace gw::upstream {
class upstream_client;
struct upstream_request;
} // namespace gw::upstream

namespace freerouter::detail {

class remote_backend final : public backend {
public:
  /// Fails (config_error) only for a URL that is not http(s)://host[:port][/prefix].
  static result<std::unique_ptr<backend>> start(const remote_options& options);

  ~remote_backend() override;
  remote_backend(const remote_backend&) = delete;
  remote_backend& operator=(const remote_backend&) = delete;

  const char* mode() const override {
    return "remote";
  }
  result<chat_result> chat(const std::string& body) override;
  result<chat_result> chat_stream(const std::string& body,
                                  const stream_callback& on_event) override;
  result<std::vector<model_info>> models() override;
  result<std::vector<provider_status>> status() override;
  result<std::string> start_diagnosis() override;
  result<diagnosis_state> diagnosis() override;

  struct io_state; // the io_context and its work guard (remote_backend.cpp)

  /// Internal: use start().
  explicit remote_backend(remote_options options);

private:
  struct answer {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  gw::upstream::upstream_request request(const char* method, const char* path, std::string body,
                                         bool admin) const;
  /// One exchange; any status is an answer, no answer is connection_failed / protocol_error.
  result<answer> send(gw::upstream::upstream_request req);
  /// GET `path`, an error for any status but 200.
  result<std::string> get_ok(const char* path);

  remote_options options_;
  std::unique_ptr<io_state> io_;
  std::thread io_thread_;
  std::shared_ptr<gw::upstream::upstream_client> client_;
};

} // namespace freerouter::detail
