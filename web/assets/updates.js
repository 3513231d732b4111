// The Models page's "Endpoint updates" dialog (reference §11.11-§11.13, §13.4): suggestions
// from endpoint diagnosis, "Check now", "Apply selected". "Check now" starts a run that goes on
// in the gateway (the refresh answers at once); the dialog polls the status, bounded, until the
// run's report is there. A gateway without diagnosis answers 404 or 503; the dialog then says
// so instead of failing.
import { $, ApiError, api, fill, fmtTime, guarded, h, toast } from './common.js';

const ACTIONS = { add_route: 'New route', remove_route: 'Remove route', clear_stale: 'Recovered route' };

const dialog = $('#updates-dialog');
const listEl = $('#updates-list');
const statusEl = $('#updates-status');
const button = $('#updates');
const actionButtons = ['#updates-check', '#updates-select-all', '#updates-apply'].map((s) => $(s));

/// The last status answer; null = not loaded, false = diagnosis not available (404).
let state = null;

function suggestions() {
  return state?.last_report?.suggestions ?? [];
}

function render() {
  if (state === false) {
    fill(statusEl, 'Endpoint diagnosis is not available on this gateway, so there are no update suggestions.');
    fill(listEl, h('p', { class: 'empty', dataset: { state: 'unavailable' } }, 'Diagnosis not available.'));
    for (const b of actionButtons) b.disabled = true;
    fill(button, 'Updates');
    return;
  }
  for (const b of actionButtons) b.disabled = false;
  const items = suggestions();
  fill(button, items.length ? `Updates (${items.length})` : 'Updates');
  const report = state?.last_report;
  fill(statusEl, state?.running
    ? 'Checking every provider… the list updates when the check ends.'
    : report
    ? `Last check ${fmtTime(report.checked_at)} · ${(report.providers ?? []).filter((p) => p.ok).length} of ${(report.providers ?? []).filter((p) => p.configured).length} configured providers answered`
    : 'No check has run yet. "Check now" asks every configured provider for its model list.');
  if (!items.length) {
    fill(listEl, h('p', { class: 'empty' }, 'No suggestions: the catalog matches what the providers offer.'));
    return;
  }
  // A background refresh (the quiet one after load, a poll) re-renders the list: what the
  // person ticked stays ticked.
  const ticked = new Set([...listEl.querySelectorAll('input[type="checkbox"]:checked')].map((b) => b.value));
  fill(listEl, items.map((s) => h('label', { class: 'suggestion', dataset: { suggestion: s.suggestion_id } },
    h('input', { type: 'checkbox', value: s.suggestion_id, checked: ticked.has(s.suggestion_id), 'aria-label': s.title ?? s.suggestion_id }),
    h('div', {},
      h('div', {}, h('strong', {}, s.title ?? s.suggestion_id), ' ', h('span', { class: 'pill accent' }, ACTIONS[s.action] ?? s.action)),
      h('div', { class: 'mono muted' }, `${s.provider_name} / ${s.model_id}${s.route_id ? ` · ${s.route_id}` : ''}`),
      s.details ? h('div', { class: 'small' }, s.details) : null))));
}

async function refreshStatus() {
  try {
    state = await api('/v1/gateway/endpoint-diagnosis');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 503)) state = false;
    else throw err;
  }
  render();
}

export function initUpdates({ onApplied }) {
  button.addEventListener('click', async () => {
    dialog.showModal();
    await guarded(refreshStatus);
  });
  $('#updates-close').addEventListener('click', () => dialog.close());
  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
  $('#updates-select-all').addEventListener('click', () => {
    for (const box of listEl.querySelectorAll('input[type="checkbox"]')) box.checked = true;
  });
  $('#updates-check').addEventListener('click', (e) => guarded(async () => {
    const b = e.currentTarget;
    b.disabled = true;
    fill(statusEl, 'Checking every provider… this can take a while.');
    try {
      const ticket = await api('/v1/gateway/endpoint-diagnosis/refresh', { method: 'POST' });
      // The run goes on in the gateway: poll its status (every second, at most ten minutes).
      for (let i = 0; i < 600; i += 1) {
        await refreshStatus();
        if (state === false || (!state?.running && state?.last_report?.run_id === ticket?.run_id)) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) { state = false; render(); } else throw err;
    } finally {
      b.disabled = state === false;
    }
  }));
  $('#updates-apply').addEventListener('click', () => guarded(async () => {
    const ids = [...listEl.querySelectorAll('input[type="checkbox"]:checked')].map((b) => b.value);
    if (!ids.length) { toast('Select at least one suggestion'); return; }
    const answer = await api('/v1/gateway/endpoint-diagnosis/apply', { method: 'POST', body: { suggestion_ids: ids } });
    toast(`Applied ${answer?.data?.length ?? 0} suggestion(s)`);
    await refreshStatus();
    await onApplied();
  }));
  // The count on the button, quietly, soon after load and every minute.
  const quietly = () => refreshStatus().catch(() => {});
  setTimeout(quietly, 1500);
  setInterval(quietly, 60000);
}
