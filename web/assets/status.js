// Usage: provider quota bars (used / limit per window, time until reset, the day resetting at
// midnight in the provider's time zone), per-route plots over time (plots.js) and a sortable,
// filterable route table. Data: GET /v1/providers/status and GET /v1/gateway/usage/series.
import { $, api, fill, fmtCompact, fmtDuration, fmtNumber, fmtRelative, fmtTime, h } from './common.js';
import { drawPlots, rememberSeries } from './plots.js';

let providers = [];
let sort = { key: 'total_tokens', desc: true };
const openDetails = new Set();

// -- quotas --------------------------------------------------------------------------------------

/// Seconds until the next midnight in `timeZone` (UTC when the name is unknown to the browser).
function secondsUntilMidnight(timeZone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(new Date());
  } catch {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(new Date());
  }
  const get = (type) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return 86400 - ((get('hour') % 24) * 3600 + get('minute') * 60 + get('second'));
}

function quotaRow(label, used, limit, resetText) {
  const ratio = limit ? Math.min(1, used / limit) : 0;
  const bar = h('div', {
    class: `bar${ratio >= 0.9 ? ' bad' : ratio >= 0.7 ? ' warn' : ''}`, role: 'progressbar',
    'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': String(limit ?? 0), 'aria-valuenow': String(used),
  }, h('span', {}));
  // Width through the CSSOM: the CSP forbids style attributes, not element.style.
  bar.firstChild.style.width = `${(ratio * 100).toFixed(1)}%`;
  return h('div', { class: 'quota', dataset: { window: label } },
    h('span', {}, label),
    h('span', { class: 'mono', dataset: { used: String(used) } }, limit ? `${fmtNumber(used)} / ${fmtNumber(limit)}` : `${fmtNumber(used)} · no limit`),
    limit ? bar : null,
    h('span', { class: 'reset' }, resetText));
}

function providerCard(p) {
  const limits = p.limits ?? {};
  const tz = p.day_reset_timezone || 'UTC';
  const dayReset = `resets in ${fmtDuration(secondsUntilMidnight(tz))} (midnight ${tz})`;
  let state;
  if (!p.configured) state = h('span', { class: 'pill' }, 'not configured');
  else if (p.available) state = h('span', { class: 'pill ok' }, 'available');
  else state = h('span', { class: 'pill warn', title: p.unavailable_reason ?? '' }, `${(p.unavailable_reason ?? 'unavailable').replace(/_/g, ' ')}${p.retry_after_seconds ? ` · ${fmtDuration(p.retry_after_seconds)}` : ''}`);
  return h('div', { class: 'card', dataset: { provider: p.name } },
    h('div', { class: 'row' }, h('h3', {}, p.name), h('span', { class: 'spacer' }), state),
    p.key_failing ? h('p', { class: 'small', dataset: { warn: 'key' } }, '⚠ The provider rejected the API key (401/403).') : null,
    quotaRow('Requests / minute', p.requests_this_minute ?? 0, limits.requests_per_minute, 'sliding 60 s window'),
    quotaRow('Requests / day', p.requests_today ?? 0, limits.requests_per_day, dayReset),
    quotaRow('Tokens / minute', p.tokens_this_minute ?? 0, limits.tokens_per_minute, 'sliding 60 s window'),
    quotaRow('Tokens / day', p.tokens_used_today ?? 0, limits.tokens_per_day, dayReset),
    p.cooldown_until && p.cooldown_until * 1000 > Date.now() ? h('p', { class: 'small muted' }, `Cooling down until ${fmtTime(p.cooldown_until)}`) : null);
}

// -- summary -------------------------------------------------------------------------------------

function allRoutes() {
  return providers.flatMap((p) => (p.models ?? []).map((r) => ({ ...r, provider: p })));
}

function renderSummary() {
  const routes = allRoutes();
  const sum = (f) => routes.reduce((n, r) => n + (f(r) ?? 0), 0);
  const cards = [
    ['Requests today', providers.reduce((n, p) => n + (p.requests_today ?? 0), 0)],
    ['Provider tokens today', providers.reduce((n, p) => n + (p.tokens_used_today ?? 0), 0)],
    ['Successful attempts', sum((r) => r.usage?.successes)],
    ['Failed attempts', sum((r) => r.usage?.failures)],
    ['Route tokens recorded', sum((r) => r.usage?.total_tokens)],
    ['Automatically limited', routes.filter((r) => (r.health?.status ?? 'active') !== 'active').length],
  ];
  fill($('#summary'), cards.map(([label, value]) => h('div', { class: 'card stat' },
    h('span', { class: 'value', title: fmtNumber(value) }, fmtCompact(value)), h('span', { class: 'label' }, label))));
}

// -- table ---------------------------------------------------------------------------------------

const COLUMNS = [
  // [key, label, numeric, value(route)]
  ['display_name', 'Model', false, (r) => (r.display_name || r.model_id).toLowerCase()],
  ['provider_name', 'Provider', false, (r) => r.provider_name],
  ['health', 'Health', false, (r) => r.health?.status ?? 'active'],
  ['total_events', 'Attempts', true, (r) => r.usage?.total_events ?? 0],
  ['successes', 'Successes', true, (r) => r.usage?.successes ?? 0],
  ['failures', 'Failures', true, (r) => r.usage?.failures ?? 0],
  ['total_tokens', 'Tokens', true, (r) => r.usage?.total_tokens ?? 0],
  ['prompt_tokens', 'Prompt', true, (r) => r.usage?.prompt_tokens ?? 0],
  ['completion_tokens', 'Completion', true, (r) => r.usage?.completion_tokens ?? 0],
  ['last_used_at', 'Last used', true, (r) => r.usage?.last_used_at ?? 0],
];

function renderHead() {
  fill($('#route-head'), COLUMNS.map(([key, label, numeric]) => {
    const active = sort.key === key;
    return h('th', { class: numeric ? 'num' : '', 'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none' },
      h('button', {
        type: 'button', class: 'sort',
        onclick: () => { sort = { key, desc: active ? !sort.desc : numeric }; renderTable(); },
      }, label, active ? (sort.desc ? ' ▾' : ' ▴') : ''));
  }), h('th', {}, h('span', { class: 'offscreen' }, 'Details')));
}

function healthPill(status) {
  return h('span', { class: `pill ${status === 'active' ? 'ok' : 'warn'}` }, status.replace(/_/g, ' '));
}

function detailRow(r) {
  const u = r.usage ?? {};
  const items = [
    ['Route id', r.route_id], ['Enabled', r.enabled ? 'yes' : 'no'], ['Context window', fmtNumber(r.context_window)],
    ['Rate limits', fmtNumber(u.rate_limits)], ['Timeouts', fmtNumber(u.timeouts)], ['Not found', fmtNumber(u.not_found)],
    ['Consecutive failures', fmtNumber(r.health?.consecutive_failures)], ['Last status code', u.last_status_code || '—'],
    ['Last used', fmtTime(u.last_used_at)], ['Health reason', r.health?.status_reason || '—'],
    ['Provider', r.provider.configured ? (r.provider.available ? 'available' : r.provider.unavailable_reason) : 'not configured'],
    ['Provider requests today', fmtNumber(r.provider.requests_today)],
  ];
  return h('tr', { class: 'detail' }, h('td', { colspan: COLUMNS.length + 1 },
    h('div', { class: 'grid' }, items.map(([k, v]) => h('div', {}, h('div', { class: 'small muted' }, k), h('div', { class: 'mono' }, String(v)))))));
}

function renderTable() {
  renderHead();
  const q = $('#search').value.trim().toLowerCase();
  const provider = $('#f-provider').value;
  const health = $('#f-health').value;
  const usedOnly = $('#f-used').checked;
  const all = allRoutes();
  const value = COLUMNS.find(([key]) => key === sort.key)[3];
  const shown = all.filter((r) => {
    if (q && ![r.display_name, r.model_id, r.provider_name, r.route_id].join(' ').toLowerCase().includes(q)) return false;
    if (provider && r.provider_name !== provider) return false;
    if (health && (r.health?.status ?? 'active') !== health) return false;
    if (usedOnly && !(r.usage?.total_events > 0)) return false;
    return true;
  }).sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order = x < y ? -1 : x > y ? 1 : a.rank - b.rank;
    return sort.desc ? -order : order;
  });
  fill($('#shown'), `${shown.length} of ${all.length} routes shown`);
  const rows = [];
  for (const r of shown) {
    const u = r.usage ?? {};
    const open = openDetails.has(r.route_id);
    rows.push(h('tr', { dataset: { route: r.route_id } },
      h('td', {}, h('div', {}, r.display_name || r.model_id), h('div', { class: 'mono muted' }, r.route_id)),
      h('td', {}, r.provider_name),
      h('td', {}, healthPill(r.health?.status ?? 'active')),
      h('td', { class: 'num', dataset: { col: 'attempts' } }, fmtNumber(u.total_events ?? 0)),
      h('td', { class: 'num' }, fmtNumber(u.successes ?? 0)),
      h('td', { class: 'num' }, fmtNumber(u.failures ?? 0)),
      h('td', { class: 'num' }, fmtNumber(u.total_tokens ?? 0)),
      h('td', { class: 'num' }, fmtNumber(u.prompt_tokens ?? 0)),
      h('td', { class: 'num' }, fmtNumber(u.completion_tokens ?? 0)),
      h('td', { class: 'num', title: fmtTime(u.last_used_at) }, u.last_used_at ? fmtRelative(u.last_used_at) : '—'),
      h('td', {}, h('button', {
        type: 'button', class: 'btn small ghost', 'aria-expanded': String(open),
        onclick: () => { if (open) openDetails.delete(r.route_id); else openDetails.add(r.route_id); renderTable(); },
      }, open ? 'Hide' : 'Details'))));
    if (open) rows.push(detailRow(r));
  }
  fill($('#route-rows'), rows.length ? rows : h('tr', {}, h('td', { colspan: COLUMNS.length + 1, class: 'empty' }, 'No route matches the filters.')));
}

for (const id of ['#search', '#f-provider', '#f-health', '#f-used']) $(id).addEventListener('input', renderTable);

// -- loading -------------------------------------------------------------------------------------

async function load() {
  try {
    const [status, series] = await Promise.all([
      api('/v1/providers/status'),
      api(`/v1/gateway/usage/series?hours=${$('#range').value}&bucket_minutes=${$('#range').value > 24 ? 60 : 10}`),
    ]);
    providers = status.data ?? [];
    const select = $('#f-provider');
    const current = select.value;
    fill(select, h('option', { value: '' }, 'All providers'), providers.map((p) => h('option', { value: p.name }, p.name)));
    select.value = current;
    renderSummary();
    // Configured providers get a card; the others (no key) one line, so they do not crowd it.
    const unconfigured = providers.filter((p) => !p.configured).map((p) => p.name);
    fill($('#quotas'), providers.filter((p) => p.configured).map(providerCard));
    fill($('#unconfigured'), unconfigured.length ? `Not configured (no API key): ${unconfigured.join(', ')}` : '');
    renderTable();
    rememberSeries(series);
    drawPlots(series);
    fill($('#series-note'), `Buckets of ${fmtDuration(series.bucket_seconds)} (history kept for EVENT_RETENTION_DAYS) · the ${Math.min(8, series.routes.length)} busiest of ${series.routes.length} route(s) drawn separately.`);
    fill($('#updated'), `Updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    fill($('#updated'), `Could not load usage: ${err.message}`);
  }
}

$('#reload').addEventListener('click', load);
$('#range').addEventListener('change', load);
setInterval(() => { if ($('#auto-refresh').checked && !document.hidden) load(); }, 10000);
load();
