#define CAF_SUITE persistence.detached

#include "actors/persistence.hpp"
#include "persistence/state_store.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>

using namespace gw;

// Production mode: a real actor system with the actor on its own thread, where a reply
// and a reader really run concurrently with the writer.
CAF_TEST(a detached actor commits before it replies and on exit) {
  test::scratch_dir dir;
  auto path = dir.file("state.db");
  auto opened = persistence::state_store::open(path, 5000);
  CAF_REQUIRE(opened.has_value());
  std::shared_ptr<persistence::state_store> store = std::move(*opened);
  auto reader = persistence::state_store::open(path, 5000);
  CAF_REQUIRE(reader.has_value());

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{cfg};
  actors::persistence_settings settings;
  settings.prune_interval = std::chrono::milliseconds{0};
  auto actor = actors::spawn_persistence(sys, store, settings, true);
  caf::scoped_actor self{sys};
  for (int64_t i = 1; i <= 20; ++i) {
    actors::quota_record rec;
    rec.key = "groq";
    rec.requests_today = i;
    bool replied = false;
    self->request(actor, std::chrono::seconds(10), atom::persist_v, rec)
      .receive(
        [&](bool ok) {
          replied = ok;
          auto rows = (*reader)->load_quotas();
          CAF_REQUIRE(rows.has_value());
          CAF_REQUIRE_EQUAL(rows->size(), 1u);
          CAF_CHECK_EQUAL(rows->front().requests_today, i);
        },
        [&](caf::error& err) { CAF_FAIL("persist failed: " << sys.render(err)); });
    CAF_CHECK(replied);
  }
  actors::usage_event event;
  event.route_id = "a";
  event.outcome = "success";
  event.at_ms = 1;
  self->send(actor, atom::persist_v, event);
  // exit_msg jumps the mailbox queue, so wait until the event has been absorbed (a shutdown
  // should send flush first); what is absorbed but not yet committed is written on exit.
  self->request(actor, std::chrono::seconds(10), caf::get_atom_v, atom::usage_v)
    .receive([&](const actors::usage_table& table) { CAF_CHECK_EQUAL(table.size(), 1u); },
             [&](caf::error& err) { CAF_FAIL("usage failed: " << sys.render(err)); });
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  self->wait_for(actor);
  auto usage = (*reader)->load_usage();
  CAF_REQUIRE(usage.has_value());
  CAF_REQUIRE_EQUAL(usage->size(), 1u);
  CAF_CHECK_EQUAL(usage->front().successes, 1);
}
