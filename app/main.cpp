// freerouter: configuration -> gateway runtime (lock, catalog, actors) -> HTTP server -> signals.
#include "core/config.hpp"
#include "http/server/endpoints.hpp"
#include "http/server/http_server.hpp"
#include "http/server/live_feed.hpp"
#include "http/server/request_limiter.hpp"
#include "metrics/gateway_metrics.hpp"
#include "runtime/gateway_runtime.hpp"
#include "runtime/io_loops.hpp"
#include "runtime/startup.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <vector>

namespace {

/// Before the configuration is read there is no logger: a plain line.
int fail(const std::string& message, int code = 2) {
  std::cerr << "freerouter: " << message << '\n';
  return code;
}

int fail(const gw::log::logger& log, const std::string& message, int code = 2) {
  log.error(message);
  return code;
}

/// After the drain deadline: how long the cut answers (503s, stream ends) may take to leave.
constexpr auto cut_flush_time = std::chrono::seconds(1);

/// Waits (polling, bounded) for in-flight exchanges to finish. At `cut_at` whatever is left is
/// answered or ended by the server (cut_in_flight); at `give_up` everything stops.
void drain_then_stop(boost::asio::io_context& ioc, gw::server::http_server& server,
                     std::chrono::steady_clock::time_point cut_at,
                     std::chrono::steady_clock::time_point give_up, bool cut = false) {
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc, std::chrono::milliseconds(50));
  timer->async_wait([&ioc, &server, cut_at, give_up, cut, timer](boost::system::error_code) {
    auto now = std::chrono::steady_clock::now();
    if (server.active_exchanges() == 0 || now >= give_up) {
      ioc.stop();
      return;
    }
    if (!cut && now >= cut_at) {
      server.cut_in_flight();
      drain_then_stop(ioc, server, cut_at, give_up, true);
      return;
    }
    drain_then_stop(ioc, server, cut_at, give_up, cut);
  });
}

/// The gateway's whole life; main() only guards it.
int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << gw::config::usage_text();
      return 0;
    }
  }
  auto cfg = gw::config::load_config(args, gw::runtime::process_environment());
  if (!cfg) {
    return fail(cfg.error().message);
  }
  // LOG_LEVEL and LOG_FORMAT were validated while reading: from here on every line is a
  // log line.
  auto log = gw::runtime::make_logger(*cfg);
  gw::runtime::raise_open_file_limit();
  gw::runtime::ignore_file_size_signal();
  if (auto invalid = gw::config::validate(*cfg)) {
    return fail(log, invalid->message);
  }
  // Declared first, destroyed last: actors, the limiter and the server hold handles into it.
  gw::metrics::gateway_metrics metrics;
  // The loops outlive the runtime: actors may still hold sockets of them while
  // ~actor_system waits for them to terminate.
  gw::runtime::io_loops loops(cfg->io_threads);
  auto& ioc = loops.primary();
  auto runtime = gw::runtime::gateway_runtime::start(*cfg, ioc, &metrics, log);
  if (!runtime) {
    // A data dir held by another server or embedded client is not a usage error.
    return fail(log, runtime.error().message, runtime.error().code == gw::errc::locked ? 1 : 2);
  }
  auto& rt = **runtime;
  auto& sys = rt.system();

  auto ctx = std::make_shared<gw::server::gateway_context>();
  ctx->config = &*cfg;
  ctx->system = &sys;
  ctx->router = rt.actors().router;
  ctx->actor_loop = &ioc;
  ctx->diagnosis = rt.actors().diagnosis;
  ctx->persistence = caf::actor_cast<caf::weak_actor_ptr>(rt.actors().persistence);
  gw::server::request_limiter::settings limits;
  limits.slots = static_cast<size_t>(cfg->max_concurrent_requests);
  limits.queue_timeout =
    std::chrono::milliseconds(static_cast<int64_t>(cfg->request_queue_timeout_seconds * 1000));
  limits.max_waiting = static_cast<size_t>(cfg->request_queue_max_waiting_requests);
  ctx->limiter = std::make_shared<gw::server::request_limiter>(ioc, limits, &metrics);
  ctx->metrics = &metrics;
  ctx->live = std::make_shared<gw::openai::live_ring>(1000);
  ctx->request_counter = gw::server::random_request_seed();
  ctx->log = log;
  ctx->redact = rt.redactor();

  gw::server::server_options options;
  options.host = cfg->host;
  options.port = cfg->port;
  options.body_limit = cfg->max_request_body_bytes;
  options.max_connections = static_cast<size_t>(cfg->max_client_connections);
  options.request_read_timeout = std::chrono::seconds(cfg->client_read_timeout_seconds);
  options.write_timeout = std::chrono::seconds(cfg->client_write_timeout_seconds);
  auto server = gw::server::http_server::start(ioc, options, gw::server::make_gateway_handler(ctx),
                                               loops.all());
  if (!server) {
    rt.stop();
    return fail(log, server.error().message, 1);
  }
  log.info("listening on http://" + cfg->host + ':' + std::to_string((*server)->port())
           + " (data: " + cfg->data_dir + ", catalog routes: " + std::to_string(rt.route_count())
           + ", providers configured: " + std::to_string(rt.providers_configured()) + ")");

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) {
      return;
    }
    log.info("shutting down");
    (*server)->stop_accepting();
    // Live feeds would otherwise hold the drain until their timeout.
    ctx->live->close();
    auto cut_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    drain_then_stop(ioc, **server, cut_at, cut_at + cut_flush_time);
  });

  loops.run();
  // No request is in flight anymore: write every state, then stop the actors.
  rt.stop();
  log.info("stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Errors are values everywhere; an exception that still escapes (std::bad_alloc, a library
  // that throws) ends the process with one clear line instead of std::terminate's abort.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "freerouter: fatal: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "freerouter: fatal: unknown exception\n");
  }
  return 70; // EX_SOFTWARE
}
