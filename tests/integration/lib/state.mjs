// Helpers shared by the quota, restart, limiter and admin tests: a gateway over the fake with
// per-provider options, upstream call counts, skip counters from /metrics, provider status rows
// and restarts on the same data directory.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { startGateway, fakeProvider, postJson, hello } from './harness.mjs';

/**
 * Starts a gateway whose providers are the distinct provider names of `routes`, each pointing at
 * the fake. `providerExtra[name]` adds providers.json fields (quotas, rate_limit_scope, ...).
 */
export async function gatewayOver(fake, routes, { providerExtra = {}, ...opts } = {}) {
  const names = [...new Set(routes.map((r) => r.provider_name))];
  const providers = names.map((n) => fakeProvider(fake, n, providerExtra[n] ?? {}));
  const gw = await startGateway({ providers, catalog: routes, ...opts });
  gw.providers = providers;
  gw.startOptions = { providers, env: opts.env ?? {}, unconfigured: opts.unconfigured ?? [] };
  return gw;
}

/**
 * Stops `gw` with `signal` and starts a new gateway on the same data directory (providers.json
 * rewritten with the same content, the catalog file left as the old process saved it).
 */
export async function restartGateway(gw, signal = 'SIGTERM', { env } = {}) {
  const code = await gw.stop(signal);
  if (signal === 'SIGTERM') assert.equal(code, 0, `SIGTERM exit code; stderr: ${gw.proc.stderrText}`);
  const next = await startGateway({ ...gw.startOptions, env: env ?? gw.startOptions.env, dataDir: gw.dir });
  next.providers = gw.providers;
  next.startOptions = gw.startOptions;
  return next;
}

/// How many chat calls the fake saw for provider `name` (its /<name>/v1 prefix).
export async function upstreamCalls(fake, name) {
  return (await fake.stats()).by_prefix[`/${name}/v1`] ?? 0;
}

export const chat = (gw, extra = {}, headers = {}) =>
  postJson(gw.base, '/v1/chat/completions', hello(extra), headers);

/// Asserts a 200 answered by `routeId` and returns the response.
export async function chatOk(gw, routeId, extra = {}) {
  const res = await chat(gw, extra);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-gateway-route'), routeId, `answered by ${res.headers.get('x-gateway-route')}`);
  return res;
}

/// The attempts of a 503/504 body as [route_id, status, reason] triples.
export function attemptTriples(res) {
  assert.ok(Array.isArray(res.json?.error?.attempts), `no attempts in: ${res.text}`);
  return res.json.error.attempts.map((a) => [a.route_id, a.status, a.reason]);
}

/**
 * Value of freerouter_route_skips_total for (route_id, reason), 0 when the series is absent.
 * Labels are matched in any order.
 */
export async function skipCount(gw, routeId, reason) {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('freerouter_route_skips_total{')) continue;
    if (line.includes(`route_id="${routeId}"`) && line.includes(`reason="${reason}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/// GET /v1/providers/status and return the row of provider `name`.
export async function providerStatus(gw, name, headers = {}) {
  const res = await fetch(`${gw.base}/v1/providers/status`, { headers });
  assert.equal(res.status, 200);
  const body = await res.json();
  const row = body.data.find((p) => p.name === name);
  assert.ok(row, `provider ${name} missing from /v1/providers/status`);
  return row;
}

/// GET /v1/gateway/models and return the route `routeId` (with its health).
export async function catalogRoute(gw, routeId) {
  const res = await fetch(`${gw.base}/v1/gateway/models`);
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.data.find((r) => r.route_id === routeId);
}

/// Sends JSON with any method; returns status, headers, text and parsed JSON (or null).
export async function send(base, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

/// Polls `probe` until it returns a truthy value or `ms` elapse; returns the last value.
export async function eventually(probe, ms = 2000, stepMs = 25) {
  const until = Date.now() + ms;
  let value = await probe();
  while (!value && Date.now() < until) {
    await new Promise((r) => setTimeout(r, stepMs));
    value = await probe();
  }
  return value;
}

/**
 * The socket inodes of the gateway's established TCP connections to `port` (Linux: the
 * process's socket inodes in /proc/<pid>/fd matched against /proc/net/tcp), sorted. The same
 * list before and after some requests means they reused the same connections.
 */
export function socketsTo(gw, port) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${gw.proc.pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${gw.proc.pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {}
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const found = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const [, , remote, state] = cols;
    if (state === '01' && remote.endsWith(`:${portHex}`) && inodes.has(cols[9])) found.push(cols[9]);
  }
  return found.sort();
}

/** How many established TCP connections the gateway holds to `port`. Independent of any client pool. */
export function connectionsTo(gw, port) {
  return socketsTo(gw, port).length;
}
