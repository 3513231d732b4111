#include "runtime/data_lock.hpp"

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace gw::runtime {

std::string data_lock::path_for(const std::string& database_path) {
  auto dir = std::filesystem::path(database_path).parent_path();
  return (dir.empty() ? std::filesystem::path("freerouter.lock") : dir / "freerouter.lock")
    .string();
}

gw::expected<data_lock> data_lock::acquire(const std::string& database_path) {
  auto path = path_for(database_path);
  std::error_code ignored;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ignored);
  }
  // O_CLOEXEC: a child process (the CLI's tests fork) must not inherit the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return gw::make_error(errc::io_error,
                          path + ": cannot open the lock file: "
                            + std::error_code(errno, std::generic_category()).message());
  }
  // flock locks belong to the open file description: a second acquire in this process
  // conflicts as well, which is what two embedded clients on one data dir need.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto cause = errno;
    ::close(fd);
    if (cause == EWOULDBLOCK) {
      return gw::make_error(errc::locked,
                            path
                              + " is held by another FreeRouter (a running server or an "
                                "embedded client) using the same data dir; stop it, or "
                                "talk to the running server over HTTP instead");
    }
    return gw::make_error(
      errc::io_error,
      path + ": cannot lock: " + std::error_code(cause, std::generic_category()).message());
  }
  return data_lock(fd, std::move(path));
}

data_lock::data_lock(data_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

data_lock& data_lock::operator=(data_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

data_lock::~data_lock() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

} // namespace gw::runtime
