#define CAF_SUITE actors.restore

#include "actors/persistence.hpp"
#include "actors/quota_bucket.hpp"
#include "actors/route.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/caf_dsl.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <unistd.h>

using namespace gw;
using actors::health_record;
using actors::quota_record;
using actors::route_ticket;

namespace {

// 2024-05-01 12:00:00 UTC.
constexpr int64_t t0 = 1'714'564'800'000;
constexpr int64_t second = 1000;
constexpr int64_t minute = 60 * second;

catalog::provider_spec provider(catalog::quota_limits limits) {
  catalog::provider_spec p;
  p.name = "groq";
  p.base_url = "http://127.0.0.1:1/groq";
  p.api_key_env = "GROQ_API_KEY";
  p.api_key = "key";
  p.quota = limits;
  return p;
}

catalog::quota_limits rpd(int64_t n) {
  catalog::quota_limits l;
  l.requests_per_day = n;
  return l;
}

catalog::route make_route() {
  catalog::route r;
  r.route_id = "groq/llama-3.1-8b";
  r.provider_name = "groq";
  r.model_id = "llama-3.1-8b";
  r.display_name = r.model_id;
  r.context_window = 8000;
  return r;
}

quota_record quota_row(std::string day, int64_t requests, int64_t tokens) {
  quota_record q;
  q.key = "groq";
  q.day = std::move(day);
  q.requests_today = requests;
  q.tokens_today = tokens;
  q.updated_ms = t0 - minute;
  return q;
}

health_record health_row(std::string status) {
  health_record h;
  h.route_id = "groq/llama-3.1-8b";
  h.provider_name = "groq";
  h.model_id = "llama-3.1-8b";
  h.status = std::move(status);
  h.updated_ms = t0 - minute;
  return h;
}

/// A database file removed at the end of the test, so that a "restart" reopens real storage.
class scratch_file {
public:
  scratch_file() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path()
            / ("gw-actor-restore-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  ~scratch_file() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const {
    return (path_ / "state.db").string();
  }

private:
  std::filesystem::path path_;
};

std::shared_ptr<persistence::state_store> open_store(const std::string& path) {
  auto opened = persistence::state_store::open(path, 1000);
  if (!opened) {
    CAF_FAIL("cannot open " << path << ": " << opened.error().message);
  }
  return std::shared_ptr<persistence::state_store>(std::move(*opened));
}

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(t0);
  std::shared_ptr<persistence::state_store> store = open_store(":memory:");
  actors::persistence_actor persistence;
  actors::quota_bucket_actor bucket;
  actors::route_actor route;

  actors::wall_clock wall() const {
    return [clock = now] {
      return *clock;
    };
  }

  /// Writes rows the way a previous run of the gateway left them.
  void write(const std::vector<quota_record>& quotas, const std::vector<health_record>& health) {
    auto err = store->write_batch(quotas, health, {});
    CAF_REQUIRE(!err.has_value());
  }

  /// What start-up reads back: the one stored row of the bucket, if any.
  std::optional<quota_record> load_quota() {
    auto rows = store->load_quotas();
    CAF_REQUIRE(rows.has_value());
    CAF_REQUIRE_LESS_OR_EQUAL(rows->size(), 1u);
    if (rows->empty()) {
      return std::nullopt;
    }
    return rows->front();
  }

  std::optional<health_record> load_health() {
    auto rows = store->load_health();
    CAF_REQUIRE(rows.has_value());
    CAF_REQUIRE_LESS_OR_EQUAL(rows->size(), 1u);
    if (rows->empty()) {
      return std::nullopt;
    }
    return rows->front();
  }

  void start_persistence() {
    actors::persistence_settings settings;
    settings.prune_interval = std::chrono::milliseconds{0};
    persistence = actors::spawn_persistence(sys, store, settings, /*detached=*/false);
    run();
  }

  void start_bucket(const catalog::provider_spec& spec, std::optional<quota_record> restored) {
    bucket = sys.spawn(actors::quota_bucket, spec, catalog::day_clock{}, persistence,
                       std::move(restored), wall(), metrics::provider_metrics{}, log::logger{});
    run();
  }

  void start_route(std::optional<health_record> restored) {
    actors::route_wiring wiring;
    wiring.spec = std::make_shared<const catalog::provider_spec>(provider({}));
    wiring.persistence = persistence;
    wiring.restored = std::move(restored);
    wiring.now = wall();
    route = sys.spawn(actors::route, make_route(), std::move(wiring));
    run();
  }

  /// Ends every actor, as a shutdown (or a crash after the last commit) would.
  void stop_all() {
    for (auto hdl : {caf::actor_cast<caf::actor>(route), caf::actor_cast<caf::actor>(bucket),
                     caf::actor_cast<caf::actor>(persistence)}) {
      if (hdl) {
        caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
      }
    }
    run();
    route = actors::route_actor{};
    bucket = actors::quota_bucket_actor{};
    persistence = actors::persistence_actor{};
  }

  route_ticket reserve(int64_t tokens = 0) {
    return request<route_ticket>(bucket, atom::reserve_v, tokens);
  }

  actors::quota_view quota() {
    return request<actors::quota_view>(bucket, caf::get_atom_v, atom::quota_v);
  }

  route_ticket acquire() {
    actors::attempt_request req;
    req.prompt_tokens = 10;
    req.total_tokens = 110;
    return request<route_ticket>(route, atom::acquire_v, req);
  }

  ~fixture() override {
    stop_all();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(restore_tests, fixture)

CAF_TEST(a restored bucket at two of three daily requests grants exactly one more) {
  write({quota_row("2024-05-01", 2, 300)}, {});
  start_bucket(provider(rpd(3)), load_quota());
  auto v = quota();
  CAF_CHECK_EQUAL(v.record.requests_today, 2);
  CAF_CHECK_EQUAL(v.record.tokens_today, 300);
  CAF_CHECK(reserve().granted);
  auto denied = reserve();
  CAF_CHECK(!denied.granted);
  CAF_CHECK_EQUAL(denied.skip_reason, "daily_request_limit");
  CAF_CHECK_EQUAL(quota().record.requests_today, 3);
}

CAF_TEST(restored daily tokens count against the token limit) {
  catalog::quota_limits limits;
  limits.tokens_per_day = 1000;
  write({quota_row("2024-05-01", 5, 900)}, {});
  start_bucket(provider(limits), load_quota());
  CAF_CHECK_EQUAL(reserve(101).skip_reason, "daily_token_limit");
  CAF_CHECK(reserve(100).granted);
}

CAF_TEST(counters of an earlier day are not restored) {
  write({quota_row("2024-04-30", 3, 300)}, {});
  start_bucket(provider(rpd(3)), load_quota());
  auto v = quota();
  CAF_CHECK_EQUAL(v.record.day, "2024-05-01");
  CAF_CHECK_EQUAL(v.record.requests_today, 0);
  CAF_CHECK(reserve().granted);
}

CAF_TEST(the restored sliding minute keeps counting) {
  auto row = quota_row("2024-05-01", 2, 0);
  row.minute_times_ms = {t0 - 90 * second, t0 - 10 * second};
  row.minute_tokens = {0, 0};
  write({row}, {});
  catalog::quota_limits limits;
  limits.requests_per_minute = 2;
  start_bucket(provider(limits), load_quota());
  // The entry from 90 s ago has left the window; the one from 10 s ago still counts.
  CAF_CHECK_EQUAL(quota().requests_this_minute, 1);
  CAF_CHECK(reserve().granted);
  auto denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "rpm_limit");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 - 10 * second + minute);
}

CAF_TEST(a restored provider cooldown is in effect and a failing key gets a fresh chance) {
  auto row = quota_row("2024-05-01", 0, 0);
  row.cooldown_until_ms = t0 + 20 * second;
  row.key_failing = true;
  write({row}, {});
  start_bucket(provider(rpd(10)), load_quota());
  auto denied = reserve();
  CAF_CHECK_EQUAL(denied.skip_reason, "cooldown");
  CAF_CHECK_EQUAL(denied.retry_at_ms, t0 + 20 * second);
  *now = t0 + 20 * second;
  // A restart is how keys change: the key is tried again rather than "auth_failed".
  auto t = reserve();
  CAF_CHECK(t.granted);
  CAF_CHECK(!quota().record.key_failing);
}

CAF_TEST(a restored rate limited route is skipped until its probe is due) {
  auto row = health_row("rate_limited");
  row.reason = "provider_429";
  row.consecutive_failures = 2;
  row.rate_limited_until_ms = t0 + 30 * second;
  row.next_probe_at_ms = t0 + 45 * second;
  write({}, {row});
  start_route(load_health());
  auto h = request<health_record>(route, caf::get_atom_v, atom::health_v);
  CAF_CHECK_EQUAL(h.status, "rate_limited");
  CAF_CHECK_EQUAL(h.reason, "provider_429");
  CAF_CHECK_EQUAL(h.consecutive_failures, 2);
  CAF_CHECK_EQUAL(h.rate_limited_until_ms, t0 + 30 * second);
  CAF_CHECK_EQUAL(h.next_probe_at_ms, t0 + 45 * second);
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(t.retry_at_ms, t0 + 45 * second);
  *now = t0 + 45 * second;
  auto probe = acquire();
  CAF_CHECK(probe.granted);
  CAF_CHECK(probe.probe);
}

CAF_TEST(a restored potentially outdated route stays skipped) {
  auto row = health_row("potentially_outdated");
  row.reason = "model_not_found_404";
  row.consecutive_failures = 2;
  write({}, {row});
  start_route(load_health());
  auto t = acquire();
  CAF_CHECK(!t.granted);
  CAF_CHECK_EQUAL(t.skip_reason, "potentially_outdated");
}

CAF_TEST(an unknown stored status restores as active) {
  write({}, {health_row("something_new")});
  start_route(load_health());
  CAF_CHECK(acquire().granted);
  CAF_CHECK_EQUAL(request<health_record>(route, caf::get_atom_v, atom::health_v).status, "active");
}

CAF_TEST(grants and health written by one run are in effect after a restart) {
  scratch_file file;
  store = open_store(file.path());
  start_persistence();
  start_bucket(provider(rpd(3)), std::nullopt);
  start_route(std::nullopt);
  CAF_REQUIRE(reserve(10).granted);
  CAF_REQUIRE(reserve(20).granted);
  actors::attempt_report limited;
  limited.kind = catalog::outcome_kind::rate_limited;
  limited.status = 429;
  limited.cooldown_until_ms = t0 + 30 * second;
  self->send(route, atom::report_v, limited);
  run();
  CAF_CHECK(request<bool>(persistence, atom::flush_v));
  stop_all();
  store.reset();

  // The next run opens the file again and restores from it.
  store = open_store(file.path());
  *now = t0 + 5 * second;
  start_bucket(provider(rpd(3)), load_quota());
  start_route(load_health());
  CAF_CHECK_EQUAL(quota().record.requests_today, 2);
  CAF_CHECK_EQUAL(quota().record.tokens_today, 30);
  CAF_CHECK(reserve().granted);
  CAF_CHECK_EQUAL(reserve().skip_reason, "daily_request_limit");
  auto t = acquire();
  CAF_CHECK_EQUAL(t.skip_reason, "route_rate_limited");
  CAF_CHECK_EQUAL(t.retry_at_ms, t0 + 30 * second); // the hinted instant, kept without jitter
}

CAF_TEST_FIXTURE_SCOPE_END()
