// freerouter-cli status: every provider's quotas as bars, with the time until they reset.
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "outcome.hpp"

namespace freerouter::cli {

namespace {

void print_quota(const char* label, const quota_use& q, const std::string& reset,
                 const terminal& term) {
  std::cout << "  " << label;
  if (!q.limit) {
    std::cout << q.used << " used, unlimited\n";
    return;
  }
  std::cout << term.bar(q.used, *q.limit) << ' ' << q.used << '/' << *q.limit;
  if (!reset.empty()) {
    std::cout << "  " << term.dim(reset);
  }
  std::cout << '\n';
}

} // namespace

int run_status(client& c, const terminal& term) {
  auto providers = c.status();
  if (!providers) {
    return report(providers.error());
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  for (const auto& p : *providers) {
    std::string state;
    if (!p.configured) {
      state = "not configured (no API key)";
    } else if (p.available) {
      state = "available";
    } else {
      state = "unavailable: " + p.unavailable_reason;
      if (p.retry_after_seconds) {
        state += ", retry in " + duration(*p.retry_after_seconds);
      }
    }
    std::cout << term.bold(p.name) << "  " << state << "  "
              << term.dim(std::to_string(p.route_count) + " routes") << '\n';
    std::string day_reset;
    if (p.seconds_until_day_reset) {
      day_reset = "resets in " + duration(*p.seconds_until_day_reset) + " ("
                  + (p.day_reset_timezone.empty() ? "UTC" : p.day_reset_timezone) + ")";
    }
    print_quota("requests/min ", p.requests_minute, "sliding minute", term);
    print_quota("requests/day ", p.requests_day, day_reset, term);
    print_quota("tokens/min   ", p.tokens_minute, "sliding minute", term);
    print_quota("tokens/day   ", p.tokens_day, day_reset, term);
    if (p.cooldown_until > now) {
      std::cout << "  cooling down for " << duration(p.cooldown_until - now) << '\n';
    }
    if (p.key_failing) {
      std::cout << "  the API key was refused (401/403)\n";
    }
  }
  return ok;
}

} // namespace freerouter::cli
