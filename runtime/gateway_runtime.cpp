#include "runtime/gateway_runtime.hpp"

#include "actors/http_transport.hpp"
#include "actors/persistence.hpp"
#include "metrics/gateway_metrics.hpp"
#include "runtime/io_scheduler.hpp"
#include "runtime/startup.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <chrono>

namespace gw::runtime {

namespace {

std::unique_ptr<caf::actor_system_config> actor_config(const config::gateway_config& cfg) {
  auto caf_cfg = std::make_unique<caf::actor_system_config>();
  caf_cfg->set("scheduler.max-threads", static_cast<size_t>(cfg.actor_threads));
  caf_cfg->set("logger.verbosity", caf::atom("quiet"));
  // ACTOR_SCHEDULER: "io" (the default, see io_scheduler.hpp) is installed by start();
  // "sharing" (one shared queue) and "stealing" are CAF's schedulers with their own threads.
  auto policy = cfg.actor_scheduler == "io" ? std::string("sharing") // replaced, see start()
                                            : cfg.actor_scheduler;
  caf_cfg->set("scheduler.policy", caf::atom_from_string(policy));
  return caf_cfg;
}

actors::router_settings router_settings_of(const config::gateway_config& cfg) {
  actors::router_settings s;
  s.alias = cfg.gateway_model_name;
  s.attempt_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg.request_timeout_seconds * 1000));
  s.deadline = std::chrono::seconds(static_cast<int64_t>(cfg.request_deadline_seconds));
  s.catalog_path = cfg.model_catalog_path;
  s.stream_idle_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg.stream_idle_timeout_seconds * 1000));
  s.stream_first_token_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg.stream_first_token_timeout_seconds * 1000));
  s.max_upstream_calls = cfg.max_upstream_calls_per_request;
  return s;
}

actors::diagnosis_settings diagnosis_settings_of(const config::gateway_config& cfg) {
  actors::diagnosis_settings d;
  d.scheduled = cfg.auto_endpoint_diagnosis_enabled;
  d.maintenance = cfg.auto_endpoint_maintenance_enabled;
  d.startup_delay = std::chrono::seconds(cfg.auto_endpoint_diagnosis_startup_delay_seconds);
  d.interval = std::chrono::seconds(cfg.auto_endpoint_diagnosis_interval_seconds);
  d.request_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg.request_timeout_seconds * 1000));
  d.supervisor = cfg.endpoint_diagnosis_supervisor_enabled;
  d.supervisor_model = cfg.endpoint_diagnosis_supervisor_model;
  d.alias = cfg.gateway_model_name;
  return d;
}

} // namespace

gateway_runtime::gateway_runtime(data_lock lock, log::logger log, redactor_ptr redact)
    : lock_(std::move(lock)), log_(std::move(log)), redact_(std::move(redact)) {}

gw::expected<std::unique_ptr<gateway_runtime>>
gateway_runtime::start(const config::gateway_config& cfg, boost::asio::io_context& ioc,
                       metrics::gateway_metrics* metrics) {
  return start(cfg, ioc, metrics, make_logger(cfg));
}

gw::expected<std::unique_ptr<gateway_runtime>>
gateway_runtime::start(const config::gateway_config& cfg, boost::asio::io_context& ioc,
                       metrics::gateway_metrics* metrics, const log::logger& log) {
  // First, before prepare() writes the default catalog or opens the database.
  auto lock = data_lock::acquire(cfg.database_path);
  if (!lock) {
    return lock.error();
  }
  auto setup = prepare(cfg);
  if (!setup) {
    return setup.error();
  }
  for (const auto& warning : setup->warnings) {
    log.warn(warning);
  }
  auto transports = make_transports(ioc, cfg, setup->providers);
  if (!transports) {
    return transports.error();
  }
  auto rt = std::make_unique<gateway_runtime>(std::move(*lock), log,
                                              secret_redactor(cfg, setup->providers));
  rt->transports_ = *transports;
  rt->route_count_ = setup->route_count;
  for (const auto& p : setup->providers) {
    rt->providers_configured_ += p.configured() ? 1 : 0;
  }
  rt->system_config_ = actor_config(cfg);
  if (cfg.actor_scheduler == "io") {
    rt->io_scheduler_ = io_scheduler::install(*rt->system_config_, ioc);
  }
  rt->system_ = std::make_unique<caf::actor_system>(*rt->system_config_);

  actors::persistence_settings persistence_settings;
  persistence_settings.event_retention_days = cfg.event_retention_days;
  persistence_settings.log = log;
  if (metrics != nullptr) {
    persistence_settings.on_batch = [metrics](size_t writes, double lag) {
      metrics->observe_persistence_batch(writes, lag);
    };
  }
  auto persistence =
    actors::spawn_persistence(*rt->system_, setup->store, persistence_settings, /*detached=*/true);

  actors::gateway_inputs inputs;
  inputs.providers = setup->providers;
  inputs.transports = rt->transports_;
  inputs.catalog = std::move(setup->catalog);
  inputs.settings = router_settings_of(cfg);
  inputs.settings.log = log;
  inputs.settings.redact = rt->redact_;
  inputs.log = log;
  inputs.persistence = persistence;
  inputs.restored_quotas = std::move(setup->quotas);
  inputs.restored_health = std::move(setup->health);
  inputs.metrics = metrics;
  inputs.diagnosis = diagnosis_settings_of(cfg);
  inputs.diagnosis->log = log;
  inputs.restored_diagnosis = std::move(setup->diagnosis);
  inputs.restored_verdicts = std::move(setup->verdicts);
  auto spawned = actors::spawn_gateway(*rt->system_, std::move(inputs));
  if (!spawned) {
    caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    rt->stopped_ = true;
    return spawned.error();
  }
  rt->actors_ = std::move(*spawned);
  return rt;
}

void gateway_runtime::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (io_scheduler_) {
    io_scheduler_->leave_io_threads();
  }
  for (auto& t : transports_) {
    if (auto* http = dynamic_cast<actors::http_transport*>(t.get())) {
      http->client()->shutdown();
    }
  }
  shutdown_actors(*system_, actors_, log_);
}

gateway_runtime::~gateway_runtime() {
  if (system_) {
    stop();
  }
  if (io_scheduler_) {
    // Also after a failed start (stop() then returns early, and the io_context may never have
    // run): ~actor_system waits for every actor, so they must be able to run.
    io_scheduler_->leave_io_threads();
  }
}

} // namespace gw::runtime
