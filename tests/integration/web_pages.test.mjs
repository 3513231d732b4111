// The web pages over plain HTTP (issue 11): every page and asset is served from the binary with
// its content type, ETag (304 on If-None-Match) and security headers; /openapi.json documents
// exactly the endpoints of http/server/endpoints.cpp; /v1/gateway/usage/series is bounded and
// counts the traffic. The browser tests are in web_browser.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startFake, startGateway, fakeProvider, route, postJson, hello } from './lib/harness.mjs';

const ENDPOINTS_CPP = fileURLToPath(new URL('../../http/server/endpoints.cpp', import.meta.url));
const PAGES = ['/', '/chat', '/models', '/health', '/status', '/live', '/docs'];

let fake, gw;
before(async () => {
  fake = await startFake();
  gw = await startGateway({
    providers: [fakeProvider(fake, 'p1'), fakeProvider(fake, 'p2')],
    catalog: [route('r1', 'p1', 'status;code=500', 1), route('r2', 'p2', 'ok', 2)],
  });
});
after(async () => { await gw?.stop(); fake?.stop(); });

function assertSecurityHeaders(res, what) {
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: script-src 'self' only`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: no unsafe-*`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: frame-ancestors`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.ok(res.headers.get('etag'), `${what}: ETag`);
  assert.equal(res.headers.get('cache-control'), 'no-cache', what);
}

test('every page is HTML with security headers, an ETag and a 304 on revalidation', async () => {
  for (const path of PAGES) {
    const res = await fetch(`${gw.base}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', path);
    assertSecurityHeaders(res, path);
    const html = await res.text();
    // No inline script and no inline event handler anywhere: the CSP would block them.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="\/assets\//, `${path}: ${tag}`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${path}: inline handler`);
    assert.doesNotMatch(html, /https?:\/\//, `${path}: no external URL`);
    const again = await fetch(`${gw.base}${path}`, { headers: { 'if-none-match': res.headers.get('etag') } });
    assert.equal(again.status, 304, `${path} revalidation`);
    assert.equal((await again.text()).length, 0);
  }
});

test('every asset a page references is served with its content type', async () => {
  const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
  const seen = new Set();
  for (const path of PAGES) {
    const html = await (await fetch(`${gw.base}${path}`)).text();
    for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) seen.add(asset);
  }
  // Module imports of the page scripts.
  for (const asset of [...seen]) {
    if (!asset.endsWith('.js')) continue;
    const js = await (await fetch(`${gw.base}${asset}`)).text();
    for (const [, name] of js.matchAll(/from '\.\/([a-z-]+\.js)'/g)) seen.add(`/assets/${name}`);
  }
  assert.ok(seen.has('/assets/markdown-it.min.js') && seen.has('/assets/uplot.min.js'), [...seen].join(' '));
  for (const asset of seen) {
    const res = await fetch(`${gw.base}${asset}`);
    assert.equal(res.status, 200, asset);
    assert.equal(res.headers.get('content-type'), types[asset.split('.').pop()], asset);
    assertSecurityHeaders(res, asset);
  }
  const missing = await fetch(`${gw.base}/assets/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
});

test('/openapi.json documents exactly the endpoints of the endpoint table', async () => {
  const res = await fetch(`${gw.base}/openapi.json`);
  assert.equal(res.status, 200);
  assertSecurityHeaders(res, '/openapi.json');
  const spec = await res.json();
  assert.match(spec.openapi, /^3\./);
  const documented = new Set();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  const table = readFileSync(ENDPOINTS_CPP, 'utf8');
  const served = new Set([...table.matchAll(/\{"(GET|POST|PUT|DELETE|PATCH)",\s*"([^"]+)",/g)].map(([, m, p]) => `${m} ${p}`));
  assert.ok(served.size >= 25, `endpoint rows found: ${served.size}`);
  assert.deepEqual([...documented].sort(), [...served].sort());
  // Every documented operation answers (not 404/405) on the running gateway.
  for (const key of documented) {
    const [method, path] = key.split(' ');
    // The SSE feed never ends by itself (live.test.mjs covers it).
    if (method !== 'GET' || path === '/v1/gateway/live/events') continue;
    const concrete = path.replace('{file}', 'common.js').replace('{route_id}', 'r2');
    const answer = await fetch(`${gw.base}${concrete}`, { signal: AbortSignal.timeout(5000) });
    assert.ok(![404, 405].includes(answer.status), `${key}: ${answer.status}`);
    await answer.arrayBuffer();
  }
  // Every $ref resolves.
  const text = JSON.stringify(spec);
  for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)) {
    assert.ok(spec.components.schemas[ref], `dangling $ref ${ref}`);
  }
});

test('usage series counts attempts per route in bounded buckets', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
  }
  const res = await fetch(`${gw.base}/v1/gateway/usage/series?hours=24&bucket_minutes=1`);
  assert.equal(res.status, 200);
  const series = await res.json();
  assert.equal(series.object, 'usage_series');
  // 24 h in 1-minute buckets would be 1440 points: widened to at most 200.
  assert.ok((series.to - series.from) / series.bucket_seconds <= 200, JSON.stringify(series).slice(0, 200));
  const byRoute = Object.fromEntries(series.routes.map((r) => [r.route_id, r]));
  const sum = (r, col) => r.points.reduce((n, p) => n + p[series.columns.indexOf(col)], 0);
  assert.equal(sum(byRoute.r1, 'failures'), 3);
  assert.equal(sum(byRoute.r2, 'successes'), 3);
  assert.ok(sum(byRoute.r2, 'total_tokens') > 0);
  for (const r of series.routes) {
    assert.ok(r.points.length <= 200);
    for (const p of r.points) assert.ok(p[0] >= series.from && p[0] <= series.to, `bucket ${p[0]} in window`);
  }
  const clamped = await (await fetch(`${gw.base}/v1/gateway/usage/series?hours=100000&bucket_minutes=-5`)).json();
  assert.ok(clamped.to - clamped.from <= 168 * 3600, 'hours clamped to a week');
});
