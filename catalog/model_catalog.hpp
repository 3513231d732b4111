// The in-memory catalog: the ordered list of routes the router walks (reference §4.5).
// Pure and synchronous; persistence is the owner's job (save_catalog_file after a mutation).
#pragma once

#include "catalog/attempt.hpp"
#include "catalog/route.hpp"
#include "core/error.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// Owned by one actor; not thread-safe by design. Routes are kept sorted by route_order at
/// all times, so reads never sort.
class model_catalog {
public:
  /// Takes the routes as they are (the loader already filtered them) and sorts them.
  explicit model_catalog(std::vector<route> routes);

  /// Every route, sorted by (rank, provider_name, model_id).
  const std::vector<route>& all() const;

  /// The route with this id, or nullptr. Invalidated by any mutation.
  const route* find(std::string_view route_id) const;

  /// The waterfall for one request: enabled routes in catalog order, restricted to routes
  /// tagged `required_tag` when it is non-empty. A requested model other than "auto" or
  /// `alias` that equals a route's route_id, model_id or display_name moves those routes to
  /// the front (in rank order); it is a preference, never a filter. Pointers are invalidated
  /// by any mutation.
  std::vector<const route*> candidates(std::string_view requested_model, std::string_view alias,
                                       std::string_view required_tag = {}) const;

  /// The names of `r` (a route of this catalog, e.g. from candidates()), shared: a request's
  /// candidates, attempts and events refer to them without copying three strings per route.
  /// The record stays valid after any mutation; a mutation makes new ones.
  std::shared_ptr<const route_ref> names_of(const route* r) const;

  /// PUT: replaces every route. Tags are canonicalized, non-text-chat routes dropped, ranks
  /// kept as given. A duplicate route_id fails with errc::invalid_request and changes nothing.
  std::optional<gw::error> replace(std::vector<route> routes);

  /// Enables or disables one route; errc::not_found "Unknown route_id: <id>".
  std::optional<gw::error> set_enabled(std::string_view route_id, bool enabled);

  /// Re-ranks every route with the heuristic (ranking.hpp auto_rank).
  void auto_rank();

  /// Restores the compiled-in default catalog.
  void reset_to_defaults();

  /// Diagnosis: adds candidates not yet present (by route_id or provider_name+model_id),
  /// disabled, then re-ranks the whole catalog if anything was added. Returns the added
  /// routes as stored after re-ranking.
  std::vector<route> add_discovered(std::vector<route> discovered);

  /// Removes the routes with these ids; returns the removed ones.
  std::vector<route> remove(const std::vector<std::string>& route_ids);

private:
  void sort();
  /// Every mutation that can change a route's names or the routes' order calls this.
  void forget_names();

  std::vector<route> routes_;
  /// names_of()'s records, by index in routes_; made on first use after a mutation.
  mutable std::vector<std::shared_ptr<const route_ref>> names_;
};

} // namespace gw::catalog
