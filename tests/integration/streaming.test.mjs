// Streaming with first-byte failover (issue: streaming), against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeProvider, route, hello, sleep, streamEvents as stream } from './lib/harness.mjs';
import { connectionsTo, socketsTo } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

async function gatewayWith(routes, env = {}) {
  const names = [...new Set(routes.map((r) => r.provider_name))];
  return startGateway({ providers: names.map((n) => fakeProvider(fake, n)), catalog: routes, env });
}

const chunksOf = (events) => events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data));
const contentOf = (events) => chunksOf(events).map((c) => c.choices?.[0]?.delta?.content ?? '').join('');

test('chunks arrive in order and incrementally, with X-Gateway headers', async () => {
  const gw = await gatewayWith([route('s', 'p1', 'stream;chunks=5;interval_ms=200', 1)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-gateway-route'), 's');
    assert.equal(r.headers.get('x-gateway-attempts'), '1');
    assert.equal(contentOf(r.events), 'tok0 tok1 tok2 tok3 tok4 ');
    assert.equal(r.events.at(-1).data, '[DONE]');
    const first = r.events[0].at;
    const last = r.events.at(-1).at;
    assert.ok(last - first >= 600, `chunks were buffered: first at ${first} ms, last at ${last} ms`);
    // The gateway asked the upstream for usage; the client did not, so it gets no usage chunk.
    assert.ok(chunksOf(r.events).every((c) => !c.usage));
    const seen = await fake.requests('/p1/v1');
    assert.equal(seen.requests.at(-1).body.stream, true);
    assert.equal(seen.requests.at(-1).body.stream_options.include_usage, true);
  } finally { await gw.stop(); }
});

test('streams one after another reuse one upstream connection', async () => {
  // The relay stops reading at [DONE]; the terminating chunk of the same receive must still
  // end the upstream body, or every stream pays a fresh connect. The gateway's own sockets
  // tell (the fake's connection count would also count this test's own requests to it).
  const gw = await gatewayWith([route('s', 'p1', 'stream;chunks=20', 1)]);
  try {
    let first;
    for (let i = 0; i < 5; i++) {
      const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
      assert.equal(r.status, 200);
      assert.equal(r.events.at(-1).data, '[DONE]');
      first ??= socketsTo(gw, fake.port);
      assert.equal(first.length, 1);
      assert.deepEqual(socketsTo(gw, fake.port), first, `stream ${i + 1} used a new upstream connection`);
    }
  } finally { await gw.stop(); }
});

test('a stream whose end comes late still leaves its upstream connection for the next', async () => {
  // The fake sends the end of the body 100 ms after [DONE]. The client's stream ends at
  // [DONE]; the gateway discards the rest and pools the connection instead of closing it.
  const gw = await gatewayWith([route('s', 'p1', 'stream;chunks=3;end_delay_ms=100', 1)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
    assert.equal(r.status, 200);
    assert.equal(contentOf(r.events), 'tok0 tok1 tok2 ');
    assert.equal(r.events.at(-1).data, '[DONE]');
    const first = socketsTo(gw, fake.port);
    assert.equal(first.length, 1);
    await sleep(1500); // past the discard's own one-second bound: pooled, or closed
    assert.deepEqual(socketsTo(gw, fake.port), first, 'the upstream connection was closed after [DONE]');
    const again = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
    assert.equal(again.events.at(-1).data, '[DONE]');
    assert.deepEqual(socketsTo(gw, fake.port), first);
  } finally { await gw.stop(); }
});

test('a client that asks for usage gets the usage chunk', async () => {
  const gw = await gatewayWith([route('s', 'p1', 'stream;chunks=2', 1)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true, stream_options: { include_usage: true } }));
    assert.ok(chunksOf(r.events).some((c) => c.usage && c.usage.total_tokens > 0));
  } finally { await gw.stop(); }
});

for (const [name, model, env] of [
  ['429', 'status;code=429', {}],
  ['500', 'status;code=500', {}],
  ['an empty stream', 'empty_stream', {}],
  ['an error event', 'stream;chunks=3;error_first', {}],
  ['a first-token timeout', 'stream;chunks=3;first_delay_ms=3000', { STREAM_FIRST_TOKEN_TIMEOUT_SECONDS: '0.5', STREAM_IDLE_TIMEOUT_SECONDS: '0.5' }],
  ['a cut before any content', 'stream;chunks=3;cut_after=0', {}],
]) {
  test(`fails over before commit on ${name}`, async () => {
    const gw = await gatewayWith([route('bad', 'pbad', model, 1), route('good', 'pgood', 'stream;chunks=2', 2)], env);
    try {
      const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-gateway-route'), 'good');
      assert.equal(r.headers.get('x-gateway-attempts'), '2');
      assert.equal(contentOf(r.events), 'tok0 tok1 ');
      assert.equal(r.events.at(-1).data, '[DONE]');
    } finally { await gw.stop(); }
  });
}

for (const [name, model, env] of [
  ['a cut', 'stream;chunks=6;interval_ms=50;cut_after=2', {}],
  ['a stall', 'stream;chunks=6;interval_ms=50;stall_after=2', { STREAM_IDLE_TIMEOUT_SECONDS: '0.5' }],
]) {
  test(`${name} after commit ends with stream_interrupted and no [DONE]`, async () => {
    const gw = await gatewayWith([route('s', 'p1', model, 1), route('other', 'p2', 'stream;chunks=2', 2)], env);
    try {
      const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-gateway-route'), 's');
      assert.equal(contentOf(r.events.slice(0, -1)), 'tok0 tok1 ');
      const last = JSON.parse(r.events.at(-1).data);
      assert.equal(last.error.code, 'stream_interrupted');
      assert.ok(!r.events.some((e) => e.data === '[DONE]'));
    } finally { await gw.stop(); }
  });
}

// Stream timeouts are timers: a silent upstream is left at the deadline, not when it resumes.
for (const [name, model, env] of [
  ['headers then 6 s of silence, first-token timeout 1 s', 'stream;chunks=3;first_delay_ms=6000',
    { STREAM_FIRST_TOKEN_TIMEOUT_SECONDS: '1' }],
  ['a connection that never answers, REQUEST_TIMEOUT_SECONDS 1', 'stall',
    { REQUEST_TIMEOUT_SECONDS: '1', STREAM_FIRST_TOKEN_TIMEOUT_SECONDS: '30', STREAM_IDLE_TIMEOUT_SECONDS: '30' }],
]) {
  test(`fails over at the deadline on ${name}`, { timeout: 20000 }, async () => {
    const gw = await gatewayWith([route('mute', 'pmute', model, 1), route('good', 'pgood', 'stream;chunks=2', 2)], env);
    try {
      const started = Date.now();
      const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
      const took = Date.now() - started;
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-gateway-route'), 'good');
      assert.equal(r.headers.get('x-gateway-attempts'), '2');
      assert.equal(contentOf(r.events), 'tok0 tok1 ');
      assert.ok(took >= 900 && took < 3000, `answered after ${took} ms`);
    } finally { await gw.stop(); }
  });
}

test('with only REQUEST_TIMEOUT_SECONDS set, a stream stalled after commit is cut at that timeout', { timeout: 20000 }, async () => {
  const gw = await gatewayWith([route('s', 'p1', 'stream;chunks=6;interval_ms=50;stall_after=2', 1)],
    { REQUEST_TIMEOUT_SECONDS: '1' });
  try {
    const started = Date.now();
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
    const took = Date.now() - started;
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.events.at(-1).data).error.code, 'stream_interrupted');
    assert.ok(took < 3000, `interrupted after ${took} ms`);
  } finally { await gw.stop(); }
});

test('exhaustion before any byte is the 503 JSON, not a 200', async () => {
  const gw = await gatewayWith([route('a', 'p1', 'status;code=503', 1)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }));
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'waterfall_exhausted');
  } finally { await gw.stop(); }
});

test('a client that disconnects mid-stream cancels the upstream stream', async () => {
  const gw = await gatewayWith([route('slow', 'p1', 'stream;chunks=100;interval_ms=100', 1)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions', hello({ stream: true }), { abortAfterMs: 400 });
    assert.ok(r.events.length >= 1 && r.events.length < 20, `${r.status} ${r.events.length}`);
    // The gateway closes its upstream connection within a few chunk intervals, not after 10 s.
    let open = 1;
    for (let i = 0; i < 30 && open > 0; i++) {
      await sleep(100);
      open = connectionsTo(gw, fake.port);
    }
    assert.equal(open, 0, 'the upstream stream was not cancelled');
  } finally { await gw.stop(); }
});

test('stream-route reports routing progress, content and done', async () => {
  const gw = await gatewayWith([route('bad', 'p1', 'status;code=500', 1), route('good', 'p2', 'stream;chunks=2', 2)]);
  try {
    const r = await stream(gw.base, '/v1/chat/completions/stream-route', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200);
    const events = r.events.map((e) => JSON.parse(e.data));
    assert.deepEqual(events.map((e) => e.type), ['route_trying', 'route_fail', 'route_trying', 'route_selected', 'content', 'content', 'usage', 'done']);
    assert.equal(events[1].reason, 'provider_5xx');
    assert.equal(events.at(-1).content, 'tok0 tok1 ');
    assert.match(r.raw, /"type": "done"/);
  } finally { await gw.stop(); }
});

test('stream-route reports validation errors and exhaustion as error events', async () => {
  const gw = await gatewayWith([route('bad', 'p1', 'status;code=500', 1)]);
  try {
    let r = await stream(gw.base, '/v1/chat/completions/stream-route', { messages: [] });
    assert.equal(r.status, 200);
    assert.match(r.raw, /"type": "error"/);
    r = await stream(gw.base, '/v1/chat/completions/stream-route', { messages: [{ role: 'user', content: 'hi' }] });
    const last = JSON.parse(r.events.at(-1).data);
    assert.equal(last.type, 'error');
    assert.match(last.message, /exhausted/);
  } finally { await gw.stop(); }
});
