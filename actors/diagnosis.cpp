// The diagnosis actor's behaviour: runs (one at a time, joined by refreshes), their timer,
// the report and its storage, applying suggestions and automatic maintenance.
#include "actors/diagnosis.hpp"

#include "actors/diagnosis_internal.hpp"
#include "catalog/diagnosis_json.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <set>

namespace gw::actors {

namespace {

using namespace detail;

constexpr auto store_timeout = std::chrono::seconds(30);
constexpr auto router_timeout = std::chrono::seconds(30);

void schedule_next(diagnosis_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  st.next_run_at_ms = st.wiring.now() + delay.count();
  self->delayed_send(self, delay, atom::tick_v);
}

/// Stores the last report with what maintenance applied from it.
void store_report(diagnosis_ptr self) {
  auto& st = self->state;
  if (!st.wiring.persistence || !st.last_report) {
    return;
  }
  persistence::diagnosis_record rec;
  rec.run_id = st.last_report->run_id;
  rec.started_ms = st.last_report->started_ms;
  rec.checked_at_ms = st.last_report->checked_at_ms;
  rec.report_json = catalog::report_json(*st.last_report);
  rec.auto_applied_json = catalog::suggestions_json(st.last_auto_applied);
  self->request(st.wiring.persistence, store_timeout, atom::persist_v, std::move(rec))
    .then([](bool) {}, [](caf::error&) {});
}

void export_pending(diagnosis_ptr self) {
  auto& st = self->state;
  if (st.wiring.metrics != nullptr && st.last_report) {
    st.wiring.metrics->set_diagnosis_suggestions(st.last_report->suggestions.size());
  }
}

/// Applies the last report's suggestions named by `ids` through the router, then drops them
/// from the report. `done` runs in the actor with what was applied.
void apply_suggestions(diagnosis_ptr self, const std::vector<std::string>& ids,
                       const std::function<void(applied_suggestions)>& done) {
  auto& st = self->state;
  if (!st.last_report) {
    done({});
    return;
  }
  std::set<std::string> wanted(ids.begin(), ids.end());
  std::vector<catalog::suggestion> selected;
  catalog_edit edit;
  for (const auto& s : st.last_report->suggestions) {
    if (wanted.count(s.suggestion_id) == 0) {
      continue;
    }
    switch (s.action) {
    case catalog::suggestion_action::add_route:
      if (s.new_route) {
        edit.add.push_back(*s.new_route);
      }
      break;
    case catalog::suggestion_action::remove_route:
      edit.remove.push_back(s.route_id);
      break;
    case catalog::suggestion_action::clear_stale:
      edit.clear.push_back(s.route_id);
      break;
    }
    selected.push_back(s);
  }
  if (selected.empty()) {
    done({});
    return;
  }
  self->request(st.wiring.router, router_timeout, atom::apply_v, std::move(edit))
    .then(
      [self, selected, done](std::string& failure) {
        auto& state = self->state;
        if (state.last_report) {
          auto& left = state.last_report->suggestions;
          left.erase(std::remove_if(left.begin(), left.end(),
                                    [&selected](const catalog::suggestion& s) {
                                      return std::any_of(selected.begin(), selected.end(),
                                                         [&s](const catalog::suggestion& x) {
                                                           return x.suggestion_id
                                                                  == s.suggestion_id;
                                                         });
                                    }),
                     left.end());
        }
        export_pending(self);
        done(applied_suggestions{selected, std::move(failure)});
      },
      [done](caf::error&) {
        done(applied_suggestions{{}, "The router did not answer; nothing was applied."});
      });
}

/// Scheduled runs with maintenance on: remove dead routes and restore recovered ones; adds
/// always wait for a person. `done` runs once the catalog is changed.
void maintain(diagnosis_ptr self, const std::function<void()>& done) {
  auto& st = self->state;
  std::vector<std::string> safe;
  for (const auto& s : st.last_report->suggestions) {
    if (s.action != catalog::suggestion_action::add_route) {
      safe.push_back(s.suggestion_id);
    }
  }
  if (safe.empty()) {
    done();
    return;
  }
  apply_suggestions(self, safe, [self, done](applied_suggestions result) {
    auto& state = self->state;
    if (!result.error.empty()) {
      state.settings.log.error("diagnosis maintenance: " + result.error);
    }
    if (state.wiring.metrics != nullptr) {
      state.wiring.metrics->count_diagnosis_auto_applied(result.applied.size());
    }
    state.last_auto_applied = std::move(result.applied);
    done();
  });
}

metrics::diagnosis_result result_of(const catalog::diagnosis_report& report) {
  size_t configured = 0;
  size_t ok = 0;
  for (const auto& p : report.providers) {
    configured += p.configured ? 1 : 0;
    ok += p.ok ? 1 : 0;
  }
  if (ok == configured) {
    return metrics::diagnosis_result::ok;
  }
  return ok == 0 ? metrics::diagnosis_result::failed : metrics::diagnosis_result::partial;
}

void export_run(diagnosis_ptr self, const catalog::diagnosis_report& report) {
  auto* m = self->state.wiring.metrics;
  if (m == nullptr) {
    return;
  }
  metrics::diagnosis_summary summary;
  summary.result = result_of(report);
  summary.suggestions = report.suggestions.size();
  summary.started_unix_seconds = static_cast<double>(report.started_ms) / 1000.0;
  summary.finished_unix_seconds = static_cast<double>(report.checked_at_ms) / 1000.0;
  for (const auto& p : report.providers) {
    if (p.ok) {
      summary.providers.push_back({p.provider_name, p.discovered_model_count,
                                   p.new_route_suggestion_count, p.stale_route_suggestion_count,
                                   p.recovered_route_suggestion_count});
    }
  }
  m->record_diagnosis_run(summary);
}

/// The run is over (maintenance included): store the report, re-arm the timer.
void finish_run(diagnosis_ptr self) {
  auto& st = self->state;
  bool scheduled = st.running->scheduled;
  st.running.reset();
  store_report(self);
  if (scheduled && st.settings.scheduled) {
    schedule_next(self, st.settings.interval);
  }
}

/// Every provider answered: the report replaces the last one. The run stays "running" while
/// maintenance applies its safe suggestions, so that nobody reads a half-applied state.
void complete_run(diagnosis_ptr self) {
  auto& st = self->state;
  auto& run = *st.running;
  catalog::diagnosis_report report;
  report.run_id = run.run_id;
  report.started_ms = run.started_ms;
  report.checked_at_ms = st.wiring.now();
  for (auto& step : run.steps) {
    report.providers.push_back(std::move(step.diagnosis));
    for (auto& s : step.suggestions) {
      report.suggestions.push_back(std::move(s));
    }
  }
  export_run(self, report);
  st.last_report = std::move(report);
  if (!run.scheduled) {
    finish_run(self);
    return;
  }
  st.last_auto_applied.clear();
  if (!st.settings.maintenance) {
    finish_run(self);
    return;
  }
  maintain(self, [self] { finish_run(self); });
}

/// Starts a run: the catalog as it is now, then every provider at once.
std::string start_run(diagnosis_ptr self, bool scheduled) {
  auto& st = self->state;
  diagnosis_run run;
  run.started_ms = st.wiring.now();
  run.run_id = "diag-" + std::to_string(run.started_ms) + "-" + std::to_string(++st.runs_started);
  run.scheduled = scheduled;
  run.steps.resize(st.wiring.providers.size());
  run.left = run.steps.size();
  auto run_id = run.run_id;
  st.running = std::move(run);
  self->request(st.wiring.router, router_timeout, atom::catalog_v, atom::health_v)
    .then(
      [self, run_id](catalog_entries& entries) {
        auto& state = self->state;
        if (!state.running || state.running->run_id != run_id) {
          return;
        }
        state.running->catalog = std::make_shared<const catalog_entries>(std::move(entries));
        if (state.running->left == 0) {
          complete_run(self);
          return;
        }
        for (size_t i = 0; i < state.wiring.providers.size(); ++i) {
          diagnose_provider(self, i);
        }
      },
      [self, run_id](caf::error&) {
        auto& state = self->state;
        if (!state.running || state.running->run_id != run_id) {
          return;
        }
        for (size_t i = 0; i < state.wiring.providers.size(); ++i) {
          catalog::provider_diagnosis d;
          d.provider_name = state.wiring.providers[i].spec->name;
          d.configured = state.wiring.providers[i].spec->configured();
          d.error = "catalog_unavailable";
          provider_finished(self, run_id, i, std::move(d), {});
        }
        if (state.running && state.running->left == 0) {
          complete_run(self);
        }
      });
  return run_id;
}

diagnosis_status status_of(const diagnosis_state& st) {
  diagnosis_status status;
  status.enabled = st.settings.scheduled;
  status.auto_maintenance_enabled = st.settings.scheduled && st.settings.maintenance;
  status.supervisor_enabled = st.settings.supervisor;
  if (st.running) {
    status.running = true;
    status.run_id = st.running->run_id;
    status.running_since_ms = st.running->started_ms;
  } else if (st.last_report) {
    status.run_id = st.last_report->run_id;
  }
  status.next_run_at_ms = st.settings.scheduled ? st.next_run_at_ms : 0;
  status.last_report = st.last_report;
  status.last_auto_applied = st.last_auto_applied;
  return status;
}

/// What the store held from the last run, so that a restart shows it.
void restore(diagnosis_ptr self) {
  auto& st = self->state;
  for (auto& v : st.wiring.verdicts) {
    catalog::supervisor_verdict verdict;
    verdict.free_chat_model = v.free_chat_model;
    verdict.confidence = v.confidence;
    verdict.reason = v.reason;
    verdict.sources = v.sources;
    st.verdicts.emplace(v.key, std::move(verdict));
  }
  st.wiring.verdicts.clear();
  if (!st.wiring.restored) {
    return;
  }
  auto report = catalog::parse_report_json(st.wiring.restored->report_json);
  if (!report) {
    st.settings.log.warn("the stored diagnosis report is unreadable, ignored: "
                         + report.error().message);
    return;
  }
  st.last_report = std::move(*report);
  if (auto applied = catalog::parse_suggestions_json(st.wiring.restored->auto_applied_json)) {
    st.last_auto_applied = std::move(*applied);
  }
  st.wiring.restored.reset();
  export_pending(self);
}

} // namespace

namespace detail {

void provider_finished(diagnosis_ptr self, const std::string& run_id, size_t index,
                       catalog::provider_diagnosis diagnosis,
                       std::vector<catalog::suggestion> suggestions) {
  auto& st = self->state;
  if (!st.running || st.running->run_id != run_id || index >= st.running->steps.size()
      || st.running->steps[index].done) {
    return;
  }
  auto& step = st.running->steps[index];
  step.diagnosis = std::move(diagnosis);
  step.suggestions = std::move(suggestions);
  step.done = true;
  if (--st.running->left == 0 && st.running->catalog) {
    complete_run(self);
  }
}

} // namespace detail

diagnosis_actor::behavior_type diagnosis(diagnosis_ptr self, diagnosis_settings settings,
                                         diagnosis_wiring wiring) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.wiring = std::move(wiring);
  restore(self);
  if (st.settings.scheduled) {
    schedule_next(self, st.settings.startup_delay);
  }
  return {
    [self](atom::refresh) {
      auto& state = self->state;
      if (state.running) {
        return diagnosis_ticket{state.running->run_id, true};
      }
      return diagnosis_ticket{start_run(self, false), false};
    },
    [self](caf::get_atom, atom::diagnosis) { return status_of(self->state); },
    [self](atom::apply, const std::vector<std::string>& ids) {
      auto promise = self->make_response_promise<applied_suggestions>();
      apply_suggestions(self, ids, [self, promise](applied_suggestions result) mutable {
        if (!result.applied.empty()) {
          store_report(self);
        }
        promise.deliver(std::move(result));
      });
      return promise;
    },
    [self](atom::tick) {
      auto& state = self->state;
      state.next_run_at_ms = 0;
      if (state.running) {
        // A refresh started the run the timer wanted: it becomes the scheduled one.
        state.running->scheduled = true;
        return;
      }
      start_run(self, true);
    },
    [self](atom::verdict, uint64_t id, catalog::supervisor_verdict& verdict) {
      auto& asking = self->state.asking;
      auto it = asking.find(id);
      if (it == asking.end()) {
        return;
      }
      auto answer = std::move(it->second);
      asking.erase(it);
      answer(std::move(verdict));
    },
  };
}

} // namespace gw::actors
