// Shared by the upstream test suites: runs the fake-provider executable on a free port, an
// io_context on one thread, and blocking wrappers (bounded by a time limit) around the client.
#pragma once

#include "http/upstream/upstream_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gw::upstream::testing {

using namespace std::chrono_literals;

inline bool can_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

inline bool can_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// A port below the ephemeral range (32768+) that is free right now.
inline uint16_t free_port() {
  static uint16_t next = static_cast<uint16_t>(21000 + (::getpid() * 37) % 9000);
  for (int tries = 0; tries < 2000; ++tries) {
    uint16_t port = next++;
    if (next >= 32000) {
      next = 21000;
    }
    if (can_bind(port)) {
      return port;
    }
  }
  return 0;
}

/// The fake-provider executable, killed (SIGTERM) when this goes out of scope.
class fake_process {
public:
  fake_process() = default;
  fake_process(const fake_process&) = delete;
  fake_process& operator=(const fake_process&) = delete;

  ~fake_process() {
    stop();
  }

  /// Starts with --port (and --tls-port when tls files are given); waits until it accepts.
  bool start(std::vector<std::string> extra = {}, std::string cert = {}, std::string key = {}) {
    port = free_port();
    std::vector<std::string> args{FAKE_PROVIDER_BIN, "--port", std::to_string(port)};
    if (!cert.empty()) {
      tls_port = free_port();
      args.insert(args.end(),
                  {"--tls-port", std::to_string(tls_port), "--cert", cert, "--key", key});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      // A failed CAF_REQUIRE aborts the test process: take the fake down with it.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      std::vector<char*> argv;
      for (auto& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (pid_ < 0) {
      return false;
    }
    for (int i = 0; i < 500; ++i) { // at most 5 s
      if (can_connect(port) && (tls_port == 0 || can_connect(tls_port))) {
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  std::string url(const std::string& path = "/p1/v1") const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }

  uint16_t port = 0;
  uint16_t tls_port = 0;

private:
  pid_t pid_ = -1;
};

/// Test certificates from make_test_ca.sh, generated once per test process.
class test_certs {
public:
  static const test_certs& get() {
    static test_certs certs;
    return certs;
  }
  std::string file(const char* name) const {
    return (dir_ / name).string();
  }
  bool ok() const {
    return ok_;
  }
  ~test_certs() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

private:
  test_certs() {
    char tmpl[] = "/tmp/gw-upstream-certs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      return;
    }
    dir_ = tmpl;
    std::string cmd = std::string("sh '") + TEST_CA_SCRIPT + "' '" + dir_.string() + "'";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  std::filesystem::path dir_;
  bool ok_ = false;
};

/// An io_context run by one thread, as each of the gateway's loops (runtime/io_loops). The
/// tests call the client from their own thread: it must be callable from any thread.
struct io_runner {
  io_runner() : guard(ioc.get_executor()), thread([this] { ioc.run(); }) {}
  ~io_runner() {
    guard.reset();
    ioc.stop();
    thread.join();
  }
  boost::asio::io_context ioc{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::thread thread;
};

inline std::shared_ptr<upstream_client>
make_client(boost::asio::io_context& ioc, const std::string& url, client_options opts = {}) {
  auto ep = parse_base_url(url);
  if (!ep) {
    return nullptr;
  }
  auto client = upstream_client::make(ioc, *ep, std::move(opts));
  return client ? *client : nullptr;
}

inline upstream_request chat_request(const std::string& model, bool stream = false,
                                     std::chrono::milliseconds timeout = 10s) {
  upstream_request req;
  req.path = "/chat/completions";
  req.headers = {{"Authorization", "Bearer test-key"}, {"Content-Type", "application/json"}};
  req.body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])"
             + (stream ? R"(,"stream":true)" : "") + "}";
  req.timeout = timeout;
  return req;
}

inline upstream_request get_request(const std::string& path) {
  upstream_request req;
  req.method = "GET";
  req.path = path;
  req.timeout = 5s;
  return req;
}

/// Marks "the callback never came within the test's limit" (distinct from real failures).
inline upstream_result no_completion() {
  upstream_result r;
  r.failure = transport_failure::cancelled;
  r.detail = "TEST: no completion within the time limit";
  return r;
}

inline upstream_result send_sync(upstream_client& client, upstream_request req,
                                 std::chrono::seconds limit = 10s) {
  auto done = std::make_shared<std::promise<upstream_result>>();
  auto result = done->get_future();
  client.send(std::move(req), [done](upstream_result r) { done->set_value(std::move(r)); });
  if (result.wait_for(limit) != std::future_status::ready) {
    return no_completion();
  }
  return result.get();
}

struct opened_stream {
  upstream_result head;
  std::shared_ptr<upstream_stream> stream;
};

inline opened_stream open_sync(upstream_client& client, upstream_request req,
                               std::chrono::seconds limit = 10s) {
  auto done = std::make_shared<std::promise<opened_stream>>();
  auto result = done->get_future();
  client.open_stream(std::move(req), [done](upstream_result r, std::shared_ptr<upstream_stream> s) {
    done->set_value(opened_stream{std::move(r), std::move(s)});
  });
  if (result.wait_for(limit) != std::future_status::ready) {
    return opened_stream{no_completion(), nullptr};
  }
  return result.get();
}

struct read_outcome {
  std::string data;
  bool done = false;
  transport_failure failure = transport_failure::none;
  bool timed_out_in_test = false;
};

inline read_outcome read_sync(upstream_stream& stream, std::chrono::seconds limit = 10s) {
  auto done = std::make_shared<std::promise<read_outcome>>();
  auto result = done->get_future();
  stream.read_some([done](std::string_view data, bool finished, transport_failure failure) {
    done->set_value(read_outcome{std::string(data), finished, failure, false});
  });
  if (result.wait_for(limit) != std::future_status::ready) {
    read_outcome out;
    out.timed_out_in_test = true;
    return out;
  }
  return result.get();
}

/// GET /_fake/stats through its own client, parsed. Null document on failure.
inline rapidjson::Document fake_stats(upstream_client& admin) {
  rapidjson::Document doc;
  auto r = send_sync(admin, get_request("/_fake/stats"));
  if (r.ok() && r.status == 200) {
    doc.Parse(r.body.data(), r.body.size());
  }
  return doc;
}

inline uint64_t stat(const rapidjson::Document& doc, const char* key) {
  if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsUint64()) {
    return ~uint64_t{0};
  }
  return doc[key].GetUint64();
}

inline bool reset_fake(upstream_client& admin) {
  upstream_request req;
  req.method = "POST";
  req.path = "/_fake/reset";
  auto r = send_sync(admin, std::move(req));
  return r.ok() && r.status == 200;
}

inline std::chrono::milliseconds ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start);
}

} // namespace gw::upstream::testing
