// freerouter-cli diagnose: starts an endpoint diagnosis run on the gateway, shows progress while
// it runs (polling its state), then lists each provider's result and the suggested changes.
#include <chrono>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "outcome.hpp"

namespace freerouter::cli {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr auto poll_interval = std::chrono::milliseconds(500);

void print_report(const diagnosis_report& r, const terminal& term) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.providers) {
    std::string result = !p.configured ? "not configured" : p.ok ? "ok" : "error: " + p.error;
    rows.push_back({p.provider, result, std::to_string(p.discovered_models),
                    std::to_string(p.confirmed_routes), std::to_string(p.new_routes),
                    std::to_string(p.stale_routes), std::to_string(p.recovered_routes)});
  }
  print_table(std::cout, {"PROVIDER", "RESULT", "LISTED", "CONFIRMED", "NEW", "STALE", "RECOVERED"},
              rows, term);
  if (r.suggestions.empty()) {
    std::cout << "\nNo suggestions: the catalog matches what the providers offer.\n";
    return;
  }
  std::cout << '\n' << term.bold(std::to_string(r.suggestions.size()) + " suggestions") << '\n';
  for (const auto& s : r.suggestions) {
    std::cout << "  " << s.action << "  " << s.title << '\n';
    std::cout << "      "
              << term.dim(s.route_id.empty() ? s.provider + "/" + s.model_id : s.route_id) << "  "
              << term.dim("id " + s.id) << '\n';
    if (!s.details.empty()) {
      std::cout << "      " << s.details << '\n';
    }
  }
}

} // namespace

int run_diagnose(client& c, const options& o, const terminal& term) {
  auto run_id = c.start_diagnosis();
  if (!run_id) {
    return report(run_id.error());
  }
  auto started = clock_type::now();
  auto give_up = started + std::chrono::milliseconds(static_cast<int64_t>(o.wait_seconds * 1000));
  const char* spinner[] = {"|", "/", "-", "\\"};
  size_t tick = 0;
  if (!term.fancy) {
    std::cerr << "diagnosis " << *run_id << " running...\n";
  }
  for (;;) {
    auto state = c.diagnosis();
    if (!state) {
      return report(state.error());
    }
    bool ours_done = !state->running
                     && (state->run_id == *run_id || !state->last_report
                         || state->last_report->run_id == *run_id || run_id->empty());
    if (ours_done) {
      if (term.fancy) {
        std::cerr << "\r\033[K";
      }
      if (!state->last_report) {
        std::cerr << "freerouter-cli: the diagnosis ended without a report\n";
        return gateway_error;
      }
      print_report(*state->last_report, term);
      return ok;
    }
    if (clock_type::now() >= give_up) {
      std::cerr << "freerouter-cli: diagnosis " << *run_id << " still running after "
                << duration(static_cast<int64_t>(o.wait_seconds)) << " (see --wait)\n";
      return gateway_error;
    }
    if (term.fancy) {
      auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - started).count();
      std::cerr << "\r" << spinner[tick++ % 4] << " diagnosing endpoints... " << duration(elapsed)
                << std::flush;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

} // namespace freerouter::cli
