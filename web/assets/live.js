// Live traffic (reference §12): the buffered snapshot, then the SSE feed read with fetch (so
// the key travels in a header, never in the URL), folded into one row per request.
// Reconnects by itself and reloads the snapshot to fill the gap (events are deduplicated).
import { $, api, apiFetch, fill, fmtNumber, h, readSse } from './common.js';
import { renderMarkdown } from './markdown.js';

const MAX_ROWS = 250;
const PHASES = {
  request_started: 'In progress', route_attempt: 'Routing', route_selected: 'Routing', usage_update: 'Routing',
  response_content: 'Streaming', request_completed: 'Done', request_failed: 'Failed',
  request_rejected: 'Rejected', request_closed: 'Closed',
};
const FINAL = new Set(['request_completed', 'request_failed', 'request_rejected', 'request_closed']);
// Strongest outcome of a route within one request (reference §14 /live).
const ATTEMPT_WEIGHT = { trying: 0, skipped: 1, failed: 2, flagged: 3, success: 4, selected: 4 };

/// request_id -> folded request; Map order = arrival order.
const requests = new Map();
const seen = new Set();
let paused = false;
let queued = [];
const expanded = new Set();

// -- folding -------------------------------------------------------------------------------------

function fold(ev) {
  if (seen.has(ev.event_id)) return;
  seen.add(ev.event_id);
  let r = requests.get(ev.request_id);
  if (!r) {
    r = { id: ev.request_id, first: ev.timestamp, attempts: new Map(), content: '', final: false };
    requests.set(ev.request_id, r);
    while (requests.size > MAX_ROWS) requests.delete(requests.keys().next().value);
  }
  const p = ev.payload ?? {};
  r.last = ev.timestamp;
  if (!r.final) r.phase = PHASES[ev.event_type] ?? r.phase;
  switch (ev.event_type) {
    case 'request_started': {
      r.model = p.model;
      r.path = p.path;
      const messages = p.request_payload?.messages;
      if (Array.isArray(messages)) {
        const user = [...messages].reverse().find((m) => m?.role === 'user');
        r.userMessage = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
      }
      break;
    }
    case 'route_attempt': {
      const re = p.route_event ?? {};
      noteAttempt(r, re.route_id, re.provider_name, re.model_id, re.type, re.reason);
      break;
    }
    case 'route_selected':
      r.provider = p.provider_name;
      r.route = p.route_id;
      noteAttempt(r, p.route_id, p.provider_name, p.model_id, 'selected');
      break;
    case 'usage_update': r.usage = p.usage; break;
    case 'response_content': r.content += p.content ?? ''; break;
    default: break;
  }
  if (FINAL.has(ev.event_type)) {
    r.final = true;
    r.status = p.status_code;
    r.latency = p.latency_ms;
    r.provider = p.provider_name ?? r.provider;
    r.route = p.route_id ?? r.route;
    r.usage = p.usage ?? r.usage;
    r.reason = p.message ?? p.reason;
    if (p.assistant_text) r.content = p.assistant_text;
    if (p.response_body !== undefined) r.responseBody = p.response_body;
    for (const a of p.attempts_detail ?? []) noteAttempt(r, a.route_id, a.provider_name, a.model_id, a.status, a.reason, a.status_code);
    if (ev.event_type === 'request_completed' && r.route) noteAttempt(r, r.route, r.provider, p.model_id, 'success');
  }
}

// route_event types of the stream paths -> the words of attempts_detail.
const ATTEMPT_WORDS = { route_trying: 'trying', route_skip: 'skipped', route_fail: 'failed', route_flagged: 'flagged' };

function noteAttempt(r, routeId, provider, model, rawStatus, reason, code) {
  if (!routeId) return;
  const status = ATTEMPT_WORDS[rawStatus] ?? rawStatus;
  const old = r.attempts.get(routeId);
  if (old && (ATTEMPT_WEIGHT[old.status] ?? 0) > (ATTEMPT_WEIGHT[status] ?? 0)) return;
  r.attempts.set(routeId, { routeId, provider, model, status, reason: reason ?? old?.reason, code: code ?? old?.code });
}

// -- rendering -----------------------------------------------------------------------------------

function tokens(usage) {
  if (!usage || typeof usage !== 'object') return 'unknown';
  if (usage.total_tokens !== undefined) return fmtNumber(usage.total_tokens);
  if (usage.prompt_tokens !== undefined) return `${fmtNumber(usage.prompt_tokens)} + ${fmtNumber(usage.completion_tokens ?? 0)}`;
  return 'unknown';
}

function statusClass(code) {
  if (!code) return '';
  if (code >= 500 || code === 499) return 'status-bad';
  if (code >= 400) return 'status-warn';
  return 'status-ok';
}

function matches(r) {
  const status = $('#f-status').value;
  if (status === 'active' && r.final) return false;
  if (status === 'ok' && !(r.final && r.status < 400)) return false;
  if (status === 'error' && !(r.final && r.status >= 400)) return false;
  const provider = $('#f-provider').value;
  if (provider && r.provider !== provider && ![...r.attempts.values()].some((a) => a.provider === provider)) return false;
  const q = $('#f-route').value.trim().toLowerCase();
  if (q && ![r.id, r.route, r.model, ...r.attempts.keys()].join(' ').toLowerCase().includes(q)) return false;
  return true;
}

function details(r) {
  const answer = h('div', {});
  renderMarkdown(answer, r.content || '_(no answer text)_');
  const ordered = [...r.attempts.values()].sort((a, b) => (a.status === 'success' || a.status === 'selected') - (b.status === 'success' || b.status === 'selected'));
  return h('tr', { class: 'detail' }, h('td', { colspan: 10 },
    h('div', { class: 'details-grid' },
      h('div', {}, h('h3', {}, 'Last user message'), h('pre', {}, r.userMessage ?? '—')),
      h('div', {}, h('h3', {}, 'Answer'), answer),
      h('div', {}, h('h3', {}, 'Route attempts'),
        ordered.length ? ordered.map((a) => h('div', { class: 'attempt-line mono' },
          `${a.status} · ${a.provider ?? ''} / ${a.model ?? ''} · ${a.routeId}${a.code ? ` · HTTP ${a.code}` : ''}${a.reason ? ` · ${a.reason}` : ''}`))
          : h('p', { class: 'muted' }, 'No upstream attempt.'))),
    r.responseBody !== undefined
      ? h('details', {}, h('summary', {}, 'Raw response payload'),
        h('pre', {}, typeof r.responseBody === 'string' ? r.responseBody : JSON.stringify(r.responseBody, null, 2)))
      : null));
}

function render() {
  const all = [...requests.values()].reverse();
  const active = all.filter((r) => !r.final).length;
  fill($('#counts'), `${all.length} request(s) · ${active} in progress`);
  const providers = new Set(all.flatMap((r) => [r.provider, ...[...r.attempts.values()].map((a) => a.provider)]).filter(Boolean));
  const select = $('#f-provider');
  if (select.options.length - 1 !== providers.size) {
    const current = select.value;
    fill(select, h('option', { value: '' }, 'All providers'), [...providers].sort().map((p) => h('option', { value: p }, p)));
    select.value = current;
  }
  const rows = [];
  for (const r of all.filter(matches)) {
    const open = expanded.has(r.id);
    rows.push(h('tr', { dataset: { request: r.id, phase: r.phase } },
      h('td', { title: new Date(r.last * 1000).toLocaleString() }, new Date(r.last * 1000).toLocaleTimeString()),
      h('td', {}, h('span', { class: `pill ${r.final ? (r.status >= 400 ? 'bad' : 'ok') : 'accent'}` }, r.phase)),
      h('td', { class: 'mono' }, r.id),
      h('td', {}, r.model ?? '—'),
      h('td', { class: `num ${statusClass(r.status)}` }, r.status ?? '—'),
      h('td', { class: 'mono' }, r.provider ? `${r.provider} / ${r.route}` : '—'),
      h('td', { class: 'num' }, tokens(r.usage)),
      h('td', { class: 'num' }, r.latency !== undefined ? `${fmtNumber(Math.round(r.latency))} ms` : '—'),
      h('td', { class: 'small' }, r.reason ?? ''),
      h('td', {}, h('button', {
        type: 'button', class: 'btn small ghost', 'aria-expanded': String(open),
        onclick: () => { if (open) expanded.delete(r.id); else expanded.add(r.id); render(); },
      }, open ? 'Hide' : 'Show'))));
    if (open) rows.push(details(r));
  }
  fill($('#rows'), rows.length ? rows : h('tr', {}, h('td', { colspan: 10, class: 'empty' },
    requests.size ? 'No request matches the filters.' : 'Waiting for traffic… send a request to any /v1 endpoint.')));
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(); });
}

function accept(ev) {
  if (paused) { queued.push(ev); return; }
  fold(ev);
  scheduleRender();
}

// -- feed ----------------------------------------------------------------------------------------

function setState(text, kind) {
  const el = $('#feed-state');
  el.className = `pill live-badge ${kind}`;
  el.textContent = text;
}

async function loadSnapshot() {
  const snapshot = await api('/v1/gateway/live/snapshot');
  for (const ev of snapshot.data ?? []) accept(ev);
}

/// Connects, reads until the feed ends, then retries with a growing delay (1 s .. 10 s).
async function follow() {
  let delay = 1000;
  for (;;) {
    try {
      const res = await apiFetch('/v1/gateway/live/events', { headers: { accept: 'text/event-stream' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      setState(paused ? 'Paused' : 'Live', 'ok');
      delay = 1000;
      // Subscribe first, then load the snapshot: nothing falls between the two.
      const reading = readSse(res, (ev) => { if (typeof ev === 'object' && ev) accept(ev); });
      await loadSnapshot();
      await reading;
    } catch {
      // fall through to the reconnect below
    }
    setState('Reconnecting…', 'warn');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

$('#pause').addEventListener('click', (e) => {
  paused = !paused;
  e.currentTarget.textContent = paused ? `Resume` : 'Pause';
  e.currentTarget.setAttribute('aria-pressed', String(paused));
  setState(paused ? 'Paused' : 'Live', paused ? 'warn' : 'ok');
  if (!paused) {
    for (const ev of queued) fold(ev);
    queued = [];
    scheduleRender();
  }
});
$('#clear').addEventListener('click', () => { requests.clear(); expanded.clear(); render(); });
for (const id of ['#f-status', '#f-provider', '#f-route']) $(id).addEventListener('input', render);

render();
follow();
