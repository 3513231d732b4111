#include "persistence/diagnosis_store.hpp"

#include <string>

namespace gw::persistence {

namespace {

/// Runs `body` inside one transaction; a failure rolls everything back.
template <class Body>
std::optional<gw::error> in_transaction(database& db, Body body) {
  if (auto err = db.exec("BEGIN IMMEDIATE")) {
    return err;
  }
  auto err = body();
  if (!err) {
    err = db.exec("COMMIT");
  }
  if (err) {
    db.exec("ROLLBACK");
  }
  return err;
}

/// Sources are URLs or titles: one per line.
std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += '\n';
    }
    out += item;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (end > start) {
      out.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

} // namespace

std::optional<gw::error> save_diagnosis(database& db, const diagnosis_record& run) {
  return in_transaction(db, [&]() -> std::optional<gw::error> {
    auto remove = statement::prepare(db, "DELETE FROM diagnosis_runs WHERE run_id = ?1");
    if (!remove) {
      return remove.error();
    }
    remove->bind(1, run.run_id);
    if (auto err = remove->run()) {
      return err;
    }
    auto insert = statement::prepare(db, R"sql(
INSERT INTO diagnosis_runs (run_id, started_ms, checked_at_ms, report_json, auto_applied_json)
VALUES (?1, ?2, ?3, ?4, ?5))sql");
    if (!insert) {
      return insert.error();
    }
    insert->bind(1, run.run_id);
    insert->bind(2, run.started_ms);
    insert->bind(3, run.checked_at_ms);
    insert->bind(4, run.report_json);
    insert->bind(5, run.auto_applied_json);
    if (auto err = insert->run()) {
      return err;
    }
    auto prune = statement::prepare(db, R"sql(
DELETE FROM diagnosis_runs
WHERE id NOT IN (SELECT id FROM diagnosis_runs ORDER BY id DESC LIMIT ?1))sql");
    if (!prune) {
      return prune.error();
    }
    prune->bind(1, kept_diagnosis_runs);
    return prune->run();
  });
}

gw::expected<std::optional<diagnosis_record>> load_last_diagnosis(const database& db) {
  auto query = statement::prepare(db, R"sql(
SELECT run_id, started_ms, checked_at_ms, report_json, auto_applied_json
FROM diagnosis_runs ORDER BY id DESC LIMIT 1)sql");
  if (!query) {
    return query.error();
  }
  auto row = query->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return std::optional<diagnosis_record>{};
  }
  diagnosis_record run;
  run.run_id = query->column_text(0);
  run.started_ms = query->column_int64(1);
  run.checked_at_ms = query->column_int64(2);
  run.report_json = query->column_text(3);
  run.auto_applied_json = query->column_text(4);
  return std::optional<diagnosis_record>{std::move(run)};
}

std::optional<gw::error> save_verdict(database& db, const verdict_record& verdict) {
  auto upsert = statement::prepare(db, R"sql(
INSERT INTO supervisor_verdicts (key, free_chat_model, confidence, reason, sources, at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(key) DO UPDATE SET free_chat_model = excluded.free_chat_model,
  confidence = excluded.confidence, reason = excluded.reason, sources = excluded.sources,
  at_ms = excluded.at_ms)sql");
  if (!upsert) {
    return upsert.error();
  }
  upsert->bind(1, verdict.key);
  upsert->bind(2, int64_t{verdict.free_chat_model ? 1 : 0});
  upsert->bind(3, verdict.confidence);
  upsert->bind(4, verdict.reason);
  upsert->bind(5, join_lines(verdict.sources));
  upsert->bind(6, verdict.at_ms);
  return upsert->run();
}

gw::expected<std::vector<verdict_record>> load_verdicts(const database& db) {
  auto query = statement::prepare(
    db, "SELECT key, free_chat_model, confidence, reason, sources, at_ms FROM supervisor_verdicts "
        "ORDER BY key");
  if (!query) {
    return query.error();
  }
  std::vector<verdict_record> out;
  while (true) {
    auto row = query->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      break;
    }
    verdict_record v;
    v.key = query->column_text(0);
    v.free_chat_model = query->column_int64(1) != 0;
    v.confidence = query->column_text(2);
    v.reason = query->column_text(3);
    v.sources = split_lines(query->column_text(4));
    v.at_ms = query->column_int64(5);
    out.push_back(std::move(v));
  }
  return out;
}

} // namespace gw::persistence
