// GET /metrics (issue: metrics): the live exposition passes `promtool check metrics`, carries no
// client-chosen strings, and a real Prometheus scraping the gateway sees the attempt and fallback
// counters rise while it evaluates deploy/alerts.yml without errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, postJson, hello } from './lib/harness.mjs';
import { startPrometheus, promtoolCheckMetrics, sampleValue, DEPLOY_DIR } from './lib/prom.mjs';

let fake, gw;
before(async () => {
  fake = await startFake();
  // r1 always answers 500 (its health stays active, so every request tries it first), r2 answers.
  gw = await startGateway({
    providers: [fakeProvider(fake, 'p1'), fakeProvider(fake, 'p2')],
    catalog: [route('r1', 'p1', 'status;code=500', 1), route('r2', 'p2', 'ok;prompt_tokens=7;completion_tokens=5', 2)],
  });
});
after(async () => { await gw?.stop(); fake?.stop(); });

async function chatWithFallback() {
  const res = await postJson(gw.base, '/v1/chat/completions', hello());
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-gateway-route'), 'r2');
  assert.equal(res.headers.get('x-gateway-attempts'), '2');
}

async function scrape() {
  const res = await fetch(`${gw.base}/metrics`);
  assert.equal(res.status, 200, 'GET /metrics');
  return { res, text: await res.text() };
}

test('GET /metrics answers the text format and promtool finds nothing to lint', async () => {
  await chatWithFallback();
  const { res, text } = await scrape();
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(text, /^# TYPE freerouter_upstream_attempts_total counter$/m);
  assert.match(text, /^# TYPE freerouter_request_fallbacks histogram$/m);
  assert.ok(sampleValue(text, 'freerouter_upstream_attempts_total{outcome="provider_5xx",provider="p1",route_id="r1"}') >= 1, text);
  assert.ok(sampleValue(text, 'freerouter_upstream_attempts_total{outcome="success",provider="p2",route_id="r2"}') >= 1, text);
  assert.ok(sampleValue(text, 'freerouter_request_fallbacks_sum') >= 1, text);
  assert.ok(sampleValue(text, 'freerouter_http_requests_total{code="200",endpoint="/v1/chat/completions"}') >= 1, text);
  const lint = await promtoolCheckMetrics(text);
  assert.equal(lint.code, 0, lint.output);
  assert.equal(lint.output.trim(), '', 'promtool lint output');
});

test('metric labels never carry a client string, a prompt or a key', async () => {
  const marker = `zq${Date.now().toString(36)}`;
  await postJson(gw.base, '/v1/chat/completions', hello({ model: `model-${marker}`, messages: [{ role: 'user', content: `prompt-${marker}` }] }));
  await postJson(gw.base, `/v1/chat/completions?x=${marker}`, hello(), { 'x-client': `hdr-${marker}` });
  await fetch(`${gw.base}/v1/path-${marker}`);
  await fetch(`${gw.base}/v1/models/${marker}`, { method: 'DELETE' });
  const { text } = await scrape();
  assert.ok(!text.includes(marker), `a client string reached /metrics:\n${text.split('\n').filter((l) => l.includes(marker)).join('\n')}`);
  assert.ok(!text.includes('test-key-'), 'a provider key reached /metrics');
  // Unknown paths are counted under one bounded label, not under their path.
  assert.match(text, /^freerouter_http_requests_total\{code="404",endpoint="unmatched"\} \d+/m);
});

test('a real Prometheus scraping the gateway sees attempts and fallbacks rise and evaluates the alerts', async (t) => {
  const prom = await startPrometheus({ target: `127.0.0.1:${gw.port}`, ruleFiles: [join(DEPLOY_DIR, 'alerts.yml')] });
  t.after(() => prom.stop());

  await prom.waitFor('the first successful scrape', async () => (await prom.value('up{job="freerouter"}')) === 1);

  const failed = 'sum(freerouter_upstream_attempts_total{route_id="r1",outcome="provider_5xx"})';
  const succeeded = 'sum(freerouter_upstream_attempts_total{route_id="r2",outcome="success"})';
  const fallbacks = 'sum(freerouter_request_fallbacks_sum)';
  const requests = 'sum(freerouter_request_fallbacks_count)';
  const before = {};
  for (const q of [failed, succeeded, fallbacks, requests]) before[q] = (await prom.value(q)) ?? 0;

  const n = 3;
  for (let i = 0; i < n; i++) await chatWithFallback();

  await prom.waitFor('the attempt and fallback counters to rise by the traffic sent', async () => {
    const now = {};
    for (const q of [failed, succeeded, fallbacks, requests]) now[q] = ((await prom.value(q)) ?? 0) - before[q];
    return now[failed] >= n && now[succeeded] >= n && now[fallbacks] >= n && now[requests] >= n ? now : false;
  });
  // Each of those requests needed exactly one fallback: none landed in the le="0" bucket.
  const served = await prom.value('sum(freerouter_request_fallbacks_bucket{le="0"})') ?? 0;
  const total = await prom.value(requests);
  assert.ok(total - served >= n, `requests with a fallback: ${total - served}`);
  // Tokens reported by the fake's usage are counted for the route that answered.
  assert.ok((await prom.value('sum(freerouter_tokens_total{route_id="r2",direction="prompt"})')) >= 7 * n);

  // The alert rules load, and evaluate against the live series without errors.
  const groups = await prom.waitFor('every alert rule to be evaluated', async () => {
    const g = await prom.rules();
    const rules = g.flatMap((x) => x.rules);
    return rules.length > 0 && rules.every((r) => r.health === 'ok') ? g : false;
  });
  const names = groups.flatMap((g) => g.rules.map((r) => r.name));
  for (const alert of ['FreeRouterAllRoutesExhausted', 'FreeRouterProviderInCooldown', 'FreeRouterHighFallbackRate',
    'FreeRouterQuotaNearlySpent', 'FreeRouterQueueRejections']) {
    assert.ok(names.includes(alert), `rule ${alert} loaded`);
  }
  // Every request so far fell back: the fallback-rate rule's condition holds (pending, for: 10m).
  await prom.waitFor('FreeRouterHighFallbackRate to go pending', async () => {
    const rule = (await prom.rules()).flatMap((g) => g.rules).find((r) => r.name === 'FreeRouterHighFallbackRate');
    return rule.state === 'pending' || rule.state === 'firing';
  });
});
