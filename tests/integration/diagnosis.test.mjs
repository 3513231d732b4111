// Endpoint diagnosis (issue 10, reference §11.11-11.13, §13) against the real binary: the fake
// provider's /models listing changes between runs, the refresh answers at once while the run
// goes on, suggestions are applied through the catalog path, maintenance removes dead routes
// on its own, the report survives a restart and /metrics shows the runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, route, sleep } from './lib/harness.mjs';
import { gatewayOver, restartGateway, send } from './lib/state.mjs';
import { sampleValue } from './lib/prom.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

const STATUS = '/v1/gateway/endpoint-diagnosis';

/// What GET <prefix>/models answers from now on: these ids, free chat models unless `priced`.
async function setListing(provider, models, { status = 200, delayMs = 0 } = {}) {
  const data = models.map((m) => (typeof m === 'string'
    ? { id: m, name: m, architecture: { modality: 'text->text' }, pricing: { prompt: '0', completion: '0' } }
    : m));
  const query = `prefix=${encodeURIComponent(`/${provider}/v1`)}&status=${status}&delay_ms=${delayMs}`;
  const res = await fetch(`${fake.base}/_fake/models?${query}`, { method: 'PUT', body: JSON.stringify({ object: 'list', data }) });
  assert.equal(res.status, 200);
}

/// Polls the status until no run is going on (bounded: 20 s).
async function settled(gw) {
  const until = Date.now() + 20000;
  for (;;) {
    const res = await send(gw.base, 'GET', STATUS);
    assert.equal(res.status, 200, res.text);
    if (!res.json.running && res.json.last_report) return res.json;
    assert.ok(Date.now() < until, `diagnosis still running: ${res.text}`);
    await sleep(50);
  }
}

async function refresh(gw) {
  const res = await send(gw.base, 'POST', `${STATUS}/refresh`);
  assert.equal(res.status, 202, res.text);
  assert.equal(typeof res.json.run_id, 'string');
  assert.equal(res.json.running, true);
  return res.json;
}

const ids = (list) => list.map((s) => s.suggestion_id);
const DEAD_MODEL = 'status;code=404;body=The model does not exist';

test('a new free model is suggested, applied through the catalog and added disabled', async () => {
  const gw = await gatewayOver(fake, [route('dga-ok', 'dga', 'ok', 1)]);
  try {
    await setListing('dga', ['ok', 'fresh/llama-chat']);
    const before = await send(gw.base, 'GET', STATUS);
    assert.equal(before.status, 200, before.text);
    assert.equal(before.json.enabled, false);
    assert.equal(before.json.last_report, null);
    const ticket = await refresh(gw);
    const status = await settled(gw);
    const report = status.last_report;
    assert.equal(report.run_id, ticket.run_id);
    assert.ok(report.checked_at >= report.started_at);
    const dga = report.providers.find((p) => p.provider_name === 'dga');
    assert.deepEqual({ ok: dga.ok, configured: dga.configured, discovered: dga.discovered_model_count,
      fresh: dga.new_route_suggestion_count, confirmed: dga.confirmed_route_count, error: dga.error },
    { ok: true, configured: true, discovered: 2, fresh: 1, confirmed: 1, error: null });
    assert.deepEqual(ids(report.suggestions), ['add:dga-fresh-llama-chat']);
    const add = report.suggestions[0];
    assert.equal(add.action, 'add_route');
    assert.equal(add.route.enabled, false);
    assert.equal(add.route.model_id, 'fresh/llama-chat');
    assert.equal(add.route.source_url, `${fake.base}/dga/v1/models`);

    // The catalog is unchanged until a person applies the suggestion.
    let catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.deepEqual(catalog.json.data.map((r) => r.route_id), ['dga-ok']);
    const bad = await send(gw.base, 'POST', `${STATUS}/apply`, { suggestion_ids: 'add:dga-fresh-llama-chat' });
    assert.equal(bad.status, 400, bad.text);
    const applied = await send(gw.base, 'POST', `${STATUS}/apply`, { suggestion_ids: ['add:dga-fresh-llama-chat', 'nope'] });
    assert.equal(applied.status, 200, applied.text);
    assert.deepEqual(ids(applied.json.data), ['add:dga-fresh-llama-chat']);
    catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    const added = catalog.json.data.find((r) => r.route_id === 'dga-fresh-llama-chat');
    assert.ok(added, catalog.text);
    assert.equal(added.enabled, false);
    const saved = JSON.parse(readFileSync(join(gw.dir, 'model_catalog.json'), 'utf8'));
    assert.ok(saved.some((r) => r.route_id === 'dga-fresh-llama-chat' && r.enabled === false), 'saved to the file');
    assert.deepEqual((await settled(gw)).last_report.suggestions, [], 'the applied suggestion leaves the report');
    // A disabled route is never routed: the chat still goes to the old route.
    const chat = await send(gw.base, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(chat.status, 200, chat.text);
    assert.equal(chat.headers.get('x-gateway-route'), 'dga-ok');

    // The report survives a restart.
    const next = await restartGateway(gw);
    try {
      const restored = await send(next.base, 'GET', STATUS);
      assert.equal(restored.json.last_report?.run_id, ticket.run_id, restored.text);
    } finally { await next.stop(); }
  } finally { await gw.stop(); }
});

test('a route whose model disappeared is removed by maintenance on the scheduled run', async () => {
  const gw = await gatewayOver(fake, [route('dgb-alive', 'dgb', 'ok', 1), route('dgb-dead', 'dgb', DEAD_MODEL, 2),
    route('dgb-other', 'dgc', 'ok', 3)], {
    env: { AUTO_ENDPOINT_DIAGNOSIS_ENABLED: 'true', AUTO_ENDPOINT_MAINTENANCE_ENABLED: 'true',
      AUTO_ENDPOINT_DIAGNOSIS_STARTUP_DELAY_SECONDS: '1' },
  });
  try {
    await setListing('dgb', ['ok', 'another/new-chat']);
    await setListing('dgc', [], { status: 500 });
    const status = await settled(gw);
    assert.equal(status.enabled, true);
    assert.equal(status.auto_maintenance_enabled, true);
    assert.ok(status.next_run_at > Date.now() / 1000 + 3600, 'the next run is an interval away');
    assert.deepEqual(ids(status.last_auto_applied), ['remove:dgb-dead']);
    // The add waits for a person; the failing provider is reported, not fatal.
    assert.deepEqual(ids(status.last_report.suggestions), ['add:dgb-another-new-chat']);
    const dgc = status.last_report.providers.find((p) => p.provider_name === 'dgc');
    assert.deepEqual({ ok: dgc.ok, error: dgc.error }, { ok: false, error: 'http_500' });
    const catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.deepEqual(catalog.json.data.map((r) => r.route_id).sort(), ['dgb-alive', 'dgb-other']);

    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_runs_total{result="partial"}'), 1);
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_auto_applied_total'), 1);
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_suggestions'), 1);
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_models{kind="discovered",provider="dgb"}'), 2);
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_models{kind="stale",provider="dgb"}'), 1);
    assert.ok(sampleValue(metrics, 'freerouter_diagnosis_last_run_timestamp_seconds') > 0);
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_run_duration_seconds_count'), 1);
  } finally { await gw.stop(); }
});

test('the refresh answers at once while a slow listing runs, and a second refresh joins the run', async () => {
  const gw = await gatewayOver(fake, [route('dgd-ok', 'dgd', 'ok', 1)]);
  try {
    await setListing('dgd', ['ok'], { delayMs: 1500 });
    const started = Date.now();
    const first = await refresh(gw);
    assert.ok(Date.now() - started < 1000, 'the refresh did not wait for the run');
    assert.equal(first.joined, false);
    const running = await send(gw.base, 'GET', STATUS);
    assert.equal(running.json.running, true);
    assert.equal(running.json.run_id, first.run_id);
    const second = await refresh(gw);
    assert.equal(second.joined, true);
    assert.equal(second.run_id, first.run_id);
    const status = await settled(gw);
    assert.equal(status.last_report.run_id, first.run_id);
    assert.ok(Date.now() - started >= 1400, 'the report came after the slow listing');
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    assert.equal(sampleValue(metrics, 'freerouter_diagnosis_runs_total{result="ok"}'), 1);
  } finally { await gw.stop(); }
});

test('a listing answered 429 cools the provider and is reported as rate limited', async () => {
  const gw = await gatewayOver(fake, [route('dge-ok', 'dge', 'ok', 1)]);
  try {
    await setListing('dge', [], { status: 429 });
    await refresh(gw);
    const status = await settled(gw);
    const listed = status.last_report.providers.find((p) => p.provider_name === 'dge');
    assert.equal(listed.error, 'rate_limited_429');
    // The built-in providers have no key here: reported, never called.
    const groq = status.last_report.providers.find((p) => p.provider_name === 'groq');
    assert.deepEqual({ configured: groq.configured, error: groq.error }, { configured: false, error: 'missing_api_key' });
    const providers = await send(gw.base, 'GET', '/v1/providers/status');
    const dge = providers.json.data.find((p) => p.name === 'dge');
    assert.equal(dge.available, false, providers.text);
  } finally { await gw.stop(); }
});

test('a potentially outdated route listed again is restored by its clear_stale suggestion', async () => {
  const gw = await gatewayOver(fake, [route('dgf-flaky', 'dgf', DEAD_MODEL, 1), route('dgf-ok', 'dgf', 'ok', 2)]);
  try {
    // Two "model not found" answers in a row mark the route potentially outdated.
    for (let i = 0; i < 2; i++) {
      const chat = await send(gw.base, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(chat.status, 200, chat.text);
    }
    let catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.equal(catalog.json.data.find((r) => r.route_id === 'dgf-flaky').health.status, 'potentially_outdated');
    // The provider lists the model again: diagnosis suggests restoring the route.
    await setListing('dgf', [{ id: DEAD_MODEL }, { id: 'ok' }]);
    await refresh(gw);
    const report = (await settled(gw)).last_report;
    assert.deepEqual(ids(report.suggestions), ['clear_stale:dgf-flaky']);
    assert.equal(report.providers.find((p) => p.provider_name === 'dgf').recovered_route_suggestion_count, 1);
    const applied = await send(gw.base, 'POST', `${STATUS}/apply`, { suggestion_ids: ['clear_stale:dgf-flaky'] });
    assert.equal(applied.status, 200, applied.text);
    catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.equal(catalog.json.data.find((r) => r.route_id === 'dgf-flaky').health.status, 'active');
  } finally { await gw.stop(); }
});
