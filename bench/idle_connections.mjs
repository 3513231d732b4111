// Opens N keep-alive connections to the gateway, sends one request on each (GET /healthz) and
// then leaves them idle; reports the gateway's RSS with all of them open. Bounded: gives up
// after 60 s, closes every socket at the end.
//   node bench/idle_connections.mjs HOST PORT GATEWAY_PID N
import { readFileSync } from 'node:fs';
import net from 'node:net';

const [host, portText, pid, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText ?? 10000);
const status = () => readFileSync(`/proc/${pid}/status`, 'utf8');
const rssMb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status())[1]) / 1024;
const request = `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;

const sockets = [];
let answered = 0, failed = 0;
const started = Date.now();
await new Promise((resolve) => {
  const timer = setTimeout(resolve, 60_000);
  const settle = () => { if (answered + failed === count) { clearTimeout(timer); resolve(); } };
  let next = 0;
  // Opened in waves of 500 so that the listen backlog never overflows.
  const wave = () => {
    for (let i = 0; i < 500 && next < count; i++, next++) {
      const s = net.connect(port, host);
      sockets.push(s);
      let seen = false;
      s.on('connect', () => s.write(request));
      s.on('data', (d) => { if (!seen && d.toString().startsWith('HTTP/1.1 200')) { seen = true; answered++; settle(); } });
      s.on('error', () => { if (!seen) { seen = true; failed++; settle(); } });
    }
    if (next < count) setTimeout(wave, 50);
  };
  wave();
});
const rss = rssMb('VmRSS');
for (const s of sockets) s.destroy();
console.log(`| ${count} idle keep-alive connections | answered ${answered} | failed ${failed} | gateway RSS ${rss.toFixed(1)} MB (peak ${rssMb('VmHWM').toFixed(1)} MB) | ${((Date.now() - started) / 1000).toFixed(1)} s |`);
