// Bad input gets a clear 4xx in the OpenAI envelope, never a 500 or a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, startGateway, fakeProvider, route, postJson, hello, FREEROUTER_BIN } from './lib/harness.mjs';

let fake, gw;
before(async () => {
  fake = await startFake();
  gw = await startGateway({ providers: [fakeProvider(fake, 'p1')], catalog: [route('r1', 'p1', 'ok', 1)],
    env: { MAX_REQUEST_BODY_BYTES: '100000' } });
});
after(async () => { await gw?.stop(); fake?.stop(); });

function assertEnvelope(res, status, pattern) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.equal(typeof res.json.error.type, 'string');
  assert.ok('code' in res.json.error && 'param' in res.json.error, res.text);
  if (pattern) assert.match(res.json.error.message, pattern);
}

const cases = [
  ['invalid JSON', '{"model": "auto", "messages": [', 400, /JSON/],
  ['a JSON array', '[]', 400, /JSON object/],
  ['missing messages', '{"model":"auto"}', 400, /non-empty 'messages'/],
  ['empty messages', '{"model":"auto","messages":[]}', 400, /non-empty 'messages'/],
  ['messages not an array', '{"messages":"hi"}', 400, /messages/],
  ['a message that is not an object', '{"messages":[1]}', 400, /messages\[0\] must be an object/],
  ['a role that is not a string', '{"messages":[{"role":1,"content":"x"}]}', 400, /role/],
  ['a message without content', '{"messages":[{"role":"user"}]}', 400, /content/],
  ['model of the wrong type', '{"model":5,"messages":[{"role":"user","content":"x"}]}', 400, /model/],
  ['max_tokens of the wrong type', '{"messages":[{"role":"user","content":"x"}],"max_tokens":"abc"}', 400, /max_tokens/],
  ['max_tokens as an object', '{"messages":[{"role":"user","content":"x"}],"max_tokens":{}}', 400, /max_tokens/],
  ['max_tokens of 2^62', '{"messages":[{"role":"user","content":"x"}],"max_tokens":4611686018427387904}', 400,
    /^'max_tokens' must be at most 1000000000000$/],
];
for (const [name, body, status, pattern] of cases) {
  test(`${name} -> ${status}`, async () => {
    assertEnvelope(await postJson(gw.base, '/v1/chat/completions', body), status, pattern);
  });
}

test('a body over MAX_REQUEST_BODY_BYTES -> 413', async () => {
  const big = JSON.stringify(hello({ messages: [{ role: 'user', content: 'x'.repeat(200000) }] }));
  const res = await postJson(gw.base, '/v1/chat/completions', big);
  assertEnvelope(res, 413);
});

/// Sends `head` on a raw socket; resolves with what arrived within `ms` (bounded) and the socket.
function rawExchange(port, head) {
  const s = net.connect(port, '127.0.0.1', () => s.write(head));
  let text = '';
  const waiters = [];
  s.on('data', (d) => { text += d; for (const w of waiters.splice(0)) w(); });
  s.on('close', () => { for (const w of waiters.splice(0)) w(); });
  s.on('error', () => {});
  return {
    socket: s,
    /// Resolves once `pattern` matches what arrived, or with null after `ms`.
    async until(pattern, ms) {
      const end = Date.now() + ms;
      while (!pattern.test(text)) {
        const left = end - Date.now();
        if (left <= 0 || s.destroyed) return null;
        await new Promise((resolve) => { const t = setTimeout(resolve, left); waiters.push(() => { clearTimeout(t); resolve(); }); });
      }
      return text;
    },
    get text() { return text; },
  };
}

test('Expect: 100-continue gets its 100 Continue before the body is sent', async () => {
  const body = JSON.stringify(hello());
  const ex = rawExchange(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    + `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
  try {
    const interim = await ex.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/, 1000);
    assert.ok(interim, `no 100 Continue within 1 s; got: ${JSON.stringify(ex.text)}`);
    ex.socket.write(body);
    const final = await ex.until(/HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[\s\S]*"chat\.completion"/, 5000);
    assert.ok(final, `no final answer; got: ${JSON.stringify(ex.text)}`);
  } finally { ex.socket.destroy(); }
});

test('Expect: 100-continue with a Content-Length over the limit is answered 413 at once, without a 100', async () => {
  const ex = rawExchange(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    + 'Content-Length: 20000000\r\nExpect: 100-continue\r\n\r\n');
  try {
    const answer = await ex.until(/\r\n\r\n\{.*\}/, 2000);
    assert.ok(answer, `no answer; got: ${JSON.stringify(ex.text)}`);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"request_too_large"/);
  } finally { ex.socket.destroy(); }
});

test('a 20 MB body still being sent is answered with a readable 413, not a broken pipe', async () => {
  const { request } = await import('node:http');
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  const outcome = await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'content-length': 20 * chunk.length } });
    const timer = setTimeout(() => { req.destroy(); resolve({ error: 'no answer within 10 s' }); }, 10000);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode, text }); });
      res.on('error', (err) => { clearTimeout(timer); resolve({ status: res.statusCode, text, error: err.code }); });
    });
    req.on('error', (err) => { clearTimeout(timer); resolve({ error: err.code ?? String(err) }); });
    let sent = 0;
    const pump = () => {
      while (sent < 20) {
        sent += 1;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  });
  assert.equal(outcome.status, 413, JSON.stringify(outcome));
  assert.match(outcome.text, /"code":"request_too_large"/);
});

test('an unknown path -> 404 and a wrong method -> 405', async () => {
  let res = await fetch(`${gw.base}/v1/nope`);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, 'not_found');
  res = await fetch(`${gw.base}/v1/chat/completions`);
  assert.equal(res.status, 405);
  assert.equal((await res.json()).error.code, 'method_not_allowed');
});

test('malformed HTTP and abrupt disconnects do not hurt the gateway', async () => {
  const garbage = await new Promise((resolve, reject) => {
    let reply = '';
    const s = net.connect(gw.port, '127.0.0.1', () => { s.write('GARBAGE\r\n\r\n'); });
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`no answer to a garbage request; got: ${reply}`)); });
    s.on('data', (d) => { reply += d; }); s.on('close', () => resolve(reply)); s.on('error', reject);
  });
  assert.match(garbage, /^HTTP\/1\.1 400 /, garbage);
  assert.match(garbage, /"code":"malformed_request"/, garbage);
  await new Promise((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1', () => {
      s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"mess');
      setTimeout(() => { s.destroy(); resolve(); }, 50);
    });
    s.on('error', resolve);
  });
  const res = await postJson(gw.base, '/v1/chat/completions', hello());
  assert.equal(res.status, 200);
});

test('bad configuration exits non-zero with one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freerouter-badcfg-'));
  writeFileSync(join(dir, 'model_catalog.json'), '{ not json');
  writeFileSync(join(dir, 'test.env'), '');
  let run = spawnSync(FREEROUTER_BIN, ['--port', '0', '--data-dir', dir, '--env-file', join(dir, 'test.env')], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /model_catalog\.json/);
  // An id that would split a response header: refused at start-up, the entry named, one line.
  writeFileSync(join(dir, 'model_catalog.json'), JSON.stringify([route('r\r\nX-Evil: 1', 'groq', 'ok', 1)]));
  run = spawnSync(FREEROUTER_BIN, ['--port', '0', '--data-dir', dir, '--env-file', join(dir, 'test.env')], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /model_catalog\.json.*catalog entry 0: field 'route_id' must not contain control characters/);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  run = spawnSync(FREEROUTER_BIN, ['--port', String(gw.port), '--data-dir', mkdtempSync(join(tmpdir(), 'fr-')), '--env-file', join(dir, 'test.env')], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, new RegExp(`${gw.port}`));
});

test('a request with both Content-Length and Transfer-Encoding (smuggling) is refused with 400', async () => {
  const before = (await fake.stats()).total;
  const ex = rawExchange(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    + 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await ex.until(/\r\n\r\n[\s\S]*\}\}/, 3000);
  ex.socket.destroy();
  assert.ok(text, 'an answer arrived');
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.match(text, /"type":"invalid_request_error"/);
  assert.equal((text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'the smuggled request was never answered');
  assert.equal((await fake.stats()).total, before, 'nothing reached a provider');
});
