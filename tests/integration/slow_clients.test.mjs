// Slow and idle clients (issue 12): slowloris clients (headers a byte at a time) are dropped at
// CLIENT_READ_TIMEOUT_SECONDS while a normal client is served meanwhile, and connections over
// MAX_CLIENT_CONNECTIONS get a readable 503 instead of hanging, 5000 idle keep-alive
// connections leave normal traffic served at once, and a client that reads a large answer late
// still gets all of it. Bounded: a fixed number of sockets, every wait with a deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startFake, route, sleep } from './lib/harness.mjs';
import { gatewayOver, chat, eventually } from './lib/state.mjs';

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

/// The soft limit of open files of this process (node raises it to the hard limit at start).
function openFileLimit() {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/// Opens a connection, sends one keep-alive request and resolves with the socket once the whole
/// answer arrived (the connection then sits idle), or with null after `ms`.
function keptAlive(port, ms) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => { s.destroy(); resolve(null); }, ms);
    s.on('error', () => {});
    s.on('data', (d) => {
      text += d;
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && length && text.length >= head + 4 + Number(length[1])) {
        clearTimeout(t);
        resolve(s);
      }
    });
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

const IDLE = 5000;

test(`${IDLE} idle keep-alive connections: traffic is still served at once, on new and idle connections`,
  { skip: openFileLimit() < IDLE + 1000 ? `the open-file limit ${openFileLimit()} is below ${IDLE + 1000}` : false },
  async () => {
    const gw = await gatewayOver(fake, [route('ok', 'sly', 'ok', 1)]);
    const idle = [];
    try {
      const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))[1]);
      const before = rssKb();
      // In batches: the listen backlog is not the subject here.
      for (let i = 0; i < IDLE; i += 500) {
        const batch = await Promise.all(Array.from({ length: 500 }, () => keptAlive(gw.port, 10000)));
        assert.equal(batch.filter((s) => s === null).length, 0, 'every connection got its answer');
        idle.push(...batch);
      }
      console.log(`# ${IDLE} idle connections: gateway RSS ${before} -> ${rssKb()} KiB`);
      let started = Date.now();
      const res = await chat(gw);
      assert.equal(res.status, 200, res.text);
      assert.ok(Date.now() - started < 1000, `a new client waited ${Date.now() - started} ms`);
      // The idle connections are still there and still served.
      started = Date.now();
      const again = await new Promise((resolve) => {
        const s = idle[IDLE - 1];
        s.removeAllListeners('data');
        s.once('data', (d) => resolve(d.toString()));
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      assert.match(again, /^HTTP\/1\.1 200 /);
      assert.ok(Date.now() - started < 1000, `an idle client waited ${Date.now() - started} ms`);
      assert.equal(idle.filter((s) => s.destroyed).length, 0, 'no idle connection was dropped');
    } finally {
      for (const s of idle) s?.destroy();
      await gw.stop();
    }
  });

/// Reads one HTTP/1.1 answer with a Content-Length from `s` (bounded by `ms`): head and body.
function readAnswer(s, ms) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => { cleanup(); reject(new Error(`no whole answer in ${ms} ms (${buf.length} bytes)`)); }, ms);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
      if (length >= 0 && buf.length >= end + 4 + length) {
        cleanup();
        resolve({ head, body: buf.subarray(end + 4, end + 4 + length).toString(), extra: buf.length - (end + 4 + length) });
      }
    };
    const cleanup = () => { clearTimeout(t); s.off('data', onData); };
    s.on('data', onData);
  });
}

test('a client that reads an 8 MB answer late gets all of it, and its connection serves the next request', async () => {
  // More than the socket takes at once: the first send is partial, the rest leaves as the
  // client reads.
  const gw = await gatewayOver(fake, [route('big', 'slb', 'ok;pad_bytes=8000000', 1)]);
  try {
    const s = net.connect(gw.port, '127.0.0.1');
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    s.pause();
    s.write(request);
    await sleep(500); // the answer waits in the socket buffers meanwhile
    const answer = readAnswer(s, 15000);
    s.resume();
    const first = await answer;
    assert.match(first.head, /^HTTP\/1\.1 200 /);
    const content = JSON.parse(first.body).choices[0].message.content;
    assert.ok(content.length >= 8000000, `content of ${content.length} chars`);
    assert.equal(first.extra, 0);
    // Kept alive: the same connection answers again.
    const again = readAnswer(s, 15000);
    s.write(request);
    assert.match((await again).head, /^HTTP\/1\.1 200 /);
    s.destroy();
  } finally { await gw.stop(); }
});

test('a client that stops reading its answer is dropped at the write timeout', async () => {
  // 16 MB: more than the kernel buffers of both ends hold while the client does not read (the
  // receive window stays small, the send buffer is at most 4 MB), so the gateway's write waits
  // on the client, which stops reading for 2.5 s against a timeout of 1 s.
  const bytes = 16000000;
  const gw = await gatewayOver(fake, [route('big', 'slw2', `ok;pad_bytes=${bytes}`, 1)],
    { env: { CLIENT_WRITE_TIMEOUT_SECONDS: '1', MAX_UPSTREAM_RESPONSE_BYTES: String(64 * 1024 * 1024) } });
  try {
    const s = net.connect(gw.port, '127.0.0.1');
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
    const body = JSON.stringify({ model: 'big', messages: [{ role: 'user', content: 'hi' }] });
    s.pause();
    s.on('error', () => {});
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    // The answer has started (a slow build takes seconds to fetch and check 16 MB): from here
    // the gateway's write waits on this client.
    assert.ok(await eventually(async () => s.readableLength > 0, 60000), 'no answer started within 60 s');
    await sleep(2500);
    // What the kernel still had for the client arrives, then the end the gateway sent.
    let received = 0;
    s.on('data', (d) => { received += d.length; });
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.resume();
    const outcome = await Promise.race([closed.then(() => 'closed'), sleep(20000).then(() => 'open')]);
    s.destroy();
    assert.equal(outcome, 'closed', 'the connection of the stalled reader was not closed');
    assert.ok(received < bytes, `the whole answer arrived (${received} bytes): nothing was dropped`);
    // The gateway still serves others.
    assert.equal((await chat(gw, { model: 'big' })).status, 200);
  } finally { await gw.stop(); }
});
