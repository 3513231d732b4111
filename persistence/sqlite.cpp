#include "persistence/sqlite.hpp"

#include <sqlite3.h>

namespace gw::persistence {

namespace {

gw::error storage_error(sqlite3* db, std::string_view what) {
  std::string message{what};
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return gw::make_error(gw::errc::storage_error, std::move(message));
}

} // namespace

void database::closer::operator()(sqlite3* db) const {
  // close_v2 defers the close until every statement is finalized, so destruction order
  // between a database and its statements cannot leak or crash.
  sqlite3_close_v2(db);
}

gw::expected<database> database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (the persistence actor).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  database db{raw};
  if (rc != SQLITE_OK) {
    return storage_error(raw, "cannot open " + path);
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

std::optional<gw::error> database::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return gw::make_error(gw::errc::storage_error, "sql failed: " + text);
  }
  return std::nullopt;
}

gw::error database::last_error(std::string_view what) const {
  return storage_error(db_.get(), what);
}

int64_t database::changes() const {
  return sqlite3_changes64(db_.get());
}

void statement::finalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

gw::expected<statement> statement::prepare(const database& db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db.get(), sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db.last_error("cannot prepare `" + sql.substr(0, 60) + "`");
  }
  return statement{db.get(), raw};
}

void statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
}

void statement::bind(int index, std::string_view value) {
  // A default string_view has a null data(), which SQLite would store as NULL.
  const char* data = value.data() != nullptr ? value.data() : "";
  sqlite3_bind_text64(stmt_.get(), index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void statement::bind_borrowed(int index, std::string_view value) {
  const char* data = value.data() != nullptr ? value.data() : "";
  sqlite3_bind_text64(stmt_.get(), index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8);
}

gw::expected<bool> statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return storage_error(db_, "step failed");
}

std::optional<gw::error> statement::run() {
  auto stepped = step();
  reset();
  if (!stepped) {
    return stepped.error();
  }
  return std::nullopt;
}

void statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) {
    return {};
  }
  auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column));
  return std::string{reinterpret_cast<const char*>(text), size};
}

} // namespace gw::persistence
