// State survives a restart on the same data directory (contract §2, §6.5; reference §5):
// quota counters (after SIGTERM and after SIGKILL), route cooldowns and health, catalog edits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, route, logLine } from './lib/harness.mjs';
import { gatewayOver, restartGateway, upstreamCalls, chat, chatOk, attemptTriples, providerStatus, catalogRoute, send } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`requests_per_day counters survive a restart after ${signal}`, async () => {
    const name = signal === 'SIGTERM' ? 'rsta' : 'rska';
    const fallback = signal === 'SIGTERM' ? 'rstb' : 'rskb';
    let gw = await gatewayOver(fake, [route(`${name}-1`, name, 'ok', 1), route(`${fallback}-2`, fallback, 'ok', 2)],
      { providerExtra: { [name]: { requests_per_day: 3 } } });
    try {
      await chatOk(gw, `${name}-1`);
      await chatOk(gw, `${name}-1`);
      // SIGKILL right after the answers: the limited reservation was on disk before it was granted.
      gw = await restartGateway(gw, signal);
      assert.equal((await providerStatus(gw, name)).requests_today, 2, 'requests_today after the restart');
      await chatOk(gw, `${name}-1`);
      await chatOk(gw, `${fallback}-2`);
      assert.equal(await upstreamCalls(fake, name), 3, 'only one more call reached the provider after the restart');
      assert.equal((await providerStatus(gw, name)).requests_today, 3);
    } finally { await gw.stop(); }
  });
}

test('after a SIGKILL under concurrent load the day counters hold every call that was made', async () => {
  // A limit large enough for leased headroom (catalog/grant_lease.hpp): grants are answered
  // from leases written ahead, and the disk must still hold every one of them.
  let gw = await gatewayOver(fake, [route('kl-1', 'rkla', 'ok', 1)], { providerExtra: { rkla: { requests_per_day: 100000 } } });
  try {
    const answers = await Promise.all(Array.from({ length: 200 }, () => chat(gw)));
    for (const res of answers) assert.equal(res.status, 200, res.text);
    const calls = await upstreamCalls(fake, 'rkla');
    assert.equal(calls, 200);
    gw = await restartGateway(gw, 'SIGKILL');
    const restored = (await providerStatus(gw, 'rkla')).requests_today;
    assert.ok(restored >= calls && restored <= calls + 64, `requests_today ${restored} after ${calls} calls`);
  } finally { await gw.stop(); }
});

test('a rate-limited route stays rate limited across a restart', async () => {
  let gw = await gatewayOver(fake, [route('cd-a', 'rcda', 'status;code=429;retry_after=600', 1), route('cd-b', 'rcdb', 'ok', 2)]);
  try {
    await chatOk(gw, 'cd-b');
    const before = (await catalogRoute(gw, 'cd-a')).health;
    assert.equal(before.status, 'rate_limited');
    gw = await restartGateway(gw, 'SIGTERM');
    const health = (await catalogRoute(gw, 'cd-a')).health;
    assert.equal(health.status, 'rate_limited');
    assert.equal(health.status_reason, 'provider_429');
    assert.equal(health.rate_limited_until, before.rate_limited_until);
    assert.ok(health.rate_limited_until >= Date.now() / 1000 + 500, `rate_limited_until ${health.rate_limited_until}`);
    const res = await chatOk(gw, 'cd-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1', 'cd-a was not called after the restart');
    assert.equal(await upstreamCalls(fake, 'rcda'), 1);
    // The skip reason, seen in an exhausted answer.
    const only = await send(gw.base, 'POST', '/v1/gateway/models/cd-b/disable');
    assert.equal(only.status, 200, only.text);
    const exhausted = await chat(gw);
    assert.equal(exhausted.status, 503, exhausted.text);
    assert.deepEqual(attemptTriples(exhausted), [['cd-a', 'skipped', 'route_rate_limited']]);
    const retry = Number(exhausted.headers.get('retry-after'));
    assert.ok(retry >= 500 && retry <= 700, `Retry-After ${exhausted.headers.get('retry-after')}`);
  } finally { await gw.stop(); }
});

test('a rate-limited route stays rate limited across a SIGKILL', async () => {
  let gw = await gatewayOver(fake, [route('ck-a', 'rcka', 'status;code=429;retry_after=600', 1), route('ck-b', 'rckb', 'ok', 2)]);
  try {
    await chatOk(gw, 'ck-b');
    assert.equal((await catalogRoute(gw, 'ck-a')).health.status, 'rate_limited');
    // Give the health write a moment: it is sent, not awaited, by the request.
    await new Promise((r) => setTimeout(r, 300));
    gw = await restartGateway(gw, 'SIGKILL');
    assert.equal((await catalogRoute(gw, 'ck-a')).health.status, 'rate_limited');
    const res = await chatOk(gw, 'ck-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    assert.equal(await upstreamCalls(fake, 'rcka'), 1);
  } finally { await gw.stop(); }
});

test('an empty (0-byte) gateway.sqlite3 starts with one warning that the state starts empty', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freerouter-empty-db-'));
  writeFileSync(join(dataDir, 'gateway.sqlite3'), '');
  const warning = logLine('warn', String.raw`.*gateway\.sqlite3 is empty \(0 bytes\); state starts empty.*`);
  const gw = await gatewayOver(fake, [route('edb', 'redb', 'ok', 1)], { dataDir });
  try {
    const lines = gw.proc.stderrText.split('\n').filter((l) => warning.test(l));
    assert.equal(lines.length, 1, gw.proc.stderrText);
    await chatOk(gw, 'edb');
  } finally { await gw.stop({ allowStderr: [warning] }); }
});

test('a provider cooldown survives a restart', async () => {
  let gw = await gatewayOver(fake, [route('pc-a', 'rpca', 'ok;rl_remaining_requests=0;rl_reset=600', 1), route('pc-b', 'rpcb', 'ok', 2)],
    { providerExtra: { rpca: { rate_limit_scope: 'provider' } } });
  try {
    await chatOk(gw, 'pc-a');
    const before = await providerStatus(gw, 'rpca');
    assert.equal(before.unavailable_reason, 'cooldown');
    gw = await restartGateway(gw, 'SIGTERM');
    const row = await providerStatus(gw, 'rpca');
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'cooldown');
    assert.equal(row.cooldown_until, before.cooldown_until);
    await chatOk(gw, 'pc-b');
    assert.equal(await upstreamCalls(fake, 'rpca'), 1);
  } finally { await gw.stop(); }
});

test('real token usage survives a restart', async () => {
  let gw = await gatewayOver(fake, [route('tk-a', 'rtka', 'ok;prompt_tokens=10;completion_tokens=20', 1)],
    { providerExtra: { rtka: { tokens_per_day: 1000 } } });
  try {
    await chatOk(gw, 'tk-a', { max_tokens: 200 });
    await chatOk(gw, 'tk-a', { max_tokens: 200 });
    assert.equal((await providerStatus(gw, 'rtka')).tokens_used_today, 60);
    gw = await restartGateway(gw, 'SIGTERM');
    const row = await providerStatus(gw, 'rtka');
    assert.equal(row.tokens_used_today, 60, 'the reconciled usage, not the reservations');
    assert.equal(row.requests_today, 2);
  } finally { await gw.stop(); }
});

test('catalog edits survive a restart', async () => {
  let gw = await gatewayOver(fake, [route('ce-a', 'rcea', 'ok;content=a', 1), route('ce-b', 'rcea', 'ok;content=b', 2)]);
  try {
    const edited = [route('ce-b', 'rcea', 'ok;content=b', 1, { notes: 'promoted' }), route('ce-a', 'rcea', 'ok;content=a', 2, { enabled: false })];
    const put = await send(gw.base, 'PUT', '/v1/gateway/models', edited);
    assert.equal(put.status, 200, put.text);
    gw = await restartGateway(gw, 'SIGTERM');
    const body = await (await fetch(`${gw.base}/v1/gateway/models`)).json();
    assert.deepEqual(body.data.map((r) => [r.route_id, r.rank, r.enabled, r.notes]),
      [['ce-b', 1, true, 'promoted'], ['ce-a', 2, false, '']]);
    const onDisk = JSON.parse(readFileSync(join(gw.dir, 'model_catalog.json'), 'utf8'));
    assert.deepEqual(onDisk.map((r) => r.route_id), ['ce-b', 'ce-a']);
    await chatOk(gw, 'ce-b');
  } finally { await gw.stop(); }
});
