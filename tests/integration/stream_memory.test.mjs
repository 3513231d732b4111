// Streaming memory (issue 12): repeated rounds of streamed requests, a third of them cut by
// the client at a random moment, must leave the gateway's resident memory flat: nothing kept
// per stream (relays, upstream connections, live events beyond the ring, allocator growth).
// Bounded: ROUNDS x STREAMS requests, each with its own timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { startFake, route } from './lib/harness.mjs';
import { gatewayOver } from './lib/state.mjs';

const ROUNDS = Number(process.env.STREAM_MEMORY_ROUNDS ?? 5);
const STREAMS = Number(process.env.STREAM_MEMORY_STREAMS ?? 2000);
const CONCURRENCY = 50;
// ASan keeps freed memory in quarantine and TSan shadows every byte: RSS says nothing there.
const SANITIZED = process.env.ASAN_OPTIONS !== undefined || process.env.TSAN_OPTIONS !== undefined;

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/// One streamed chat; `cutAfterMs` >= 0 destroys the socket that long after the first byte.
function stream(agent, port, cutAfterMs) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const req = http.request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 10000 }, (res) => {
      if (cutAfterMs >= 0) setTimeout(() => { req.destroy(); resolve('cut'); }, cutAfterMs);
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode === 200 ? 'done' : `status ${res.statusCode}`));
      res.on('error', () => resolve('cut'));
    });
    req.on('timeout', () => { req.destroy(); resolve('timeout'); });
    req.on('error', () => resolve('cut'));
    req.end(body);
  });
}

async function round(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const outcomes = {};
  let next = 0;
  const worker = async () => {
    while (next < STREAMS) {
      const i = next++;
      const outcome = await stream(agent, port, i % 3 === 0 ? Math.floor(Math.random() * 20) : -1);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return outcomes;
}

test(`RSS stays flat over ${ROUNDS} rounds of ${STREAMS} streams with random client disconnects`,
  { skip: SANITIZED && 'RSS is not meaningful under a sanitizer' }, async () => {
  // 40 chunks, 1 ms apart: long enough for a cut to land mid-stream.
  const gw = await gatewayOver(fake, [route('s', 'smem', 'stream;chunks=40;interval_ms=1', 1)]);
  try {
    const rss = [];
    for (let r = 0; r < ROUNDS; r++) {
      const outcomes = await round(gw.port);
      assert.ok((outcomes.done ?? 0) >= STREAMS / 2, `round ${r}: ${JSON.stringify(outcomes)}`);
      assert.equal(outcomes.timeout ?? 0, 0, `round ${r}: ${JSON.stringify(outcomes)}`);
      rss.push(rssKb(gw.proc.pid));
    }
    console.log(`RSS after each round (KiB): ${rss.join(', ')}`);
    // The first round grows pools and the allocator's caches; after it, memory must not climb.
    const settled = rss[1];
    for (let r = 2; r < rss.length; r++) {
      assert.ok(rss[r] <= settled * 1.15 + 4096, `RSS grew from ${settled} KiB to ${rss[r]} KiB by round ${r}: ${rss.join(', ')}`);
    }
    const health = await fetch(`${gw.base}/healthz`);
    assert.equal(health.status, 200);
  } finally { await gw.stop(); }
});
