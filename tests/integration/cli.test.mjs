// freerouter-cli, every command against the real gateway and the fake provider: what it prints
// and the exit codes scripts rely on (0 ok, 1 gateway error, 2 usage error, 3 cannot connect).
// `diagnose` runs against the gateway's endpoint diagnosis, and against a small stub of its
// endpoints for the polling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, freePort, FREEROUTER_BIN, sanitizerEnv, logLine } from './lib/harness.mjs';

const CLI_BIN = process.env.FREEROUTER_CLI_BIN ?? '../../build/freerouter-cli';

/** Runs the CLI (at most 60 s) with `input` on stdin; resolves to {code, stdout, stderr}. */
function cli(args, { env = {}, input = '' } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(CLI_BIN, args, {
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...sanitizerEnv(), ...env },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`cli ${args.join(' ')} timed out`)); }, 60000);
    proc.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    if (input) {
      // The CLI may exit before it read everything (a failed turn, /exit): not an error here.
      proc.stdin.on('error', () => {});
      proc.stdin.end(input);
    }
  });
}

const fake = await startFake();
const providers = [fakeProvider(fake, 'p1', { requests_per_day: 50 }), fakeProvider(fake, 'p2')];
const catalog = [
  route('p2-down', 'p2', 'status;code=500', 1),
  route('p1-ok', 'p1', 'ok;content=four', 2),
  route('p1-stream', 'p1', 'stream;chunks=3', 3, { enabled: false }),
];
const gw = await startGateway({ providers, catalog });
const url = ['--url', gw.base];
after(async () => { await gw.stop(); fake.stop(); });

test('ask prints the answer and exits 0', async () => {
  const r = await cli([...url, 'ask', 'What', 'is', '2+2?']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'four\n');
  const sent = await fake.requests('/p1/v1');
  assert.equal(sent.requests.at(-1).body.messages[0].content, 'What is 2+2?');
});

test('ask --json prints the full result', async () => {
  const r = await cli([...url, 'ask', '--json', 'hello']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.content, 'four');
  assert.equal(result.provider, 'p1');
  assert.equal(result.route_id, 'p1-ok');
  assert.equal(result.model_id, 'ok;content=four');
  assert.equal(result.attempts, 2);
  assert.equal(result.body.object, 'chat.completion');
});

test('a gateway error exits 1 and names its code', async () => {
  const exhausted = await startGateway({ providers, catalog: [route('p2-down', 'p2', 'status;code=500', 1)] });
  try {
    const e = await cli(['--url', exhausted.base, 'ask', 'hello']);
    assert.equal(e.code, 1);
    assert.equal(e.stdout, '');
    assert.match(e.stderr, /^freerouter-cli: waterfall_exhausted \(HTTP 503\): /);
  } finally {
    await exhausted.stop();
  }
});

test('usage errors exit 2 with the usage text', async () => {
  for (const args of [[], ['frobnicate'], ['ask'], ['--timeout', 'soon', 'status'], ['models', 'extra'], ['--bogus', 'status'],
    ['--data-dir', '/tmp', 'diagnose']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^freerouter-cli: .+\n\nusage: freerouter-cli/);
  }
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes: 0 ok; 1 .*\n.*2 usage error; 3 cannot reach the gateway/);
});

test('no gateway at the url exits 3', async () => {
  const r = await cli(['--url', `http://127.0.0.1:${await freePort()}`, 'ask', 'hello']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^freerouter-cli: connection_failed: cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: connect_error/);
  const viaEnv = await cli(['status'], { env: { FREEROUTER_URL: `http://127.0.0.1:${await freePort()}` } });
  assert.equal(viaEnv.code, 3);
});

test('models prints the enabled routes in rank order as a table', async () => {
  const r = await cli([...url, 'models']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^RANK\s+ROUTE\s+PROVIDER\s+MODEL\s+HEALTH\s+CONTEXT$/);
  assert.match(lines[1], /^1\s+p2-down\s+p2\s+status;code=500\s+/);
  assert.match(lines[2], /^2\s+p1-ok\s+p1\s+ok;content=four\s+active\s+100000$/);
  assert.equal(lines.at(-1), '2 routes');
  const all = await cli([...url, 'models', '--all']);
  assert.match(all.stdout, /\n3\s+p1-stream\s+p1\s+stream;chunks=3\s+active\s+100000\s+no\n3 routes\n$/);
});

test('status shows each provider with quota bars and the time until the day resets', async () => {
  const r = await cli([...url, 'status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^p1 {2}available {2}2 routes$/m);
  assert.match(r.stdout, /^ {2}requests\/day +\[#*\.+\] \d+\/50 {2}resets in \d+(h|m|s)( \d+(m|s))? \(UTC\)$/m);
  assert.match(r.stdout, /^p2 {2}available {2}1 routes\n {2}requests\/min +\d+ used, unlimited$/m);
  assert.match(r.stdout, /^cerebras {2}not configured \(no API key\)/m);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour codes when stdout is not a terminal');
});

test('chat streams the answer and shows the routing on stderr when piped', async () => {
  const streaming = await startGateway({ providers, catalog: [route('p2-down', 'p2', 'status;code=500', 1), route('p1-stream', 'p1', 'stream;chunks=3', 2)] });
  try {
    const r = await cli(['--url', streaming.base, 'chat'], { input: 'hello\n\nand again\n/exit\nnever sent\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tok0 tok1 tok2 \ntok0 tok1 tok2 \n');
    const turn = [
      '  try   p2/status;code=500 (p2-down)',
      '  fail  p2/status;code=500 (p2-down): provider_5xx',
      '  try   p1/stream;chunks=3 (p1-stream)',
      '  using p1/stream;chunks=3 (p1-stream)',
    ];
    const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('  usage'));
    assert.deepEqual(lines, [...turn, ...turn]);
    // The second turn carries the conversation so far.
    const sent = await fake.requests('/p1/v1');
    const last = sent.requests.at(-1).body.messages;
    assert.deepEqual(last.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.equal(last[1].content, 'tok0 tok1 tok2 ');
  } finally {
    await streaming.stop();
  }
});

test('chat on a terminal shows the routing dimmed between the prompts', async () => {
  const streaming = await startGateway({ providers, catalog: [route('p2-down', 'p2', 'status;code=500', 1), route('p1-stream', 'p1', 'stream;chunks=3', 2)] });
  try {
    // script(1) runs the CLI on a pseudo-terminal: stdin and stdout are TTYs.
    const proc = spawn('script', ['-qfec', `${CLI_BIN} --url ${streaming.base} chat`, '/dev/null'],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, TERM: 'xterm', ...sanitizerEnv() } });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    const closed = new Promise((resolve) => proc.on('close', resolve));
    /** Waits (at most 20 s) until the terminal shows `re`. */
    const seen = (re) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { proc.stdout.off('data', check); reject(new Error(`no ${re} in ${JSON.stringify(out)}`)); }, 20000);
      function check() { if (re.test(out)) { clearTimeout(timer); proc.stdout.off('data', check); resolve(); } }
      proc.stdout.on('data', check);
      check();
    });
    await seen(/> /);
    proc.stdin.write('hello\n');
    await seen(/tok2[\s\S]*> /); // the answer, then the next prompt
    proc.stdin.write('/exit\n');
    assert.equal(await closed, 0);
    const dim = (text) => `\x1b[2m  ${text}\x1b[0m`;
    assert.ok(out.startsWith('\x1b[1m> \x1b[0m'), JSON.stringify(out));
    for (const line of ['try   p2/status;code=500 (p2-down)', 'fail  p2/status;code=500 (p2-down): provider_5xx',
      'try   p1/stream;chunks=3 (p1-stream)', 'using p1/stream;chunks=3 (p1-stream)']) {
      assert.ok(out.includes(dim(line)), `${line} dimmed in ${JSON.stringify(out)}`);
    }
    assert.match(out, /\x1b\[0m\r\ntok0 tok1 tok2 \r\n/);
  } finally {
    await streaming.stop();
  }
});

test('chat reports a failed turn, goes on, and exits 1', async () => {
  const exhausted = await startGateway({ providers, catalog: [route('p2-down', 'p2', 'status;code=500', 1)] });
  try {
    const r = await cli(['--url', exhausted.base, 'chat'], { input: 'hello\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /freerouter-cli: waterfall_exhausted \(HTTP 503\): /);
  } finally {
    await exhausted.stop();
  }
});

test('the api key comes from FREEROUTER_API_KEY', async () => {
  const locked = await startGateway({ providers, catalog, env: { GATEWAY_API_KEYS: 'k-1,k-2' } });
  try {
    const refused = await cli(['--url', locked.base, 'ask', 'hello']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid_api_key \(HTTP 401\)/);
    const ok = await cli(['--url', locked.base, 'ask', 'hello'], { env: { FREEROUTER_API_KEY: 'k-2' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'four\n');
  } finally {
    await locked.stop();
  }
});

test('embedded mode refuses a data dir held by a server, then runs on it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freerouter-cli-'));
  const own = await startGateway({ providers, catalog, dataDir: dir });
  const keys = { P1_API_KEY: 'k', P2_API_KEY: 'k' };
  let stopped = false;
  try {
    const held = await cli(['--data-dir', dir, 'ask', 'hello'], { env: keys });
    assert.equal(held.code, 3);
    assert.match(held.stderr, /^freerouter-cli: data_dir_locked: .*freerouter\.lock is held by another FreeRouter/);
    // A second server on the same data dir is refused too.
    const second = spawnSync(FREEROUTER_BIN, ['--port', String(await freePort()), '--data-dir', dir, '--env-file', join(dir, 'test.env')],
      { env: { PATH: process.env.PATH, ...sanitizerEnv() }, timeout: 20000, encoding: 'utf8' });
    assert.equal(second.status, 1);
    assert.match(second.stderr.trimEnd(), logLine('error', String.raw`.*freerouter\.lock is held by another FreeRouter.*`));
    await own.stop();
    stopped = true;
    const r = await cli(['--data-dir', dir, 'ask', '--json', 'hello'], { env: keys });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).route_id, 'p1-ok');
    const status = await cli(['--data-dir', dir, 'status'], { env: keys });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /requests\/day +\[#*\.+\] 1\/50/, 'the embedded call is counted in the persisted state');
  } finally {
    if (!stopped) await own.stop();
  }
});

/** A stub of the diagnosis endpoints (the shape the gateway answers): running for two polls. */
async function startDiagnosisStub({ suggestions }) {
  let polls = 0;
  let started = false;
  const report = {
    run_id: 'run-7', started_at: '2026-01-01T00:00:00Z', checked_at: '2026-01-01T00:00:05Z',
    providers: [
      { provider_name: 'groq', configured: true, ok: true, discovered_model_count: 12, new_route_suggestion_count: suggestions.length,
        confirmed_route_count: 9, stale_route_suggestion_count: 0, recovered_route_suggestion_count: 0, error: null },
      { provider_name: 'nvidia', configured: false, ok: false, discovered_model_count: 0, new_route_suggestion_count: 0,
        confirmed_route_count: 0, stale_route_suggestion_count: 0, recovered_route_suggestion_count: 0, error: null },
    ],
    suggestions,
  };
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/v1/gateway/endpoint-diagnosis/refresh') {
      started = true;
      res.end(JSON.stringify({ run_id: 'run-7', running: true }));
    } else if (req.method === 'GET' && req.url === '/v1/gateway/endpoint-diagnosis') {
      const running = started && ++polls < 3;
      res.end(JSON.stringify({ enabled: true, auto_maintenance_enabled: false, running, run_id: 'run-7', last_auto_applied: [],
        last_report: running || !started ? null : report }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error', code: 'not_found', param: null } }));
    }
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${port}`, polls: () => polls, close: () => new Promise((r) => server.close(r)) };
}

test('diagnose waits for the run and lists its suggestions', async () => {
  const stub = await startDiagnosisStub({ suggestions: [
    { suggestion_id: 's-1', action: 'add_route', provider_name: 'groq', model_id: 'llama-9', route_id: 'groq-llama-9',
      title: 'Add groq/llama-9', details: 'listed by groq and answered a probe', route: {} },
  ] });
  try {
    const r = await cli(['--url', stub.base, 'diagnose']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(stub.polls(), 3);
    assert.match(r.stderr, /^diagnosis run-7 running\.\.\.$/m);
    assert.match(r.stdout, /^PROVIDER\s+RESULT\s+LISTED\s+CONFIRMED\s+NEW\s+STALE\s+RECOVERED$/m);
    assert.match(r.stdout, /^groq\s+ok\s+12\s+9\s+1\s+0\s+0$/m);
    assert.match(r.stdout, /^nvidia\s+not configured\s+0/m);
    assert.match(r.stdout, /1 suggestions\n {2}add_route {2}Add groq\/llama-9\n {6}groq-llama-9 {2}id s-1\n {6}listed by groq and answered a probe\n$/);
  } finally {
    await stub.close();
  }
  const empty = await startDiagnosisStub({ suggestions: [] });
  try {
    const r = await cli(['--url', empty.base, 'diagnose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No suggestions/);
  } finally {
    await empty.close();
  }
});

test('diagnose runs the real endpoint diagnosis and lists what it found', async () => {
  const data = [{ id: 'ok;content=four' }, { id: 'fresh/chat-model', name: 'Fresh', architecture: { modality: 'text->text' },
    pricing: { prompt: '0', completion: '0' } }];
  const set = await fetch(`${fake.base}/_fake/models?prefix=${encodeURIComponent('/p1/v1')}`, { method: 'PUT', body: JSON.stringify({ data }) });
  assert.equal(set.status, 200);
  const r = await cli([...url, 'diagnose']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^p1\s+ok\s+2\s+1\s+1\s+0\s+0$/m);
  assert.match(r.stdout, /add_route {2}Add Fresh\n {6}p1-fresh-chat-model {2}id add:p1-fresh-chat-model\n/);
});
