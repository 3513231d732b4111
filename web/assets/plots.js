// The Usage page's time plots: GET /v1/gateway/usage/series (per-route buckets from the
// gateway's per-minute usage aggregates) drawn with uPlot (pinned in web/package.json, embedded as
// /assets/uplot.min.js, which defines window.uPlot). The busiest routes get their own line;
// the rest are summed into "other routes" so that a large catalog stays readable.
import { fill, fmtCompact, h } from './common.js';

const MAX_LINES = 8;
const PALETTE = ['#5aa9ff', '#3fb950', '#d29922', '#f85149', '#a371f7', '#39c5cf', '#ff7ab2', '#8b949e', '#6e7681'];
// Columns of a point: [time, requests, successes, failures, prompt, completion, total_tokens].
const COLUMN = { requests: 1, failures: 3, tokens: 6 };

const charts = new Map();

/// Aligned uPlot data for `metric`: x = every bucket of the window, one y array per line.
function toData(series, metric) {
  const step = series.bucket_seconds;
  const xs = [];
  for (let t = series.from; t <= series.to; t += step) xs.push(t);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ranked = [...series.routes].sort((a, b) => b.requests - a.requests);
  const lines = ranked.slice(0, MAX_LINES).map((r) => ({ label: r.route_id, routes: [r] }));
  if (ranked.length > MAX_LINES) lines.push({ label: `other routes (${ranked.length - MAX_LINES})`, routes: ranked.slice(MAX_LINES) });
  const ys = lines.map((line) => {
    const y = new Array(xs.length).fill(0);
    for (const r of line.routes) {
      for (const p of r.points) {
        const i = index.get(p[0]);
        if (i !== undefined) y[i] += p[COLUMN[metric]];
      }
    }
    return y;
  });
  return { labels: lines.map((l) => l.label), data: [xs, ...ys] };
}

function options(labels, width, metric) {
  const css = getComputedStyle(document.documentElement);
  const text = css.getPropertyValue('--muted').trim() || '#999';
  const grid = css.getPropertyValue('--border').trim() || '#333';
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: 200,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [axis, { ...axis, size: 50, values: (u, ticks) => ticks.map((v) => fmtCompact(v)) }],
    series: [{}, ...labels.map((label, i) => ({
      label, stroke: PALETTE[i % PALETTE.length], width: 1.5,
      fill: `${PALETTE[i % PALETTE.length]}22`,
      value: (u, v) => (v === null || v === undefined ? '—' : `${fmtCompact(v)} ${metric}`),
      points: { show: false },
    }))],
    legend: { live: true },
  };
}

/// Draws (or redraws) the three plots from a usage_series answer.
export function drawPlots(series) {
  for (const [metric, id] of [['requests', 'plot-requests'], ['tokens', 'plot-tokens'], ['failures', 'plot-failures']]) {
    const host = document.getElementById(id);
    const { labels, data } = toData(series, metric);
    charts.get(id)?.destroy();
    charts.delete(id);
    const title = host.querySelector('h3');
    fill(host, title);
    if (!labels.length) {
      host.append(h('p', { class: 'empty' }, 'No traffic in this time range yet.'));
      continue;
    }
    const width = Math.max(260, host.clientWidth - 34);
    charts.set(id, new window.uPlot(options(labels, width, metric), data, host));
  }
}

// Plots follow the card width (phone rotation, window resize) and the theme's colors.
let lastSeries = null;
export function rememberSeries(series) { lastSeries = series; }
let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (lastSeries) drawPlots(lastSeries); }, 150);
});
window.addEventListener('themechange', () => { if (lastSeries) drawPlots(lastSeries); });
