// One provider's part of a diagnosis run (reference §13.1 steps 1-7, §13.4.1), as a chain of
// bounded asynchronous steps inside the diagnosis actor:
//
//   configured? -> reserve (quota) -> GET /models -> reconcile -> supervisor verdicts
//     -> plan (pure) -> probe each absent route (reserve, ping, reconcile) -> finish (pure)
//
// Every request carries a timeout, so the chain always ends in provider_finished.
#include "actors/diagnosis_internal.hpp"
#include "actors/upstream_call.hpp"
#include "catalog/failure_classifier.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>

namespace gw::actors::detail {

namespace {

/// What a provider's chain carries from step to step.
struct provider_job {
  std::string run_id;
  size_t index = 0;
  diagnosed_provider provider;
  catalog::model_listing listing;
  /// The supervisor's verdict per listed item (positive ones build routes).
  std::vector<std::optional<catalog::supervisor_verdict>> verdicts;
  catalog::provider_plan plan;
  std::vector<catalog::probe_result> probes;
  size_t probes_left = 0;
};

using job_ptr = std::shared_ptr<provider_job>;

/// §13.4.1's probe: {"model": <id>, "messages": [{"role": "user", "content": "ping"}],
/// "max_tokens": 1}.
std::string probe_body(const std::string& model_id) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("model");
  w.String(model_id.data(), static_cast<rapidjson::SizeType>(model_id.size()));
  w.Key("messages");
  w.StartArray();
  w.StartObject();
  w.Key("role");
  w.String("user");
  w.Key("content");
  w.String("ping");
  w.EndObject();
  w.EndArray();
  w.Key("max_tokens");
  w.Int(1);
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

/// The longest a provider actor may take to answer one call: its own timeout, plus slack for
/// the mailbox.
std::chrono::milliseconds call_bound(diagnosis_ptr self) {
  return self->state.settings.request_timeout + std::chrono::seconds(5);
}

void fail(diagnosis_ptr self, const job_ptr& job, std::string error) {
  catalog::provider_diagnosis d;
  d.provider_name = job->provider.spec->name;
  d.configured = job->provider.spec->configured();
  d.ok = false;
  d.error = std::move(error);
  provider_finished(self, job->run_id, job->index, std::move(d), {});
}

/// Reserves one request in the provider's quota (tokens as a chat of that size would);
/// `then` runs with the ticket, a granted dummy when the provider has no bucket.
void reserve(diagnosis_ptr self, const job_ptr& job, int64_t tokens,
             const std::function<void(route_ticket)>& then) {
  if (!job->provider.bucket) {
    then(route_ticket{true, {}, 0, false, 0, 0, false});
    return;
  }
  self->request(job->provider.bucket, std::chrono::seconds(30), atom::reserve_v, tokens)
    .then([then](route_ticket& ticket) { then(std::move(ticket)); },
          [then](caf::error&) {
            route_ticket refused;
            refused.skip_reason = "quota_unavailable";
            then(refused);
          });
}

/// Tells the bucket what the call used and what it said (a 429 cools the provider).
void reconcile(diagnosis_ptr self, const job_ptr& job, const route_ticket& ticket,
               const upstream::upstream_result& result) {
  if (!job->provider.bucket) {
    return;
  }
  auto report = report_of_answer(catalog::classify(result), result, ticket,
                                 self->state.wiring.now(), /*body_hints=*/true);
  report.provider_wide = true;
  self->send(job->provider.bucket, atom::reconcile_v, report);
}

/// Sends one request through the provider actor (auth and extra headers added there).
void call_provider(diagnosis_ptr self, const job_ptr& job, upstream::upstream_request req,
                   const std::function<void(upstream::upstream_result)>& then) {
  req.timeout = self->state.settings.request_timeout;
  self->request(job->provider.client, call_bound(self), atom::call_v, std::move(req))
    .then([then](upstream::upstream_result& result) { then(std::move(result)); },
          [then](caf::error&) {
            upstream::upstream_result lost;
            lost.failure = catalog::transport_failure::timeout;
            lost.detail = "the provider actor did not answer";
            then(std::move(lost));
          });
}

void finish(diagnosis_ptr self, const job_ptr& job) {
  std::vector<catalog::suggestion> suggestions;
  auto diagnosis = catalog::finish_provider(job->plan, job->probes, suggestions);
  diagnosis.provider_name = job->provider.spec->name;
  diagnosis.configured = true;
  provider_finished(self, job->run_id, job->index, std::move(diagnosis), std::move(suggestions));
}

/// §13.4.1: a direct "ping" of an absent route's model, reserved like any request. Probes
/// never change route health.
void probe(diagnosis_ptr self, const job_ptr& job, size_t k) {
  auto done = [self, job, k](catalog::probe_result result) {
    job->probes[k] = result;
    if (--job->probes_left == 0) {
      finish(self, job);
    }
  };
  reserve(self, job, 16, [self, job, k, done](const route_ticket& ticket) {
    if (!ticket.granted) {
      done(catalog::probe_result::inconclusive);
      return;
    }
    upstream::upstream_request req;
    req.method = "POST";
    req.path = "/chat/completions";
    req.body = probe_body(job->plan.routes[k].entry.r.model_id);
    call_provider(self, job, std::move(req),
                  [self, job, ticket, done](const upstream::upstream_result& result) {
                    reconcile(self, job, ticket, result);
                    if (!result.ok() || result.status == 429) {
                      done(catalog::probe_result::inconclusive);
                      return;
                    }
                    done(catalog::probe_verdict(result.status, result.body));
                  });
  });
}

void plan_and_probe(diagnosis_ptr self, const job_ptr& job) {
  const auto& name = job->provider.spec->name;
  const auto& catalog = *self->state.running->catalog;
  std::vector<catalog::catalog_entry> own;
  std::vector<catalog::route> whole;
  whole.reserve(catalog.size());
  for (const auto& entry : catalog) {
    whole.push_back(entry.r);
    if (entry.r.provider_name == name) {
      own.push_back(entry);
    }
  }
  std::vector<const catalog::supervisor_verdict*> verdicts;
  verdicts.reserve(job->verdicts.size());
  for (const auto& v : job->verdicts) {
    verdicts.push_back(v && v->positive() ? &*v : nullptr);
  }
  job->plan =
    catalog::plan_provider(name, job->provider.spec->base_url, job->listing, verdicts, own, whole);
  job->probes.assign(job->plan.routes.size(), catalog::probe_result::inconclusive);
  std::vector<size_t> to_probe;
  for (size_t k = 0; k < job->plan.routes.size(); ++k) {
    const auto& presence = job->plan.routes[k];
    if (!presence.listed && catalog::probe_worthwhile(presence.entry.r)) {
      to_probe.push_back(k);
    }
  }
  if (to_probe.empty()) {
    finish(self, job);
    return;
  }
  job->probes_left = to_probe.size();
  for (auto k : to_probe) {
    probe(self, job, k);
  }
}

/// §13.3: asks about the listed models that only a verdict can make routes, one at a time
/// (the supervisor is a chat through the waterfall; a run must not flood it).
void supervise(diagnosis_ptr self, const job_ptr& job, size_t from) {
  const auto& name = job->provider.spec->name;
  for (size_t i = from; i < job->listing.items.size(); ++i) {
    const auto& item = job->listing.items[i];
    if (!catalog::needs_supervisor(name, item)) {
      continue;
    }
    ask_supervisor(self, name, item, [self, job, i](catalog::supervisor_verdict verdict) {
      job->verdicts[i] = std::move(verdict);
      supervise(self, job, i + 1);
    });
    return;
  }
  plan_and_probe(self, job);
}

/// Turns the listing's answer into the models it lists, or the provider's error.
void on_listing(diagnosis_ptr self, const job_ptr& job, const upstream::upstream_result& result) {
  if (!result.ok()) {
    fail(self, job, catalog::to_string(result.failure));
    return;
  }
  if (result.status == 429) {
    fail(self, job, "rate_limited_429");
    return;
  }
  if (result.status < 200 || result.status >= 300) {
    fail(self, job, "http_" + std::to_string(result.status));
    return;
  }
  auto listing = catalog::parse_model_listing(result.body);
  if (!listing) {
    fail(self, job, listing.error().message);
    return;
  }
  job->listing = std::move(*listing);
  job->verdicts.assign(job->listing.items.size(), std::nullopt);
  supervise(self, job, 0);
}

} // namespace

void diagnose_provider(diagnosis_ptr self, size_t index) {
  auto& st = self->state;
  auto job = std::make_shared<provider_job>();
  job->run_id = st.running->run_id;
  job->index = index;
  job->provider = st.wiring.providers[index];
  if (!job->provider.spec->configured()) {
    fail(self, job, "missing_api_key");
    return;
  }
  reserve(self, job, 0, [self, job](const route_ticket& ticket) {
    if (!ticket.granted) {
      fail(self, job, ticket.skip_reason);
      return;
    }
    upstream::upstream_request req;
    req.method = "GET";
    req.path = "/models";
    call_provider(self, job, std::move(req),
                  [self, job, ticket](const upstream::upstream_result& result) {
                    reconcile(self, job, ticket, result);
                    on_listing(self, job, result);
                  });
  });
}

} // namespace gw::actors::detail
