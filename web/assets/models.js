// Models: the ranked catalog. Search and filters, drag-and-drop (and ↑/↓ keys) ranking saved
// at once, enable/disable, edit every field, auto-rank, reset, and the endpoint Updates dialog.
import { $, api, confirmDialog, fill, fmtCompact, guarded, h, toast } from './common.js';
import { initUpdates } from './updates.js';

/// The catalog as the gateway answered it (routes with `health`), in rank order.
let routes = [];
/// Route ids whose edit panel is open (kept across re-renders).
const expanded = new Set();

const listEl = $('#routes');
const controls = {
  search: $('#search'), provider: $('#f-provider'), tag: $('#f-tag'), state: $('#f-state'), context: $('#f-context'),
};

const EDITABLE = [
  // [field, label, kind]
  ['display_name', 'Display name', 'text'], ['rank', 'Rank', 'int'], ['provider_name', 'Provider', 'text'],
  ['model_id', 'Model id', 'text'], ['context_window', 'Context window (tokens)', 'int?'],
  ['quality', 'Quality', 'text'], ['speed', 'Speed', 'text'], ['cost', 'Cost', 'text'],
  ['tags', 'Tags (comma separated)', 'tags'], ['rank_score', 'Rank score', 'int?'],
  ['rank_source', 'Rank source', 'text'], ['rank_reason', 'Rank reason', 'text'],
  ['source_url', 'Source URL', 'text'], ['notes', 'Notes', 'textarea'],
];

function byRank(a, b) {
  return a.rank - b.rank || a.provider_name.localeCompare(b.provider_name) || a.model_id.localeCompare(b.model_id);
}

/// The catalog without the read-only `health`, as PUT /v1/gateway/models takes it.
function catalogBody(list) {
  return list.map(({ health, usage, ...route }) => route);
}

function accept(payload) {
  routes = [...(payload?.data ?? [])].sort(byRank);
  fillFilterChoices();
  render();
}

async function load() {
  await guarded(async () => accept(await api('/v1/gateway/models')));
}

/// Saves the whole catalog (ranks renumbered 1..N in `ordered` order when asked).
async function saveCatalog(ordered, { renumber = false, message } = {}) {
  const list = ordered.map((r, i) => (renumber ? { ...r, rank: i + 1 } : r));
  const ok = await guarded(async () => {
    accept(await api('/v1/gateway/models', { method: 'PUT', body: catalogBody(list) }));
    return true;
  });
  if (ok && message) toast(message);
  if (!ok) await load();
  return ok;
}

// -- filters ---------------------------------------------------------------------------------

function fillFilterChoices() {
  const keep = (select, values, label) => {
    const current = select.value;
    fill(select, h('option', { value: '' }, label), values.map((v) => h('option', { value: v }, v)));
    select.value = values.includes(current) ? current : '';
  };
  keep(controls.provider, [...new Set(routes.map((r) => r.provider_name))].sort(), 'All providers');
  keep(controls.tag, [...new Set(routes.flatMap((r) => r.tags ?? []))].sort(), 'All capabilities');
}

function visible(route) {
  const q = controls.search.value.trim().toLowerCase();
  if (q) {
    const hay = [route.route_id, route.provider_name, route.model_id, route.display_name, route.quality,
      route.speed, route.notes, ...(route.tags ?? [])].join(' ').toLowerCase();
    if (!q.split(/\s+/).every((word) => hay.includes(word))) return false;
  }
  if (controls.provider.value && route.provider_name !== controls.provider.value) return false;
  if (controls.tag.value && !(route.tags ?? []).includes(controls.tag.value)) return false;
  const state = controls.state.value;
  if (state === 'enabled' && !route.enabled) return false;
  if (state === 'disabled' && route.enabled) return false;
  if (state === 'flagged' && (route.health?.status ?? 'active') === 'active') return false;
  const minContext = Number(controls.context.value);
  if (minContext && !((route.context_window ?? 0) >= minContext)) return false;
  return true;
}

for (const el of Object.values(controls)) el.addEventListener('input', render);

// -- list ------------------------------------------------------------------------------------

function render() {
  const shown = routes.filter(visible);
  const enabled = routes.filter((r) => r.enabled).length;
  fill($('#summary'), `${shown.length} of ${routes.length} routes shown · ${enabled} enabled`);
  if (!shown.length) {
    fill(listEl, h('li', { class: 'empty' }, routes.length ? 'No route matches the filters.' : 'The catalog is empty.'));
    return;
  }
  fill(listEl, shown.map(card));
}

function healthPill(route) {
  const status = route.health?.status ?? 'active';
  if (status === 'active') return null;
  return h('span', { class: 'pill warn', title: route.health?.status_reason ?? '' }, status.replace(/_/g, ' '));
}

function card(route) {
  const open = expanded.has(route.route_id);
  const li = h('li', {
    class: `route-card${route.enabled ? '' : ' disabled'}`, draggable: 'true',
    dataset: { route: route.route_id },
  });
  const toggleLabel = h('label', { class: 'check small' },
    h('input', {
      type: 'checkbox', checked: route.enabled, 'aria-label': `Enabled: ${route.route_id}`,
      onchange: (e) => setEnabled(route, e.currentTarget.checked),
    }), route.enabled ? 'Enabled' : 'Disabled');
  li.append(h('div', { class: 'route-head' },
    h('span', { class: 'handle', title: 'Drag to re-rank', 'aria-hidden': 'true' }, '⠿'),
    h('span', { class: 'rank' }, `#${route.rank}`),
    h('div', { class: 'route-title' },
      h('div', { class: 'name' }, route.display_name || route.model_id),
      h('div', { class: 'sub' }, h('span', { class: 'mono' }, route.route_id), ` · ${route.provider_name} / ${route.model_id}`,
        route.context_window ? ` · ${fmtCompact(route.context_window)} ctx` : ''),
      h('div', { class: 'route-tags' }, (route.tags ?? []).map((t) => h('span', { class: 'pill accent' }, t)), healthPill(route))),
    h('div', { class: 'route-actions' },
      toggleLabel,
      h('button', { type: 'button', class: 'btn small ghost', 'aria-label': `Move ${route.route_id} up`, onclick: () => move(route, -1) }, '↑'),
      h('button', { type: 'button', class: 'btn small ghost', 'aria-label': `Move ${route.route_id} down`, onclick: () => move(route, +1) }, '↓'),
      h('button', {
        type: 'button', class: 'btn small', 'aria-expanded': String(open),
        onclick: () => { if (open) expanded.delete(route.route_id); else expanded.add(route.route_id); render(); },
      }, open ? 'Close' : 'Edit'))));
  if (open) li.append(editor(route));
  wireDrag(li, route);
  return li;
}

function editor(route) {
  const inputs = {};
  const fields = EDITABLE.map(([field, label, kind]) => {
    const value = kind === 'tags' ? (route.tags ?? []).join(', ') : (route[field] ?? '');
    const input = kind === 'textarea'
      ? h('textarea', { class: 'input', rows: 3, name: field }, String(value))
      : h('input', { class: 'input', name: field, type: kind.startsWith('int') ? 'number' : 'text', value: String(value) });
    inputs[field] = [input, kind];
    return h('label', { class: kind === 'textarea' || field === 'source_url' ? 'full' : '' }, label, input);
  });
  const link = route.source_url && /^https?:\/\//.test(route.source_url)
    ? h('a', { href: route.source_url, target: '_blank', rel: 'noopener noreferrer' }, 'Open source page') : null;
  const form = h('form', { class: 'route-body', 'aria-label': `Edit ${route.route_id}` },
    h('div', { class: 'full mono small muted' }, `route_id: ${route.route_id}`,
      route.health && route.health.status !== 'active' ? ` · health: ${route.health.status} (${route.health.status_reason || 'no reason'})` : ''),
    fields,
    h('div', { class: 'row full' }, link, h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn ghost', onclick: () => { expanded.delete(route.route_id); render(); } }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn primary' }, 'Save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const edited = { ...route };
    for (const [field, [input, kind]] of Object.entries(inputs)) {
      const raw = input.value.trim();
      if (kind === 'tags') edited.tags = raw.split(',').map((t) => t.trim()).filter(Boolean);
      else if (kind === 'int') edited[field] = Number.parseInt(raw, 10);
      else if (kind === 'int?') edited[field] = raw === '' ? null : Number.parseInt(raw, 10);
      else edited[field] = input.value;
    }
    if (!Number.isFinite(edited.rank)) { toast('Rank must be a number', 'error'); return; }
    const next = routes.map((r) => (r.route_id === route.route_id ? edited : r));
    if (await saveCatalog(next, { message: `Saved ${route.route_id}` })) expanded.delete(route.route_id);
    render();
  });
  return form;
}

async function setEnabled(route, enabled) {
  await guarded(async () => {
    await api(`/v1/gateway/models/${encodeURIComponent(route.route_id)}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });
    toast(`${route.route_id} ${enabled ? 'enabled' : 'disabled'}`);
  });
  await load();
}

/// Moves `route` one place up or down in the full rank order and saves.
async function move(route, step) {
  const order = [...routes];
  const from = order.findIndex((r) => r.route_id === route.route_id);
  const to = from + step;
  if (from < 0 || to < 0 || to >= order.length) return;
  order.splice(to, 0, ...order.splice(from, 1));
  await saveCatalog(order, { renumber: true });
  listEl.querySelector(`[data-route="${CSS.escape(route.route_id)}"] [aria-label^="Move"][aria-label$="${step < 0 ? 'up' : 'down'}"]`)?.focus();
}

// -- drag and drop ---------------------------------------------------------------------------

let dragged = null;

function wireDrag(li, route) {
  // A press in a form field or button must select text or click, not start moving the card.
  li.addEventListener('pointerdown', (e) => {
    li.draggable = !e.target.closest('input, textarea, select, button, a, .route-body');
  });
  li.addEventListener('dragstart', (e) => {
    dragged = route.route_id;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', route.route_id);
    li.classList.add('dragging');
  });
  li.addEventListener('dragend', () => {
    dragged = null;
    li.classList.remove('dragging');
    clearDropMarks();
  });
  li.addEventListener('dragover', (e) => {
    if (!dragged || dragged === route.route_id) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    clearDropMarks();
    li.classList.add(dropAfter(li, e) ? 'drop-after' : 'drop-before');
  });
  li.addEventListener('drop', async (e) => {
    e.preventDefault();
    const id = dragged ?? e.dataTransfer.getData('text/plain');
    clearDropMarks();
    if (!id || id === route.route_id) return;
    const order = routes.filter((r) => r.route_id !== id);
    const moving = routes.find((r) => r.route_id === id);
    let at = order.findIndex((r) => r.route_id === route.route_id);
    if (dropAfter(li, e)) at += 1;
    order.splice(at, 0, moving);
    await saveCatalog(order, { renumber: true, message: `Moved ${id} to rank ${at + 1}` });
  });
}

function dropAfter(li, e) {
  const box = li.getBoundingClientRect();
  return e.clientY > box.top + box.height / 2;
}

function clearDropMarks() {
  for (const el of listEl.querySelectorAll('.drop-before, .drop-after')) el.classList.remove('drop-before', 'drop-after');
}

// -- toolbar ---------------------------------------------------------------------------------

$('#reload').addEventListener('click', load);

$('#auto-rank').addEventListener('click', () => guarded(async () => {
  const before = new Map(routes.map((r) => [r.route_id, r.rank]));
  accept(await api('/v1/gateway/models/auto-rank', { method: 'POST' }));
  const moved = routes.filter((r) => before.has(r.route_id) && before.get(r.route_id) !== r.rank).length;
  const removed = [...before.keys()].filter((id) => !routes.some((r) => r.route_id === id)).length;
  toast(`Auto-rank: ${moved} route(s) moved${removed ? `, ${removed} non-text route(s) removed` : ''}`);
}));

$('#reset').addEventListener('click', async () => {
  if (!(await confirmDialog('Reset the catalog?', 'Every route, rank and edit is replaced by the default catalog.', 'Reset'))) return;
  await guarded(async () => {
    accept(await api('/v1/gateway/models/reset', { method: 'POST' }));
    toast('Catalog reset to defaults');
  });
});

initUpdates({ onApplied: load });
load();
