// The live traffic monitor over HTTP (reference §12): the snapshot, the SSE feed with its
// headers and 1 s heartbeat, and that feed subscribers which never read cannot slow routing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startFake, startGateway, fakeProvider, route, postJson, hello, sleep } from './lib/harness.mjs';

let fake, gw;
before(async () => {
  fake = await startFake();
  gw = await startGateway({ providers: [fakeProvider(fake, 'p1')], catalog: [route('r1', 'p1', 'ok', 1)] });
});
after(async () => { await gw?.stop(); fake?.stop(); });

/** Opens the feed with fetch; collects SSE messages (events and heartbeats) as they arrive. */
async function openFeed(base, headers = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/gateway/live/events`, { headers, signal: controller.signal });
  const feed = { res, events: [], heartbeats: [], opened: Date.now(), waiters: new Set() };
  if (res.status !== 200) return feed;
  const decoder = new TextDecoder();
  let buffer = '';
  feed.done = (async () => {
    try {
      for await (const bytes of res.body) {
        buffer += decoder.decode(bytes, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (message === ': heartbeat') feed.heartbeats.push(Date.now());
          else if (message.startsWith('data: ')) feed.events.push(JSON.parse(message.slice(6)));
          else feed.unexpected = message;
          for (const w of feed.waiters) w();
        }
      }
    } catch {}
  })();
  /** Resolves once `pred()` holds, or rejects after `ms`. */
  feed.until = (pred, ms, what) => new Promise((resolve, reject) => {
    if (pred()) return resolve();
    const timer = setTimeout(() => { feed.waiters.delete(check); reject(new Error(`timed out waiting for ${what}`)); }, ms);
    const check = () => { if (pred()) { clearTimeout(timer); feed.waiters.delete(check); resolve(); } };
    feed.waiters.add(check);
  });
  feed.close = async () => { controller.abort(); await feed.done; };
  return feed;
}

/** A raw connection that requests the feed, waits for the response head, then never reads. */
function pausedSubscriber(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('feed head not received')); }, 5000);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.pause(); // the kernel buffers fill up, then the server's writes stall
        socket.removeAllListeners('data');
        resolve({ socket, head });
      }
    });
    socket.write('GET /v1/gateway/live/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** `total` chat requests, `concurrency` at a time; returns the elapsed ms. */
async function chatLoad(total, concurrency, body) {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await postJson(gw.base, '/v1/chat/completions', body);
      assert.equal(res.status, 200, res.text);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Date.now() - started;
}

test('the snapshot is an object list', async () => {
  const res = await fetch(`${gw.base}/v1/gateway/live/snapshot`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const body = await res.json();
  assert.equal(body.object, 'list');
  assert.ok(Array.isArray(body.data));
});

test('the feed answers with SSE headers and a heartbeat after about 1 s of silence', async () => {
  // Traffic before connecting must not be replayed: the first message is a heartbeat.
  assert.equal((await postJson(gw.base, '/v1/chat/completions', hello())).status, 200);
  const feed = await openFeed(gw.base);
  try {
    assert.equal(feed.res.status, 200);
    assert.match(feed.res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(feed.res.headers.get('cache-control'), 'no-cache');
    assert.equal(feed.res.headers.get('x-accel-buffering'), 'no');
    await feed.until(() => feed.heartbeats.length >= 1, 1500, 'the first heartbeat');
    const after = feed.heartbeats[0] - feed.opened;
    assert.ok(after >= 800, `heartbeat came after ${after} ms, expected about 1000`);
    assert.equal(feed.events.length, 0, 'no history is replayed');
    await feed.until(() => feed.heartbeats.length >= 2, 1500, 'the second heartbeat');
    const gap = feed.heartbeats[1] - feed.heartbeats[0];
    assert.ok(gap >= 800 && gap <= 1500, `heartbeats ${gap} ms apart`);
    assert.equal(feed.unexpected, undefined);
  } finally { await feed.close(); }
});

// NEEDS THE LEAD'S WIRING: the chat handler and the router must call the live_publish.hpp
// functions (request_started, request_completed, ...). Until then this test fails.
test('a chat request appears on the feed and in the snapshot with its request id', async () => {
  const feed = await openFeed(gw.base);
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
    const id = res.headers.get('x-gateway-request-id');
    assert.match(id, /^[0-9a-f]{12}$/);
    const mine = () => feed.events.filter((e) => e.request_id === id);
    await feed.until(() => mine().some((e) => e.event_type === 'request_completed'), 3000,
      'request_completed on the feed');
    const events = mine();
    const types = events.map((e) => e.event_type);
    assert.equal(types[0], 'request_started');
    assert.equal(types.at(-1), 'request_completed');
    for (let i = 1; i < events.length; i++) assert.ok(events[i].event_id > events[i - 1].event_id);
    const started = events[0].payload;
    assert.equal(started.path, '/v1/chat/completions');
    assert.equal(started.stream, false);
    assert.equal(started.model, 'auto');
    assert.equal(started.request_payload.messages[0].content, 'hello');
    const done = events.at(-1).payload;
    assert.equal(done.status_code, 200);
    assert.equal(done.provider_name, 'p1');
    assert.equal(done.route_id, 'r1');
    assert.equal(done.model_id, 'ok');
    assert.equal(done.attempts, 1);
    assert.equal(done.assistant_text, 'ok from ok');
    assert.equal(typeof done.latency_ms, 'number');
    assert.ok(Number.isInteger(events[0].timestamp) && Math.abs(events[0].timestamp - Date.now() / 1000) < 60);

    const snapshot = await (await fetch(`${gw.base}/v1/gateway/live/snapshot`)).json();
    const inSnapshot = snapshot.data.filter((e) => e.request_id === id).map((e) => e.event_type);
    assert.deepEqual(inSnapshot, types);
    for (let i = 1; i < snapshot.data.length; i++) assert.ok(snapshot.data[i].event_id > snapshot.data[i - 1].event_id);
  } finally { await feed.close(); }
});

test('50 feed subscribers that never read do not slow down 200 chat requests', async () => {
  // Each request_started carries the trimmed payload (~6 KB here), so once the publishing is
  // wired the paused subscribers' socket buffers fill and their queues start dropping.
  const body = hello({ messages: Array.from({ length: 5 }, (_, i) => ({ role: 'user', content: `${i}`.repeat(1500) })) });
  await chatLoad(20, 10, body); // warm-up
  const baseline = await chatLoad(200, 10, body);

  const subscribers = [];
  try {
    for (let i = 0; i < 50; i++) subscribers.push(await pausedSubscriber(gw.port));
    for (const s of subscribers) assert.match(s.head, /^HTTP\/1\.1 200/);
    const loaded = await chatLoad(200, 10, body);
    console.log(`200 requests: ${baseline} ms without feeds, ${loaded} ms with 50 stalled feeds`);
    assert.ok(loaded < baseline * 3 + 3000, `took ${loaded} ms vs ${baseline} ms without subscribers`);

    // A fresh reader still gets a working feed while the stalled ones hang on.
    const feed = await openFeed(gw.base);
    try {
      assert.equal(feed.res.status, 200);
      await feed.until(() => feed.heartbeats.length >= 1, 1500, 'a heartbeat next to 50 stalled feeds');
    } finally { await feed.close(); }
    const snapshot = await (await fetch(`${gw.base}/v1/gateway/live/snapshot`)).json();
    assert.ok(snapshot.data.length <= 1000, 'the ring is bounded');
  } finally {
    for (const s of subscribers) s.socket.destroy();
  }
  // The stalled connections are gone: the gateway answers as before.
  await sleep(200);
  assert.equal((await postJson(gw.base, '/v1/chat/completions', hello())).status, 200);
});

test('the gateway stops promptly while feed subscribers are connected', async () => {
  const own = await startGateway({ providers: [fakeProvider(fake, 'p1')], catalog: [route('r1', 'p1', 'ok', 1)] });
  const feeds = [];
  try {
    for (let i = 0; i < 3; i++) feeds.push(await openFeed(own.base));
    const paused = await pausedSubscriber(own.port);
    const started = Date.now();
    const code = await own.stop('SIGTERM');
    const took = Date.now() - started;
    paused.socket.destroy();
    assert.equal(code, 0, own.proc.stderrText);
    // The drain waits at most 5 s for open exchanges; with close_live_feeds() called at the
    // start of shutdown the feeds end at once.
    assert.ok(took < 8000, `shutdown took ${took} ms`);
  } finally {
    for (const f of feeds) await f.close();
    await own.stop('SIGKILL');
  }
});

test('the feed and the snapshot require the API key when one is set', async () => {
  const own = await startGateway({ providers: [fakeProvider(fake, 'p1')], catalog: [route('r1', 'p1', 'ok', 1)],
    env: { GATEWAY_API_KEYS: 'k1' } });
  try {
    assert.equal((await fetch(`${own.base}/v1/gateway/live/snapshot`)).status, 401);
    const denied = await openFeed(own.base);
    assert.equal(denied.res.status, 401);
    assert.equal((await fetch(`${own.base}/v1/gateway/live/snapshot`, { headers: { authorization: 'Bearer k1' } })).status, 200);
    const feed = await openFeed(own.base, { authorization: 'Bearer k1' });
    try { assert.equal(feed.res.status, 200); } finally { await feed.close(); }
  } finally { await own.stop(); }
});
