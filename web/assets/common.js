// Shared by every page: the navigation bar, the theme switch, API calls that carry the key,
// DOM building that never interprets text as HTML (no innerHTML with data anywhere; the only
// HTML strings are markdown-it's output with raw HTML disabled, see markdown.js), the SSE reader, and small formatters.
// Pages are ES modules without inline script (the CSP forbids it), so all wiring is here
// and in one <page>.js per page.

// -- DOM ---------------------------------------------------------------------------------

/// h('a', {href: '/x', class: 'btn', onclick: fn}, 'text', child...): an element whose text
/// children become text nodes, so catalog data (display names, notes) is shown, never parsed.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/// Replaces the children of `el`.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

// -- theme -------------------------------------------------------------------------------

const THEME_KEY = 'freerouter.theme';

/// "auto" follows the system setting; "dark"/"light" are the user's explicit choice.
function applyTheme(choice) {
  const root = document.documentElement;
  if (choice === 'dark' || choice === 'light') root.dataset.theme = choice;
  else delete root.dataset.theme;
}

function currentTheme() {
  return localStorage.getItem(THEME_KEY) ?? 'auto';
}

/// The theme actually shown ("dark" or "light"), for charts that need colors.
export function effectiveTheme() {
  const choice = currentTheme();
  if (choice === 'dark' || choice === 'light') return choice;
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

applyTheme(currentTheme());

// -- navigation --------------------------------------------------------------------------

const PAGES = [
  ['/', 'Home'], ['/chat', 'Chat'], ['/models', 'Models'], ['/health', 'Health'],
  ['/status', 'Usage'], ['/live', 'Live'], ['/docs', 'API docs'],
];

function mountNav() {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const labels = { auto: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };
  const themeButton = h('button', { type: 'button', class: 'btn ghost theme-toggle', title: 'Switch theme' });
  const showTheme = () => { themeButton.textContent = labels[currentTheme()]; };
  themeButton.addEventListener('click', () => {
    const next = { auto: 'dark', dark: 'light', light: 'auto' }[currentTheme()] ?? 'auto';
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    showTheme();
    window.dispatchEvent(new CustomEvent('themechange'));
  });
  showTheme();
  const keyButton = h('button', { type: 'button', class: 'btn ghost', title: 'Forget the stored API keys',
    onclick: () => { forgetKeys(); toast('Stored keys removed from this browser'); } }, 'Forget key');
  keyButton.hidden = !storedKey('api') && !storedKey('admin');
  fill(nav,
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '⇶'), 'FreeRouter'),
    h('ul', { class: 'nav-links' }, PAGES.map(([href, label]) => h('li', {},
      h('a', { href, 'aria-current': location.pathname === href ? 'page' : undefined }, label)))),
    h('div', { class: 'nav-tools' }, keyButton, themeButton));
}

// -- API calls with the key ----------------------------------------------------------------

// Keys live in localStorage (asked once, sent as Authorization: Bearer), never in a URL.
const KEY_NAMES = { api: 'freerouter.apiKey', admin: 'freerouter.adminKey' };

function storedKey(kind) {
  return localStorage.getItem(KEY_NAMES[kind]) ?? '';
}

function forgetKeys() {
  for (const name of Object.values(KEY_NAMES)) localStorage.removeItem(name);
}

/// Asks for a key in a modal dialog; resolves to the key or '' when cancelled.
function askKey(kind) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'password', autocomplete: 'off', required: true, 'aria-label': 'Key', class: 'input wide' });
    const dialog = h('dialog', { class: 'modal', 'aria-labelledby': 'key-title' },
      h('form', { method: 'dialog', class: 'stack' },
        h('h2', { id: 'key-title' }, kind === 'admin' ? 'Admin key needed' : 'API key needed'),
        h('p', { class: 'muted' }, kind === 'admin'
          ? 'This change needs GATEWAY_ADMIN_KEY. It is kept in this browser only and sent as a Bearer header.'
          : 'This gateway needs one of GATEWAY_API_KEYS. It is kept in this browser only and sent as a Bearer header.'),
        input,
        h('div', { class: 'row end' },
          h('button', { type: 'submit', value: 'cancel', class: 'btn ghost', formnovalidate: true }, 'Cancel'),
          h('button', { type: 'submit', value: 'ok', class: 'btn primary' }, 'Use key'))));
    dialog.addEventListener('close', () => {
      const key = dialog.returnValue === 'ok' ? input.value.trim() : '';
      if (key) localStorage.setItem(KEY_NAMES[kind], key);
      dialog.remove();
      resolve(key);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

// One prompt at a time, shared by the calls that hit 401 together.
const pendingAsk = {};

/// fetch() against the gateway with the stored key. Mutating calls use the admin key when one
/// is stored. On 401 it asks for the key once and retries. Returns the Response.
export async function apiFetch(path, options = {}) {
  const method = (options.method ?? 'GET').toUpperCase();
  const kind = method === 'GET' ? 'api' : 'admin';
  const attempt = () => {
    const key = (kind === 'admin' && storedKey('admin')) || storedKey('api');
    const headers = new Headers(options.headers ?? {});
    if (key) headers.set('Authorization', `Bearer ${key}`);
    return fetch(path, { ...options, method, headers });
  };
  let res = await attempt();
  for (let i = 0; i < 2 && res.status === 401; i++) {
    // Chat and web-search are /v1 inference calls: they need the API key, not the admin key.
    const askFor = kind === 'admin' && !path.startsWith('/v1/chat/') ? 'admin' : 'api';
    pendingAsk[askFor] ??= askKey(askFor).finally(() => { delete pendingAsk[askFor]; });
    if (!(await pendingAsk[askFor])) break;
    res = await attempt();
  }
  return res;
}

/// Error carrying the gateway's error envelope message.
export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/// apiFetch + JSON. Throws ApiError with the envelope's message on a non-2xx answer.
export async function api(path, { method = 'GET', body, signal } = {}) {
  const options = { method, signal };
  if (body !== undefined) {
    options.body = typeof body === 'string' ? body : JSON.stringify(body);
    options.headers = { 'content-type': 'application/json' };
  }
  const res = await apiFetch(path, options);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const message = json?.error?.message ?? json?.detail ?? (text || `HTTP ${res.status}`);
    throw new ApiError(res.status, `${message} (HTTP ${res.status})`);
  }
  return json;
}

/// Reads a text/event-stream body; calls onData(parsedJson | rawString) per `data:` message.
/// Comments (": heartbeat") are ignored. Resolves when the stream ends.
export async function readSse(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      let parsed = data;
      try { parsed = JSON.parse(data); } catch { /* [DONE] or text */ }
      onData(parsed);
    }
  }
}

// -- feedback ------------------------------------------------------------------------------

let toastHost;
/// A short message in the corner (role=status, so screen readers announce it).
export function toast(message, kind = 'info') {
  toastHost ??= document.body.appendChild(h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
  const el = h('div', { class: `toast ${kind}` }, message);
  toastHost.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3500);
}

/// Runs `fn`, showing a toast for a thrown error; returns fn's value or undefined.
export async function guarded(fn) {
  try {
    return await fn();
  } catch (err) {
    toast(err.message ?? String(err), 'error');
    return undefined;
  }
}

/// A confirmation dialog (styled, keyboard accessible); resolves true on confirm.
export function confirmDialog(title, text, confirmLabel = 'Confirm') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'modal', 'aria-labelledby': 'confirm-title' },
      h('form', { method: 'dialog', class: 'stack' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', {}, text),
        h('div', { class: 'row end' },
          h('button', { type: 'submit', value: 'cancel', class: 'btn ghost' }, 'Cancel'),
          h('button', { type: 'submit', value: 'ok', class: 'btn danger', 'data-confirm': '' }, confirmLabel))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'ok'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/// Copies `text`; the button says "Copied" for a moment.
export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without clipboard permission (plain http on another host): select a hidden textarea.
    const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' }, text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  if (button) {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1200);
  }
}

// -- formatting ----------------------------------------------------------------------------

const numberFormat = new Intl.NumberFormat();
export const fmtNumber = (n) => (n === null || n === undefined ? '—' : numberFormat.format(n));

/// 1234 -> "1.2K", 2_500_000 -> "2.5M".
export function fmtCompact(n) {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/// Seconds -> "45 s", "3 min 20 s", "5 h 02 min".
export function fmtDuration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/// Unix seconds -> local date and time, "—" for 0/null.
export function fmtTime(unixSeconds) {
  if (!unixSeconds) return '—';
  return new Date(unixSeconds * 1000).toLocaleString();
}

/// Unix seconds -> "in 3 min" / "2 h ago".
export function fmtRelative(unixSeconds) {
  if (!unixSeconds) return '—';
  const delta = unixSeconds - Date.now() / 1000;
  return delta >= 0 ? `in ${fmtDuration(delta)}` : `${fmtDuration(-delta)} ago`;
}

mountNav();
