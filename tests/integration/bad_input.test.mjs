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
