#define CAF_SUITE persistence.diagnosis_store

#include "persistence/diagnosis_store.hpp"

#include "persistence/state_store.hpp"
#include "tests/unit/persistence/temp_dir.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using namespace gw;
using namespace gw::persistence;
using gw::test::scratch_dir;

namespace {

diagnosis_record run(const std::string& id, int64_t checked_at_ms) {
  diagnosis_record r;
  r.run_id = id;
  r.started_ms = checked_at_ms - 500;
  r.checked_at_ms = checked_at_ms;
  r.report_json = R"({"run_id":")" + id + R"("})";
  return r;
}

} // namespace

CAF_TEST(the last diagnosis run survives a reopen of the file) {
  scratch_dir dir;
  {
    auto store = state_store::open(dir.file("state.sqlite3"), 1000);
    CAF_REQUIRE(store);
    CAF_CHECK(!(*store)->load_last_diagnosis()->has_value());
    CAF_CHECK(!(*store)->save_diagnosis(run("r1", 1000)));
    CAF_CHECK(!(*store)->save_diagnosis(run("r2", 2000)));
  }
  auto store = state_store::open(dir.file("state.sqlite3"), 1000);
  CAF_REQUIRE(store);
  auto last = (*store)->load_last_diagnosis();
  CAF_REQUIRE(last && last->has_value());
  CAF_CHECK_EQUAL((*last)->run_id, "r2");
  CAF_CHECK_EQUAL((*last)->started_ms, 1500);
  CAF_CHECK_EQUAL((*last)->checked_at_ms, 2000);
  CAF_CHECK_EQUAL((*last)->report_json, R"({"run_id":"r2"})");
  CAF_CHECK_EQUAL((*last)->auto_applied_json, "[]");
}

CAF_TEST(saving a run again replaces it and keeps it the newest) {
  auto store = state_store::open(":memory:", 1000);
  CAF_REQUIRE(store);
  CAF_CHECK(!(*store)->save_diagnosis(run("r1", 1000)));
  auto again = run("r1", 1000);
  again.auto_applied_json = R"([{"suggestion_id":"remove:x"}])";
  CAF_CHECK(!(*store)->save_diagnosis(again));
  auto last = (*store)->load_last_diagnosis();
  CAF_REQUIRE(last && last->has_value());
  CAF_CHECK_EQUAL((*last)->auto_applied_json, again.auto_applied_json);
}

CAF_TEST(only the newest twenty runs are kept) {
  scratch_dir dir;
  auto store = state_store::open(dir.file("state.sqlite3"), 1000);
  CAF_REQUIRE(store);
  for (int i = 0; i < 25; ++i) {
    CAF_CHECK(!(*store)->save_diagnosis(run("r" + std::to_string(i), 1000 + i)));
  }
  auto db = database::open(dir.file("state.sqlite3"));
  CAF_REQUIRE(db);
  auto count = statement::prepare(*db, "SELECT COUNT(*), MIN(run_id) FROM diagnosis_runs");
  CAF_REQUIRE(count);
  CAF_REQUIRE(count->step());
  CAF_CHECK_EQUAL(count->column_int64(0), kept_diagnosis_runs);
  CAF_CHECK_EQUAL(count->column_text(1), "r10");
  auto last = (*store)->load_last_diagnosis();
  CAF_REQUIRE(last && last->has_value());
  CAF_CHECK_EQUAL((*last)->run_id, "r24");
}

CAF_TEST(verdicts are upserted by key and read back with their sources) {
  auto store = state_store::open(":memory:", 1000);
  CAF_REQUIRE(store);
  verdict_record v;
  v.key = "groq::llama-x";
  v.free_chat_model = true;
  v.confidence = "high";
  v.reason = "listed as free";
  v.sources = {"https://a.example/pricing", "https://b.example/docs"};
  v.at_ms = 42;
  CAF_CHECK(!(*store)->save_verdict(v));
  v.reason = "still free";
  CAF_CHECK(!(*store)->save_verdict(v));
  verdict_record other;
  other.key = "cerebras::m";
  CAF_CHECK(!(*store)->save_verdict(other));
  auto all = (*store)->load_verdicts();
  CAF_REQUIRE(all);
  CAF_REQUIRE_EQUAL(all->size(), 2u);
  CAF_CHECK_EQUAL((*all)[0].key, "cerebras::m");
  CAF_CHECK(!(*all)[0].free_chat_model);
  CAF_CHECK((*all)[0].sources.empty());
  CAF_CHECK_EQUAL((*all)[1].key, "groq::llama-x");
  CAF_CHECK((*all)[1].free_chat_model);
  CAF_CHECK_EQUAL((*all)[1].confidence, "high");
  CAF_CHECK_EQUAL((*all)[1].reason, "still free");
  CAF_CHECK_EQUAL((*all)[1].sources, v.sources);
  CAF_CHECK_EQUAL((*all)[1].at_ms, 42);
}
