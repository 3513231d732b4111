// Provider actor: owns one provider account's HTTP(S) client. The router calls that client
// directly on the hot path (it holds the transport handle and the spec), so that a completion
// goes straight to whoever acts next; this actor serves one-off exchanges (e.g. listing the
// provider's models) and keeps the transport alive for the gateway's lifetime.
#pragma once

#include "actors/protocol.hpp"
#include "actors/transport.hpp"
#include "catalog/provider_spec.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace gw::actors {

struct provider_state {
  static inline const char* const name = "provider";
  std::shared_ptr<const catalog::provider_spec> spec;
  transport_ptr transport;
  uint64_t next_call_id = 0;
  metrics::provider_metrics series;
  /// Calls in flight, answered when the transport reports back through call_done.
  std::unordered_map<uint64_t, caf::typed_response_promise<upstream::upstream_result>> pending;
};

/// Adds `Authorization: Bearer <key>`, Content-Type and the provider's extra headers to every
/// call; the key never leaves this actor.
provider_actor::behavior_type provider(provider_actor::stateful_pointer<provider_state> self,
                                       std::shared_ptr<const catalog::provider_spec> spec,
                                       transport_ptr transport,
                                       metrics::provider_metrics series = {});

} // namespace gw::actors
