// Logging (LOG_LEVEL, LOG_FORMAT), provider keys kept out of every output, and the stream-route
// content pause (SSE_CHUNK_REPLAY_SLEEP_SECONDS), against the real binary (issue 12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeProvider, route, postJson, hello, logLine, streamEvents as stream } from './lib/harness.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

async function gatewayWith(routes, options = {}) {
  const names = [...new Set(routes.map((r) => r.provider_name))];
  return startGateway({ providers: names.map((n) => fakeProvider(fake, n)), catalog: routes, ...options });
}

const REQ = String.raw`\[req=[0-9a-f]{12}\]`;
/// Every debug line of a request (each attempt, served requests).
const debugLines = logLine('debug', String.raw`${REQ} .*`);

test('a provider error that echoes the key reaches no client, page, metric, live event or log line', async () => {
  const secrets = { P1_API_KEY: 'sk-p1-SECRET-0123456789', P2_API_KEY: 'sk-p2-SECRET-9876543210' };
  // p1 answers 401 (falls through, marks its key failing), p2 answers 400 (the caller's own
  // mistake: its message is returned); both messages repeat the key and Authorization header.
  const gw = await gatewayWith([
    route('p1-auth', 'p1', 'status;code=401;echo_key', 1),
    route('p2-bad', 'p2', 'status;code=400;echo_key', 2),
  ], { env: { ...secrets, LOG_LEVEL: 'debug' } });
  const seen = [];
  try {
    const plain = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(plain.status, 400, plain.text);
    // The echo happened, and what it echoed is gone.
    assert.match(plain.json.error.message, /Incorrect API key provided: \[redacted\]\. You sent 'Authorization: Bearer \[redacted\]'/);
    seen.push(['chat', plain.text]);
    const streamed = await postJson(gw.base, '/v1/chat/completions', hello({ stream: true }));
    assert.equal(streamed.status, 400, streamed.text);
    assert.match(streamed.json.error.message, /\[redacted\]/);
    seen.push(['stream', streamed.text]);
    const routed = await stream(gw.base, '/v1/chat/completions/stream-route', { messages: [{ role: 'user', content: 'hi' }] });
    assert.match(routed.raw, /"type": "error"/);
    seen.push(['stream-route', routed.raw]);
    for (const path of ['/v1/providers/status', '/v1/gateway/live/snapshot', '/metrics', '/v1/gateway/health.json',
      '/v1/gateway/models', '/status', '/live', '/health']) {
      const res = await fetch(`${gw.base}${path}`);
      assert.equal(res.status, 200, path);
      seen.push([path, await res.text()]);
    }
    assert.match(seen.find(([what]) => what === '/v1/gateway/live/snapshot')[1], /\[redacted\]/,
      'the live monitor kept the provider message, without the key');
  } finally {
    await gw.stop({ allowStderr: [debugLines] });
  }
  seen.push(['stderr', gw.proc.stderrText]);
  // Each refusal was logged with its request id (info), each attempt at debug.
  assert.match(gw.proc.stderrText, new RegExp(String.raw`info ${REQ} the provider refused the request route=p2-bad status=400 message=.*\[redacted\]`));
  assert.match(gw.proc.stderrText, new RegExp(String.raw`debug ${REQ} route_fail route=p1-auth reason=`));
  for (const [what, text] of seen) {
    for (const key of Object.values(secrets)) {
      assert.ok(!text.includes(key), `${what} shows ${key}:\n${text.slice(0, 2000)}`);
    }
    assert.ok(!text.includes('SECRET'), `${what} shows part of a key`);
  }
});

test('LOG_FORMAT=json writes one JSON object per line with the request id of a failed request', async () => {
  const gw = await gatewayWith([route('down', 'p1', 'status;code=500', 1)], { env: { LOG_FORMAT: 'json' } });
  let requestId;
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 503);
    requestId = res.headers.get('x-gateway-request-id');
    assert.match(requestId, /^[0-9a-f]{12}$/);
  } finally {
    await gw.stop({ allowStderr: [/^\{"ts":"[^"]+","level":"(info|warn)",.*\}$/] });
  }
  const lines = gw.proc.stderrText.trimEnd().split('\n').map((l) => JSON.parse(l));
  for (const line of lines) {
    assert.match(line.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof line.msg, 'string');
  }
  assert.match(lines[0].msg, /^listening on http:\/\/127\.0\.0\.1:\d+ /);
  assert.equal(lines[0].level, 'info');
  const exhausted = lines.find((l) => l.request_id === requestId);
  assert.ok(exhausted, gw.proc.stderrText);
  assert.equal(exhausted.level, 'warn');
  assert.match(exhausted.msg, /^waterfall exhausted/);
  assert.equal(exhausted.attempts, '1');
  assert.deepEqual(lines.slice(-2).map((l) => l.msg), ['shutting down', 'stopped']);
});

test('LOG_LEVEL=warn drops the info lines; a served request logs nothing by default', async () => {
  const quiet = await gatewayWith([route('fine', 'p1', 'ok', 1)], { env: { LOG_LEVEL: 'warn' } });
  try {
    assert.equal((await postJson(quiet.base, '/v1/chat/completions', hello())).status, 200);
  } finally { await quiet.stop(); }
  assert.equal(quiet.proc.stderrText, '');
  const normal = await gatewayWith([route('fine', 'p1', 'ok', 1)]);
  try {
    assert.equal((await postJson(normal.base, '/v1/chat/completions', hello())).status, 200);
  } finally { await normal.stop(); }
  assert.equal(normal.proc.stderrText.trimEnd().split('\n').length, 3, normal.proc.stderrText);
});

/// Content events of a 3-chunk stream-route answer and how far apart the first and last came.
async function contentSpread(gw) {
  const r = await stream(gw.base, '/v1/chat/completions/stream-route', { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  const content = r.events.filter((e) => JSON.parse(e.data).type === 'content');
  assert.equal(content.length, 3, r.raw);
  assert.equal(JSON.parse(r.events.at(-1).data).type, 'done');
  return { spread: content.at(-1).at - content[0].at, total: r.events.at(-1).at };
}

test('SSE_CHUNK_REPLAY_SLEEP_SECONDS pauses after each content event of stream-route, and 0 adds nothing', async () => {
  // The fake sends all three chunks at once: any spread is the gateway's.
  const routes = [route('s', 'p1', 'stream;chunks=3', 1)];
  const paced = await gatewayWith(routes, { env: { SSE_CHUNK_REPLAY_SLEEP_SECONDS: '0.2' } });
  try {
    const { spread, total } = await contentSpread(paced);
    assert.ok(spread >= 380, `content events ${spread} ms apart in total, expected >= 400`);
    // A pause follows the last content event too (the done event waits for it).
    assert.ok(total >= 580, `done after ${total} ms, expected >= 600`);
    // An OpenAI stream is never paced.
    const started = Date.now();
    const openai = await fetch(`${paced.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hello({ stream: true })),
    });
    assert.match(await openai.text(), /\[DONE\]/);
    assert.ok(Date.now() - started < 350, `an OpenAI stream took ${Date.now() - started} ms`);
  } finally { await paced.stop(); }
  const unpaced = await gatewayWith(routes, { env: { SSE_CHUNK_REPLAY_SLEEP_SECONDS: '0' } });
  try {
    const { spread } = await contentSpread(unpaced);
    assert.ok(spread < 150, `content events ${spread} ms apart without a pause`);
  } finally { await unpaced.stop(); }
});
