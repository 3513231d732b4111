// The request limiter and the overall deadline (contract §6.2, §6.8; reference §6): overload
// answers 429 request_queue_timeout with Retry-After: 1, the deadline bounds the whole
// waterfall, and a client that goes away frees its slot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startFake, route, postJson, hello } from './lib/harness.mjs';
import { gatewayOver, upstreamCalls, chat, chatOk, attemptTriples, eventually, connectionsTo } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

function assertOverloaded(res) {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.headers.get('retry-after'), '1');
  assert.equal(res.json.error.code, 'request_queue_timeout');
  assert.equal(res.json.error.type, 'gateway_overloaded');
  assert.equal(typeof res.json.error.message, 'string');
}

/// Sends `n` requests at once and returns each result with the time it took.
async function burst(gw, n) {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const started = Date.now();
    const res = await postJson(gw.base, '/v1/chat/completions', hello({ messages: [{ role: 'user', content: `b${i}` }] }));
    return { ...res, ms: Date.now() - started };
  }));
}

test('a full queue is rejected at once with 429 request_queue_timeout and Retry-After: 1', async () => {
  const gw = await gatewayOver(fake, [route('lq', 'lmqa', 'ok;delay_ms=1500', 1)],
    { env: { MAX_CONCURRENT_REQUESTS: '2', REQUEST_QUEUE_MAX_WAITING_REQUESTS: '1' } });
  try {
    const results = await burst(gw, 6);
    const ok = results.filter((r) => r.status === 200);
    const rejected = results.filter((r) => r.status !== 200);
    // Two slots and one waiter: three answers, three rejections.
    assert.equal(ok.length, 3, `statuses: ${results.map((r) => r.status)}`);
    for (const r of rejected) {
      assertOverloaded(r);
      assert.ok(r.ms < 1000, `rejected after ${r.ms} ms, not at once`);
    }
    // The waiter got its slot when one came back: about two upstream delays.
    assert.ok(Math.max(...ok.map((r) => r.ms)) >= 2800, 'one request waited for a slot');
    assert.equal(await upstreamCalls(fake, 'lmqa'), 3);
    const health = await (await fetch(`${gw.base}/v1/gateway/health.json`)).json();
    assert.equal(health.limiter.slots, 2);
    assert.equal(health.limiter.in_use, 0);
    assert.equal(health.limiter.waiting, 0);
  } finally { await gw.stop(); }
});

test('waiters that wait longer than REQUEST_QUEUE_TIMEOUT_SECONDS get the same 429', async () => {
  const gw = await gatewayOver(fake, [route('lw', 'lmwa', 'ok;delay_ms=1500', 1)],
    { env: { MAX_CONCURRENT_REQUESTS: '2', REQUEST_QUEUE_MAX_WAITING_REQUESTS: '50', REQUEST_QUEUE_TIMEOUT_SECONDS: '0.2' } });
  try {
    const results = await burst(gw, 6);
    const ok = results.filter((r) => r.status === 200);
    const rejected = results.filter((r) => r.status !== 200);
    assert.equal(ok.length, 2, `statuses: ${results.map((r) => r.status)}`);
    assert.equal(rejected.length, 4);
    for (const r of rejected) {
      assertOverloaded(r);
      assert.ok(r.ms >= 150 && r.ms < 1200, `timed out after ${r.ms} ms (queue timeout 200 ms)`);
    }
    assert.equal(await upstreamCalls(fake, 'lmwa'), 2);
  } finally { await gw.stop(); }
});

test('REQUEST_DEADLINE_SECONDS bounds the whole waterfall: 504 request_deadline_exceeded', async () => {
  const routes = ['dla', 'dlb', 'dlc', 'dld'].map((p, i) => route(`dl-${p}`, p, 'ok;delay_ms=700', i + 1));
  const gw = await gatewayOver(fake, routes,
    { env: { REQUEST_DEADLINE_SECONDS: '1', REQUEST_TIMEOUT_SECONDS: '0.6' } });
  try {
    const started = Date.now();
    const res = await chat(gw);
    const ms = Date.now() - started;
    assert.equal(res.status, 504, res.text);
    assert.equal(res.json.error.code, 'request_deadline_exceeded');
    assert.equal(typeof res.json.error.type, 'string');
    // Four routes x 0.6 s would be 2.4 s; the deadline stops the waterfall at about 1 s.
    assert.ok(ms >= 900 && ms < 1700, `answered after ${ms} ms`);
    const attempts = attemptTriples(res);
    assert.deepEqual(attempts[0], ['dl-dla', 'failed', 'timeout']);
    assert.ok(attempts.length <= 2, `attempts after the deadline: ${JSON.stringify(attempts)}`);
    assert.equal(await upstreamCalls(fake, 'dlc'), 0, 'no route was started after the deadline');
    assert.equal(await upstreamCalls(fake, 'dld'), 0);
  } finally { await gw.stop(); }
});

test('a client that disconnects frees its slot at once', async () => {
  const gw = await gatewayOver(fake, [route('slow', 'lmda', 'ok;delay_ms=3000', 1), route('fast', 'lmdb', 'ok', 2)],
    { env: { MAX_CONCURRENT_REQUESTS: '1' } });
  try {
    const abort = new AbortController();
    const gone = fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello()), signal: abort.signal,
    }).then(() => 'answered', (err) => err.name);
    // Wait until the slow upstream call is under way, then hang up.
    assert.ok(await eventually(async () => (await upstreamCalls(fake, 'lmda')) === 1, 2000), 'the slow call started');
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    assert.equal(await gone, 'AbortError');
    const started = Date.now();
    const res = await chat(gw, { model: 'fast' });
    const ms = Date.now() - started;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-gateway-route'), 'fast');
    assert.ok(ms < 1500, `answered after ${ms} ms: the aborted request still held the only slot`);
    await new Promise((r) => setTimeout(r, 100));
    const health = await (await fetch(`${gw.base}/v1/gateway/health.json`)).json();
    assert.equal(health.limiter.in_use, 0);
  } finally { await gw.stop(); }
});

/// Reads `count` HTTP responses (Content-Length framed) from `socket`: [{ status, headers, body }].
function readResponses(socket, count, timeoutMs) {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const out = [];
    const timer = setTimeout(() => reject(new Error(`${out.length} of ${count} answers in ${timeoutMs} ms:\n${data}`)), timeoutMs);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = data.subarray(0, end).toString().split('\r\n');
        const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length']);
        if (data.length < end + 4 + length) return;
        out.push({ status: Number(lines[0].split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString() });
        data = data.subarray(end + 4 + length);
        if (out.length === count) { clearTimeout(timer); resolve(out); return; }
      }
    });
    socket.on('error', reject);
  });
}

test('requests pipelined behind one in flight are answered in order on the same connection', async () => {
  // The close watch reads the socket while the first request is worked on: it takes the first
  // byte of the next request, which must still reach the parser.
  const gw = await gatewayOver(fake, [route('pp-slow', 'lmpa', 'ok;delay_ms=400', 1),
    route('pp-b', 'lmpb', 'ok', 2), route('pp-c', 'lmpc', 'ok', 3)]);
  const socket = net.connect(gw.port, '127.0.0.1');
  try {
    await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    const request = (model) => {
      const body = JSON.stringify(hello({ model }));
      return `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
        + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const answers = readResponses(socket, 3, 10000);
    socket.write(request('pp-slow'));
    assert.ok(await eventually(async () => (await upstreamCalls(fake, 'lmpa')) === 1, 2000), 'the slow call started');
    socket.write(request('pp-b') + request('pp-c'));
    const got = await answers;
    assert.deepEqual(got.map((r) => r.status), [200, 200, 200], got.map((r) => r.body).join('\n'));
    assert.deepEqual(got.map((r) => r.headers['x-gateway-route']), ['pp-slow', 'pp-b', 'pp-c']);
    for (const r of got) assert.ok(JSON.parse(r.body).choices.length > 0, r.body);
  } finally {
    socket.destroy();
    await gw.stop();
  }
});

test('a client that disconnects cancels its upstream call (the upstream connection is closed)', async () => {
  const gw = await gatewayOver(fake, [route('st-a', 'lmsa', 'stall', 1)], { env: { REQUEST_TIMEOUT_SECONDS: '30' } });
  try {
    const abort = new AbortController();
    const gone = fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello()), signal: abort.signal,
    }).then(() => 'answered', (err) => err.name);
    assert.ok(await eventually(async () => (await upstreamCalls(fake, 'lmsa')) === 1, 2000), 'the stalled call started');
    assert.equal(connectionsTo(gw, fake.port), 1, 'one upstream connection while the call runs');
    abort.abort();
    assert.equal(await gone, 'AbortError');
    // "stall" never answers: only the gateway hanging up ends that connection.
    const closed = await eventually(() => connectionsTo(gw, fake.port) === 0, 2000, 50);
    assert.ok(closed, `upstream connection still open 2 s after the client left (${connectionsTo(gw, fake.port)} open)`);
  } finally { await gw.stop(); }
});

test('a cancelled request does not go on to the next route', async () => {
  const gw = await gatewayOver(fake, [route('c-slow', 'lmca', 'ok;delay_ms=1500', 1), route('c-next', 'lmcb', 'ok', 2)],
    { env: { REQUEST_TIMEOUT_SECONDS: '1' } });
  try {
    const abort = new AbortController();
    const gone = fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello()), signal: abort.signal,
    }).then(() => 'answered', (err) => err.name);
    assert.ok(await eventually(async () => (await upstreamCalls(fake, 'lmca')) === 1, 2000));
    abort.abort();
    assert.equal(await gone, 'AbortError');
    // c-slow times out at 1 s; a live request would then fall through to c-next.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await upstreamCalls(fake, 'lmcb'), 0);
  } finally { await gw.stop(); }
});
