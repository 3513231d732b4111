// deploy/grafana-dashboard.json and deploy/alerts.yml against the live gateway: every metric
// they use is exported by GET /metrics, and every dashboard query runs on a real Prometheus
// scraping the gateway, the main panels showing data after some traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, postJson, hello } from './lib/harness.mjs';
import { startPrometheus, exportedNames, metricNamesIn, dashboardQueries, concreteQuery, DEPLOY_DIR } from './lib/prom.mjs';

let fake, gw;
before(async () => {
  fake = await startFake();
  gw = await startGateway({
    providers: [fakeProvider(fake, 'p1', { requests_per_day: 1000 }), fakeProvider(fake, 'p2'), fakeProvider(fake, 'p3'),
      fakeProvider(fake, 'p4')],
    // r0 has no key (skipped: missing_api_key), r1 fails (an attempt and a fallback), rl answers
    // 429 once and is then cooling down (the route cooldown gauge), r2 answers.
    catalog: [route('r0', 'p3', 'ok', 1), route('r1', 'p1', 'status;code=500', 2),
      route('rl', 'p4', 'status;code=429;retry_after=600', 3), route('r2', 'p2', 'ok', 4)],
    unconfigured: ['p3'],
  });
  await traffic();
  await diagnosisRun();
});
after(async () => { await gw?.stop(); fake?.stop(); });

async function traffic(n = 3) {
  for (let i = 0; i < n; i++) {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-gateway-route'), 'r2');
  }
}

/// One endpoint diagnosis run, so that its per-provider series exist (bounded: 20 s).
async function diagnosisRun() {
  const started = await postJson(gw.base, '/v1/gateway/endpoint-diagnosis/refresh', {});
  assert.equal(started.status, 202, started.text);
  for (const until = Date.now() + 20000; ;) {
    const status = await (await fetch(`${gw.base}/v1/gateway/endpoint-diagnosis`)).json();
    if (!status.running && status.last_report?.run_id === started.json.run_id) return;
    assert.ok(Date.now() < until, 'the diagnosis run did not end');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function liveNames() {
  const res = await fetch(`${gw.base}/metrics`);
  assert.equal(res.status, 200, 'GET /metrics');
  return exportedNames(await res.text());
}

test('every metric a dashboard panel queries is exported by the live gateway', async () => {
  const exported = await liveNames();
  const queries = dashboardQueries();
  assert.ok(queries.length >= 20, `dashboard queries: ${queries.length}`);
  const missing = [];
  for (const { panel, expr } of queries) {
    const used = metricNamesIn(expr);
    assert.ok(used.size > 0, `panel "${panel}" queries no freerouter_* metric: ${expr}`);
    for (const name of used) if (!exported.has(name)) missing.push(`panel "${panel}": ${name}`);
  }
  assert.deepEqual(missing, [], 'dashboard metrics with no sample in /metrics after the traffic');
});

test('every metric the alert rules use is exported by the live gateway', async () => {
  const exported = await liveNames();
  const rules = readFileSync(join(DEPLOY_DIR, 'alerts.yml'), 'utf8');
  const used = metricNamesIn(rules);
  assert.ok(used.size >= 5, `alert metrics: ${[...used]}`);
  assert.deepEqual([...used].filter((name) => !exported.has(name)), [], 'alert metrics with no sample in /metrics');
});

test('every dashboard query runs on Prometheus and the main panels show the traffic', async (t) => {
  const prom = await startPrometheus({ target: `127.0.0.1:${gw.port}` });
  t.after(() => prom.stop());
  await prom.waitFor('the first successful scrape', async () => (await prom.value('up{job="freerouter"}')) === 1);
  // Two scrapes at least, so that rate() has two points.
  await prom.waitFor('a second scrape', async () =>
    (await prom.query('count_over_time(up{job="freerouter"}[1m])'))[0]?.value[1] >= 3);

  for (const { panel, expr, template } of dashboardQueries()) {
    if (template) continue; // label_values(...) is Grafana syntax, checked by name above
    await assert.doesNotReject(prom.query(concreteQuery(expr)), `panel "${panel}": ${expr}`);
  }
  // Traffic while Prometheus watches, so that rates are positive.
  await traffic();
  const withData = async (title) => {
    const q = dashboardQueries().find((x) => x.panel === title);
    assert.ok(q, `panel "${title}" exists`);
    return prom.waitFor(`data in panel "${title}"`, async () => {
      const result = await prom.query(concreteQuery(q.expr));
      return result.some((s) => Number(s.value[1]) > 0);
    });
  };
  await withData('Requests by status code');
  await withData('Upstream attempts by outcome');
  await withData('Failed attempts by route');
  await withData('Fallback rate');
  await withData('Skipped routes by reason');
  await withData('Tokens by provider');
  await withData('Version');
  await withData('Quota remaining');
  await withData('Uptime');
});
