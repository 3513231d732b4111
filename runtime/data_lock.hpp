// One gateway per state: the server and the embedded client both hold an exclusive flock on
// `freerouter.lock` beside the SQLite database while they run. Two processes granting from
// the same quota rows would each believe the other's reservations never happened, so a second
// holder is refused with a clear error instead of silently breaking exact quotas.
#pragma once

#include "core/expected.hpp"

#include <string>

namespace gw::runtime {

class data_lock {
public:
  /// The lock file guarding `database_path`: `<its directory>/freerouter.lock`.
  static std::string path_for(const std::string& database_path);

  /// Creates the directory and the lock file when missing, then takes the lock without
  /// waiting. errc::locked when another process (or another client in this one) holds it;
  /// errc::io_error when the file cannot be opened.
  static gw::expected<data_lock> acquire(const std::string& database_path);

  data_lock(data_lock&& other) noexcept;
  data_lock& operator=(data_lock&& other) noexcept;
  data_lock(const data_lock&) = delete;
  data_lock& operator=(const data_lock&) = delete;
  /// Releases the lock (closing the descriptor releases the flock).
  ~data_lock();

  const std::string& path() const {
    return path_;
  }

private:
  data_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

} // namespace gw::runtime
