// Real providers are HTTPS: the gateway verifies the fake's certificate against the test CA
// it is told to trust (UPSTREAM_CA_FILE), with SNI and a host check, and never downgrades.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, startGateway, freePort, route, postJson, hello } from './lib/harness.mjs';

const CA_SCRIPT = process.env.TEST_CA_SCRIPT ?? '../support/make_test_ca.sh';
let certs, trusted, untrusted, otherHost, trustedPort, untrustedPort, otherHostPort;

before(async () => {
  certs = mkdtempSync(join(tmpdir(), 'freerouter-certs-'));
  execFileSync('sh', [CA_SCRIPT, certs]);
  trustedPort = await freePort();
  untrustedPort = await freePort();
  otherHostPort = await freePort();
  trusted = await startFake(['--tls-port', String(trustedPort), '--cert', join(certs, 'server.pem'), '--key', join(certs, 'server.key')]);
  untrusted = await startFake(['--tls-port', String(untrustedPort), '--cert', join(certs, 'untrusted.pem'), '--key', join(certs, 'untrusted.key')]);
  otherHost = await startFake(['--tls-port', String(otherHostPort), '--cert', join(certs, 'otherhost.pem'), '--key', join(certs, 'otherhost.key')]);
});
after(() => { trusted?.stop(); untrusted?.stop(); otherHost?.stop(); });

const tlsProvider = (name, port) => ({ name, base_url: `https://localhost:${port}/${name}/v1`, api_key_env: `${name.toUpperCase()}_API_KEY` });

test('an HTTPS provider signed by the configured CA answers', async () => {
  const gw = await startGateway({ providers: [tlsProvider('secure', trustedPort)], catalog: [route('s', 'secure', 'ok;content=over tls', 1)],
    env: { UPSTREAM_CA_FILE: join(certs, 'ca.pem') } });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.choices[0].message.content, 'over tls');
  } finally { await gw.stop(); }
});

test('a certificate that fails verification is a failed attempt, never a downgrade', async () => {
  const gw = await startGateway({
    providers: [tlsProvider('shady', untrustedPort), tlsProvider('secure', trustedPort)],
    catalog: [route('bad', 'shady', 'ok', 1), route('good', 'secure', 'ok', 2)],
    env: { UPSTREAM_CA_FILE: join(certs, 'ca.pem') } });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-gateway-route'), 'good');
    assert.equal(res.headers.get('x-gateway-attempts'), '2');
    const seen = await untrusted.stats();
    assert.equal(seen.by_prefix?.['/shady/v1'] ?? 0, 0, 'the untrusted server must never see the request');
  } finally { await gw.stop(); }
});

test('without the CA the test certificate is not trusted either', async () => {
  const gw = await startGateway({ providers: [tlsProvider('secure', trustedPort)], catalog: [route('s', 'secure', 'ok', 1)] });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 503);
    assert.equal(res.json.error.attempts[0].reason, 'tls_error');
  } finally { await gw.stop(); }
});

test('a certificate from the trusted CA but for another host name fails: the host check is on', async () => {
  // The same CA signs both; only the name differs (other.example vs the URL's localhost).
  const gw = await startGateway({
    providers: [tlsProvider('elsewhere', otherHostPort), tlsProvider('secure', trustedPort)],
    catalog: [route('wrong-name', 'elsewhere', 'ok', 1), route('good', 'secure', 'ok', 2)],
    env: { UPSTREAM_CA_FILE: join(certs, 'ca.pem') } });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-gateway-route'), 'good');
    assert.equal(res.headers.get('x-gateway-attempts'), '2', 'wrong-name was tried and failed');
    assert.equal((await otherHost.stats()).by_prefix?.['/elsewhere/v1'] ?? 0, 0, 'the other host never sees a request');
  } finally { await gw.stop(); }
});

test('the certificate for another host name is the only reason: it fails alone with tls_error', async () => {
  const gw = await startGateway({ providers: [tlsProvider('elsewhere', otherHostPort)], catalog: [route('wrong-name', 'elsewhere', 'ok', 1)],
    env: { UPSTREAM_CA_FILE: join(certs, 'ca.pem') } });
  try {
    const res = await postJson(gw.base, '/v1/chat/completions', hello());
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error.attempts[0].reason, 'tls_error', res.text);
    assert.equal((await otherHost.stats()).by_prefix?.['/elsewhere/v1'] ?? 0, 0);
  } finally { await gw.stop(); }
});
