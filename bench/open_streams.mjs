// Holds N streams open through the gateway at once (slow 5 s answers) and reports the
// gateway's peak RSS. Bounded: every stream ends by itself; the script gives up after 60 s.
//   node bench/open_streams.mjs http://127.0.0.1:PORT GATEWAY_PID N
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [base, pid, countText] = process.argv.slice(2);
const count = Number(countText ?? 1000);
const agent = new http.Agent({ keepAlive: false, maxSockets: count + 10 });
const body = JSON.stringify({ model: 'slow-stream', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const rssKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

let open = 0, maxOpen = 0, done = 0, failed = 0;
const started = Date.now();
await new Promise((resolve) => {
  const finish = () => { if (done + failed === count) resolve(); };
  setTimeout(resolve, 60_000);
  for (let i = 0; i < count; i++) {
    const req = http.request(`${base}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) { failed++; res.resume(); finish(); return; }
      open++; maxOpen = Math.max(maxOpen, open);
      res.on('data', () => {});
      res.on('end', () => { open--; done++; finish(); });
    });
    req.on('error', () => { failed++; finish(); });
    req.end(body);
  }
});
console.log(`| ${count} concurrent streams | max open ${maxOpen} | completed ${done} | failed ${failed} | gateway peak RSS ${(rssKb() / 1024).toFixed(1)} MB | ${((Date.now() - started) / 1000).toFixed(1)} s |`);
