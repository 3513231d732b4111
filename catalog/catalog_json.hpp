// model_catalog.json <-> routes (reference §4.1/§4.5, contract §4): the on-disk format is the
// original gateway's, unchanged, so a file it wrote loads here as it is. Parsing is lenient
// the way the original was (ints as numeric strings, truthy `enabled`, unknown keys ignored)
// and strict about everything else, naming the entry and field at fault.
#pragma once

#include "catalog/route.hpp"
#include "core/expected.hpp"

#include <rapidjson/fwd.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// The most routes a catalog may hold. Free tiers offer a few hundred models; a bigger catalog is
/// a mistake, and every route is an actor, a health row and a status line.
constexpr size_t max_catalog_routes = 5000;

/// Parses a JSON array of route objects, or {"data": [...]}. Tags are canonicalized,
/// non-text-chat routes silently dropped, the result sorted by route_order. More than
/// max_catalog_routes entries are refused. Every error is
/// errc::invalid_request with a message fit for an API client ("catalog entry 2: missing
/// required field 'rank'", "Duplicate route_id: <id>", ...).
gw::expected<std::vector<route>> parse_catalog(std::string_view json);

/// The same, for a document the caller already parsed (e.g. an HTTP body).
gw::expected<std::vector<route>> parse_catalog(const rapidjson::Value& root);

/// Writes the 16 route fields as key/value pairs in the file's field order (null for an
/// empty optional), without StartObject/EndObject, so callers can append their own keys
/// (the API adds "health" and "usage"). Works with any rapidjson Writer/PrettyWriter.
template <class Writer>
void write_route_fields(Writer& w, const route& r) {
  auto string_field = [&w](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto optional_int_field = [&w](const char* key, const std::optional<int64_t>& value) {
    w.Key(key);
    if (value) {
      w.Int64(*value);
    } else {
      w.Null();
    }
  };
  string_field("route_id", r.route_id);
  string_field("provider_name", r.provider_name);
  string_field("model_id", r.model_id);
  string_field("display_name", r.display_name);
  w.Key("rank");
  w.Int64(r.rank);
  w.Key("enabled");
  w.Bool(r.enabled);
  optional_int_field("context_window", r.context_window);
  string_field("quality", r.quality);
  string_field("speed", r.speed);
  string_field("cost", r.cost);
  w.Key("tags");
  w.StartArray();
  for (const auto& tag : r.tags) {
    w.String(tag.data(), static_cast<rapidjson::SizeType>(tag.size()));
  }
  w.EndArray();
  string_field("notes", r.notes);
  string_field("source_url", r.source_url);
  optional_int_field("rank_score", r.rank_score);
  string_field("rank_reason", r.rank_reason);
  string_field("rank_source", r.rank_source);
}

/// The file format: a JSON array sorted by route_order, 2-space indent, trailing newline.
std::string serialize_catalog(const std::vector<route>& routes);

/// Reads and parses a catalog file. errc::not_found when the file does not exist;
/// errc::config_error "<path>: <reason>" when it cannot be read or parsed.
gw::expected<std::vector<route>> load_catalog_file(const std::string& path);

/// Writes the catalog atomically: parent directories are created, the content goes to
/// "<path>.tmp.<pid>", is fsync'ed and renamed over <path>. A reader sees the old or the new
/// file, never a torn one. nullopt on success, else errc::io_error naming the path.
/// One writer per path at a time (the catalog's owning actor).
std::optional<gw::error> save_catalog_file(const std::string& path,
                                           const std::vector<route>& routes);

} // namespace gw::catalog
