// Slow and idle clients (issue 12): slowloris clients (headers a byte at a time) are dropped at
// CLIENT_READ_TIMEOUT_SECONDS while a normal client is served meanwhile, and connections over
// MAX_CLIENT_CONNECTIONS get a readable 503 instead of hanging. Bounded: a fixed number of
// sockets, every wait with a deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startFake, route, sleep } from './lib/harness.mjs';
import { gatewayOver, chat } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

/// A client that sends a request header one byte every `everyMs`; resolves when the server
/// closes the connection (or after `limitMs`), with how long that took.
function slowloris(port, everyMs, limitMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(10000);
    let i = 0;
    const s = net.connect(port, '127.0.0.1');
    const timer = setInterval(() => { if (!s.destroyed) s.write(head[i++ % head.length]); }, everyMs);
    const done = (closed) => { clearInterval(timer); clearTimeout(limit); s.destroy(); resolve({ closed, ms: Date.now() - started }); };
    const limit = setTimeout(() => done(false), limitMs);
    s.on('close', () => done(true));
    s.on('error', () => {});
  });
}

/// Opens a connection and resolves with what the server sent before closing (bounded).
function firstAnswer(port, ms) {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); resolve(text); }, ms);
    s.on('data', (d) => { text += d; });
    s.on('close', () => { clearTimeout(t); resolve(text); });
    s.on('error', () => {});
  });
}

test('500 slowloris clients are dropped at the read timeout while a normal client is served', async () => {
  const gw = await gatewayOver(fake, [route('ok', 'slw', 'ok', 1)], { env: { CLIENT_READ_TIMEOUT_SECONDS: '2' } });
  try {
    const slow = Array.from({ length: 500 }, () => slowloris(gw.port, 200, 10000));
    await sleep(300);
    const started = Date.now();
    const res = await chat(gw);
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - started < 1500, 'the normal client was served at once');
    const outcomes = await Promise.all(slow);
    assert.equal(outcomes.filter((o) => !o.closed).length, 0, 'every slow client was dropped');
    assert.ok(Math.max(...outcomes.map((o) => o.ms)) < 5000, `dropped by ${Math.max(...outcomes.map((o) => o.ms))} ms`);
  } finally { await gw.stop(); }
});

test('connections over MAX_CLIENT_CONNECTIONS get a 503 too_many_connections, and room comes back', async () => {
  const gw = await gatewayOver(fake, [route('ok', 'slx', 'ok', 1)],
    { env: { MAX_CLIENT_CONNECTIONS: '20', CLIENT_READ_TIMEOUT_SECONDS: '2' } });
  try {
    // 20 silent connections take every slot.
    const idle = Array.from({ length: 20 }, () => net.connect(gw.port, '127.0.0.1').on('error', () => {}));
    await sleep(300);
    const refused = await firstAnswer(gw.port, 2000);
    assert.match(refused, /^HTTP\/1\.1 503 /);
    assert.match(refused, /"code":"too_many_connections"/);
    // The silent ones are dropped at the read timeout; then a client is served again.
    await sleep(2500);
    const res = await chat(gw);
    assert.equal(res.status, 200, res.text);
    for (const s of idle) s.destroy();
  } finally { await gw.stop(); }
});
