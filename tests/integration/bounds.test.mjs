// Bounds (issue 12): a request makes at most MAX_UPSTREAM_CALLS_PER_REQUEST upstream calls, and
// a catalog over the size bound is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, route } from './lib/harness.mjs';
import { gatewayOver, chat, send, upstreamCalls } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

test('a request stops after MAX_UPSTREAM_CALLS_PER_REQUEST calls, however many routes are left', async () => {
  const routes = Array.from({ length: 8 }, (_, i) => route(`down${i}`, 'bdc', `status;code=500;n=${i}`, i + 1));
  const gw = await gatewayOver(fake, routes, { env: { MAX_UPSTREAM_CALLS_PER_REQUEST: '3' } });
  try {
    const before = await upstreamCalls(fake, 'bdc');
    const res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error.code, 'waterfall_exhausted');
    assert.equal(res.headers.get('x-gateway-attempts'), '3');
    assert.equal(await upstreamCalls(fake, 'bdc') - before, 3);
  } finally { await gw.stop(); }
});

test('a catalog of more than 5000 routes is refused with a clear 400', async () => {
  const gw = await gatewayOver(fake, [route('one', 'bdd', 'ok', 1)]);
  try {
    const big = Array.from({ length: 5001 }, (_, i) => route(`r${i}`, 'bdd', `m${i}`, i + 1));
    const res = await send(gw.base, 'PUT', '/v1/gateway/models', big);
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.match(res.json.error.message, /5001 routes; at most 5000/);
    const catalog = await send(gw.base, 'GET', '/v1/gateway/models');
    assert.deepEqual(catalog.json.data.map((r) => r.route_id), ['one'], 'the catalog is unchanged');
  } finally { await gw.stop(); }
});
