#include "catalog/quota_ledger.hpp"

#include <algorithm>
#include <utility>

namespace gw::catalog {

namespace {

// Token counts are clamped so that sums of many of them never overflow int64.
constexpr int64_t max_tokens = int64_t{1'000'000'000'000'000};

int64_t clamp_tokens(int64_t tokens) {
  return std::clamp(tokens, int64_t{0}, max_tokens);
}

quota_decision deny(const char* reason, int64_t retry_at_ms) {
  quota_decision d;
  d.reason = reason;
  d.retry_at_ms = retry_at_ms;
  return d;
}

} // namespace

quota_ledger::quota_ledger(quota_limits limits, day_clock clock)
    : limits_(limits), clock_(std::move(clock)) {}

bool quota_ledger::is_later_day(int64_t now_ms, std::string* today) const {
  if (!day_.empty() && now_ms < day_ends_ms_) {
    return false;
  }
  *today = clock_.day_key(now_ms);
  // Only a later date rolls the day: a clock stepping back, or a DST change repeating the hour
  // after midnight, must not zero the counters a second time.
  return day_.empty() || *today > day_;
}

void quota_ledger::maintain(int64_t now_ms) {
  std::string today;
  if (is_later_day(now_ms, &today)) {
    day_ = std::move(today);
    requests_today_ = 0;
    tokens_today_ = 0;
    // The cooldown survives: a provider that said "wait an hour" at 23:30 still means it at
    // 00:10 (the reference cleared it at rollover; the contract does not).
  }
  if (now_ms >= day_ends_ms_) {
    day_ends_ms_ = clock_.next_midnight_ms(now_ms);
  }
  while (!minute_.empty() && minute_.front().at_ms <= now_ms - window_ms) {
    minute_tokens_ -= minute_.front().tokens;
    minute_.pop_front();
  }
}

int64_t quota_ledger::rpm_retry_at(int64_t limit) const {
  if (limit <= 0) {
    return 0;
  }
  // One more request fits once only limit - 1 entries remain in the window.
  const size_t leaving = minute_.size() - static_cast<size_t>(limit);
  return minute_[leaving].at_ms + window_ms;
}

int64_t quota_ledger::tpm_retry_at(int64_t limit, int64_t tokens) const {
  if (tokens > limit) {
    return 0; // never fits in any minute
  }
  int64_t remaining = minute_tokens_;
  for (const auto& entry : minute_) {
    remaining -= entry.tokens;
    if (remaining + tokens <= limit) {
      return entry.at_ms + window_ms;
    }
  }
  return 0;
}

quota_decision quota_ledger::reserve(int64_t now_ms, int64_t tokens) {
  maintain(now_ms);
  tokens = clamp_tokens(tokens);
  if (cooldown_until_ms_ > now_ms) {
    return deny("cooldown", cooldown_until_ms_);
  }
  if (key_failing_) {
    return deny("auth_failed", 0);
  }
  if (const auto& tpd = limits_.tokens_per_day; tpd && tokens_today_ + tokens > *tpd) {
    return deny("daily_token_limit", tokens > *tpd ? 0 : clock_.next_midnight_ms(now_ms));
  }
  if (const auto& rpd = limits_.requests_per_day; rpd && requests_today_ >= *rpd) {
    return deny("daily_request_limit", *rpd > 0 ? clock_.next_midnight_ms(now_ms) : 0);
  }
  if (const auto& rpm = limits_.requests_per_minute; rpm && minute_requests() >= *rpm) {
    return deny("rpm_limit", rpm_retry_at(*rpm));
  }
  if (const auto& tpm = limits_.tokens_per_minute; tpm && minute_tokens_ + tokens > *tpm) {
    return deny("tpm_limit", tpm_retry_at(*tpm, tokens));
  }

  const uint64_t id = ++next_id_;
  requests_today_ += 1;
  tokens_today_ += tokens;
  // Without a minute limit the sliding minute is not tracked: it would only grow with traffic
  // (60 s x requests per second entries) and nothing reads it for a decision.
  if (limits_.requests_per_minute || limits_.tokens_per_minute) {
    // A clock stepping back must not break the "oldest first" order the window relies on.
    const int64_t at = minute_.empty() ? now_ms : std::max(now_ms, minute_.back().at_ms);
    minute_.push_back(minute_entry{at, tokens, id});
    minute_tokens_ += tokens;
  }
  pending_.emplace(id, pending_reservation{day_, tokens});
  while (pending_.size() > max_pending) {
    pending_.erase(pending_.begin());
  }

  quota_decision granted;
  granted.granted = true;
  granted.reservation_id = id;
  return granted;
}

void quota_ledger::count_served(int64_t now_ms, int64_t requests, int64_t tokens) {
  maintain(now_ms);
  requests_today_ += std::max<int64_t>(requests, 0);
  tokens_today_ += clamp_tokens(tokens);
}

std::deque<quota_ledger::minute_entry>::iterator quota_ledger::find_entry(uint64_t reservation_id) {
  auto it = std::lower_bound(
    minute_.begin(), minute_.end(), reservation_id,
    [](const minute_entry& entry, uint64_t id) { return entry.reservation_id < id; });
  return it != minute_.end() && it->reservation_id == reservation_id ? it : minute_.end();
}

void quota_ledger::settle(int64_t now_ms, uint64_t reservation_id, int64_t actual_tokens,
                          bool reached_provider) {
  maintain(now_ms);
  auto found = pending_.find(reservation_id);
  if (found == pending_.end()) {
    return;
  }
  const pending_reservation reservation = std::move(found->second);
  pending_.erase(found);
  // Yesterday's counters are gone; today's must not pay for (or be refunded) yesterday's call.
  const bool same_day = reservation.day == day_;
  auto entry = find_entry(reservation_id);
  if (!reached_provider) {
    if (same_day) {
      requests_today_ = std::max(int64_t{0}, requests_today_ - 1);
      tokens_today_ = std::max(int64_t{0}, tokens_today_ - reservation.tokens);
    }
    if (entry != minute_.end()) {
      minute_tokens_ -= entry->tokens;
      minute_.erase(entry);
    }
    return;
  }
  const int64_t actual = clamp_tokens(actual_tokens);
  if (same_day) {
    tokens_today_ = std::max(int64_t{0}, tokens_today_ + actual - reservation.tokens);
  }
  if (entry != minute_.end()) {
    minute_tokens_ += actual - entry->tokens;
    entry->tokens = actual;
  }
}

void quota_ledger::cool_down_until(int64_t until_ms) {
  cooldown_until_ms_ = std::max(cooldown_until_ms_, until_ms);
}

void quota_ledger::set_key_failing(bool failing) {
  key_failing_ = failing;
}

day_totals quota_ledger::today(int64_t now_ms) const {
  std::string later;
  if (is_later_day(now_ms, &later)) {
    return day_totals{std::move(later), 0, 0};
  }
  return day_totals{day_, requests_today_, tokens_today_};
}

quota_snapshot quota_ledger::snapshot(int64_t now_ms) const {
  quota_snapshot s;
  std::string today;
  if (is_later_day(now_ms, &today)) {
    s.day = std::move(today);
  } else {
    s.day = day_;
    s.requests_today = requests_today_;
    s.tokens_today = tokens_today_;
  }
  for (const auto& entry : minute_) {
    if (entry.at_ms > now_ms - window_ms) {
      s.minute_times_ms.push_back(entry.at_ms);
      s.minute_tokens.push_back(entry.tokens);
      s.requests_this_minute += 1;
      s.tokens_this_minute += entry.tokens;
    }
  }
  s.cooldown_until_ms = cooldown_until_ms_;
  s.key_failing = key_failing_;
  return s;
}

void quota_ledger::restore(const quota_snapshot& s, int64_t now_ms) {
  day_ = clock_.day_key(now_ms);
  day_ends_ms_ = clock_.next_midnight_ms(now_ms);
  const bool same_day = s.day == day_;
  requests_today_ = same_day ? std::max(int64_t{0}, s.requests_today) : 0;
  tokens_today_ = same_day ? clamp_tokens(s.tokens_today) : 0;

  minute_.clear();
  minute_tokens_ = 0;
  pending_.clear();
  const size_t entries = std::min(s.minute_times_ms.size(), s.minute_tokens.size());
  for (size_t i = 0; i < entries; ++i) {
    if (s.minute_times_ms[i] > now_ms - window_ms) {
      const int64_t tokens = clamp_tokens(s.minute_tokens[i]);
      minute_.push_back(minute_entry{std::min(s.minute_times_ms[i], now_ms), tokens, 0});
      minute_tokens_ += tokens;
    }
  }
  std::stable_sort(minute_.begin(), minute_.end(),
                   [](const minute_entry& a, const minute_entry& b) { return a.at_ms < b.at_ms; });

  cooldown_until_ms_ = s.cooldown_until_ms;
  key_failing_ = s.key_failing;
}

} // namespace gw::catalog
