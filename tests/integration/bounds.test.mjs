// Bounds (issue 12): an oversized upstream answer fails its attempt before it is buffered and
// the next route answers (MAX_UPSTREAM_RESPONSE_BYTES), a request makes at most
// MAX_UPSTREAM_CALLS_PER_REQUEST upstream calls, a catalog over the size bound is refused, and
// large requests leave nothing of themselves behind (the live monitor's ring).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startFake, route } from './lib/harness.mjs';
import { gatewayOver, chat, send, upstreamCalls } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

test('an answer over MAX_UPSTREAM_RESPONSE_BYTES fails over to the next route with bounded memory', async () => {
  const gw = await gatewayOver(fake, [route('huge', 'bda', 'ok;pad_bytes=20000000', 1), route('fine', 'bdb', 'ok;content=small', 2)],
    { env: { MAX_UPSTREAM_RESPONSE_BYTES: String(1024 * 1024) } });
  try {
    const before = rssKb(gw.proc.pid);
    for (let i = 0; i < 5; i++) {
      const res = await chat(gw, { model: 'huge' });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.headers.get('x-gateway-route'), 'fine');
      assert.equal(res.headers.get('x-gateway-attempts'), '2');
    }
    // Nothing near the 20 MB answers was kept: the attempt stopped at the announced length.
    const grown = rssKb(gw.proc.pid) - before;
    assert.ok(grown < 20 * 1024, `RSS grew ${grown} KiB over 5 oversized answers`);
  } finally { await gw.stop(); }
});

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

test('40 requests of 2 MB leave resident memory flat: the live ring keeps no whole request', async () => {
  // The ring holds the last 1000 events; it used to keep each request's parsed document until
  // the event was read, so every 2 MB request stayed resident (+2.5 MB each, without end).
  const SANITIZED = process.env.ASAN_OPTIONS !== undefined || process.env.TSAN_OPTIONS !== undefined;
  const gw = await gatewayOver(fake, [route('big', 'bde', 'ok;content=fine', 1, { context_window: 10_000_000 })]);
  try {
    const request = { messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] };
    const first = await chat(gw, request);
    assert.equal(first.status, 200, first.text.slice(0, 300));
    const before = rssKb(gw.proc.pid);
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 4 }, () => chat(gw, request)));
      for (const res of answers) assert.equal(res.status, 200, res.text.slice(0, 300));
    }
    const grown = rssKb(gw.proc.pid) - before;
    if (!SANITIZED) assert.ok(grown < 40 * 1024, `RSS grew ${grown} KiB over 40 requests of 2 MB`);
    // What the monitor shows of them is trimmed.
    const events = await (await fetch(`${gw.base}/v1/gateway/live/snapshot`)).text();
    assert.ok(events.length < 1024 * 1024, `the live snapshot is ${events.length} bytes`);
  } finally { await gw.stop(); }
});
