// Prometheus helpers for integration tests: a real Prometheus server (Debian package
// `prometheus`) on 127.0.0.1 scraping the gateway, its HTTP query API, `promtool check metrics`,
// and reading metric names out of the text exposition. Processes started here are killed when
// the test process ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from './harness.mjs';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';
/// The repository's deploy/ directory.
export const DEPLOY_DIR = fileURLToPath(new URL('../../../deploy/', import.meta.url));

const children = new Set();
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch {} } });

/**
 * Starts Prometheus scraping `target` ("127.0.0.1:port") every second, with `ruleFiles`
 * (absolute paths) evaluated every second. Resolves once Prometheus is ready.
 */
export async function startPrometheus({ target, ruleFiles = [], timeoutMs = 30000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'freerouter-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    ruleFiles.length ? `rule_files:\n${ruleFiles.map((f) => `  - ${JSON.stringify(f)}`).join('\n')}` : '',
    'scrape_configs:',
    '  - job_name: freerouter',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const proc = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-20000); });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const base = `http://127.0.0.1:${port}`;

  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${base}/-/ready`)).ok) break;
    } catch {}
    if (Date.now() > until) throw new Error(`prometheus not ready: ${stderr}`);
    await sleep(100);
  }

  const api = async (path) => {
    const res = await fetch(`${base}${path}`);
    const body = await res.json();
    if (body.status !== 'success') throw new Error(`${path}: ${body.errorType}: ${body.error}`);
    return body.data;
  };

  const prom = {
    base, proc,
    get stderr() { return stderr; },
    /// Instant query: the raw result vector.
    async query(expr) {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
    /// Instant query of a single-value expression: a number, or null when the vector is empty.
    async value(expr) {
      const result = await prom.query(expr);
      if (result.length === 0) return null;
      if (result.length > 1) throw new Error(`${expr}: ${result.length} series, expected one`);
      return Number(result[0].value[1]);
    },
    /// Polls `check` (async, returns truthy when done) until it holds or `timeoutMs` passes.
    async waitFor(what, check, { timeoutMs: limit = 20000, intervalMs = 250 } = {}) {
      const end = Date.now() + limit;
      let last;
      for (;;) {
        try {
          last = await check();
          if (last) return last;
        } catch (e) { last = e; }
        if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
        await sleep(intervalMs);
      }
    },
    async rules() { return (await api('/api/v1/rules')).groups; },
    async targets() { return (await api('/api/v1/targets')).activeTargets; },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, sleep(5000).then(() => proc.kill('SIGKILL'))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return prom;
}

/// Runs `promtool check metrics` on `text`: { code, output }.
export function promtoolCheckMetrics(text) {
  return new Promise((resolve, reject) => {
    const proc = spawn(PROMTOOL_BIN, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code, output }));
    proc.stdin.end(text);
  });
}

/// Names that have at least one sample line in the exposition (`name{...} value` or
/// `name value`), histograms as their _bucket/_sum/_count samples plus the family name. A
/// family with only its `# HELP`/`# TYPE` lines is not exported: a dashboard panel on it
/// would stay empty.
export function exportedNames(text) {
  const names = new Set();
  const histograms = new Set();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (histogram|summary)$/.exec(line);
    if (type) histograms.add(type[1]);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (!m) continue;
    names.add(m[1]);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    if (family !== m[1] && histograms.has(family)) names.add(family);
  }
  return names;
}

/// Every freerouter_* name mentioned in `text` (a PromQL expression, a rules file ...).
export function metricNamesIn(text) {
  return new Set(text.match(/freerouter_[a-zA-Z0-9_]+/g) ?? []);
}

/// The dashboard's queries: [{ panel, expr }] for every panel target, rows' nested panels too,
/// plus the template variables' queries (label_values(...)).
export function dashboardQueries() {
  const dash = JSON.parse(readFileSync(join(DEPLOY_DIR, 'grafana-dashboard.json'), 'utf8'));
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) out.push({ panel: p.title, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (v.type === 'query' && q) out.push({ panel: `$${v.name}`, expr: q, template: true });
  }
  return out;
}

/// A dashboard expression with Grafana's variables replaced by values Prometheus accepts.
export function concreteQuery(expr) {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m').replaceAll('$instance', '.*');
}

/// The value of one sample line in the exposition (`series` exactly as written), or undefined.
export function sampleValue(text, series) {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
