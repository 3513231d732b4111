// API docs: renders /openapi.json (the gateway's own OpenAPI 3 document, checked against the
// endpoint table by a test) as a readable page: endpoints grouped by tag, parameters, body
// and response schemas as field lists, examples.
import { $, fill, h } from './common.js';
import { renderMarkdown } from './markdown.js';

/// Descriptions in the document are CommonMark (OpenAPI allows it).
function prose(tag, text) {
  const el = h(tag, {});
  renderMarkdown(el, text);
  return el;
}

let spec;

function resolve(schema) {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) s = s.$ref.split('/').slice(1).reduce((o, k) => o?.[k], spec);
  return s ?? {};
}

function typeOf(schema) {
  const s = resolve(schema);
  if (schema?.$ref) return schema.$ref.split('/').pop();
  if (s.oneOf) return s.oneOf.map(typeOf).join(' | ');
  if (s.allOf) return s.allOf.map(typeOf).join(' + ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  return `${s.type ?? 'any'}${s.nullable ? ' | null' : ''}`;
}

/// Field rows of an object schema, nested objects indented (depth-limited: schemas can recurse).
function fields(schema, depth = 0, prefix = '') {
  const s = resolve(schema);
  if (depth > 3) return [];
  if (s.allOf) return s.allOf.flatMap((part) => fields(part, depth, prefix));
  const target = s.type === 'array' ? resolve(s.items) : s;
  const rows = [];
  for (const [name, prop] of Object.entries(target.properties ?? {})) {
    const p = resolve(prop);
    const required = (target.required ?? []).includes(name);
    rows.push(h('tr', {},
      h('td', { class: 'mono' }, `${prefix}${name}`, required ? ' *' : ''),
      h('td', { class: 'mono muted' }, typeOf(prop)),
      h('td', {}, [p.description ?? '', p.default !== undefined ? ` Default: ${JSON.stringify(p.default)}.` : '',
        p.enum ? ` One of: ${p.enum.join(', ')}.` : ''].join('').trim())));
    const inner = p.type === 'array' ? resolve(p.items) : p;
    if (inner.properties || inner.allOf) rows.push(...fields(inner, depth + 1, `${prefix}${name}${p.type === 'array' ? '[]' : ''}.`));
  }
  return rows;
}

function schemaBlock(title, content) {
  if (!content) return null;
  const parts = [];
  for (const [type, media] of Object.entries(content)) {
    const rows = media.schema ? fields(media.schema) : [];
    const example = media.example ?? resolve(media.schema)?.example;
    parts.push(h('div', {},
      h('div', { class: 'small muted' }, `${title} · ${type}${media.schema ? ` · ${typeOf(media.schema)}` : ''}`),
      rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'Type'), h('th', {}, 'Description'))), h('tbody', {}, rows))) : null,
      example !== undefined ? h('pre', {}, typeof example === 'string' ? example : JSON.stringify(example, null, 2)) : null));
  }
  return parts;
}

function operation(path, method, op) {
  const id = `${method}-${path}`.replace(/[^a-z0-9]+/gi, '-');
  const params = op.parameters ?? [];
  return h('article', { class: 'card op', id, dataset: { method: method.toUpperCase(), path } },
    h('div', { class: 'op-head' },
      h('span', { class: `method ${method}` }, method.toUpperCase()),
      h('code', {}, path),
      h('span', { class: 'muted' }, op.summary ?? ''),
      (op.security && op.security.length === 0) ? h('span', { class: 'pill' }, 'open') : null),
    op.description ? prose('div', op.description) : null,
    params.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), h('th', {}, 'In'), h('th', {}, 'Type'), h('th', {}, 'Description'))),
      h('tbody', {}, params.map((p) => h('tr', {},
        h('td', { class: 'mono' }, p.name, p.required ? ' *' : ''), h('td', {}, p.in),
        h('td', { class: 'mono muted' }, typeOf(p.schema)), h('td', {}, p.description ?? '')))))) : null,
    schemaBlock('Request body', op.requestBody?.content),
    h('h3', {}, 'Responses'),
    Object.entries(op.responses ?? {}).map(([code, res]) => h('div', { class: 'stack' },
      h('div', {}, h('span', { class: `pill ${code < 300 ? 'ok' : code < 500 ? 'warn' : 'bad'}` }, code), ' ', resolve(res).description ?? ''),
      res.headers ? h('div', { class: 'small muted' }, 'Headers: ', Object.keys(res.headers).join(', ')) : null,
      res.content ? h('details', {}, h('summary', {}, 'Body'), schemaBlock('Body', res.content)) : null)));
}

async function main() {
  const res = await fetch('/openapi.json');
  spec = await res.json();
  fill($('#api-title'), spec.info.title);
  $('#api-intro').replaceWith(prose('div', spec.info.description));
  const byTag = new Map((spec.tags ?? []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, op]);
    }
  }
  fill($('#toc'), [...byTag].map(([tag, ops]) => [h('h3', {}, tag), h('ul', {}, ops.map(([path, method]) => h('li', {},
    h('a', { href: `#${`${method}-${path}`.replace(/[^a-z0-9]+/gi, '-')}` }, h('span', { class: 'mono' }, `${method.toUpperCase()} ${path}`)))))]));
  fill($('#ops'), [...byTag].map(([tag, ops]) => h('section', {}, h('h2', {}, tag), ops.map(([path, method, op]) => operation(path, method, op)))));
}

main().catch((err) => fill($('#ops'), h('p', { class: 'empty' }, `Could not load /openapi.json: ${err.message}`)));
