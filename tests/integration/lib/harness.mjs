// Starts the real freerouter binary and the project's fake provider on 127.0.0.1 and
// offers small HTTP helpers. Every process started here is killed when the test ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const FREEROUTER_BIN = process.env.FREEROUTER_BIN ?? '../../build/freerouter';
export const FAKE_PROVIDER_BIN = process.env.FAKE_PROVIDER_BIN ?? '../../build/tests/support/fake-provider';

const children = new Set();
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch {} } });

/// A port below the ephemeral range (32768+) that is free right now.
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function waitReady(url, proc, what, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited early with ${proc.exitCode}: ${proc.stderrText}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`${what} not ready at ${url}: ${proc.stderrText}`);
}

function track(proc) {
  // Kept whole (bounded): stop() checks every line, and a sanitizer report can be long.
  proc.stderrText = '';
  proc.stderr?.on('data', (d) => { if (proc.stderrText.length < 4_000_000) proc.stderrText += d.toString(); });
  proc.stdout?.on('data', () => {});
  // 'close' comes after 'exit' once stdout and stderr are drained: stop() waits for it so that
  // a report written while the process died is read before stderr is judged.
  proc.closed = new Promise((resolve) => proc.once('close', (code, sig) => resolve(code ?? sig)));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}

/**
 * A whole log line of the gateway (LOG_FORMAT=text, the default): UTC time stamp, `level`, then
 * `message`, a regex source matched to the end of the line.
 */
export function logLine(level, message) {
  return new RegExp(String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ${level} ${message}$`);
}

/// The request-id tag of a request's log lines (12 hex digits).
const REQ = String.raw`\[req=[0-9a-f]{12}\]`;

/// What freerouter writes to stderr in a healthy run; any other line fails stop().
const EXPECTED_STDERR = [
  logLine('info', String.raw`listening on http:\/\/\S+ \(data: .*, catalog routes: \d+, providers configured: \d+\)`),
  logLine('info', 'shutting down'),
  logLine('info', 'stopped'),
  // Requests the gateway could not serve, one line each with the request's id: what tests of
  // failures provoke on purpose (http/server/handlers/chat.cpp, stream_relay.cpp).
  logLine('warn', String.raw`${REQ} waterfall exhausted: no route could serve the request attempts=\d+ upstream_calls=\d+`),
  logLine('warn', String.raw`${REQ} request deadline exceeded deadline_seconds=\d+ upstream_calls=\d+`),
  logLine('info', String.raw`${REQ} the provider refused the request route=\S+ status=\d+ message=.*`),
  logLine('info', String.raw`${REQ} rejected: no limiter slot in time \(429\)`),
  logLine('warn', String.raw`${REQ} stream interrupted after commit route=\S+ message=.*`),
];

/// The stderr lines of `text` that match neither EXPECTED_STDERR nor `allow`.
export function unexpectedStderr(text, allow = []) {
  const ok = [...EXPECTED_STDERR, ...allow];
  return text.split('\n').filter((line) => line !== '' && !ok.some((re) => re.test(line)));
}

/// How long a stopped gateway may take to exit: the drain (5 s) plus the final state flush.
const STOP_TIMEOUT_MS = 15000;

/**
 * Stops `proc` with `signal` and fails unless it ends the way a healthy gateway does: SIGTERM
 * and SIGINT exit 0 within STOP_TIMEOUT_MS; SIGKILL ends by that signal; a process that had
 * already ended by itself is a failure (a crash). stderr must hold only EXPECTED_STDERR lines
 * and the `allowStderr` regexes, so a sanitizer report or an error at shutdown fails the test.
 */
async function stopChecked(proc, signal, allowStderr) {
  const endedEarly = proc.exitCode !== null || proc.signalCode !== null;
  if (!endedEarly) proc.kill(signal);
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS); });
  // The timer must not outlive the stop: a pending 15 s timer kept every test file alive 15 s.
  const result = await Promise.race([proc.closed, timeout]).finally(() => clearTimeout(timer));
  if (result === 'timeout') {
    proc.kill('SIGKILL');
    throw new Error(`freerouter did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}:\n${proc.stderrText}`);
  }
  if (endedEarly) throw new Error(`freerouter had already ended (${result}) before stop():\n${proc.stderrText}`);
  const expected = signal === 'SIGKILL' ? 'SIGKILL' : 0;
  if (result !== expected) throw new Error(`freerouter ended with ${result} after ${signal}, expected ${expected}:\n${proc.stderrText}`);
  const bad = unexpectedStderr(proc.stderrText, allowStderr);
  if (bad.length) throw new Error(`freerouter wrote unexpected stderr lines:\n${bad.join('\n')}\n--- full stderr:\n${proc.stderrText}`);
  return result;
}

export async function startFake(extraArgs = []) {
  const port = await freePort();
  const proc = track(spawn(FAKE_PROVIDER_BIN, ['--port', String(port), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/_fake/stats`, proc, 'fake-provider');
  return {
    port, base, proc,
    async stats() { return (await fetch(`${base}/_fake/stats`)).json(); },
    async requests(prefix) { return (await fetch(`${base}/_fake/requests?prefix=${encodeURIComponent(prefix)}`)).json(); },
    async reset() { await fetch(`${base}/_fake/reset`, { method: 'POST' }); },
    stop() { proc.kill('SIGKILL'); },
  };
}

/// The sanitizer runtime options run.sh sets for sanitizer builds (suppressions, leak checking):
/// the gateway gets a clean environment, but these must reach it.
export function sanitizerEnv() {
  const out = {};
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'TSAN_OPTIONS', 'LSAN_OPTIONS']) {
    if (process.env[k] !== undefined) out[k] = process.env[k];
  }
  return out;
}

/// A route object of the catalog format, with defaults for the fields tests do not care about.
export function route(route_id, provider_name, model_id, rank, extra = {}) {
  return { route_id, provider_name, model_id, rank, display_name: model_id, enabled: true,
    context_window: 100000, tags: ['text'], ...extra };
}

/// A provider entry of providers.json pointing at the fake under /<name>/v1.
export function fakeProvider(fake, name, extra = {}) {
  return { name, base_url: `${fake.base}/${name}/v1`, api_key_env: `${name.toUpperCase()}_API_KEY`,
    requests_per_minute: null, requests_per_day: null, tokens_per_minute: null, tokens_per_day: null, ...extra };
}

/**
 * Starts freerouter with its own data dir. `providers` goes to providers.json, `catalog` to
 * model_catalog.json; every provider gets a key unless listed in `unconfigured`.
 */
export async function startGateway({ providers = [], catalog, env = {}, unconfigured = [], dataDir, args = [] } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'freerouter-it-'));
  mkdirSync(dir, { recursive: true });
  if (!dataDir || providers.length) writeFileSync(join(dir, 'providers.json'), JSON.stringify(providers));
  if (catalog) writeFileSync(join(dir, 'model_catalog.json'), JSON.stringify(catalog));
  const keys = {};
  for (const p of providers) {
    if (!unconfigured.includes(p.name)) keys[p.api_key_env ?? `${p.name.toUpperCase()}_API_KEY`] = `test-key-${p.name}`;
  }
  for (const name of ['CEREBRAS', 'GROQ', 'GEMINI', 'NVIDIA', 'OPENROUTER']) keys[`${name}_API_KEY`] ??= '';
  writeFileSync(join(dir, 'test.env'), '');
  const port = await freePort();
  const proc = track(spawn(FREEROUTER_BIN, ['--port', String(port), '--data-dir', dir, '--env-file', join(dir, 'test.env'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...sanitizerEnv(), AUTO_ENDPOINT_DIAGNOSIS_ENABLED: 'false', ...keys, ...env },
  }));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/healthz`, proc, 'freerouter');
  let stopping = null;
  return {
    port, base, dir, proc,
    /**
     * stop() / stop('SIGINT') / stop({ signal, allowStderr }): see stopChecked(). Resolves to
     * the exit code (0) or 'SIGKILL'; later calls return the first call's promise.
     */
    stop(options = {}) {
      const { signal = 'SIGTERM', allowStderr = [] } = typeof options === 'string' ? { signal: options } : options;
      stopping ??= stopChecked(proc, signal, allowStderr);
      return stopping;
    },
  };
}

export async function postJson(base, path, body, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

export const hello = (extra = {}) => ({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], ...extra });

/** Posts a streaming request; returns status, headers, the SSE data lines with their arrival
 *  times (ms after the request), and the raw text. A non-SSE answer comes back as `json`. */
export async function streamEvents(base, path, body, { abortAfterMs } = {}) {
  const controller = new AbortController();
  const started = Date.now();
  const res = await fetch(`${base}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body), signal: controller.signal,
  });
  const events = [];
  let text = '';
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: res.status, headers: res.headers, json: await res.json(), events, raw: '' };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  if (abortAfterMs) setTimeout(() => controller.abort(), abortAfterMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      text += chunk;
      buffer += chunk;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith('data:')) events.push({ at: Date.now() - started, data: line.slice(5).trim() });
        }
      }
    }
  } catch (err) {
    if (!abortAfterMs) throw err;
  }
  return { status: res.status, headers: res.headers, events, raw: text };
}
