// The admin and status API (reference §11.6-§11.10, §11.14; contract §5, §7): catalog view and
// edits applied without a restart, route enable/disable and health reset, provider status,
// the health summary, wrong methods, and the admin / API keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, logLine } from './lib/harness.mjs';
import { gatewayOver, upstreamCalls, chat, chatOk, catalogRoute, send } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

const ROUTE_FIELDS = ['route_id', 'provider_name', 'model_id', 'display_name', 'rank', 'enabled', 'context_window',
  'quality', 'speed', 'cost', 'tags', 'notes', 'source_url', 'rank_score', 'rank_reason', 'rank_source'];
const HEALTH_FIELDS = ['route_id', 'provider_name', 'model_id', 'status', 'status_reason', 'consecutive_failures',
  'rate_limited_until', 'next_probe_at', 'updated_at'];

function assertHasFields(object, fields, what) {
  for (const f of fields) assert.ok(f in object, `${what} lacks '${f}': ${JSON.stringify(object)}`);
}

function assertError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  if (code) assert.equal(res.json.error.code, code, res.text);
}

const readCatalogFile = (gw) => JSON.parse(readFileSync(join(gw.dir, 'model_catalog.json'), 'utf8'));

/// Two providers, three routes: a1 and a2 on pa, b1 on pb.
const threeRoutes = (pa, pb) => [
  route('a1', pa, 'ok;content=a1', 1), route('a2', pa, 'ok;content=a2', 2), route('b1', pb, 'ok;content=b1', 3),
];

test('GET /v1/gateway/models lists every route in rank order with its health', async () => {
  const gw = await gatewayOver(fake, [route('g2', 'adga', 'status;code=429;retry_after=600', 2), route('g1', 'adga', 'ok', 1),
    route('g3', 'adgb', 'ok', 3, { enabled: false })]);
  try {
    let res = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.equal(res.status, 200);
    assert.equal(res.json.object, 'list');
    assert.equal(typeof res.json.catalog_path, 'string');
    assert.match(res.json.catalog_path, /model_catalog\.json$/);
    assert.deepEqual(res.json.data.map((r) => r.route_id), ['g1', 'g2', 'g3'], 'disabled routes are listed too');
    for (const r of res.json.data) {
      assertHasFields(r, ROUTE_FIELDS, 'route');
      assertHasFields(r.health, HEALTH_FIELDS, 'health');
      assert.equal(r.health.route_id, r.route_id);
      assert.equal(r.health.status, 'active');
      assert.equal(r.health.status_reason, null);
      assert.equal(r.health.consecutive_failures, 0);
    }
    // g2 answers 429 once it is tried first: its health turns rate_limited.
    await chatOk(gw, 'g1', { model: 'g2' });
    const g2 = await catalogRoute(gw, 'g2');
    assert.equal(g2.health.status, 'rate_limited');
    assert.equal(g2.health.status_reason, 'provider_429');
    assert.equal(g2.health.consecutive_failures, 1);
    assert.ok(g2.health.rate_limited_until > Date.now() / 1000 + 500);
    assert.ok(g2.health.next_probe_at >= g2.health.rate_limited_until);
    assert.equal((await catalogRoute(gw, 'g1')).health.status, 'active');
  } finally { await gw.stop(); }
});

for (const shape of ['array', '{data: [...]}']) {
  test(`PUT /v1/gateway/models (${shape}) replaces the catalog, saves it and routes by it at once`, async () => {
    const pa = shape === 'array' ? 'adpa' : 'adqa';
    const pb = shape === 'array' ? 'adpb' : 'adqb';
    const gw = await gatewayOver(fake, threeRoutes(pa, pb));
    try {
      await chatOk(gw, 'a1');
      const next = [route('b1', pb, 'ok;content=b1', 1), route('a1', pa, 'ok;content=a1', 2),
        route('c1', pb, 'ok;content=c1', 3, { notes: 'new route' })];
      const res = await send(gw.base, 'PUT', '/v1/gateway/models', shape === 'array' ? next : { data: next });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.object, 'list');
      assert.deepEqual(res.json.data.map((r) => [r.route_id, r.rank]), [['b1', 1], ['a1', 2], ['c1', 3]]);
      assert.ok(res.json.data.every((r) => r.health?.status === 'active'));
      const onDisk = readCatalogFile(gw);
      assert.deepEqual(onDisk.map((r) => [r.route_id, r.rank]), [['b1', 1], ['a1', 2], ['c1', 3]]);
      assert.equal(onDisk.find((r) => r.route_id === 'c1').notes, 'new route');
      const answered = await chatOk(gw, 'b1');
      assert.equal(answered.json.choices[0].message.content, 'b1');
      await chatOk(gw, 'c1', { model: 'c1' });
      const models = await (await fetch(`${gw.base}/v1/models`)).json();
      assert.deepEqual(models.data.map((m) => m.id), ['auto', 'b1', 'a1', 'c1']);
    } finally { await gw.stop(); }
  });
}

test('PUT /v1/gateway/models rejects bad catalogs with 400 and keeps the old one', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adea', 'adeb'));
  try {
    const before = readFileSync(join(gw.dir, 'model_catalog.json'), 'utf8');
    const cases = [
      ['not a list', '"routes"', null],
      ['data not a list', { data: 'not-a-list' }, null],
      ['an object without data', { routes: [] }, null],
      ['a number', '5', null],
      ['invalid JSON', '[{"route_id":', null],
      ['an entry that is not an object', [1], null],
      ['missing rank', [{ route_id: 'x', provider_name: 'adea', model_id: 'ok' }], /rank/],
      ['missing route_id', [{ provider_name: 'adea', model_id: 'ok', rank: 1 }], /route_id/],
      ['missing provider_name', [{ route_id: 'x', model_id: 'ok', rank: 1 }], /provider_name/],
      ['missing model_id', [{ route_id: 'x', provider_name: 'adea', rank: 1 }], /model_id/],
      ['rank not an integer', [route('x', 'adea', 'ok', 'first')], /rank/],
      ['duplicate route_id', [route('x', 'adea', 'ok', 1), route('x', 'adeb', 'ok', 2)], /Duplicate route_id: x/],
      ['unknown provider', [route('x', 'nobody', 'ok', 1)], /nobody/],
      ['a route_id with CR/LF', [route('x\r\nX-Evil: 1', 'adea', 'ok', 1)], /catalog entry 0: field 'route_id' must not contain control characters/],
      ['a model_id with LF', [route('x', 'adea', 'ok\nX-Evil: 1', 1)], /catalog entry 0: field 'model_id' must not contain control characters/],
      ['a route_id with a slash', [route('a/b', 'adea', 'ok', 1)], /field 'route_id' must not contain '\/'/],
      ['an empty route_id', [route('', 'adea', 'ok', 1)], /field 'route_id' must not be empty/],
    ];
    for (const [name, body, pattern] of cases) {
      const res = await send(gw.base, 'PUT', '/v1/gateway/models', body);
      assert.equal(res.status, 400, `${name}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json?.error?.message, 'string', `${name}: ${res.text}`);
      if (pattern) assert.match(res.json.error.message, pattern, name);
    }
    const view = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.deepEqual(view.json.data.map((r) => r.route_id), ['a1', 'a2', 'b1']);
    assert.equal(readFileSync(join(gw.dir, 'model_catalog.json'), 'utf8'), before, 'the file is untouched');
    await chatOk(gw, 'a1');
  } finally { await gw.stop(); }
});

test('a catalog route naming an unknown provider is skipped with a warning, kept in the file and shown with its reason', async () => {
  const warning = logLine('warn', String.raw`.*model_catalog\.json: 1 route names unknown provider 'nobody' \(ghost\); kept in the file, never routed \(unknown_provider\)`);
  const gw = await startGateway({ providers: [fakeProvider(fake, 'adup')],
    catalog: [route('real', 'adup', 'ok;content=real', 2), route('ghost', 'nobody', 'ok', 1)] });
  try {
    assert.ok(gw.proc.stderrText.split('\n').some((l) => warning.test(l)), gw.proc.stderrText);
    const res = await chatOk(gw, 'real');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    const view = await send(gw.base, 'GET', '/v1/gateway/models');
    const ghost = view.json.data.find((r) => r.route_id === 'ghost');
    assert.equal(ghost.unavailable_reason, 'unknown_provider');
    assert.equal(view.json.data.find((r) => r.route_id === 'real').unavailable_reason, undefined);
    const status = await send(gw.base, 'GET', '/v1/providers/status');
    const row = status.json.data.find((p) => p.name === 'nobody');
    assert.ok(row, status.text);
    assert.equal(row.configured, false);
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'unknown_provider');
    assert.deepEqual(row.models.map((m) => m.route_id), ['ghost']);
    // The catalog as listed goes back in unchanged (the web page saves it so); a new route with
    // an unknown provider is still refused, so a typo is told at once.
    const listed = view.json.data.map(({ health, ...r }) => r);
    let put = await send(gw.base, 'PUT', '/v1/gateway/models', listed);
    assert.equal(put.status, 200, put.text);
    put = await send(gw.base, 'PUT', '/v1/gateway/models', [...listed, route('typo', 'nobdy', 'ok', 3)]);
    assertError(put, 400, 'unknown_provider');
    assert.match(put.json.error.message, /nobdy/);
    assert.deepEqual(readCatalogFile(gw).map((r) => r.route_id).sort(), ['ghost', 'real']);
  } finally { await gw.stop({ allowStderr: [warning] }); }
});

test('POST /v1/gateway/models/reset restores the 71 default routes and saves them', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adra', 'adrb'));
  try {
    const res = await send(gw.base, 'POST', '/v1/gateway/models/reset');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.length, 71);
    assert.ok(!res.json.data.some((r) => r.route_id === 'a1'));
    const providers = new Set(res.json.data.map((r) => r.provider_name));
    assert.deepEqual([...providers].sort(), ['cerebras', 'gemini', 'groq', 'nvidia', 'openrouter']);
    assert.equal(readCatalogFile(gw).length, 71);
    // No built-in provider has a key here: the waterfall is exhausted, not a crash.
    const chatRes = await chat(gw);
    assert.equal(chatRes.status, 503, chatRes.text);
    assert.ok(chatRes.json.error.attempts.every((a) => a.reason === 'missing_api_key'));
  } finally { await gw.stop(); }
});

test('POST /v1/gateway/models/auto-rank numbers the routes 1..N with a rank score', async () => {
  const gw = await gatewayOver(fake, [
    route('low', 'adaa', 'ok', 5, { quality: 'utility' }),
    route('high', 'adaa', 'ok', 40, { quality: 'very high', tags: ['text', 'reasoning', 'coding'] }),
    route('mid', 'adab', 'ok', 7, { quality: 'good' }),
    route('off', 'adab', 'ok', 1, { enabled: false }),
  ]);
  try {
    const res = await send(gw.base, 'POST', '/v1/gateway/models/auto-rank');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.data.map((r) => r.rank), [1, 2, 3, 4]);
    for (const r of res.json.data) {
      assert.equal(typeof r.rank_score, 'number', `${r.route_id} rank_score ${r.rank_score}`);
      assert.equal(r.rank_source, 'heuristic');
      assert.equal(r.rank_reason, 'deterministic_quality_score');
    }
    const scores = res.json.data.map((r) => r.rank_score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'ranks follow the score');
    assert.ok(res.json.data.findIndex((r) => r.route_id === 'high') < res.json.data.findIndex((r) => r.route_id === 'low'));
    assert.equal(res.json.data.find((r) => r.route_id === 'off').enabled, false, 'enabled is untouched');
    assert.deepEqual(readCatalogFile(gw).map((r) => r.rank), [1, 2, 3, 4]);
  } finally { await gw.stop(); }
});

test('disable and enable a route: a disabled route is not tried; unknown ids are 404 unknown_route', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adda', 'addb'));
  try {
    let res = await send(gw.base, 'POST', '/v1/gateway/models/a1/disable');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.route_id, 'a1');
    assert.equal(res.json.data.enabled, false);
    assertHasFields(res.json.data, ROUTE_FIELDS, 'route');
    assertHasFields(res.json.data.health, HEALTH_FIELDS, 'health');
    assert.equal(readCatalogFile(gw).find((r) => r.route_id === 'a1').enabled, false);
    const before = await upstreamCalls(fake, 'adda');
    let answered = await chatOk(gw, 'a2');
    assert.equal(answered.headers.get('x-gateway-attempts'), '1');
    answered = await chatOk(gw, 'a2', { model: 'a1' });
    assert.equal(answered.headers.get('x-gateway-attempts'), '1', 'a disabled route is not tried even when asked for');
    assert.equal((await fake.requests('/adda/v1')).requests.slice(-2).every((r) => r.body.model === 'ok;content=a2'), true);
    assert.equal(await upstreamCalls(fake, 'adda'), before + 2);
    const models = await (await fetch(`${gw.base}/v1/models`)).json();
    assert.ok(!models.data.some((m) => m.id === 'a1'));
    res = await send(gw.base, 'POST', '/v1/gateway/models/a1/enable');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.enabled, true);
    await chatOk(gw, 'a1');
    for (const action of ['enable', 'disable', 'health/reset']) {
      assertError(await send(gw.base, 'POST', `/v1/gateway/models/no-such-route/${action}`), 404, 'unknown_route');
    }
    assert.match((await send(gw.base, 'POST', '/v1/gateway/models/no-such-route/disable')).json.error.message, /no-such-route/);
  } finally { await gw.stop(); }
});

test('POST /v1/gateway/models/{id}/health/reset clears a rate-limited route', async () => {
  const gw = await gatewayOver(fake, [route('h1', 'adha', 'status;code=429;retry_after=600', 1), route('h2', 'adhb', 'ok', 2)]);
  try {
    await chatOk(gw, 'h2');
    assert.equal((await catalogRoute(gw, 'h1')).health.status, 'rate_limited');
    let res = await chatOk(gw, 'h2');
    assert.equal(res.headers.get('x-gateway-attempts'), '1', 'h1 is skipped while rate limited');
    const reset = await send(gw.base, 'POST', '/v1/gateway/models/h1/health/reset');
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.json.data.route_id, 'h1');
    assert.equal(reset.json.data.health.status, 'active');
    assert.equal(reset.json.data.health.status_reason, null);
    assert.equal(reset.json.data.health.consecutive_failures, 0);
    assert.equal(reset.json.data.health.rate_limited_until, 0);
    assert.equal(reset.json.data.health.next_probe_at, 0);
    assert.equal((await catalogRoute(gw, 'h1')).health.status, 'active');
    res = await chatOk(gw, 'h2');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'h1 is tried again after the reset');
    assert.equal(await upstreamCalls(fake, 'adha'), 2);
  } finally { await gw.stop(); }
});

test('GET /v1/providers/status shows every provider with quotas, routes, health and usage', async () => {
  const gw = await gatewayOver(fake, [
    route('s1', 'adsa', 'ok;prompt_tokens=10;completion_tokens=20', 1),
    route('s2', 'adsa', 'ok', 2, { enabled: false }),
    route('s3', 'adsb', 'ok', 3),
  ], { providerExtra: { adsa: { requests_per_day: 100, tokens_per_day: 5000 } }, unconfigured: ['adsb'] });
  try {
    await chatOk(gw, 's1');
    await chatOk(gw, 's1');
    const res = await send(gw.base, 'GET', '/v1/providers/status');
    assert.equal(res.status, 200);
    assert.equal(res.json.object, 'list');
    const names = res.json.data.map((p) => p.name);
    for (const builtIn of ['cerebras', 'groq', 'gemini', 'nvidia', 'openrouter', 'adsa', 'adsb']) {
      assert.ok(names.includes(builtIn), `${builtIn} missing from ${names}`);
    }
    for (const p of res.json.data) {
      assertHasFields(p, ['name', 'configured', 'available', 'unavailable_reason', 'retry_after_seconds', 'tokens_used_today',
        'requests_today', 'requests_this_minute', 'cooldown_until', 'max_context_tokens', 'models'], `provider ${p.name}`);
    }
    const a = res.json.data.find((p) => p.name === 'adsa');
    assert.equal(a.configured, true);
    assert.equal(a.available, true);
    assert.equal(a.unavailable_reason, null);
    assert.equal(a.retry_after_seconds, null);
    assert.equal(a.requests_today, 2);
    assert.equal(a.tokens_used_today, 60);
    assert.deepEqual(a.models.map((m) => m.route_id), ['s1', 's2'], 'every route of the provider, enabled or not');
    for (const m of a.models) {
      assertHasFields(m, ROUTE_FIELDS, 'route');
      assertHasFields(m.health, HEALTH_FIELDS, 'health');
      assertHasFields(m.usage, ['route_id', 'total_events', 'successes', 'failures', 'rate_limits', 'timeouts', 'not_found',
        'prompt_tokens', 'completion_tokens', 'total_tokens', 'last_used_at', 'last_status_code'], 'usage');
    }
    const s1 = a.models[0];
    assert.equal(s1.usage.successes, 2);
    assert.equal(s1.usage.total_tokens, 60);
    assert.equal(s1.usage.prompt_tokens, 20);
    assert.equal(s1.usage.completion_tokens, 40);
    assert.equal(s1.usage.last_status_code, 200);
    assert.equal(typeof s1.usage.last_used_at, 'number');
    const s2 = a.models[1];
    assert.equal(s2.usage.total_events, 0);
    assert.equal(s2.usage.last_used_at, null);
    const b = res.json.data.find((p) => p.name === 'adsb');
    assert.equal(b.configured, false);
    assert.deepEqual(b.models.map((m) => m.route_id), ['s3']);
    const groq = res.json.data.find((p) => p.name === 'groq');
    assert.equal(groq.configured, false);
    assert.deepEqual(groq.models, [], 'no groq route in this catalog');
  } finally { await gw.stop(); }
});

test('health.json counts a provider whose key failed as configured but not usable', async () => {
  const gw = await gatewayOver(fake, [route('k1', 'adjk', 'status;code=401', 1)]);
  try {
    await send(gw.base, 'POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    const h = (await send(gw.base, 'GET', '/v1/gateway/health.json')).json;
    assert.equal(h.providers.configured, 1);
    assert.equal(h.providers.usable, 0, JSON.stringify(h.providers));
  } finally { await gw.stop(); }
});

test('GET /v1/gateway/health.json summarises version, uptime, providers, routes and the limiter', async () => {
  const gw = await gatewayOver(fake, [route('j1', 'adja', 'ok', 1), route('j2', 'adja', 'status;code=429;retry_after=600', 2),
    route('j3', 'adjb', 'ok', 3, { enabled: false })], { unconfigured: ['adjb'], env: { MAX_CONCURRENT_REQUESTS: '7' } });
  try {
    await chatOk(gw, 'j1', { model: 'j2' });
    const res = await send(gw.base, 'GET', '/v1/gateway/health.json');
    assert.equal(res.status, 200, res.text);
    const h = res.json;
    assert.equal(typeof h.version, 'string');
    assert.ok(h.version.length > 0);
    assert.equal(typeof h.uptime_seconds, 'number');
    assert.ok(h.uptime_seconds >= 0 && h.uptime_seconds < 60);
    assert.equal(h.providers.configured, 1, JSON.stringify(h.providers));
    assert.equal(h.providers.usable, 1, 'a route-scoped 429 leaves the provider usable');
    assert.equal(h.routes.enabled, 2, JSON.stringify(h.routes));
    assert.equal(h.routes.healthy, 1, 'j2 is rate limited');
    assert.equal(h.limiter.slots, 7);
    assert.equal(h.limiter.in_use, 0);
    assert.equal(h.limiter.waiting, 0);
  } finally { await gw.stop(); }
});

test('wrong methods on admin and status paths answer 405 method_not_allowed', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adma', 'admb'));
  try {
    for (const [method, path] of [
      ['DELETE', '/v1/gateway/models'], ['POST', '/v1/gateway/models'], ['PATCH', '/v1/gateway/models'],
      ['GET', '/v1/gateway/models/reset'], ['PUT', '/v1/gateway/models/reset'], ['GET', '/v1/gateway/models/auto-rank'],
      ['GET', '/v1/gateway/models/a1/enable'], ['DELETE', '/v1/gateway/models/a1/disable'],
      ['GET', '/v1/gateway/models/a1/health/reset'], ['POST', '/v1/providers/status'], ['POST', '/v1/gateway/health.json'],
      ['POST', '/v1/models'], ['PUT', '/v1/chat/completions'],
    ]) {
      const res = await send(gw.base, method, path);
      assertError(res, 405, 'method_not_allowed');
    }
    // A wrong method changed nothing.
    const view = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.deepEqual(view.json.data.map((r) => [r.route_id, r.enabled]), [['a1', true], ['a2', true], ['b1', true]]);
  } finally { await gw.stop(); }
});

test('GATEWAY_ADMIN_KEY guards every mutating gateway call', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adka', 'adkb'), { env: { GATEWAY_ADMIN_KEY: 'admin-secret' } });
  try {
    const admin = { authorization: 'Bearer admin-secret' };
    const wrong = { authorization: 'Bearer not-it' };
    const catalog = threeRoutes('adka', 'adkb');
    const mutating = [
      ['PUT', '/v1/gateway/models', catalog], ['POST', '/v1/gateway/models/auto-rank'],
      ['POST', '/v1/gateway/models/a1/disable'], ['POST', '/v1/gateway/models/a1/enable'],
      ['POST', '/v1/gateway/models/a1/health/reset'], ['POST', '/v1/gateway/models/reset'],
    ];
    for (const [method, path, body] of mutating) {
      assertError(await send(gw.base, method, path, body), 401);
      assertError(await send(gw.base, method, path, body, wrong), 401);
    }
    assert.deepEqual(readCatalogFile(gw).map((r) => [r.route_id, r.enabled]), [['a1', true], ['a2', true], ['b1', true]],
      'rejected calls changed nothing');
    for (const [method, path, body] of mutating) {
      const res = await send(gw.base, method, path, body, admin);
      assert.equal(res.status, 200, `${method} ${path} with the admin key: ${res.text}`);
    }
    assert.equal(readCatalogFile(gw).length, 71, 'the last call (reset) ran');
    // Reading and chatting need no admin key (no GATEWAY_API_KEYS set).
    assert.equal((await send(gw.base, 'GET', '/v1/gateway/models')).status, 200);
    assert.equal((await send(gw.base, 'GET', '/v1/providers/status')).status, 200);
    assert.equal((await send(gw.base, 'GET', '/v1/models')).status, 200);
  } finally { await gw.stop(); }
});

test('GATEWAY_API_KEYS: every /v1/* call needs one of the keys', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adla', 'adlb'), { env: { GATEWAY_API_KEYS: 'k-one, k-two' } });
  try {
    const calls = [
      ['GET', '/v1/models'], ['GET', '/v1/gateway/models'], ['GET', '/v1/providers/status'],
      ['GET', '/v1/gateway/health.json'], ['POST', '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }],
    ];
    const before = await upstreamCalls(fake, 'adla');
    for (const [method, path, body] of calls) {
      assertError(await send(gw.base, method, path, body), 401);
      assertError(await send(gw.base, method, path, body, { authorization: 'Bearer k-three' }), 401);
      assertError(await send(gw.base, method, path, body, { authorization: 'k-one' }), 401);
    }
    assert.equal(await upstreamCalls(fake, 'adla'), before, 'rejected chats never reached a provider');
    for (const key of ['k-one', 'k-two']) {
      for (const [method, path, body] of calls) {
        const res = await send(gw.base, method, path, body, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 200, `${method} ${path} with ${key}: ${res.text}`);
      }
    }
    // Liveness and metrics stay open.
    assert.equal((await fetch(`${gw.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.base}/metrics`)).status, 200);
    // Without an admin key, an API key is enough for admin calls.
    const res = await send(gw.base, 'POST', '/v1/gateway/models/a1/disable', undefined, { authorization: 'Bearer k-two' });
    assert.equal(res.status, 200, res.text);
    assertError(await send(gw.base, 'POST', '/v1/gateway/models/a1/enable'), 401);
  } finally { await gw.stop(); }
});

test('with both keys set, an API key does not unlock admin calls', async () => {
  const gw = await gatewayOver(fake, threeRoutes('adna', 'adnb'),
    { env: { GATEWAY_API_KEYS: 'user-key', GATEWAY_ADMIN_KEY: 'admin-key' } });
  try {
    assertError(await send(gw.base, 'POST', '/v1/gateway/models/a1/disable', undefined, { authorization: 'Bearer user-key' }), 401);
    assert.equal((await send(gw.base, 'POST', '/v1/gateway/models/a1/disable', undefined, { authorization: 'Bearer admin-key' })).status, 200);
    assert.equal((await send(gw.base, 'GET', '/v1/models', undefined, { authorization: 'Bearer user-key' })).status, 200);
    const chatRes = await send(gw.base, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] },
      { authorization: 'Bearer user-key' });
    assert.equal(chatRes.status, 200, chatRes.text);
    assert.equal(chatRes.headers.get('x-gateway-route'), 'a2');
  } finally { await gw.stop(); }
});
