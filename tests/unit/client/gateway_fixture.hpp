// Shared by the client suites: the fake provider, a data dir with providers.json and a
// catalog, and either the real freerouter binary on it (remote mode) or nothing (embedded mode
// opens the data dir itself). Provider p1 allows 50 requests a day; p2 is unlimited.
#pragma once

#include "freerouter/client.hpp"
#include "tests/unit/upstream/fixture.hpp"

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

namespace gw::client_testing {

using namespace std::chrono_literals;
using upstream::testing::can_connect;
using upstream::testing::fake_process;
using upstream::testing::free_port;

struct route_spec {
  std::string route_id;
  std::string provider;
  std::string model_id;
};

/// A temporary data dir, removed at the end.
struct data_dir {
  data_dir() {
    char tmpl[] = "/tmp/gw-client-test-XXXXXX";
    path = ::mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~data_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name) << text;
  }
  std::string path;
};

/// The provider keys and settings both modes get (the binary through its environment).
inline std::map<std::string, std::string> gateway_environment() {
  return {{"P1_API_KEY", "key-1"},
          {"P2_API_KEY", "key-2"},
          {"CEREBRAS_API_KEY", ""},
          {"GROQ_API_KEY", ""},
          {"GEMINI_API_KEY", ""},
          {"NVIDIA_API_KEY", ""},
          {"OPENROUTER_API_KEY", ""},
          {"AUTO_ENDPOINT_DIAGNOSIS_ENABLED", "false"},
          {"REQUEST_DEADLINE_SECONDS", "20"}};
}

inline void write_gateway_files(const data_dir& dir, const fake_process& fake,
                                const std::vector<route_spec>& routes) {
  auto base = "http://127.0.0.1:" + std::to_string(fake.port);
  dir.write("providers.json", R"([{"name":"p1","base_url":")" + base
                                + R"(/p1/v1","api_key_env":"P1_API_KEY","requests_per_day":50},)"
                                  R"({"name":"p2","base_url":")"
                                + base + R"(/p2/v1","api_key_env":"P2_API_KEY"}])");
  std::string catalog = "[";
  for (size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    catalog += (i > 0 ? "," : "") + std::string(R"({"route_id":")") + r.route_id
               + R"(","provider_name":")" + r.provider + R"(","model_id":")" + r.model_id
               + R"(","rank":)" + std::to_string(i + 1) + "}";
  }
  dir.write("model_catalog.json", catalog + "]");
  dir.write("test.env", "");
}

/// The freerouter binary on a data dir, stopped with SIGTERM at the end.
class gateway_process {
public:
  gateway_process() = default;
  gateway_process(const gateway_process&) = delete;
  gateway_process& operator=(const gateway_process&) = delete;
  ~gateway_process() {
    stop();
  }

  /// Starts and waits (at most 10 s) until it accepts; false when it exited or never did.
  bool start(const std::string& dir) {
    port = free_port();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      for (const auto& [key, value] : gateway_environment()) {
        ::setenv(key.c_str(), value.c_str(), 1);
      }
      std::string port_text = std::to_string(port);
      std::string env_file = dir + "/test.env";
      ::execl(FREEROUTER_BIN, FREEROUTER_BIN, "--port", port_text.c_str(), "--data-dir",
              dir.c_str(), "--env-file", env_file.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 1000 && pid_ > 0; ++i) {
      if (can_connect(port)) {
        return true;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status = status;
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  /// Waits (at most 10 s) for a process that should exit by itself; its exit code or -1.
  int wait_exit() {
    for (int i = 0; i < 1000 && pid_ > 0; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) : -1;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port);
  }

  uint16_t port = 0;
  int exit_status = 0;

private:
  pid_t pid_ = -1;
};

inline freerouter::embedded_options embedded_on(const data_dir& dir) {
  freerouter::embedded_options o;
  o.data_dir = dir.path;
  o.env_file = dir.path + "/test.env";
  o.environment = gateway_environment();
  o.use_process_environment = false;
  return o;
}

/// Upstream calls the fake provider saw under /<provider>/v1.
inline uint64_t upstream_calls(const fake_process& fake, const std::string& provider) {
  upstream::testing::io_runner io;
  auto admin = upstream::testing::make_client(io.ioc, fake.url(""));
  if (!admin) {
    return ~uint64_t{0};
  }
  auto stats = upstream::testing::fake_stats(*admin);
  auto key = "/" + provider + "/v1";
  if (!stats.IsObject() || !stats.HasMember("by_prefix")) {
    return ~uint64_t{0};
  }
  const auto& by_prefix = stats["by_prefix"];
  if (!by_prefix.HasMember(key.c_str())) {
    return 0;
  }
  return by_prefix[key.c_str()].GetUint64();
}

/// What 100 threads calling one client at once got back.
struct burst_outcome {
  int served = 0;
  int exhausted = 0;
  std::vector<std::string> other_errors;
};

inline burst_outcome chat_from_threads(freerouter::client& c, int threads) {
  burst_outcome out;
  std::mutex mutex;
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      while (!go.load()) {
        std::this_thread::yield();
      }
      auto r = c.chat({{"user", "hello"}});
      std::lock_guard<std::mutex> guard(mutex);
      if (r) {
        ++out.served;
      } else if (r.error().code == "waterfall_exhausted") {
        ++out.exhausted;
      } else {
        out.other_errors.push_back(r.error().code + ": " + r.error().message);
      }
    });
  }
  go = true;
  for (auto& t : pool) {
    t.join();
  }
  return out;
}

/// The event kinds of a stream, as names ("route_trying route_fail ...").
inline std::string kinds(const std::vector<freerouter::stream_event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += (out.empty() ? "" : " ") + std::string(freerouter::to_string(e.kind));
  }
  return out;
}

} // namespace gw::client_testing
