// The database schema as numbered migrations. A fresh file gets all of them; an existing
// file gets only those past its recorded version, each in its own transaction, so opening
// the same file again is a no-op.
#pragma once

#include "persistence/sqlite.hpp"

#include <optional>

namespace gw::persistence {

/// The version a fully migrated database reports.
int latest_schema_version();

/// The version recorded in `db` (0 for a database we never touched).
gw::expected<int> schema_version(database& db);

/// Applies every migration newer than the recorded version. Refuses a database written by
/// a newer binary rather than guessing at its layout.
std::optional<gw::error> migrate(database& db);

} // namespace gw::persistence
