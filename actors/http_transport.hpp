// Production transport: a provider's keep-alive HTTP(S) client.
#pragma once

#include "actors/transport.hpp"
#include "http/upstream/upstream_client.hpp"

namespace gw::actors {

class http_transport final : public upstream_transport {
public:
  explicit http_transport(std::shared_ptr<upstream::upstream_client> client)
      : client_(std::move(client)) {}
  void send(upstream::upstream_request req,
            std::function<void(upstream::upstream_result)> on_done) override {
    client_->send(std::move(req), std::move(on_done));
  }
  void open_stream(
    upstream::upstream_request req,
    std::function<void(upstream::upstream_result, std::shared_ptr<upstream::upstream_stream>)>
      on_head) override {
    client_->open_stream(std::move(req), std::move(on_head));
  }
  const std::shared_ptr<upstream::upstream_client>& client() const {
    return client_;
  }

private:
  std::shared_ptr<upstream::upstream_client> client_;
};

} // namespace gw::actors
