#include "http/openai/error_body.hpp"
#include "http/server/gateway_context.hpp"
#include "http/server/handlers/handlers.hpp"

#include <cstdio>
#include <random>

namespace gw::server {

server_response json_response(int status, std::string body) {
  server_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

server_response error_response(int status, std::string_view message, std::string_view type,
                               std::string_view code, std::string_view param) {
  return json_response(status, openai::error_json(message, type, code, param));
}

std::string gateway_context::next_request_id() const {
  // A random 48-bit start per process plus a counter: unique, cheap, no shared RNG state.
  auto n = request_counter.fetch_add(1, std::memory_order_relaxed);
  char out[16];
  std::snprintf(out, sizeof out, "%012llx", static_cast<unsigned long long>(n & 0xffffffffffffULL));
  return out;
}

uint64_t random_request_seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 20) ^ rd();
}

} // namespace gw::server
