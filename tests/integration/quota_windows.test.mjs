// Quota windows through the binary: tokens per minute, and a day that resets at the provider's
// own midnight (day_reset_timezone in providers.json). The day test runs the gateway under
// libfaketime (Debian package libfaketime, installed by run.sh --test) starting 3 s before
// Pacific midnight, so the reset is observed after seconds, not a day.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startFake, route, sleep } from './lib/harness.mjs';
import { gatewayOver, chat, chatOk, attemptTriples, upstreamCalls, skipCount, providerStatus } from './lib/state.mjs';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

test('tokens_per_minute: reservations of estimate + max_tokens, reconciled, skip with tpm_limit', async () => {
  // "hello" estimates 5 prompt tokens; the fake reports a real total of 30 per call.
  const gw = await gatewayOver(fake, [
    route('tpm1', 'tpma', 'ok;prompt_tokens=10;completion_tokens=20', 1),
    route('tpm2', 'tpmb', 'ok', 2),
  ], { providerExtra: { tpma: { tokens_per_minute: 100 } } });
  try {
    // 0 + (5 + 80) <= 100: granted, reconciled to 30.
    await chatOk(gw, 'tpm1', { max_tokens: 80 });
    // 30 + (5 + 60) = 95 <= 100: fits only because the first one was reconciled down.
    await chatOk(gw, 'tpm1', { max_tokens: 60 });
    // 60 + (5 + 60) = 125 > 100: skipped without a call.
    const third = await chatOk(gw, 'tpm2', { max_tokens: 60 });
    assert.equal(third.headers.get('x-gateway-attempts'), '1');
    assert.equal(await skipCount(gw, 'tpm1', 'tpm_limit'), 1);
    assert.equal(await upstreamCalls(fake, 'tpma'), 2);
    // Asked for by name, tpm1 is still skipped within the minute; tpm2 answers.
    const named = await chat(gw, { max_tokens: 60, model: 'tpm1' });
    assert.equal(named.status, 200, named.text);
    assert.equal(named.headers.get('x-gateway-route'), 'tpm2');
    assert.equal(await skipCount(gw, 'tpm1', 'tpm_limit'), 2);
    assert.equal(await upstreamCalls(fake, 'tpma'), 2, 'no call beyond the token limit');
  } finally { await gw.stop(); }
});

test('a provider whose day resets at Pacific midnight: refused before it, granted right after', async () => {
  assert.ok(existsSync(LIBFAKETIME), `${LIBFAKETIME} missing (./run.sh --test installs libfaketime)`);
  // 2025-03-01 07:59:57 UTC = 23:59:57 PST on Feb 28; the fake clock runs at real speed.
  // Monotonic clocks stay real, so timers and timeouts are unaffected.
  const asan = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  const env = {
    TZ: 'UTC', LD_PRELOAD: LIBFAKETIME, FAKETIME: '@2025-03-01 07:59:57', FAKETIME_DONT_FAKE_MONOTONIC: '1',
    FAKETIME_NO_CACHE: '1',
    // libfaketime is preloaded before the ASan runtime; that order is fine for a clock shim.
    ASAN_OPTIONS: `${asan}verify_asan_link_order=0`,
  };
  const gw = await gatewayOver(fake, [route('la', 'pacific', 'ok', 1), route('utc', 'utcday', 'ok', 2)], {
    providerExtra: {
      pacific: { requests_per_day: 1, day_reset_timezone: 'America/Los_Angeles' },
      utcday: { requests_per_day: 1, day_reset_timezone: 'UTC' },
    },
    env,
  });
  try {
    await chatOk(gw, 'la');
    await chatOk(gw, 'utc');
    const refused = await chat(gw);
    assert.equal(refused.status, 503, refused.text);
    assert.deepEqual(attemptTriples(refused).map((a) => a[2]), ['daily_request_limit', 'daily_request_limit']);
    // The earliest retry is Pacific midnight, seconds away (UTC midnight is 16 h away).
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 5, `Retry-After ${refused.headers.get('retry-after')}`);
    // Bounded wait past the fake midnight: the Pacific day resets, the UTC one does not.
    await sleep(retry * 1000 + 500);
    await chatOk(gw, 'la');
    assert.equal((await providerStatus(gw, 'pacific')).requests_today, 1, 'a new Pacific day');
    const utcStill = await chat(gw);
    assert.equal(utcStill.status, 503, utcStill.text);
    const later = Number(utcStill.headers.get('retry-after'));
    // Now both are spent again: the next reset is UTC midnight, 16 h minus seconds away.
    assert.ok(later > 15 * 3600 && later <= 16 * 3600, `Retry-After ${later}`);
    assert.equal(await upstreamCalls(fake, 'pacific'), 2);
    assert.equal(await upstreamCalls(fake, 'utcday'), 1);
  } finally { await gw.stop(); }
});
