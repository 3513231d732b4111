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

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iterator>
#include <set>
#include <string_view>
#include <system_error>

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
  auto warnings = unknown_provider_warnings(cfg.model_catalog_path, *providers, *routes);
  if (std::error_code ec; std::filesystem::is_regular_file(cfg.database_path, ec)
                          && std::filesystem::file_size(cfg.database_path, ec) == 0 && !ec) {
    // SQLite takes an empty file as a new database: say so, a lost state is worth a line.
    warnings.push_back(cfg.database_path
                       + " is empty (0 bytes); state starts empty: quota counters, cooldowns"
                         " and route health from before are gone");
  }
  auto store = persistence::state_store::open(cfg.database_path, cfg.sqlite_busy_timeout_ms);
  if (!store) {
    // The message names the file already ("<path>: sql failed: file is not a database").
    return gw::make_error(errc::config_error, store.error().message);
  }
  auto quotas = (*store)->load_quotas();
  auto health = (*store)->load_health();
  if (!quotas || !health) {
    return gw::make_error(errc::config_error,
                          cfg.database_path + ": "
                            + (quotas ? health.error().message : quotas.error().message));
  }
  // Diagnosis history is a convenience: an unreadable one is reported and started afresh.
  std::optional<actors::diagnosis_record> last_diagnosis;
  if (auto loaded = (*store)->load_last_diagnosis()) {
    last_diagnosis = std::move(*loaded);
  } else {
    warnings.push_back(cfg.database_path
                       + ": the last diagnosis report could not be read, starting without it: "
                       + loaded.error().message);
  }
  std::vector<actors::verdict_record> verdicts;
  if (auto loaded = (*store)->load_verdicts()) {
    verdicts = std::move(*loaded);
  }
  auto count = routes->size();
  return prepared{std::move(*providers),
                  catalog::model_catalog(std::move(*routes)),
                  count,
                  std::shared_ptr<persistence::state_store>(std::move(*store)),
                  std::move(*quotas),
                  std::move(*health),
                  std::move(last_diagnosis),
                  std::move(verdicts),
                  std::move(warnings)};
}

std::vector<std::string> unknown_provider_warnings(const std::string& catalog_path,
                                                   const std::vector<catalog::provider_spec>& known,
                                                   const std::vector<catalog::route>& routes) {
  std::set<std::string> names;
  for (const auto& p : known) {
    names.insert(p.name);
  }
  // Provider name -> its route ids, in catalog order (one line per provider, not per route).
  std::vector<std::pair<std::string, std::vector<std::string>>> unknown;
  for (const auto& r : routes) {
    if (names.count(r.provider_name) != 0) {
      continue;
    }
    auto it = std::find_if(unknown.begin(), unknown.end(),
                           [&](const auto& entry) { return entry.first == r.provider_name; });
    if (it == unknown.end()) {
      unknown.emplace_back(r.provider_name, std::vector<std::string>{});
      it = std::prev(unknown.end());
    }
    it->second.push_back(r.route_id);
  }
  std::vector<std::string> lines;
  for (const auto& [provider, ids] : unknown) {
    std::string list;
    for (const auto& id : ids) {
      list += list.empty() ? "" : ", ";
      list += id;
    }
    std::string line = catalog_path;
    line += ": " + std::to_string(ids.size());
    line += ids.size() == 1 ? " route names" : " routes name";
    line += " unknown provider '";
    line += provider;
    line += "' (";
    line += list;
    line += "); kept in the file, never routed (unknown_provider)";
    lines.push_back(std::move(line));
  }
  return lines;
}

void shutdown_actors(caf::actor_system& sys, const actors::gateway_actors& actors,
                     const log::logger& log) {
  {
    caf::scoped_actor self{sys};
    // The router first: its usage batches reach the buckets and the store before they flush.
    if (actors.router) {
      self->request(actors.router, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {}, [&log](caf::error&) { log.error("the router did not flush"); });
    }
    for (const auto& bucket : actors.buckets) {
      self->request(bucket, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {}, [&log](caf::error&) { log.error("a quota bucket did not flush"); });
    }
    actors::stop_gateway(actors);
    if (actors.persistence) {
      self->request(actors.persistence, std::chrono::seconds(5), atom::flush_v)
        .receive([](bool) {}, [&log](caf::error&) { log.error("final state flush failed"); });
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
  options.max_response_bytes = cfg.max_upstream_response_bytes;
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

log::logger make_logger(const config::gateway_config& cfg) {
  return {log::parse_level(cfg.log_level).value_or(log::level::info),
          log::parse_format(cfg.log_format).value_or(log::format::text)};
}

redactor_ptr secret_redactor(const config::gateway_config& cfg,
                             const std::vector<catalog::provider_spec>& providers) {
  std::vector<std::string> secrets = cfg.gateway_api_keys;
  secrets.push_back(cfg.gateway_admin_key);
  for (const auto& p : providers) {
    secrets.push_back(p.api_key);
  }
  return std::make_shared<const redactor>(std::move(secrets));
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

void ignore_file_size_signal() {
  std::signal(SIGXFSZ, SIG_IGN);
}

} // namespace gw::runtime
