// The core waterfall against the real binary and the fake provider (issue: core gateway).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeProvider, route, postJson, hello } from './lib/harness.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

async function gatewayWith(routes, opts = {}) {
  const names = [...new Set(routes.map((r) => r.provider_name))];
  const providers = names.map((n) => fakeProvider(fake, n, opts.providerExtra?.[n] ?? {}));
  return startGateway({ providers, catalog: routes, ...opts });
}

test('a healthy first route answers with the upstream body and X-Gateway headers', async () => {
  const gw = await gatewayWith([route('r1', 'p1', 'ok;content=hi there', 1), route('r2', 'p2', 'ok', 2)]);
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200);
    assert.equal(res.json.choices[0].message.content, 'hi there');
    assert.equal(res.headers.get('x-gateway-provider'), 'p1');
    assert.equal(res.headers.get('x-gateway-route'), 'r1');
    assert.equal(res.headers.get('x-gateway-model'), 'ok;content=hi there');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    assert.match(res.headers.get('x-gateway-request-id'), /^[0-9a-f]{12}$/);
    const seen = await fake.requests('/p1/v1');
    const last = seen.requests.at(-1);
    assert.equal(last.body.model, 'ok;content=hi there');
    assert.equal(last.body.stream, undefined);
    assert.equal(last.headers.authorization, 'Bearer test-key-p1');
  } finally { await gw.stop(); }
});

for (const [name, model, reason] of [
  ['429', 'status;code=429;retry_after=30', 'provider_429'],
  ['500', 'status;code=500', 'provider_5xx'],
  ['timeout', 'ok;delay_ms=3000', 'timeout'],
  ['404 model', 'status;code=404', 'model_not_found'],
  ['reset connection', 'reset', 'connection_reset'],
  ['garbage body', 'garbage', 'malformed_response'],
  ['401', 'status;code=401', 'auth_error'],
  ['413', 'status;code=413', 'request_too_large'],
]) {
  test(`falls back to the next route after ${name}`, async () => {
    const gw = await gatewayWith([route('bad', 'pbad', model, 1), route('good', 'pgood', 'ok', 2)],
      { env: { REQUEST_TIMEOUT_SECONDS: '1' } });
    try {
      const res = await postJson(gw.base, '/v1/chat/completions', hello());
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-gateway-route'), 'good');
      assert.equal(res.headers.get('x-gateway-attempts'), '2');
      assert.equal(res.json.choices[0].message.content, 'ok from ok');
    } finally { await gw.stop(); }
  });
}

test('a caller error from the provider is returned with its status and message', async () => {
  const gw = await gatewayWith([route('r1', 'p1', 'status;code=400;body=temperature must be at most 2', 1), route('r2', 'p2', 'ok', 2)]);
  try {
    const before = (await fake.stats()).by_prefix['/p2/v1'] ?? 0;
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /temperature/);
    assert.equal((await fake.stats()).by_prefix['/p2/v1'] ?? 0, before, 'no fallback for the caller\'s mistake');
  } finally { await gw.stop(); }
});

test('exhaustion answers 503 waterfall_exhausted with every attempt', async () => {
  const gw = await gatewayWith([route('a', 'pa', 'status;code=500', 1), route('b', 'pb', 'status;code=503', 2), route('c', 'pc', 'ok', 3)],
    { unconfigured: ['pc'] });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'waterfall_exhausted');
    assert.equal(res.json.error.type, 'provider_unavailable');
    assert.deepEqual(res.json.error.attempts.map((a) => [a.route_id, a.status, a.reason]),
      [['a', 'failed', 'provider_5xx'], ['b', 'failed', 'provider_5xx'], ['c', 'skipped', 'missing_api_key']]);
    assert.equal(res.json.error.attempts[0].status_code, 500);
  } finally { await gw.stop(); }
});

test('a requested route id or model id is tried first', async () => {
  const gw = await gatewayWith([route('first', 'p1', 'ok;content=one', 1), route('second', 'p2', 'ok;content=two', 2)]);
  try {
    let res = await postJson(gw.base, '/v1/chat/completions', hello({ model: 'second' }));
    assert.equal(res.headers.get('x-gateway-route'), 'second');
    res = await postJson(gw.base, '/v1/chat/completions', hello({ model: 'ok;content=two' }));
    assert.equal(res.headers.get('x-gateway-route'), 'second');
    res = await postJson(gw.base, '/v1/chat/completions', hello({ model: 'no-such-model' }));
    assert.equal(res.headers.get('x-gateway-route'), 'first');
  } finally { await gw.stop(); }
});

test('a route whose context window is too small is skipped', async () => {
  const gw = await gatewayWith([route('small', 'p1', 'ok', 1, { context_window: 10 }), route('big', 'p2', 'ok', 2)]);
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
    assert.equal(res.headers.get('x-gateway-route'), 'big');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
  } finally { await gw.stop(); }
});

test('GET /v1/models lists the alias then enabled routes in rank order', async () => {
  const gw = await gatewayWith([route('b', 'p1', 'ok', 2), route('a', 'p1', 'ok', 1), route('off', 'p1', 'ok', 3, { enabled: false })]);
  try {
    const res = await fetch(`${gw.base}/v1/models`);
    const body = await res.json();
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((m) => m.id), ['auto', 'a', 'b']);
    assert.equal(body.data[1].owned_by, 'p1');
  } finally { await gw.stop(); }
});

test('200 parallel requests are all answered correctly', async () => {
  const gw = await gatewayWith([route('r1', 'p1', 'status;code=429', 1), route('r2', 'p2', 'ok;delay_ms=20', 2)]);
  try {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      postJson(gw.base, '/v1/chat/completions', hello({ messages: [{ role: 'user', content: `n${i}` }] }))));
    for (const res of results) {
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-gateway-route'), 'r2');
      assert.equal(res.json.choices[0].message.content, 'ok from ok;delay_ms=20');
    }
    const ids = new Set(results.map((r) => r.headers.get('x-gateway-request-id')));
    assert.equal(ids.size, 200);
  } finally { await gw.stop(); }
});

test('SIGTERM stops the gateway cleanly with exit code 0', async () => {
  const gw = await gatewayWith([route('r1', 'p1', 'ok', 1)]);
  assert.equal(await gw.stop('SIGTERM'), 0);
});
