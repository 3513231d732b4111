// Chat: sends the conversation to the stream-route protocol (reference §9), streams the answer
// in as Markdown and shows each route the waterfall tried, with a Disable/Enable per route.
import { $, api, apiFetch, confirmDialog, fill, guarded, h, readSse, toast } from './common.js';
import { renderMarkdown } from './markdown.js';

const messagesEl = $('#messages');
const activityEl = $('#activity');
const prompt = $('#prompt');
const sendButton = $('#send');
const stopButton = $('#stop');
const webSearch = $('#web-search');

/// The conversation sent with every request: [{role, content}].
let history = [];
let requestCount = 0;
/// The running request's AbortController (null when idle).
let running = null;

// -- conversation ----------------------------------------------------------------------------

function scrollToEnd() {
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

function addMessage(role, text) {
  $('#chat-empty')?.remove();
  const body = h('div', { class: 'body' });
  const el = h('div', { class: `msg ${role}` }, body);
  if (role === 'assistant') renderMarkdown(body, text);
  else body.textContent = text;
  messagesEl.append(el);
  scrollToEnd();
  return { el, body };
}

function setMeta(message, ...parts) {
  message.el.append(h('div', { class: 'meta' }, parts.filter(Boolean).join(' · ')));
}

function setBusy(busy) {
  sendButton.hidden = busy;
  stopButton.hidden = !busy;
  prompt.disabled = false;
  if (!busy) prompt.focus();
}

// -- routing activity ------------------------------------------------------------------------

// Characters every system font has (emoji glyphs are missing on many Linux desktops).
const ICONS = { trying: '…', selected: '✓', skipped: '»', failed: '✗', flagged: '!' };
const LABELS = { trying: 'trying', selected: 'selected', skipped: 'skipped', failed: 'failed', flagged: 'flagged' };

/// One group card per request; rows keyed by route id (a route appears once per request,
/// except that a flag adds its own row).
function newGroup(n, mode) {
  $('#activity-empty')?.remove();
  const started = performance.now();
  const status = h('span', {}, 'running');
  const list = h('div', {});
  const el = h('div', { class: 'attempt-group', dataset: { request: String(n) } },
    h('h3', {}, h('span', {}, `Request #${n}${mode ? ` · ${mode}` : ''}`), status), list);
  activityEl.prepend(el);
  const rows = new Map();
  return {
    el,
    finish(text) { status.textContent = text; },
    /// Adds or updates the row of `route_id`; `kind` is trying/selected/skipped/failed/flagged.
    row(kind, ev) {
      const key = kind === 'flagged' ? `${ev.route_id}#flag` : ev.route_id;
      let row = rows.get(key);
      if (!row) {
        row = makeRow(ev);
        rows.set(key, row);
        list.append(row.el);
      }
      const ms = Math.round(performance.now() - (row.tryingAt ?? started));
      if (kind === 'trying') row.tryingAt = performance.now();
      row.update(kind, kind === 'flagged' ? `automatically flagged: ${ev.reason}` : ev.reason,
        kind === 'trying' ? '' : `${ms} ms`);
    },
  };
}

function makeRow(ev) {
  const icon = h('span', { class: 'icon', 'aria-hidden': 'true' });
  const state = h('span', { class: 'offscreen' });
  const reason = h('div', { class: 'reason' });
  let enabled = true;
  const toggle = h('button', { type: 'button', class: 'btn small ghost', 'aria-label': `Disable route ${ev.route_id}` }, 'Disable');
  toggle.addEventListener('click', () => guarded(async () => {
    if (enabled && !(await confirmDialog('Disable route?',
      `${ev.route_id} will not be tried again until you enable it (on this page or Models).`, 'Disable'))) return;
    toggle.disabled = true;
    try {
      await api(`/v1/gateway/models/${encodeURIComponent(ev.route_id)}/${enabled ? 'disable' : 'enable'}`, { method: 'POST' });
      enabled = !enabled;
      toggle.textContent = enabled ? 'Disable' : 'Enable';
      toggle.setAttribute('aria-label', `${enabled ? 'Disable' : 'Enable'} route ${ev.route_id}`);
      toast(`${ev.route_id} ${enabled ? 'enabled' : 'disabled'}`);
    } finally {
      toggle.disabled = false;
    }
  }));
  const el = h('div', { class: 'attempt', dataset: { route: ev.route_id } },
    icon,
    h('div', {}, state, h('div', { class: 'route' }, ev.route_id),
      h('div', { class: 'reason' }, `${ev.provider ?? ''} / ${ev.model_id ?? ''}`), reason),
    toggle);
  return {
    el,
    update(kind, why, ms) {
      el.className = `attempt ${kind}`;
      el.dataset.state = kind;
      icon.textContent = ICONS[kind];
      state.textContent = LABELS[kind];
      fill(reason, [LABELS[kind], why, ms].filter(Boolean).join(' · '));
    },
  };
}

// -- sending ---------------------------------------------------------------------------------

async function send(text) {
  const n = ++requestCount;
  addMessage('user', text);
  history.push({ role: 'user', content: text });
  const controller = new AbortController();
  running = controller;
  setBusy(true);
  const group = newGroup(n, webSearch.checked ? 'web search' : '');
  const answer = addMessage('assistant', '');
  answer.el.classList.add('streaming');
  const started = performance.now();
  try {
    if (webSearch.checked) await sendWebSearch(answer, group, controller, started);
    else await sendStreaming(answer, group, controller, started);
  } catch (err) {
    if (controller.signal.aborted) {
      group.finish('stopped');
    } else {
      answer.el.remove();
      addMessage('system', err.message ?? String(err));
      group.finish('error');
    }
  } finally {
    answer.el.classList.remove('streaming');
    running = null;
    setBusy(false);
  }
}

async function sendStreaming(answer, group, controller, started) {
  const res = await apiFetch('/v1/chat/completions/stream-route', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: history, max_tokens: 4096 }),
    signal: controller.signal,
  });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  }
  let text = '';
  let finished = false;
  let renderQueued = false;
  const render = () => {
    renderQueued = false;
    renderMarkdown(answer.body, text);
    scrollToEnd();
  };
  try {
    await readSse(res, (ev) => {
      if (typeof ev !== 'object' || ev === null) return;
      switch (ev.type) {
        case 'route_trying': group.row('trying', ev); break;
        case 'route_skip': group.row('skipped', ev); break;
        case 'route_fail': group.row('failed', ev); break;
        case 'route_flagged': group.row('flagged', ev); break;
        case 'route_selected':
          group.row('selected', ev);
          fill($('#last-route'), 'Last answer: ', h('code', {}, `${ev.provider} / ${ev.model_id}`));
          break;
        case 'content':
          text += ev.text ?? '';
          // Re-render at most once a frame: long answers arrive in many small deltas.
          if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
          break;
        case 'done':
          finished = true;
          text = ev.content ?? text;
          render();
          setMeta(answer, ev.provider, ev.model_id, `${Math.round(performance.now() - started)} ms`);
          history.push({ role: 'assistant', content: text });
          group.finish(`done · ${Math.round(performance.now() - started)} ms`);
          break;
        case 'error':
          finished = true;
          if (!text) answer.el.remove();
          addMessage('system', ev.message ?? 'The request failed');
          group.finish('error');
          break;
        default: break;
      }
    });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  }
  if (!finished) {
    render();
    if (controller.signal.aborted) {
      setMeta(answer, 'stopped');
      group.finish('stopped');
      if (text) history.push({ role: 'assistant', content: text });
    } else {
      addMessage('system', 'The stream ended without an answer');
      group.finish('interrupted');
    }
  }
}

async function sendWebSearch(answer, group, controller, started) {
  const res = await apiFetch('/v1/chat/completions/web-search', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: history, max_tokens: 4096 }),
    signal: controller.signal,
  });
  const body = await res.json().catch(() => null);
  const ms = Math.round(performance.now() - started);
  for (const attempt of body?.error?.attempts ?? []) {
    const kind = { skipped: 'skipped', failed: 'failed', selected: 'selected' }[attempt.status] ?? 'failed';
    group.row(kind, { route_id: attempt.route_id, provider: attempt.provider_name, model_id: attempt.model_id, reason: attempt.reason });
  }
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  const route = res.headers.get('x-gateway-route');
  const provider = res.headers.get('x-gateway-provider');
  const model = res.headers.get('x-gateway-model');
  if (route) group.row('selected', { route_id: route, provider, model_id: model });
  const text = body?.choices?.[0]?.message?.content ?? '';
  if (!text) {
    answer.el.remove();
    addMessage('system', 'The provider returned an empty final message.');
  } else {
    renderMarkdown(answer.body, text);
    setMeta(answer, provider, model, 'web search', `${ms} ms`);
    history.push({ role: 'assistant', content: text });
  }
  group.finish(`done · ${ms} ms`);
}

// -- wiring ----------------------------------------------------------------------------------

$('#composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = prompt.value.trim();
  if (!text || running) return;
  prompt.value = '';
  autoGrow();
  send(text);
});

prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('#composer').requestSubmit();
  }
});

function autoGrow() {
  prompt.style.height = 'auto';
  prompt.style.height = `${Math.min(prompt.scrollHeight + 2, 180)}px`;
}
prompt.addEventListener('input', autoGrow);

stopButton.addEventListener('click', () => running?.abort());
$('#clear-chat').addEventListener('click', () => {
  running?.abort();
  history = [];
  fill(messagesEl, h('p', { class: 'empty', id: 'chat-empty' }, 'New conversation. Ask anything.'));
  prompt.focus();
});
$('#clear-activity').addEventListener('click', () => fill(activityEl));
prompt.focus();
