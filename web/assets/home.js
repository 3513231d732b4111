// Home: the base URL this browser reached the gateway at, client snippets, live counters.
import { $, api, copyText, fill, fmtNumber, h } from './common.js';

// The address the page was loaded from is the one clients on this side can use too.
const baseUrl = `${location.origin}/v1`;
fill($('#base-url'), baseUrl);
$('#copy-base').addEventListener('click', (e) => copyText(baseUrl, e.currentTarget));

const snippets = {
  curl: `curl ${baseUrl}/chat/completions \\
  -H 'Content-Type: application/json' \\
  -H "Authorization: Bearer $FREEROUTER_KEY" \\
  -d '{"model": "auto", "messages": [{"role": "user", "content": "Say hi"}]}'`,
  Python: `from openai import OpenAI

client = OpenAI(base_url="${baseUrl}", api_key="unused-or-your-gateway-key")
answer = client.chat.completions.create(
    model="auto",
    messages=[{"role": "user", "content": "Say hi"}],
)
print(answer.choices[0].message.content)`,
  JavaScript: `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: 'unused-or-your-gateway-key' });
const answer = await client.chat.completions.create({
  model: 'auto',
  messages: [{ role: 'user', content: 'Say hi' }],
});
console.log(answer.choices[0].message.content);`,
};

function showSnippet(name) {
  for (const tab of document.querySelectorAll('#snippet-tabs button')) {
    const selected = tab.dataset.name === name;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  const copy = h('button', { type: 'button', class: 'btn small', onclick: (e) => copyText(snippets[name], e.currentTarget) }, 'Copy');
  fill($('#snippet-panel'), copy, h('pre', {}, h('code', {}, snippets[name])));
}

const names = Object.keys(snippets);
fill($('#snippet-tabs'), names.map((name) => h('button', {
  type: 'button', role: 'tab', dataset: { name }, id: `tab-${name}`,
  onclick: () => showSnippet(name),
  // Arrow keys move between tabs (WAI-ARIA tabs pattern).
  onkeydown: (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    const next = names[(names.indexOf(name) + step + names.length) % names.length];
    showSnippet(next);
    document.getElementById(`tab-${next}`).focus();
  },
}, name)));
showSnippet('curl');

function setCounter(name, value) {
  fill(document.querySelector(`[data-counter="${name}"]`), value);
}

async function refreshCounters() {
  try {
    const [health, status] = await Promise.all([api('/v1/gateway/health.json'), api('/v1/providers/status')]);
    let requests = 0;
    let successes = 0;
    let failures = 0;
    for (const provider of status.data) {
      requests += provider.requests_today ?? 0;
      for (const route of provider.models ?? []) {
        successes += route.usage?.successes ?? 0;
        failures += route.usage?.failures ?? 0;
      }
    }
    setCounter('requests', fmtNumber(requests));
    setCounter('successes', fmtNumber(successes));
    setCounter('failures', fmtNumber(failures));
    setCounter('providers', `${fmtNumber(health.providers?.usable)} / ${fmtNumber(health.providers?.configured)}`);
    fill($('#counters-note'), `Updated ${new Date().toLocaleTimeString()} · every 5 s · gateway ${health.version ?? ''}`);
  } catch (err) {
    fill($('#counters-note'), `Counters unavailable: ${err.message}`);
  }
}

refreshCounters();
setInterval(refreshCounters, 5000);
