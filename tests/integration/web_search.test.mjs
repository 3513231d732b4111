// The web-search endpoint: only web-search routes, forced tool, provider translations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startGateway, fakeProvider, route, postJson, hello } from './lib/harness.mjs';

let fake, gw;
before(async () => {
  fake = await startFake();
  const ws = { tags: ['text', 'web-search'] };
  gw = await startGateway({
    providers: [fakeProvider(fake, 'plain'), fakeProvider(fake, 'groq'), fakeProvider(fake, 'openrouter')],
    catalog: [route('plain-first', 'plain', 'ok', 1), route('groq-compound', 'groq', 'ok;content=from groq', 2, ws),
      route('or-free', 'openrouter', 'ok;content=from openrouter', 3, ws)],
  });
});
after(async () => { await gw?.stop(); fake?.stop(); });

test('only web-search routes are used and Groq gets compound_custom', async () => {
  const res = await postJson(gw.base, '/v1/chat/completions/web-search', hello({ max_tokens: 100 }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-gateway-route'), 'groq-compound');
  const body = (await fake.requests('/groq/v1')).requests.at(-1).body;
  assert.deepEqual(body.compound_custom, { tools: { enabled_tools: ['web_search'] } });
  assert.equal(body.tools, undefined);
  assert.equal(body.tool_choice, undefined);
  assert.equal(body.max_tokens, undefined);
});

test('OpenRouter gets its web_search tool; an existing function tool stays first', async () => {
  const fn = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } };
  const res = await postJson(gw.base, '/v1/chat/completions/web-search', hello({ model: 'or-free', tools: [fn] }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-gateway-route'), 'or-free');
  const body = (await fake.requests('/openrouter/v1')).requests.at(-1).body;
  assert.deepEqual(body.tools, [fn, { type: 'openrouter:web_search' }]);
  assert.equal(body.tool_choice, undefined);
});

test('a body that is not an object is a 400', async () => {
  const res = await postJson(gw.base, '/v1/chat/completions/web-search', '[]');
  assert.equal(res.status, 400);
  assert.match(res.json.error.message, /JSON object/);
});
