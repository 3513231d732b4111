// A scratch directory for one test, removed when the test ends.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <unistd.h>

namespace gw::test {

class temp_dir {
public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path()
            / ("gw-core-tests-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  /// Writes `text` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::ofstream out{file, std::ios::binary};
    out << text;
    return file.string();
  }

  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

  const std::filesystem::path& path() const {
    return path_;
  }

private:
  std::filesystem::path path_;
};

/// Runs the test body inside `dir` so the default `.env` lookup sees only what the test wrote.
class scoped_cwd {
public:
  explicit scoped_cwd(const std::filesystem::path& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  scoped_cwd(const scoped_cwd&) = delete;
  scoped_cwd& operator=(const scoped_cwd&) = delete;
  ~scoped_cwd() {
    std::error_code ec;
    std::filesystem::current_path(old_, ec);
  }

private:
  std::filesystem::path old_;
};

} // namespace gw::test
