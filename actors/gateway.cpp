#include "actors/gateway.hpp"

#include "actors/provider.hpp"
#include "actors/quota_bucket.hpp"
#include "catalog/day_clock.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>

namespace gw::actors {

gw::expected<gateway_actors> spawn_gateway(caf::actor_system& sys, gateway_inputs inputs) {
  gateway_actors out;
  out.persistence = inputs.persistence;
  std::map<std::string, quota_record> restored;
  for (auto& q : inputs.restored_quotas) {
    auto key = q.key;
    restored.emplace(std::move(key), std::move(q));
  }
  router_wiring wiring;
  wiring.provider_list = inputs.providers;
  wiring.persistence = inputs.persistence;
  wiring.now = inputs.now;
  wiring.metrics = inputs.metrics;
  for (auto& h : inputs.restored_health) {
    auto key = h.route_id;
    wiring.restored_health.emplace(std::move(key), std::move(h));
  }
  for (size_t i = 0; i < inputs.providers.size(); ++i) {
    auto spec = std::make_shared<const catalog::provider_spec>(inputs.providers[i]);
    auto day = catalog::day_clock::load(spec->day_reset_timezone);
    if (!day) {
      stop_gateway(out);
      return gw::make_error(errc::config_error,
                            "provider '" + spec->name + "': " + day.error().message);
    }
    std::optional<quota_record> previous;
    if (auto it = restored.find(spec->name); it != restored.end()) {
      previous = it->second;
    }
    metrics::provider_metrics provider_series;
    if (inputs.metrics != nullptr) {
      provider_series = inputs.metrics->provider(spec->name);
    }
    auto bucket = sys.spawn(quota_bucket, *spec, std::move(*day), inputs.persistence,
                            std::move(previous), inputs.now, provider_series, inputs.log);
    auto p = sys.spawn(provider, spec, inputs.transports[i], provider_series);
    out.providers.push_back(p);
    out.buckets.push_back(bucket);
    wiring.specs.emplace(spec->name, spec);
    wiring.transports.emplace(spec->name, inputs.transports[i]);
    wiring.series.emplace(spec->name, provider_series);
    wiring.buckets.emplace(spec->name, bucket);
  }
  auto provider_list = wiring.provider_list;
  out.router =
    sys.spawn(router, std::move(inputs.catalog), std::move(wiring), std::move(inputs.settings));
  if (inputs.diagnosis) {
    diagnosis_wiring seen;
    for (size_t i = 0; i < provider_list.size(); ++i) {
      seen.providers.push_back({std::make_shared<const catalog::provider_spec>(provider_list[i]),
                                out.providers[i], out.buckets[i]});
    }
    seen.router = out.router;
    seen.persistence = inputs.persistence;
    seen.restored = std::move(inputs.restored_diagnosis);
    seen.verdicts = std::move(inputs.restored_verdicts);
    seen.now = inputs.now;
    seen.metrics = inputs.metrics;
    out.diagnosis = sys.spawn(diagnosis, std::move(*inputs.diagnosis), std::move(seen));
  }
  return out;
}

void stop_gateway(const gateway_actors& actors) {
  if (actors.diagnosis) {
    caf::anon_send_exit(actors.diagnosis, caf::exit_reason::user_shutdown);
  }
  if (actors.router) {
    caf::anon_send_exit(actors.router, caf::exit_reason::user_shutdown);
  }
  for (const auto& p : actors.providers) {
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  }
  for (const auto& b : actors.buckets) {
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }
}

} // namespace gw::actors
