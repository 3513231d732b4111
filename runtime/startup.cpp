#include "runtime/startup.hpp"

#include "actors/http_transport.hpp"
#include "catalog/catalog_json.hpp"
#include "catalog/default_catalog.hpp"
#include "catalog/providers.hpp"
#include "http/upstream/url.hpp"
#include "persistence/state_store.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <cctype>
#include <chrono>
#include <iostream>
#include <set>
#include <string_view>

#include <sys/resource.h>
#include <unistd.h>

namespace gw::runtime {

gw::expected<prepared> prepare(const config::gateway_config& cfg) {
  auto providers =
    catalog::resolve_providers(cfg.environment, cfg.providers_path, cfg.providers_path_explicit);
  if (!providers) {
    return providers.error();
  }
  auto routes = catalog::load_catalog_file(cfg.model_catalog_path);
  if (!routes) {
    if (routes.error().code != errc::not_found) {
      return routes.error();
    }
    // First start: the default catalog, written so that a person can edit it.
    routes = catalog::default_catalog();
    if (auto failed = catalog::save_catalog_file(cfg.model_catalog_path, *routes)) {
      return *failed;
    }
  }
  std::set<std::string> known;
  for (const auto& p : *providers) {
    known.insert(p.name);
  }
  for (const auto& r : *routes) {
    if (known.count(r.provider_name) == 0) {
      return gw::make_error(errc::config_error, cfg.model_catalog_path + ": route '" + r.route_id
                                                  + "' names unknown provider '" + r.provider_name
                                                  + "'");
    }
  }
  auto store = persistence::state_store::open(cfg.database_path, cfg.sqlite_busy_timeout_ms);
  if (!store) {
    return gw::make_error(errc::config_error, cfg.database_path + ": " + store.error().message);
  }
  auto quotas = (*store)->load_quotas();
  auto health = (*store)->load_health();
  if (!quotas || !health) {
    return gw::make_error(errc::config_error,
                          cfg.database_path + ": "
                            + (quotas ? health.error().message : quotas.error().message));
  }
  auto count = routes->size();
  return prepared{std::move(*providers),
                  catalog::model_catalog(std::move(*routes)),
                  count,
                  std::shared_ptr<persistence::state_store>(std::move(*store)),
                  std::move(*quotas),
                  std::move(*health)};
}

void shutdown_actors(caf::actor_system& sys, const actors::gateway_actors& actors) {
  {
    caf::scoped_actor self{sys};
    // The router first: its usage batches reach the buckets and the store before they flush.
    if (actors.router) {
      self->request(actors.router, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {},
                 [](caf::error&) { std::cerr << "freerouter: the router did not flush\n"; });
    }
    for (const auto& bucket : actors.buckets) {
      self->request(bucket, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {},
                 [](caf::error&) { std::cerr << "freerouter: a quota bucket did not flush\n"; });
    }
    actors::stop_gateway(actors);
    if (actors.persistence) {
      self->request(actors.persistence, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {},
                 [](caf::error&) { std::cerr << "freerouter: final state flush failed\n"; });
    }
  }
  if (actors.persistence) {
    caf::anon_send_exit(actors.persistence, caf::exit_reason::user_shutdown);
  }
}

gw::expected<std::vector<actors::transport_ptr>>
make_transports(boost::asio::io_context& ioc, const config::gateway_config& cfg,
                const std::vector<catalog::provider_spec>& providers) {
  std::vector<actors::transport_ptr> out;
  upstream::client_options options;
  options.max_connections = static_cast<size_t>(cfg.http_max_connections);
  options.max_idle_connections = static_cast<size_t>(cfg.http_max_keepalive_connections);
  options.idle_expiry =
    std::chrono::milliseconds(static_cast<int64_t>(cfg.http_keepalive_expiry_seconds * 1000));
  options.extra_ca_file = cfg.upstream_ca_file;
  for (const auto& p : providers) {
    auto endpoint = upstream::parse_base_url(p.base_url);
    if (!endpoint) {
      return gw::make_error(errc::config_error,
                            "provider '" + p.name + "': base_url: " + endpoint.error().message);
    }
    auto client = upstream::upstream_client::make(ioc, *endpoint, options);
    if (!client) {
      return gw::make_error(errc::config_error,
                            "provider '" + p.name + "': " + client.error().message);
    }
    out.push_back(std::make_shared<actors::http_transport>(*client));
  }
  return out;
}

config::env_map process_environment() {
  config::env_map env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    std::string key(text.substr(0, eq));
    for (auto& c : key) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    env[key] = std::string(text.substr(eq + 1));
  }
  return env;
}

uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

} // namespace gw::runtime
