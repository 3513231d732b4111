// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement whose
// failures come back as gw::error values (errc::storage_error) carrying SQLite's message.
// sqlite3.h stays out of this header; callers see only what the store needs.
#pragma once

#include "core/expected.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gw::persistence {

/// One open connection. Not thread-safe: use it from one thread at a time.
class database {
public:
  /// Opens (creating if absent) `path`; ":memory:" gives a private in-memory database.
  static gw::expected<database> open(const std::string& path);

  /// Runs one or more SQL statements that return no rows we care about.
  std::optional<gw::error> exec(const std::string& sql);

  /// An error naming `what` with the connection's current SQLite message.
  gw::error last_error(std::string_view what) const;

  /// Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t changes() const;

  sqlite3* get() const {
    return db_.get();
  }

private:
  struct closer {
    void operator()(sqlite3* db) const;
  };
  explicit database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, closer> db_;
};

/// One prepared statement. Parameters are 1-based, columns 0-based (SQLite's convention).
class statement {
public:
  static gw::expected<statement> prepare(const database& db, const std::string& sql);

  /// Binding never fails for an in-range index of a statement we prepared ourselves; a
  /// failure would still surface as an error from step().
  void bind(int index, int64_t value);
  void bind(int index, std::string_view value);
  /// Binds without copying: `value` must stay alive and unchanged until the next run() or
  /// reset(). For the event rows, where the copies were a tenth of the insert.
  void bind_borrowed(int index, std::string_view value);

  /// Advances: true = a row is available, false = done, error = SQLite failed.
  gw::expected<bool> step();

  /// Runs a statement that returns no rows, then resets it for the next use.
  std::optional<gw::error> run();

  /// Makes the statement reusable (keeps it compiled) and drops its bindings.
  void reset();

  int64_t column_int64(int column) const;
  std::string column_text(int column) const;

private:
  struct finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

} // namespace gw::persistence
