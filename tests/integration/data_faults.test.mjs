// A broken data directory (issue 12). At start: a read-only data dir, a database file of
// random bytes, a catalog file of random bytes each end the process with one clear line naming
// the file, exit code 2, no crash. At run time: a disk that refuses every write (the file size
// limit set to 0 on the running gateway) keeps unlimited providers serving, never grants a
// limited bucket a reservation it could not commit (its route is skipped and counted in
// freerouter_quota_not_persisted_total), reports the failure once, and recovers with the disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, sanitizerEnv, logLine, FREEROUTER_BIN } from './lib/harness.mjs';

/// The head of an error log line (its time stamp and level).
const ERROR_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error /;
import { gatewayOver, chat, upstreamCalls, skipCount, eventually } from './lib/state.mjs';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

/// Permissions do not stop root: a read-only data dir is then tried as user nobody.
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

/// A data dir with providers.json (one provider of the fake) and an empty env file.
function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'freerouter-df-'));
  writeFileSync(join(dir, 'providers.json'), JSON.stringify([fakeProvider(fake, 'dfa')]));
  writeFileSync(join(dir, 'test.env'), '');
  return dir;
}

/// Runs freerouter on `dir` to its end (bounded); returns exit status, signal and stderr lines.
function startOn(dir, { asNobody = false } = {}) {
  const run = spawnSync(FREEROUTER_BIN, ['--port', '0', '--data-dir', dir, '--env-file', join(dir, 'test.env')], {
    encoding: 'utf8', timeout: 10000,
    env: { PATH: process.env.PATH, ...sanitizerEnv(), AUTO_ENDPOINT_DIAGNOSIS_ENABLED: 'false', DFA_API_KEY: 'k' },
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  assert.equal(run.error, undefined, String(run.error));
  return { status: run.status, signal: run.signal, lines: run.stderr.split('\n').filter((l) => l !== '') };
}

/// The start-up refused with exactly one `<time> error <file>: ...` log line and exit code 2.
function assertOneLineRefusal(result, file, detail) {
  assert.equal(result.signal, null, `ended by ${result.signal}: ${result.lines.join('\n')}`);
  assert.equal(result.status, 2, `exit ${result.status}: ${result.lines.join('\n')}`);
  assert.equal(result.lines.length, 1, `one line expected:\n${result.lines.join('\n')}`);
  const [line] = result.lines;
  assert.match(line, ERROR_LINE);
  assert.ok(line.replace(ERROR_LINE, '').startsWith(file), line);
  assert.equal(line.split(file).length, 2, `the file is named once: ${line}`);
  assert.match(line, detail);
}

test('a database file of random bytes: one line naming it, exit 2', () => {
  const dir = dataDir();
  writeFileSync(join(dir, 'gateway.sqlite3'), randomBytes(64 * 1024));
  assertOneLineRefusal(startOn(dir), join(dir, 'gateway.sqlite3'), /not a database/);
});

test('a catalog file of random bytes: one line naming it, exit 2', () => {
  const dir = dataDir();
  // Not a '[' or '{': random bytes that could start a JSON value would fail later in the text.
  writeFileSync(join(dir, 'model_catalog.json'), Buffer.concat([Buffer.from('\x01'), randomBytes(16 * 1024)]));
  assertOneLineRefusal(startOn(dir), join(dir, 'model_catalog.json'), /Invalid JSON/);
});

test('a read-only empty data dir: one line, exit 2', () => {
  const dir = dataDir();
  chmodSync(dir, 0o555);
  const result = startOn(dir, { asNobody: AS_ROOT });
  assertOneLineRefusal(result, join(dir, 'freerouter.lock'), /Permission denied/);
});

test('a read-only data dir holding the state of an earlier run: one line, exit 2, nothing changed', async () => {
  const dir = dataDir();
  const gw = await startGateway({ dataDir: dir, env: { DFA_API_KEY: 'k' } });
  await gw.stop();
  const files = readdirSync(dir).sort();
  for (const f of files) chmodSync(join(dir, f), 0o444);
  chmodSync(dir, 0o555);
  const result = startOn(dir, { asNobody: AS_ROOT });
  assert.equal(result.status, 2, `exit ${result.status} ${result.signal}: ${result.lines.join('\n')}`);
  assert.equal(result.lines.length, 1, result.lines.join('\n'));
  assert.match(result.lines[0], ERROR_LINE);
  assert.match(result.lines[0].replace(ERROR_LINE, ''), new RegExp(`^${dir}/\\S+: .*(Permission denied|readonly)`));
  assert.deepEqual(readdirSync(dir).sort(), files, 'no file was added');
});

function hasPrlimit() {
  try { execFileSync('prlimit', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/// Sets the running gateway's file size limit: 0 makes every write to a file fail (EFBIG).
const fileSizeLimit = (gw, value) => execFileSync('prlimit', ['--pid', String(gw.proc.pid), `--fsize=${value}:unlimited`]);

async function metric(gw, name) {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('a disk that refuses every write at run time: unlimited routes serve, limited ones are refused until it recovers',
  { skip: hasPrlimit() ? false : 'prlimit (util-linux) is not installed' }, async () => {
    const gw = await gatewayOver(fake, [route('lim', 'dflim', 'ok;content=limited', 1), route('free', 'dffree', 'ok;content=free', 2)],
      // A day limit small enough that no grant is leased ahead (catalog/grant_lease.hpp): each
      // reservation needs a write of its own.
      { providerExtra: { dflim: { requests_per_day: 5 } } });
    const notPersisted = 'freerouter_quota_not_persisted_total{provider="dflim"}';
    try {
      const first = await chat(gw);
      assert.equal(first.headers.get('x-gateway-route'), 'lim', first.text);
      const limCalls = await upstreamCalls(fake, 'dflim');
      fileSizeLimit(gw, 0);
      for (let i = 0; i < 10; i++) {
        const res = await chat(gw);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get('x-gateway-route'), 'free', 'the limited route is skipped, the unlimited one serves');
      }
      assert.equal(await upstreamCalls(fake, 'dflim'), limCalls, 'no call on an unpersisted reservation');
      assert.equal(await metric(gw, notPersisted), 10);
      assert.equal(await skipCount(gw, 'lim', 'quota_not_persisted'), 10);
      // Writes work again: the limited route serves at once (the next reservation retries).
      fileSizeLimit(gw, 'unlimited');
      const back = await eventually(async () => (await chat(gw)).headers.get('x-gateway-route') === 'lim', 5000, 200);
      assert.ok(back, 'the limited route serves again once writes succeed');
      assert.ok(await upstreamCalls(fake, 'dflim') > limCalls);
      // Reported once when it started (per bucket and for the batch writer) and once when it ended.
      const lines = gw.proc.stderrText.split('\n');
      assert.equal(lines.filter((l) => / error persistence: write_batch failed /.test(l)).length, 1, gw.proc.stderrText);
      assert.equal(lines.filter((l) => /quota state of dflim cannot be committed/.test(l)).length, 1, gw.proc.stderrText);
      assert.equal(lines.filter((l) => / warn persistence: writes succeed again failed_batches=\d+/.test(l)).length, 1, gw.proc.stderrText);
    } finally {
      await gw.stop({ allowStderr: [
        logLine('error', String.raw`persistence: write_batch failed error=\w+ dropped_events=\d+ message=".*"`),
        logLine('error', 'quota state of dflim cannot be committed; refusing its reservations until it can'),
        logLine('warn', String.raw`persistence: writes succeed again failed_batches=\d+ dropped_events=\d+`),
      ] });
    }
  });
