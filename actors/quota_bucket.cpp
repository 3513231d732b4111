#include "actors/quota_bucket.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>

namespace gw::actors {

namespace {

using bucket_ptr = quota_bucket_actor::stateful_pointer<quota_bucket_state>;

quota_record to_record(const quota_bucket_state& st, const catalog::quota_snapshot& s,
                       int64_t now_ms) {
  quota_record r;
  r.key = st.key;
  r.day = s.day;
  r.requests_today = s.requests_today;
  r.tokens_today = s.tokens_today;
  r.minute_times_ms = s.minute_times_ms;
  r.minute_tokens = s.minute_tokens;
  r.cooldown_until_ms = s.cooldown_until_ms;
  r.key_failing = s.key_failing;
  r.updated_ms = now_ms;
  return r;
}

catalog::day_totals day_totals_of(const catalog::quota_snapshot& s) {
  return catalog::day_totals{s.day, s.requests_today, s.tokens_today};
}

catalog::quota_snapshot to_snapshot(const quota_record& r) {
  catalog::quota_snapshot s;
  s.day = r.day;
  s.requests_today = r.requests_today;
  s.tokens_today = r.tokens_today;
  s.minute_times_ms = r.minute_times_ms;
  s.minute_tokens = r.minute_tokens;
  s.cooldown_until_ms = r.cooldown_until_ms;
  s.key_failing = r.key_failing;
  return s;
}

/// Writes the current state soon, coalescing every change until then into one snapshot
/// (reconciled tokens, cooldowns, counters of unlimited buckets). Grants of limited buckets
/// are not deferred: they are written before the grant.
void persist_soon(bucket_ptr self) {
  auto& st = self->state;
  if (!st.persistence || st.write_scheduled) {
    return;
  }
  st.write_scheduled = true;
  self->delayed_send(self, deferred_write_delay, atom::tick_v);
}

void persist_now(bucket_ptr self) {
  auto& st = self->state;
  st.write_scheduled = false;
  if (!st.persistence) {
    return;
  }
  auto now = st.now();
  self
    ->request(st.persistence, std::chrono::seconds(30), atom::persist_v,
              to_record(st, st.lease->with_promise(st.ledger->snapshot(now)), now))
    .then([](bool) {}, [](caf::error&) {});
}

/// Mirrors the ledger into the quota/cooldown gauges. Limited windows only; cooldown and key
/// gauges are touched on changes only.
void export_state(bucket_ptr self, int64_t now) {
  auto& st = self->state;
  if (!st.series.enabled()) {
    return;
  }
  const auto& limits = st.ledger->limits();
  if (!limits.unlimited()) {
    auto s = st.ledger->snapshot(now);
    auto set = [&](metrics::quota_kind kind, const std::optional<int64_t>& limit, int64_t used) {
      if (limit) {
        st.series.set_quota(kind, static_cast<double>(std::max<int64_t>(*limit - used, 0)),
                            static_cast<double>(*limit));
      }
    };
    set(metrics::quota_kind::rpm, limits.requests_per_minute, s.requests_this_minute);
    set(metrics::quota_kind::rpd, limits.requests_per_day, s.requests_today);
    set(metrics::quota_kind::tpm, limits.tokens_per_minute, s.tokens_this_minute);
    set(metrics::quota_kind::tpd, limits.tokens_per_day, s.tokens_today);
    if (s.cooldown_until_ms != st.exported_cooldown_ms) {
      st.exported_cooldown_ms = s.cooldown_until_ms;
      st.series.set_cooldown_until(static_cast<double>(s.cooldown_until_ms) / 1000.0);
    }
  }
  if (st.ledger->key_failing() != st.exported_key_failing) {
    st.exported_key_failing = st.ledger->key_failing();
    st.series.set_key_failing(st.exported_key_failing);
  }
}

/// Tells the router whether it may grant without asking (unlimited, no cooldown, key fine).
void push_snapshot(bucket_ptr self) {
  auto& st = self->state;
  if (!st.listener) {
    return;
  }
  bucket_snapshot snap;
  snap.provider_name = st.key;
  snap.unlimited = st.ledger->limits().unlimited();
  snap.cooldown_until_ms = st.ledger->snapshot(st.now()).cooldown_until_ms;
  snap.key_failing = st.ledger->key_failing();
  snap.applied = st.applied;
  self->send(st.listener, atom::quota_v, std::move(snap));
}

/// Releases a reservation whose state did not reach the disk and says why: the caller skips
/// the route (reason quota_not_persisted) and the next reservation tries the disk again.
route_ticket refuse_unpersisted(bucket_ptr self, const route_ticket& granted) {
  auto& st = self->state;
  auto now = st.now();
  st.ledger->settle(now, granted.reservation_id, 0, /*reached_provider=*/false);
  if (granted.reservation_id == st.key_probe_reservation) {
    st.key_probe_reservation = 0;
    st.key_retry_at_ms = now;
  }
  st.series.count_not_persisted();
  // One line per failure streak, not one per request.
  if (st.not_persisted_streak++ == 0) {
    st.log.error("quota state of " + st.key
                 + " cannot be committed; refusing its reservations until it can");
  }
  export_state(self, now);
  return route_ticket{false, "quota_not_persisted", now + 1000, granted.probe, 0, 0};
}

void write_grants(bucket_ptr self);

/// The grant write ended (or its watchdog gave up on it): answer every grant it covered, then
/// start the next one.
void settle_grants(bucket_ptr self, bool committed) {
  auto& st = self->state;
  st.grant_write_in_flight = false;
  if (committed) {
    st.not_persisted_streak = 0;
  }
  // Delivering only queues messages: nothing here adds to either grant list.
  for (auto& held : st.grants_in_flight) {
    held.promise.deliver(committed ? held.granted : refuse_unpersisted(self, held.granted));
  }
  st.grants_in_flight.clear(); // keeps its capacity for the write after next
  if (st.grants_next.empty()) {
    return;
  }
  if (st.lease->covers(st.ledger->today(st.now()))) {
    // The lease just committed covers the grants made while it was written.
    for (auto& held : st.grants_next) {
      held.promise.deliver(held.granted);
    }
    st.grants_next.clear();
    return;
  }
  write_grants(self);
}

/// Makes sure one watchdog message is on its way (see on_grant_watchdog).
void arm_grant_watchdog(bucket_ptr self, caf::timespan delay) {
  auto& st = self->state;
  if (st.grant_watchdog_armed) {
    return;
  }
  st.grant_watchdog_armed = true;
  self->delayed_send(self, delay, atom::persist_v, atom::tick_v);
}

/// A grant write unanswered after grant_write_timeout counts as failed: its grants are
/// refused and the next write starts. A write still younger than that is checked again when
/// it would reach the timeout.
void on_grant_watchdog(bucket_ptr self) {
  auto& st = self->state;
  st.grant_watchdog_armed = false;
  if (!st.grant_write_in_flight) {
    return;
  }
  auto waited = self->clock().now() - st.grant_write_sent;
  if (waited >= grant_write_timeout) {
    settle_grants(self, false);
    return;
  }
  arm_grant_watchdog(self, grant_write_timeout - waited);
}

/// Sends the ledger's snapshot, which includes every waiting grant's reservation, with the
/// day totals raised by the lease's headroom (catalog/grant_lease.hpp).
/// The request has no timeout of its own: in CAF 0.17 each one wakes the clock thread twice
/// (set and cancel), ~3 µs of CPU per quota-limited request. The watchdog bounds the wait
/// instead, with one timer message per grant_write_timeout at most.
void write_grants(bucket_ptr self) {
  auto& st = self->state;
  st.grant_write_in_flight = true;
  // Swapped, not moved: both lists keep their capacity, so a busy bucket stops allocating.
  st.grants_in_flight.swap(st.grants_next);
  st.grants_next.clear();
  auto number = ++st.grant_write_number;
  st.grant_write_sent = self->clock().now();
  arm_grant_watchdog(self, grant_write_timeout);
  auto now = st.now();
  auto snapshot = st.ledger->snapshot(now);
  int64_t largest_tokens = 0;
  for (const auto& held : st.grants_in_flight) {
    largest_tokens = std::max(largest_tokens, held.granted.reserved_tokens);
  }
  auto totals = st.lease->next_grant_write(day_totals_of(snapshot), now, largest_tokens);
  snapshot.requests_today = totals.requests;
  snapshot.tokens_today = totals.tokens;
  // The answer of a write the watchdog already gave up on is ignored: its grants were
  // refused, and a later write may be in flight.
  auto settle = [self, number, totals = std::move(totals)](bool ok) {
    auto& state = self->state;
    if (state.grant_write_in_flight && state.grant_write_number == number) {
      if (ok) {
        state.lease->committed(totals, state.now());
      }
      settle_grants(self, ok);
    }
  };
  self->request(st.persistence, caf::infinite, atom::persist_v, to_record(st, snapshot, now))
    .then([settle](bool ok) { settle(ok); }, [settle](caf::error&) { settle(false); });
}

caf::result<route_ticket> reserve(bucket_ptr self, int64_t tokens, bool probe) {
  auto& st = self->state;
  auto now = st.now();
  bool probing_key = false;
  if (st.ledger->key_failing() && now >= st.key_retry_at_ms && st.key_probe_reservation == 0) {
    // One probe of a failing key: the key stays marked failing for every other request
    // until the probe's outcome arrives (reconcile).
    st.ledger->set_key_failing(false);
    probing_key = true;
  }
  auto decision = st.ledger->reserve(now, tokens);
  if (probing_key) {
    st.ledger->set_key_failing(true);
    if (decision.granted) {
      st.key_probe_reservation = decision.reservation_id;
      st.key_retry_at_ms = now + key_failure_backoff_ms;
    }
  }
  if (!decision.granted) {
    if (decision.reason == "auth_failed" && decision.retry_at_ms == 0) {
      decision.retry_at_ms = st.key_retry_at_ms;
    }
    return route_ticket{false, decision.reason, decision.retry_at_ms, probe, 0, 0};
  }
  route_ticket granted{true, {}, 0, probe, std::max<int64_t>(tokens, 0), decision.reservation_id};
  export_state(self, now);
  if (!st.persistence) {
    return granted;
  }
  if (st.ledger->limits().unlimited()) {
    // Nothing to over-spend: the counters (status page) are written in the background.
    persist_soon(self);
    return granted;
  }
  if (st.lease->covers(st.ledger->today(now))) {
    return granted; // a committed lease already holds this reservation on disk
  }
  // Grant only once the reservation is on disk: a crash (kill -9) can then never
  // forget a request that a provider may already be serving. A reservation that could not
  // be committed (disk full, read-only, I/O error) is released and refused instead.
  auto promise = self->make_response_promise<route_ticket>();
  st.grants_next.push_back(held_grant{promise, granted});
  if (!st.grant_write_in_flight) {
    write_grants(self);
  }
  return promise;
}

int64_t limit_or(const std::optional<int64_t>& limit) {
  return limit ? *limit : -1;
}

} // namespace

quota_bucket_actor::behavior_type
quota_bucket(quota_bucket_actor::stateful_pointer<quota_bucket_state> self,
             const catalog::provider_spec& spec, catalog::day_clock day, persistence_actor store,
             std::optional<quota_record> restored, wall_clock clock,
             metrics::provider_metrics series, log::logger log) {
  auto& init = self->state;
  init.series = std::move(series);
  init.log = std::move(log);
  init.key = spec.name;
  init.scope = spec.scope;
  init.ledger = std::make_unique<catalog::quota_ledger>(spec.quota, std::move(day));
  init.lease.emplace(spec.quota);
  init.persistence = std::move(store);
  init.now = std::move(clock);
  if (restored) {
    init.ledger->restore(to_snapshot(*restored), init.now());
    // A restart is how keys change: give a previously failing key one fresh chance.
    init.ledger->set_key_failing(false);
  }
  return {
    [self](atom::reserve, int64_t tokens) { return reserve(self, tokens, false); },
    [self](atom::reserve, int64_t tokens, bool probe) { return reserve(self, tokens, probe); },
    [self](atom::reconcile, const attempt_report& report) {
      auto& st = self->state;
      auto now = st.now();
      auto& ledger = *st.ledger;
      if (report.reservation_id != 0) {
        // Without a usage object the estimate stays charged: never under-count.
        bool usage_known = report.total_tokens > 0 || report.prompt_tokens > 0;
        ledger.settle(now, report.reservation_id,
                      usage_known ? report.total_tokens : report.reserved_tokens,
                      report.reached_provider);
      }
      using catalog::outcome_kind;
      auto hinted_or_default =
        report.cooldown_until_ms > now ? report.cooldown_until_ms : now + default_cooldown_ms;
      // Contract §6.7: with scope "model" (the default) a 429 or a remaining=0 hint rests the
      // route that got it (its route actor), never the provider's other routes. A call made
      // for the account itself (diagnosis listing models) has no route: it cools the provider.
      bool provider_wide = st.scope == catalog::rate_limit_scope::provider || report.provider_wide;
      bool cools = report.kind == outcome_kind::rate_limited || report.remaining_exhausted;
      if (provider_wide && cools) {
        ledger.cool_down_until(hinted_or_default);
      }
      bool key_probe =
        report.reservation_id != 0 && report.reservation_id == st.key_probe_reservation;
      if (key_probe) {
        st.key_probe_reservation = 0;
      }
      if (report.kind == outcome_kind::auth_error) {
        ledger.set_key_failing(true);
        st.key_retry_at_ms = now + key_failure_backoff_ms;
      } else if (report.kind == outcome_kind::success) {
        ledger.set_key_failing(false);
      } else if (key_probe) {
        // The probe proved nothing about the key (timeout, 5xx...): the next request probes.
        st.key_retry_at_ms = now;
      }
      ++st.applied;
      if (st.ledger->limits().unlimited()) {
        // Limited buckets are always asked: the router needs their snapshot only once.
        push_snapshot(self);
      }
      export_state(self, now);
      if (st.series.enabled() && st.ledger->limits().unlimited()) {
        // Unlimited buckets export only the provider-wide cooldown (no quota windows).
        auto until = st.ledger->snapshot(now).cooldown_until_ms;
        if (until != st.exported_cooldown_ms) {
          st.exported_cooldown_ms = until;
          st.series.set_cooldown_until(static_cast<double>(until) / 1000.0);
        }
      }
      // A cooldown or a failing key must survive a crash as soon as possible.
      bool urgent = (provider_wide && cools) || report.kind == outcome_kind::auth_error;
      if (urgent) {
        persist_now(self);
      } else {
        persist_soon(self);
      }
    },
    [self](atom::tick) { persist_now(self); },
    [self](atom::persist, atom::tick) { on_grant_watchdog(self); },
    [self](atom::watch, snapshot_listener_actor& listener) {
      self->state.listener = std::move(listener);
      push_snapshot(self);
    },
    [self](atom::usage, const usage_batch& batch) {
      auto& st = self->state;
      st.ledger->count_served(st.now(), batch.requests, batch.tokens);
      persist_soon(self);
    },
    [self](atom::flush) -> caf::result<bool> {
      auto& st = self->state;
      st.write_scheduled = false;
      if (!st.persistence) {
        return true;
      }
      auto now = st.now();
      auto promise = self->make_response_promise<bool>();
      // The exact counters, without headroom: a flush is how the gateway stops cleanly.
      auto snapshot = st.ledger->snapshot(now);
      st.lease->written_exactly(day_totals_of(snapshot));
      self
        ->request(st.persistence, std::chrono::seconds(10), atom::persist_v,
                  to_record(st, snapshot, now))
        .then([promise](bool ok) mutable { promise.deliver(ok); },
              [promise](caf::error&) mutable { promise.deliver(false); });
      return promise;
    },
    [self](caf::get_atom, atom::quota) {
      auto& st = self->state;
      auto now = st.now();
      auto snapshot = st.ledger->snapshot(now);
      quota_view view;
      view.record = to_record(st, snapshot, now);
      view.requests_this_minute = snapshot.requests_this_minute;
      view.tokens_this_minute = snapshot.tokens_this_minute;
      const auto& limits = st.ledger->limits();
      view.limit_rpm = limit_or(limits.requests_per_minute);
      view.limit_rpd = limit_or(limits.requests_per_day);
      view.limit_tpm = limit_or(limits.tokens_per_minute);
      view.limit_tpd = limit_or(limits.tokens_per_day);
      // Availability for a zero-token request, without reserving anything.
      catalog::quota_ledger probe = *st.ledger;
      auto decision = probe.reserve(now, 0);
      view.available = decision.granted;
      view.unavailable_reason = decision.reason;
      view.retry_at_ms = decision.retry_at_ms;
      return view;
    },
  };
}

} // namespace gw::actors
