// What one request's waterfall did, route by route: transport-free values shared by the router
// (which records them), the HTTP mapper (X-Gateway-* headers, the attempts list of a 503) and
// the live monitor.
#pragma once

#include <memory>
#include <string>

namespace gw::catalog {

/// A route as the waterfall names it.
struct route_ref {
  std::string route_id;
  std::string provider_name;
  std::string model_id;
};

/// One entry of the attempts list (written in reference §7.5 field order: provider_name,
/// status, reason, status_code, route_id, model_id).
struct attempt_record {
  /// The route's names: the catalog's shared record, as the request's candidate holds it.
  std::shared_ptr<const route_ref> route;
  /// "skipped", "failed", "rate_limited", "flagged", "selected".
  std::string status;
  /// Skip or failure reason; empty = null.
  std::string reason;
  /// Upstream HTTP status; 0 = null.
  int status_code = 0;
};

} // namespace gw::catalog
