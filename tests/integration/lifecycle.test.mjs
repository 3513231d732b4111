// The process's edges through the real binary: refusing an unauthenticated public bind, draining
// requests and streams in flight on SIGTERM, and never exceeding a limit across a kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, postJson, hello, sleep, FREEROUTER_BIN } from './lib/harness.mjs';
import { gatewayOver, restartGateway, upstreamCalls } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

test('0.0.0.0 without GATEWAY_API_KEYS or GATEWAY_ADMIN_KEY: refused before binding, exit non-zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freerouter-bind-'));
  writeFileSync(join(dir, 'test.env'), '');
  // No key anywhere: the env file is empty and the environment holds only PATH.
  const run = spawnSync(FREEROUTER_BIN, ['--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--env-file', join(dir, 'test.env')],
    { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH } });
  assert.equal(run.error, undefined, String(run.error));
  assert.equal(run.status, 2, `exit ${run.status} ${run.signal}: ${run.stderr}`);
  assert.match(run.stderr, /refusing to listen on non-loopback host '0\.0\.0\.0' without authentication/);
  assert.doesNotMatch(run.stderr, /listening on/);
});

test('0.0.0.0 with GATEWAY_API_KEYS starts (the refusal is about authentication only)', async () => {
  const gw = await startGateway({ providers: [fakeProvider(fake, 'bk')], catalog: [route('b', 'bk', 'ok', 1)],
    env: { GATEWAY_API_KEYS: 'k1' }, args: ['--host', '0.0.0.0'] });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello(), { authorization: 'Bearer k1' });
    assert.equal(res.status, 200, res.text);
  } finally { await gw.stop(); }
});

/** Posts a streaming chat request and reads it to the end: status, data lines, content text. */
async function readStream(base, body) {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const raw = await res.text();
  const data = raw.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
  const content = data.filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d).choices?.[0]?.delta?.content ?? '').join('');
  return { status: res.status, data, content };
}

test('SIGTERM with requests and streams in flight: all of them finish, then exit 0 within the drain deadline', async () => {
  const gw = await startGateway({
    providers: [fakeProvider(fake, 'dr')],
    // A request naming a route id is tried on that route first: 'st' streams 5 chunks 300 ms apart.
    catalog: [route('slow', 'dr', 'ok;delay_ms=1500;content=drained', 1), route('st', 'dr', 'stream;chunks=5;interval_ms=300', 2)],
  });
  let stopped;
  try {
    const requests = Array.from({ length: 6 }, () => postJson(gw.base, '/v1/chat/completions', hello()));
    // The streams are mid-way when SIGTERM arrives.
    const streams = Array.from({ length: 3 }, () => readStream(gw.base, hello({ stream: true, model: 'st' })));
    // Every request has reached the fake before the signal.
    const until = Date.now() + 5000;
    while ((await upstreamCalls(fake, 'dr')) < 9 && Date.now() < until) await sleep(20);
    assert.equal(await upstreamCalls(fake, 'dr'), 9, 'all requests in flight before SIGTERM');
    const signalled = Date.now();
    stopped = gw.stop('SIGTERM');
    const answers = await Promise.all(requests);
    for (const res of answers) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.choices[0].message.content, 'drained');
    }
    for (const s of await Promise.all(streams)) {
      assert.equal(s.status, 200);
      assert.equal(s.data.at(-1), '[DONE]', `stream cut: ${s.data.join(' | ')}`);
      assert.equal(s.data.filter((d) => d !== '[DONE]').length >= 5, true, s.data.join(' | '));
    }
    assert.equal(await stopped, 0);
    const took = Date.now() - signalled;
    // The drain deadline is 5 s; the slowest request needs about 1.5 s.
    assert.ok(took < 6500, `exit ${took} ms after SIGTERM`);
    // Stopped means stopped: nothing listens any more.
    await assert.rejects(fetch(`${gw.base}/healthz`));
  } finally { await (stopped ?? gw.stop()); }
});

test('SIGTERM past the drain deadline: requests still unanswered get a 503 shutting_down, open streams a stream_interrupted event, then exit 0', async () => {
  const gw = await startGateway({
    providers: [fakeProvider(fake, 'cut')],
    // Three upstream connections: the stream and two held requests take them, two more requests
    // wait for one.
    env: { HTTP_MAX_CONNECTIONS: '3', REQUEST_TIMEOUT_SECONDS: '60' },
    catalog: [route('hold', 'cut', 'ok;delay_ms=20000;content=late', 1), route('long', 'cut', 'stream;chunks=400;interval_ms=50', 2)],
  });
  let stopped;
  try {
    const stream = readStream(gw.base, hello({ stream: true, model: 'long' }));
    const until = Date.now() + 5000;
    while ((await upstreamCalls(fake, 'cut')) < 1 && Date.now() < until) await sleep(20);
    const requests = Array.from({ length: 4 }, () => postJson(gw.base, '/v1/chat/completions', hello()));
    while ((await upstreamCalls(fake, 'cut')) < 3 && Date.now() < until) await sleep(20);
    await sleep(200);
    assert.equal(await upstreamCalls(fake, 'cut'), 3, 'two requests wait for an upstream connection');
    const signalled = Date.now();
    stopped = gw.stop('SIGTERM');
    for (const res of await Promise.all(requests)) {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error.code, 'shutting_down');
      assert.equal(res.headers.get('retry-after'), '1');
    }
    const cut = await stream;
    assert.equal(cut.status, 200);
    assert.ok(cut.data.length > 10, `the stream ran before the cut: ${cut.data.length} events`);
    assert.notEqual(cut.data.at(-1), '[DONE]');
    const last = JSON.parse(cut.data.at(-1));
    assert.equal(last.error.code, 'stream_interrupted', cut.data.at(-1));
    assert.match(last.error.message, /shutting down/);
    assert.equal(await stopped, 0);
    const took = Date.now() - signalled;
    // 5 s of drain, then at most 1 s for the cut answers to leave.
    assert.ok(took >= 4500 && took < 7000, `exit ${took} ms after SIGTERM`);
  } finally { await (stopped ?? gw.stop()); }
});

test('kill -9 with limited requests in flight: never more upstream calls than requests_per_day, even after the restart', async () => {
  const limit = 5;
  let gw = await gatewayOver(fake, [route('k9', 'kn', 'ok;delay_ms=800', 1)],
    { providerExtra: { kn: { requests_per_day: limit } } });
  try {
    // 20 concurrent requests against a limit of 5; SIGKILL while the granted ones are upstream.
    const first = Array.from({ length: 20 }, () => postJson(gw.base, '/v1/chat/completions', hello()).catch((e) => ({ status: 'error', text: String(e) })));
    const until = Date.now() + 5000;
    while ((await upstreamCalls(fake, 'kn')) < limit && Date.now() < until) await sleep(20);
    const before = await upstreamCalls(fake, 'kn');
    assert.equal(before, limit, 'the limit was reached before the kill');
    gw = await restartGateway(gw, 'SIGKILL');
    const answers = await Promise.all(first);
    // Every request of the killed process either failed (connection gone) or was refused.
    for (const res of answers) assert.notEqual(res.status, 200, 'no answer can come from a killed process');
    const second = await Promise.all(Array.from({ length: 20 }, () => postJson(gw.base, '/v1/chat/completions', hello())));
    for (const res of second) assert.equal(res.status, 503, res.text);
    assert.equal(await upstreamCalls(fake, 'kn'), limit, 'calls after the restart beyond the limit');
  } finally { await gw.stop(); }
});

/** Nanoseconds each `io-loop-N` thread of the process has run so far, by thread name. */
function loopRunTimes(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    if (name.startsWith('io-loop-')) out[name] = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return out;
}

test('IO_THREADS=3: connections spread over three loops are all served, streams included, and SIGTERM drains every loop', async () => {
  const gw = await startGateway({
    providers: [fakeProvider(fake, 'lp')],
    catalog: [route('j', 'lp', 'ok;content=looped', 1), route('slow', 'lp', 'ok;delay_ms=1000;content=drained', 2),
      route('st', 'lp', 'stream;chunks=5;interval_ms=200', 3)],
    env: { IO_THREADS: '3' },
  });
  let stopped;
  try {
    const before = loopRunTimes(gw.proc.pid);
    assert.deepEqual(Object.keys(before).sort(), ['io-loop-1', 'io-loop-2'], 'the primary loop runs on the main thread');
    // fetch opens a connection per request in flight: 24 connections, taken by the loops in turn.
    const jsons = Array.from({ length: 18 }, () => postJson(gw.base, '/v1/chat/completions', hello()));
    const quickStreams = Array.from({ length: 6 }, () => readStream(gw.base, hello({ stream: true, model: 'st' })));
    for (const res of await Promise.all(jsons)) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.choices[0].message.content, 'looped');
    }
    for (const s of await Promise.all(quickStreams)) {
      assert.equal(s.status, 200);
      assert.equal(s.data.at(-1), '[DONE]', s.data.join(' | '));
    }
    const after = loopRunTimes(gw.proc.pid);
    for (const name of Object.keys(before)) assert.ok(after[name] > before[name], `${name} served nothing`);

    // In flight on every loop when SIGTERM arrives: all of it finishes, then the process exits 0.
    const callsBefore = await upstreamCalls(fake, 'lp');
    const requests = Array.from({ length: 6 }, () => postJson(gw.base, '/v1/chat/completions', hello({ model: 'slow' })));
    const streams = Array.from({ length: 3 }, () => readStream(gw.base, hello({ stream: true, model: 'st' })));
    const until = Date.now() + 5000;
    while ((await upstreamCalls(fake, 'lp')) < callsBefore + 9 && Date.now() < until) await sleep(20);
    assert.equal(await upstreamCalls(fake, 'lp'), callsBefore + 9, 'all requests in flight before SIGTERM');
    stopped = gw.stop('SIGTERM');
    for (const res of await Promise.all(requests)) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.choices[0].message.content, 'drained');
    }
    for (const s of await Promise.all(streams)) {
      assert.equal(s.data.at(-1), '[DONE]', `stream cut: ${s.data.join(' | ')}`);
      assert.equal(s.data.filter((d) => d !== '[DONE]').length >= 5, true, s.data.join(' | '));
    }
    assert.equal(await stopped, 0);
  } finally { await (stopped ?? gw.stop()); }
});
