// Start-up steps that can fail with a clear one-line message (contract §2).
#pragma once

#include "actors/gateway.hpp"
#include "actors/protocol.hpp"
#include "actors/transport.hpp"
#include "catalog/model_catalog.hpp"
#include "catalog/provider_spec.hpp"
#include "core/config.hpp"
#include "core/expected.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gw::persistence {
class state_store;
} // namespace gw::persistence

namespace gw::runtime {

struct prepared {
  std::vector<catalog::provider_spec> providers;
  catalog::model_catalog catalog;
  size_t route_count = 0;
  /// The SQLite state store and what it held from the last run.
  std::shared_ptr<persistence::state_store> store;
  std::vector<actors::quota_record> quotas;
  std::vector<actors::health_record> health;
  /// The last endpoint diagnosis run and the supervisor's verdicts.
  std::optional<actors::diagnosis_record> diagnosis;
  std::vector<actors::verdict_record> verdicts;
  /// One line each, for stderr: what was loaded but will not be used.
  std::vector<std::string> warnings;
};

/// Resolves providers, loads the catalog (writing the default catalog on first start) and
/// opens the state store. Routes naming a provider the gateway does not know stay in the
/// catalog (a catalog of a newer version, a provider added later) and are never routed: the
/// original's drop-in behaviour; each such provider is one warning.
gw::expected<prepared> prepare(const config::gateway_config& cfg);

/// The warnings about catalog routes whose provider is not among `known`, one line per
/// unknown provider naming its routes.
std::vector<std::string> unknown_provider_warnings(const std::string& catalog_path,
                                                   const std::vector<catalog::provider_spec>& known,
                                                   const std::vector<catalog::route>& routes);

/// One keep-alive HTTP(S) client per provider, trusting UPSTREAM_CA_FILE in addition to the
/// system store.
gw::expected<std::vector<actors::transport_ptr>>
make_transports(boost::asio::io_context& ioc, const config::gateway_config& cfg,
                const std::vector<catalog::provider_spec>& providers);

/// Orderly shutdown of the actors once no request is in flight: every quota bucket writes
/// its state, the gateway actors stop, then the persistence actor commits what is pending
/// and stops. Each wait is bounded.
void shutdown_actors(caf::actor_system& sys, const actors::gateway_actors& actors,
                     const log::logger& log);

/// The logger LOG_LEVEL and LOG_FORMAT ask for (both validated by config::load_config).
log::logger make_logger(const config::gateway_config& cfg);

/// A redactor for every configured provider key and the gateway's own keys.
redactor_ptr secret_redactor(const config::gateway_config& cfg,
                             const std::vector<catalog::provider_spec>& providers);

/// The process environment with upper-cased keys (config::load_config's input).
config::env_map process_environment();

/// Raises the soft limit of open files to the hard limit: every client connection, upstream
/// connection and stream is a descriptor, and the usual soft limit of 1024 would stop new
/// clients long before memory or CPU does. Returns the limit now in force.
uint64_t raise_open_file_limit();

/// Ignores SIGXFSZ. Its default action kills the process at the first write past the file size
/// limit (ulimit -f, systemd LimitFSIZE); ignored, that write fails with EFBIG, which SQLite
/// reports as an I/O error the gateway already handles like a full disk (limited buckets refuse
/// what they cannot commit, unlimited providers keep serving).
void ignore_file_size_signal();

} // namespace gw::runtime
