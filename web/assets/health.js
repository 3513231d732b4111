// Health: the routes the gateway limited by itself (not "active"), why, and when it probes
// them again; "Clear flag" puts a route back into rotation at once.
import { $, api, fill, fmtRelative, fmtTime, guarded, h, toast } from './common.js';

const STATUS_CLASS = { rate_limited: 'warn', too_slow: 'warn', potentially_outdated: 'bad' };

async function load() {
  const catalog = await guarded(() => api('/v1/gateway/models'));
  if (!catalog) return;
  const limited = (catalog.data ?? []).filter((r) => (r.health?.status ?? 'active') !== 'active');
  fill($('#health-summary'), limited.length
    ? `${limited.length} automatically limited route(s) of ${catalog.data.length}. They come back by themselves after a successful probe.`
    : `All ${catalog.data.length} routes are active.`);
  if (!limited.length) {
    fill($('#health-rows'), h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No route is limited. Routes that fail, time out or hit rate limits show up here.')));
    return;
  }
  fill($('#health-rows'), limited.map((r) => {
    const health = r.health;
    return h('tr', { dataset: { route: r.route_id } },
      h('td', {}, h('div', {}, r.display_name || r.model_id), h('div', { class: 'mono muted' }, `${r.provider_name} · ${r.route_id}`)),
      h('td', {}, h('span', { class: `pill ${STATUS_CLASS[health.status] ?? 'warn'}` }, health.status.replace(/_/g, ' '))),
      h('td', {}, health.status_reason || health.status),
      h('td', { class: 'num' }, String(health.consecutive_failures ?? 0)),
      h('td', { title: fmtTime(health.rate_limited_until) }, health.rate_limited_until ? fmtRelative(health.rate_limited_until) : '—'),
      h('td', { title: fmtTime(health.next_probe_at) }, health.next_probe_at ? fmtRelative(health.next_probe_at) : 'not scheduled'),
      h('td', {}, h('button', {
        type: 'button', class: 'btn small', 'aria-label': `Clear flag of ${r.route_id}`,
        onclick: (e) => clearFlag(r.route_id, e.currentTarget),
      }, 'Clear flag')));
  }));
}

async function clearFlag(routeId, button) {
  button.disabled = true;
  const ok = await guarded(() => api(`/v1/gateway/models/${encodeURIComponent(routeId)}/health/reset`, { method: 'POST' }));
  if (ok) toast(`${routeId} is active again`);
  await load();
}

$('#reload').addEventListener('click', load);
setInterval(() => { if ($('#auto-refresh').checked && !document.hidden) load(); }, 10000);
load();
