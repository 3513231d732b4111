// freerouter: configuration -> providers -> catalog -> actors -> HTTP server -> signals.
#include "actors/gateway.hpp"
#include "actors/http_transport.hpp"
#include "actors/persistence.hpp"
#include "app/startup.hpp"
#include "core/config.hpp"
#include "http/server/endpoints.hpp"
#include "http/server/http_server.hpp"
#include "http/server/live_feed.hpp"
#include "http/server/request_limiter.hpp"
#include "metrics/gateway_metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration)

namespace {

int fail(const std::string& message, int code = 2) {
  std::cerr << "freerouter: " << message << '\n';
  return code;
}

gw::config::env_map process_environment() {
  gw::config::env_map env;
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

/// Waits (polling, bounded) for in-flight exchanges to finish, then stops everything.
void drain_then_stop(boost::asio::io_context& ioc, gw::server::http_server& server,
                     std::chrono::steady_clock::time_point give_up) {
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc, std::chrono::milliseconds(50));
  timer->async_wait([&ioc, &server, give_up, timer](boost::system::error_code) {
    if (server.active_exchanges() > 0 && std::chrono::steady_clock::now() < give_up) {
      drain_then_stop(ioc, server, give_up);
      return;
    }
    ioc.stop();
  });
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << gw::config::usage_text();
      return 0;
    }
  }
  auto cfg = gw::config::load_config(args, process_environment());
  if (!cfg) {
    return fail(cfg.error().message);
  }
  gw::app::raise_open_file_limit();
  if (auto invalid = gw::config::validate(*cfg)) {
    return fail(invalid->message);
  }
  auto setup = gw::app::prepare(*cfg);
  if (!setup) {
    return fail(setup.error().message);
  }
  for (const auto& warning : setup->warnings) {
    std::cerr << "freerouter: warning: " << warning << '\n';
  }

  // Declared first, destroyed last: actors, the limiter and the server hold handles into it.
  gw::metrics::gateway_metrics metrics;
  // The io_context outlives the actor system: actors may still hold sockets of it while
  // ~actor_system waits for them to terminate.
  boost::asio::io_context ioc{cfg->io_threads};
  auto transports = gw::app::make_transports(ioc, *cfg, setup->providers);
  if (!transports) {
    return fail(transports.error().message);
  }

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(cfg->actor_threads));
  caf_cfg.set("logger.verbosity", caf::atom("quiet"));
  // ACTOR_SCHEDULER: "sharing" (one shared queue; measured ~15% more requests/s than work
  // stealing on 2 cores, bench/run.sh) or "stealing" (CAF's default).
  auto policy = cfg->environment.count("ACTOR_SCHEDULER") != 0
                  ? cfg->environment.at("ACTOR_SCHEDULER")
                  : std::string("sharing");
  caf_cfg.set("scheduler.policy", caf::atom_from_string(policy));
  caf::actor_system sys{caf_cfg};

  gw::actors::persistence_settings persistence_settings;
  persistence_settings.event_retention_days = cfg->event_retention_days;
  persistence_settings.on_batch = [&metrics](size_t writes, double lag) {
    metrics.observe_persistence_batch(writes, lag);
  };
  auto persistence =
    gw::actors::spawn_persistence(sys, setup->store, persistence_settings, /*detached=*/true);

  gw::actors::gateway_inputs inputs;
  inputs.providers = setup->providers;
  inputs.transports = *transports;
  inputs.catalog = std::move(setup->catalog);
  inputs.settings.alias = cfg->gateway_model_name;
  inputs.settings.attempt_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg->request_timeout_seconds * 1000));
  inputs.settings.deadline =
    std::chrono::seconds(static_cast<int64_t>(cfg->request_deadline_seconds));
  inputs.settings.catalog_path = cfg->model_catalog_path;
  inputs.settings.max_upstream_calls = cfg->max_upstream_calls_per_request;
  inputs.settings.stream_idle_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg->stream_idle_timeout_seconds * 1000));
  inputs.settings.stream_first_token_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg->stream_first_token_timeout_seconds * 1000));
  inputs.persistence = persistence;
  inputs.restored_quotas = std::move(setup->quotas);
  inputs.restored_health = std::move(setup->health);
  inputs.metrics = &metrics;
  gw::actors::diagnosis_settings diagnosis;
  diagnosis.scheduled = cfg->auto_endpoint_diagnosis_enabled;
  diagnosis.maintenance = cfg->auto_endpoint_maintenance_enabled;
  diagnosis.startup_delay =
    std::chrono::seconds(cfg->auto_endpoint_diagnosis_startup_delay_seconds);
  diagnosis.interval = std::chrono::seconds(cfg->auto_endpoint_diagnosis_interval_seconds);
  diagnosis.request_timeout = inputs.settings.attempt_timeout;
  diagnosis.supervisor = cfg->endpoint_diagnosis_supervisor_enabled;
  diagnosis.supervisor_model = cfg->endpoint_diagnosis_supervisor_model;
  diagnosis.alias = cfg->gateway_model_name;
  inputs.diagnosis = diagnosis;
  inputs.restored_diagnosis = std::move(setup->diagnosis);
  inputs.restored_verdicts = std::move(setup->verdicts);
  auto spawned = gw::actors::spawn_gateway(sys, std::move(inputs));
  if (!spawned) {
    caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    return fail(spawned.error().message);
  }
  auto& actors = *spawned;

  auto ctx = std::make_shared<gw::server::gateway_context>();
  ctx->config = &*cfg;
  ctx->system = &sys;
  ctx->router = actors.router;
  ctx->diagnosis = actors.diagnosis;
  ctx->persistence = caf::actor_cast<caf::weak_actor_ptr>(persistence);
  gw::server::request_limiter::settings limits;
  limits.slots = static_cast<size_t>(cfg->max_concurrent_requests);
  limits.queue_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg->request_queue_timeout_seconds * 1000));
  limits.max_waiting = static_cast<size_t>(cfg->request_queue_max_waiting_requests);
  ctx->limiter = std::make_shared<gw::server::request_limiter>(ioc, limits, &metrics);
  ctx->metrics = &metrics;
  ctx->live = std::make_shared<gw::openai::live_ring>(1000);
  ctx->request_counter = gw::server::random_request_seed();
  size_t providers_configured = 0;
  for (const auto& p : setup->providers) {
    providers_configured += p.configured() ? 1 : 0;
  }

  gw::server::server_options options;
  options.host = cfg->host;
  options.port = cfg->port;
  options.body_limit = cfg->max_request_body_bytes;
  auto server = gw::server::http_server::start(ioc, options, gw::server::make_gateway_handler(ctx));
  if (!server) {
    gw::actors::stop_gateway(actors);
    caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    return fail(server.error().message, 1);
  }
  std::cerr << "freerouter: listening on http://" << cfg->host << ':' << (*server)->port()
            << " (data: " << cfg->data_dir << ", catalog routes: " << setup->route_count
            << ", providers configured: " << providers_configured << ")\n";

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) {
      return;
    }
    std::cerr << "freerouter: shutting down\n";
    (*server)->stop_accepting();
    // Live feeds would otherwise hold the drain until their timeout.
    gw::server::close_live_feeds(sys);
    drain_then_stop(ioc, **server, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  });

  std::vector<std::thread> io_threads;
  for (int i = 1; i < cfg->io_threads; ++i) {
    io_threads.emplace_back([&ioc] { ioc.run(); });
  }
  ioc.run();
  for (auto& t : io_threads) {
    t.join();
  }
  for (auto& t : *transports) {
    if (auto* http = dynamic_cast<gw::actors::http_transport*>(t.get())) {
      http->client()->shutdown();
    }
  }
  // No request is in flight anymore: write every state, then stop the actors.
  gw::app::shutdown_actors(sys, actors);
  std::cerr << "freerouter: stopped\n";
  return 0;
}
