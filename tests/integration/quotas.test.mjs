// Provider quotas, cooldowns and failing keys against the real binary (contract §6.5-§6.7,
// reference §5.4-§5.8, §7.4). Every provider name is used by one test only, so the fake's
// per-prefix counts belong to that test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, route, postJson, hello } from './lib/harness.mjs';
import { gatewayOver, upstreamCalls, chat, chatOk, attemptTriples, skipCount, providerStatus, eventually } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

test('requests_per_minute 2: the third request skips p1 (rpm_limit) and p2 answers', async () => {
  const gw = await gatewayOver(fake, [route('rpm1', 'rpma', 'ok', 1), route('rpm2', 'rpmb', 'ok', 2)],
    { providerExtra: { rpma: { requests_per_minute: 2 } } });
  try {
    await chatOk(gw, 'rpm1');
    await chatOk(gw, 'rpm1');
    const third = await chatOk(gw, 'rpm2');
    assert.equal(third.headers.get('x-gateway-attempts'), '1', 'p1 was skipped, not called');
    assert.equal(await upstreamCalls(fake, 'rpma'), 2);
    assert.equal(await upstreamCalls(fake, 'rpmb'), 1);
    assert.equal(await skipCount(gw, 'rpm1', 'rpm_limit'), 1);
    const row = await providerStatus(gw, 'rpma');
    assert.equal(row.requests_this_minute, 2);
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'rpm_limit');
    assert.ok(row.retry_after_seconds >= 1 && row.retry_after_seconds <= 60, `retry_after_seconds ${row.retry_after_seconds}`);
  } finally { await gw.stop(); }
});

test('requests_per_day 50 holds exactly under 1000 concurrent requests', { timeout: 120000 }, async () => {
  const gw = await gatewayOver(fake, [route('rpd1', 'rpda', 'ok', 1), route('rpd2', 'rpdb', 'ok', 2)], {
    providerExtra: { rpda: { requests_per_day: 50 } },
    env: { MAX_CONCURRENT_REQUESTS: '2000', REQUEST_QUEUE_MAX_WAITING_REQUESTS: '5000', REQUEST_QUEUE_TIMEOUT_SECONDS: '60' },
  });
  try {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
      postJson(gw.base, '/v1/chat/completions', hello({ messages: [{ role: 'user', content: `n${i}` }] }))));
    const statuses = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    assert.deepEqual(statuses, { 200: 1000 });
    const byRoute = {};
    for (const r of results) byRoute[r.headers.get('x-gateway-route')] = (byRoute[r.headers.get('x-gateway-route')] ?? 0) + 1;
    assert.deepEqual(byRoute, { rpd1: 50, rpd2: 950 });
    assert.equal(await upstreamCalls(fake, 'rpda'), 50);
    assert.equal(await upstreamCalls(fake, 'rpdb'), 950);
    const row = await providerStatus(gw, 'rpda');
    assert.equal(row.requests_today, 50);
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'daily_request_limit');
  } finally { await gw.stop(); }
});

test('tokens_per_day reserves estimate + max_tokens and reconciles with the real usage', async () => {
  // "hello" estimates 5 prompt tokens; the fake always reports a real total of 30.
  const gw = await gatewayOver(fake, [
    route('tpd1', 'tpda', 'ok;prompt_tokens=10;completion_tokens=20', 1),
    route('tpd2', 'tpdb', 'ok', 2),
  ], { providerExtra: { tpda: { tokens_per_day: 100 } } });
  try {
    // 0 + (5 + 80) <= 100: granted, then reconciled to the real 30.
    await chatOk(gw, 'tpd1', { max_tokens: 80 });
    let row = await providerStatus(gw, 'tpda');
    assert.equal(row.tokens_used_today, 30, 'reconciled to usage.total_tokens, not the 85 reserved');
    // 30 + (5 + 60) = 95 <= 100: fits only because the first reservation was reconciled down.
    await chatOk(gw, 'tpd1', { max_tokens: 60 });
    // 60 + (5 + 60) = 125 > 100: skipped before any call.
    const third = await chatOk(gw, 'tpd2', { max_tokens: 60 });
    assert.equal(third.headers.get('x-gateway-attempts'), '1');
    assert.equal(await skipCount(gw, 'tpd1', 'daily_token_limit'), 1);
    assert.equal(await upstreamCalls(fake, 'tpda'), 2);
    // A small request still fits: 60 + (5 + 30) = 95.
    await chatOk(gw, 'tpd1', { max_tokens: 30 });
    row = await providerStatus(gw, 'tpda');
    assert.equal(row.tokens_used_today, 90, 'three calls of real usage 30 each');
    assert.equal(row.requests_today, 3);
  } finally { await gw.stop(); }
});

test('a request whose reservation can never fit the daily token limit is skipped with daily_token_limit', async () => {
  const gw = await gatewayOver(fake, [route('tpx1', 'tpxa', 'ok', 1), route('tpx2', 'tpxb', 'ok', 2)],
    { providerExtra: { tpxa: { tokens_per_day: 100 } }, unconfigured: ['tpxb'] });
  try {
    const res = await chat(gw, { max_tokens: 500 });
    assert.equal(res.status, 503, res.text);
    assert.deepEqual(attemptTriples(res), [['tpx1', 'skipped', 'daily_token_limit'], ['tpx2', 'skipped', 'missing_api_key']]);
    assert.equal(await upstreamCalls(fake, 'tpxa'), 0);
  } finally { await gw.stop(); }
});

test('a 429 with retry-after cools only the route by default (rate_limit_scope model)', async () => {
  const gw = await gatewayOver(fake, [
    route('sm-a', 'scma', 'status;code=429;retry_after=30', 1),
    route('sm-b', 'scma', 'ok;content=b', 2),
    route('sm-c', 'scmb', 'ok', 3),
  ]);
  try {
    let res = await chatOk(gw, 'sm-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'sm-a answered 429, then sm-b of the same provider');
    res = await chatOk(gw, 'sm-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1', 'sm-a is cooling down and not called');
    assert.equal(await skipCount(gw, 'sm-a', 'route_rate_limited'), 1);
    assert.equal(await upstreamCalls(fake, 'scma'), 3);
    const row = await providerStatus(gw, 'scma');
    assert.equal(row.available, true, 'the provider itself is not in cooldown');
    const a = row.models.find((m) => m.route_id === 'sm-a');
    assert.equal(a.health.status, 'rate_limited');
    assert.equal(a.health.status_reason, 'provider_429');
    const now = Date.now() / 1000;
    assert.ok(a.health.rate_limited_until >= now + 25 && a.health.rate_limited_until <= now + 35,
      `retry_after=30 honoured: rate_limited_until ${a.health.rate_limited_until}, now ${now}`);
  } finally { await gw.stop(); }
});

test('a 429 with rate_limit_scope "provider" cools the whole provider: its other routes skip with cooldown', async () => {
  const gw = await gatewayOver(fake, [
    route('sp-a', 'scpa', 'status;code=429;retry_after=30', 1),
    route('sp-b', 'scpa', 'ok;content=b', 2),
    route('sp-c', 'scpb', 'ok', 3),
  ], { providerExtra: { scpa: { rate_limit_scope: 'provider' } }, unconfigured: ['scpb'] });
  try {
    let res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.deepEqual(attemptTriples(res),
      [['sp-a', 'rate_limited', 'provider_429'], ['sp-b', 'skipped', 'cooldown'], ['sp-c', 'skipped', 'missing_api_key']]);
    assert.equal(res.json.error.attempts[0].status_code, 429);
    res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    const [a, b] = attemptTriples(res);
    assert.equal(a[1], 'skipped');
    assert.ok(['route_rate_limited', 'cooldown'].includes(a[2]), `sp-a skipped with ${a[2]}`);
    assert.deepEqual(b, ['sp-b', 'skipped', 'cooldown']);
    assert.equal(await upstreamCalls(fake, 'scpa'), 1, 'only the first 429 reached the provider');
    const retry = Number(res.headers.get('retry-after'));
    assert.ok(retry >= 25 && retry <= 31, `Retry-After ${res.headers.get('retry-after')}`);
    const row = await providerStatus(gw, 'scpa');
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'cooldown');
  } finally { await gw.stop(); }
});

test('x-ratelimit-remaining-requests: 0 on a success rests that route until the reset (scope model)', async () => {
  const gw = await gatewayOver(fake, [
    route('rl-a', 'rlra', 'ok;rl_remaining_requests=0;rl_reset=30', 1),
    route('rl-b', 'rlrb', 'ok', 2),
  ]);
  try {
    await chatOk(gw, 'rl-a');
    // The success was answered before it was accounted: wait until the route has rested.
    assert.ok(await eventually(async () => (await providerStatus(gw, 'rlra')).models[0].health.status === 'rate_limited'));
    const res = await chatOk(gw, 'rl-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    assert.equal(await skipCount(gw, 'rl-a', 'route_rate_limited'), 1);
    assert.equal(await upstreamCalls(fake, 'rlra'), 1);
    const row = await providerStatus(gw, 'rlra');
    assert.equal(row.available, true, 'the provider itself is not in cooldown');
    const a = row.models.find((m) => m.route_id === 'rl-a');
    assert.equal(a.health.status, 'rate_limited');
    assert.equal(a.health.status_reason, 'remaining_exhausted');
    const now = Date.now() / 1000;
    assert.ok(a.health.rate_limited_until >= now + 25 && a.health.rate_limited_until <= now + 35,
      `x-ratelimit-reset 30 honoured: rate_limited_until ${a.health.rate_limited_until}, now ${now}`);
  } finally { await gw.stop(); }
});

test('x-ratelimit-remaining-requests: 0 on a success puts the provider in cooldown with scope "provider"', async () => {
  const gw = await gatewayOver(fake, [
    route('rp-a', 'rlpa', 'ok;rl_remaining_requests=0;rl_reset=30', 1),
    route('rp-b', 'rlpa', 'ok', 2),
    route('rp-c', 'rlpb', 'ok', 3),
  ], { providerExtra: { rlpa: { rate_limit_scope: 'provider' } } });
  try {
    await chatOk(gw, 'rp-a');
    // The success was answered before it was accounted: wait until the provider cools.
    assert.ok(await eventually(async () => !(await providerStatus(gw, 'rlpa')).available));
    const res = await chatOk(gw, 'rp-c');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    assert.equal(await skipCount(gw, 'rp-a', 'cooldown'), 1);
    assert.equal(await skipCount(gw, 'rp-b', 'cooldown'), 1);
    assert.equal(await upstreamCalls(fake, 'rlpa'), 1);
    const row = await providerStatus(gw, 'rlpa');
    assert.equal(row.available, false);
    assert.equal(row.unavailable_reason, 'cooldown');
    const now = Date.now() / 1000;
    assert.ok(row.cooldown_until >= now + 25 && row.cooldown_until <= now + 35,
      `x-ratelimit-reset 30 honoured: cooldown_until ${row.cooldown_until}, now ${now}`);
  } finally { await gw.stop(); }
});

test('a 429 carrying x-ratelimit-remaining-requests: 0 cools only that route by default; health reset frees it at once', async () => {
  const gw = await gatewayOver(fake, [
    route('rx-a', 'rexa', 'status;code=429;retry_after=30;rl_remaining_requests=0', 1),
    route('rx-b', 'rexa', 'ok;content=b', 2),
  ]);
  try {
    let res = await chatOk(gw, 'rx-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'rx-a answered 429, then rx-b of the same provider in the same request');
    res = await chatOk(gw, 'rx-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1', 'rx-a is cooling down and not called');
    assert.equal(await skipCount(gw, 'rx-a', 'route_rate_limited'), 1);
    assert.equal(await skipCount(gw, 'rx-b', 'cooldown'), 0);
    const row = await providerStatus(gw, 'rexa');
    assert.equal(row.available, true, 'the provider itself is not in cooldown');
    const reset = await postJson(gw.base, '/v1/gateway/models/rx-a/health/reset', '');
    assert.equal(reset.status, 200, reset.text);
    const before = await upstreamCalls(fake, 'rexa');
    res = await chatOk(gw, 'rx-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'after the reset rx-a is called again at once');
    assert.equal(await upstreamCalls(fake, 'rexa'), before + 2);
  } finally { await gw.stop(); }
});

test('the exhausted 503 says when the first cooling route frees up (Retry-After and retry_after)', async () => {
  const gw = await gatewayOver(fake, [
    route('ry-a', 'reya', 'status;code=429;retry_after=30;rl_remaining_requests=0', 1),
    route('ry-b', 'reya', 'status;code=429;retry_after=20', 2),
  ]);
  try {
    let res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.deepEqual(attemptTriples(res), [['ry-a', 'rate_limited', 'provider_429'], ['ry-b', 'rate_limited', 'provider_429']]);
    let retry = Number(res.headers.get('retry-after'));
    assert.ok(retry >= 19 && retry <= 20, `Retry-After ${res.headers.get('retry-after')} = the 20 s hint of ry-b`);
    assert.equal(res.json.error.retry_after, retry);
    res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.deepEqual(attemptTriples(res), [['ry-a', 'skipped', 'route_rate_limited'], ['ry-b', 'skipped', 'route_rate_limited']]);
    retry = Number(res.headers.get('retry-after'));
    assert.ok(retry >= 15 && retry <= 20, `Retry-After ${res.headers.get('retry-after')}: ry-b frees up first`);
    assert.equal(res.json.error.retry_after, retry);
    assert.equal(await upstreamCalls(fake, 'reya'), 2);
  } finally { await gw.stop(); }
});

test('a 401 marks the provider key failing: the next request skips it (auth_failed) without calling it', async () => {
  const gw = await gatewayOver(fake, [
    route('au-a', 'auta', 'status;code=401', 1),
    route('au-a2', 'auta', 'ok', 2),
    route('au-b', 'autb', 'ok', 3),
  ]);
  try {
    let res = await chatOk(gw, 'au-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'au-a failed with 401, au-a2 skipped, au-b answered');
    assert.equal(await skipCount(gw, 'au-a2', 'auth_failed'), 1, 'the failing key skips the provider\'s other route');
    res = await chatOk(gw, 'au-b');
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    assert.equal(await skipCount(gw, 'au-a', 'auth_failed'), 1);
    assert.equal(await upstreamCalls(fake, 'auta'), 1, 'the provider with the failing key was called once');
    const row = await providerStatus(gw, 'auta');
    assert.equal(row.key_failing, true);
  } finally { await gw.stop(); }
});

test('503 exhaustion carries Retry-After when a skipped route\'s retry time is known (rpm limit)', async () => {
  const gw = await gatewayOver(fake, [route('ex-a', 'exha', 'ok', 1), route('ex-b', 'exhb', 'ok', 2)],
    { providerExtra: { exha: { requests_per_minute: 1 } }, unconfigured: ['exhb'] });
  try {
    await chatOk(gw, 'ex-a');
    const res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error.code, 'waterfall_exhausted');
    assert.equal(res.json.error.type, 'provider_unavailable');
    assert.deepEqual(attemptTriples(res), [['ex-a', 'skipped', 'rpm_limit'], ['ex-b', 'skipped', 'missing_api_key']]);
    const retry = res.headers.get('retry-after');
    assert.match(retry ?? '', /^\d+$/, `Retry-After: ${retry}`);
    assert.ok(Number(retry) >= 55 && Number(retry) <= 60, `Retry-After ${retry} ~ 60 s after the only request`);
  } finally { await gw.stop(); }
});

test('503 exhaustion without a known retry time has no Retry-After', async () => {
  const gw = await gatewayOver(fake, [route('nr-a', 'nora', 'status;code=500', 1), route('nr-b', 'norb', 'ok', 2)],
    { unconfigured: ['norb'] });
  try {
    const res = await chat(gw);
    assert.equal(res.status, 503, res.text);
    assert.equal(res.headers.get('retry-after'), null);
  } finally { await gw.stop(); }
});
