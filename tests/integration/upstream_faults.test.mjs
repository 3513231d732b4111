// Hostile upstreams (issue 12): a provider that sends an endless chunked body, an endless header
// block, a 10 MB SSE line, or never reads a 2 MB request. Each is one failed attempt: the next
// route of the catalog answers the same request, a concurrent request to a healthy route is
// served meanwhile, and the gateway's resident memory stays bounded: VmRSS before, after each
// of ROUNDS rounds of PARALLEL such requests, and at its peak (VmHWM) is printed and held
// under what the attempts in flight may buffer by design (MAX_UPSTREAM_RESPONSE_BYTES, the SSE
// event limit, the request). Bounded: the fake's floods stop at their byte cap, every attempt
// at REQUEST_TIMEOUT_SECONDS (2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startFake, route, postJson } from './lib/harness.mjs';
import { gatewayOver, chat, connectionsTo } from './lib/state.mjs';

const PARALLEL = 4;
const ROUNDS = 3;
const MIB = 1024;
// ASan keeps freed memory in quarantine and TSan shadows every byte: RSS says nothing there.
const SANITIZED = process.env.ASAN_OPTIONS !== undefined || process.env.TSAN_OPTIONS !== undefined;

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

/// VmRSS (resident now) and VmHWM (its peak since start) of `pid`, in KiB.
function memoryKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)[1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) };
}

// Room for the 2 MB request of the never-reading scenario.
const big = { context_window: 10_000_000 };

/**
 * A gateway whose route `bad` (rank 1) is the hostile provider and `good` (rank 2) the fake's
 * plain answer. `providerExtra` may point `ufbad` elsewhere (the never-reading server). A
 * buffered answer is limited to 1 MiB (MAX_UPSTREAM_RESPONSE_BYTES) so its bound is tight.
 */
function hostileGateway(badModel, providerExtra = {}) {
  return gatewayOver(fake, [route('bad', 'ufbad', badModel, 1, big), route('good', 'ufgood', 'ok;content=fine', 2, big)],
    { providerExtra, env: { REQUEST_TIMEOUT_SECONDS: '2', MAX_UPSTREAM_RESPONSE_BYTES: String(1024 * 1024) } });
}

/**
 * ROUNDS times: PARALLEL requests for route `bad` (each must fail over to `good`) and, while they
 * run, one request for `good` alone (served within 1.5 s). The gateway's resident memory,
 * at its peak and after the last round, may exceed the start by at most `boundKib`: what the
 * PARALLEL attempts in flight may hold by design, so a leak or an unbounded read fails.
 */
async function failsOverBounded(gw, extra, boundKib) {
  const healthy = await chat(gw, { model: 'good' });
  assert.equal(healthy.status, 200, healthy.text);
  const start = memoryKb(gw.proc.pid);
  const after = [];
  let slowest = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // A timed-out route rests as too slow: cleared so that every round calls it again.
    const reset = await postJson(gw.base, '/v1/gateway/models/bad/health/reset', '');
    assert.equal(reset.status, 200, reset.text);
    const hostile = Array.from({ length: PARALLEL }, async () => {
      const sent = Date.now();
      const res = await chat(gw, { model: 'bad', ...extra });
      slowest = Math.max(slowest, Date.now() - sent);
      return res;
    });
    const started = Date.now();
    const meanwhile = await chat(gw, { model: 'good' });
    const meanwhileMs = Date.now() - started;
    assert.equal(meanwhile.status, 200, meanwhile.text);
    assert.equal(meanwhile.headers.get('x-gateway-route'), 'good');
    assert.ok(meanwhileMs < 1500, `the healthy route took ${meanwhileMs} ms next to the hostile one`);
    for (const res of await Promise.all(hostile)) {
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.headers.get('x-gateway-route'), 'good');
      assert.equal(res.headers.get('x-gateway-attempts'), '2');
      assert.match(res.text, /fine/);
    }
    after.push(memoryKb(gw.proc.pid).rss - start.rss);
  }
  const peak = memoryKb(gw.proc.pid).hwm - start.rss;
  console.log(`# VmRSS ${start.rss} KiB at start; after each round of ${PARALLEL}: +${after.join(', +')} KiB;`
    + ` peak +${peak} KiB (bound ${boundKib} KiB); slowest hostile request ${slowest} ms`);
  if (!SANITIZED) {
    assert.ok(peak < boundKib, `the peak RSS grew ${peak} KiB`);
    assert.ok(after.at(-1) < boundKib, `RSS grew ${after.at(-1)} KiB`);
  }
  return slowest;
}

// The bounds: per attempt in flight, a multiple of what it may buffer (a buffer grown by
// doubling leaves its smaller predecessors as free holes beside it: measured up to 2.7 times
// the event limit for a stream) plus 16 MiB for the allocator's arenas.
const bufferedBound = PARALLEL * 3 * 1 * MIB + 16 * MIB; // MAX_UPSTREAM_RESPONSE_BYTES 1 MiB
const sseBound = PARALLEL * 3 * 8 * MIB + 16 * MIB; // the SSE parser's 8 MiB event limit
const requestBound = PARALLEL * 4 * 2 * MIB + 16 * MIB; // a 2 MiB request: body, JSON, upstream copy

for (const stream of [false, true]) {
  const kind = stream ? 'streamed' : 'buffered';

  // A stream reads the endless body as one endless SSE line: the event limit bounds it.
  test(`an endless chunked body fails the ${kind} attempt over to the next route with bounded memory`, async () => {
    const gw = await hostileGateway('endless_chunked');
    try { await failsOverBounded(gw, { stream }, stream ? sseBound : bufferedBound); } finally { await gw.stop(); }
  });

  test(`an endless header block fails the ${kind} attempt over to the next route with bounded memory`, async () => {
    const gw = await hostileGateway('endless_headers');
    try { await failsOverBounded(gw, { stream }, bufferedBound); } finally { await gw.stop(); }
  });
}

test('a 10 MB SSE line (one data: line without line end) fails the attempt over with bounded memory', async () => {
  const gw = await hostileGateway('huge_sse_line;bytes=10000000');
  try { await failsOverBounded(gw, { stream: true }, sseBound); } finally { await gw.stop(); }
});

/// A TCP server that accepts and never reads nor answers (its sockets paused), so a large
/// request fills the socket buffers and the gateway's write blocks.
async function neverReadingServer() {
  const sockets = new Set();
  const counts = { accepted: 0 };
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    counts.accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    sockets,
    get accepted() { return counts.accepted; },
    close() { for (const s of sockets) s.destroy(); server.close(); },
  };
}

for (const stream of [false, true]) {
  test(`an upstream that never reads a 2 MB ${stream ? 'streamed' : 'buffered'} request fails the attempt at the timeout`, async () => {
    const silent = await neverReadingServer();
    const gw = await hostileGateway('whatever', { ufbad: { base_url: `http://127.0.0.1:${silent.port}/ufbad/v1` } });
    try {
      const request = { messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }], stream };
      // Ended by the attempt's 2 s timeout, not by the 120 s request deadline (a 504).
      const slowest = await failsOverBounded(gw, request, requestBound);
      assert.ok(slowest >= 1900 && slowest < 10000, `the slowest never-read request took ${slowest} ms`);
      // The paused server never sees the gateway's FIN: count from the gateway's side.
      assert.equal(connectionsTo(gw, silent.port), 0, 'the gateway closed every timed-out connection');
      assert.equal(silent.accepted, ROUNDS * PARALLEL, 'one connection per attempt');
    } finally {
      await gw.stop();
      silent.close();
    }
  });
}
