// freerouter-cli models: the catalog in rank order with each route's health.
#include <iostream>

#include "commands.hpp"
#include "outcome.hpp"

namespace freerouter::cli {

int run_models(client& c, const options& o, const terminal& term) {
  auto models = c.models();
  if (!models) {
    return report(models.error());
  }
  std::vector<std::string> header = {"RANK", "ROUTE", "PROVIDER", "MODEL", "HEALTH", "CONTEXT"};
  if (o.all) {
    header.emplace_back("ENABLED");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *models) {
    if (!m.enabled && !o.all) {
      continue;
    }
    auto health = m.health_reason.empty() ? m.health : m.health + " (" + m.health_reason + ")";
    std::vector<std::string> row = {
      std::to_string(m.rank),          m.route_id, m.provider, m.model_id, health,
      std::to_string(m.context_window)};
    if (o.all) {
      row.emplace_back(m.enabled ? "yes" : "no");
    }
    rows.push_back(std::move(row));
  }
  print_table(std::cout, header, rows, term);
  std::cout << rows.size() << " routes\n";
  return ok;
}

} // namespace freerouter::cli
