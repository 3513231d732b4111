// The harness's own guarantees: stop() fails on a crash, on a non-zero exit and on stderr lines a
// healthy gateway does not write (a sanitizer report, an error at shutdown). Without these, every
// other test would pass on a gateway that crashes while stopping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeProvider, route, unexpectedStderr, logLine } from './lib/harness.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

const gateway = () => startGateway({ providers: [fakeProvider(fake, 'p1')], catalog: [route('r1', 'p1', 'ok', 1)] });

test('only the gateway\'s own start and stop lines count as clean stderr', () => {
  const ts = '2026-12-06T10:00:00.123Z';
  const clean = `${ts} info listening on http://127.0.0.1:20001 (data: /tmp/x, catalog routes: 1, providers configured: 1)\n`
    + `${ts} info shutting down\n${ts} info stopped\n`
    + `${ts} warn [req=0123456789ab] waterfall exhausted: no route could serve the request attempts=2 upstream_calls=2\n`;
  assert.deepEqual(unexpectedStderr(clean), []);
  const asan = '==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020';
  const ubsan = 'actors/route.cpp:10:5: runtime error: signed integer overflow';
  const tsan = 'WARNING: ThreadSanitizer: data race (pid=1)';
  const logged = `${ts} error persistence: write_batch failed error=io_error dropped_events=1 message="disk I/O error"`;
  const oldStyle = 'freerouter: listening on http://127.0.0.1:20001 (data: /tmp/x, catalog routes: 1, providers configured: 1)';
  const noId = `${ts} warn waterfall exhausted: no route could serve the request attempts=2 upstream_calls=2`;
  for (const line of [asan, ubsan, tsan, logged, oldStyle, noId]) {
    assert.deepEqual(unexpectedStderr(clean + line + '\n'), [line]);
  }
  const quota = `${ts} error quota state of p1 cannot be committed; refusing its reservations until it can`;
  assert.deepEqual(unexpectedStderr(quota + '\n', [logLine('error', 'quota state of p1 cannot be committed.*')]), []);
});

test('stop() resolves 0 for a clean SIGTERM and returns the same result when called again', async () => {
  const gw = await gateway();
  assert.equal(await gw.stop(), 0);
  assert.equal(await gw.stop('SIGKILL'), 0);
});

test('stop() fails when the gateway crashed before it was stopped', async () => {
  const gw = await gateway();
  gw.proc.kill('SIGSEGV');
  await new Promise((r) => gw.proc.once('close', r));
  // Under ASan the runtime catches the signal, reports, and exits 1 instead.
  await assert.rejects(gw.stop(), /had already ended \((SIGSEGV|1)\) before stop/);
});

test('stop() fails when the gateway dies from a signal instead of exiting 0', async () => {
  const gw = await gateway();
  await assert.rejects(gw.stop('SIGABRT'), /ended with SIGABRT after SIGABRT, expected 0/);
});

test('stop("SIGKILL") accepts the kill and still checks stderr', async () => {
  const gw = await gateway();
  assert.equal(await gw.stop('SIGKILL'), 'SIGKILL');
});
