// The official openai npm client against the running gateway (non-streaming and streaming).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, startGateway, fakeProvider, route } from './lib/harness.mjs';

let fake, gw, client;
before(async () => {
  fake = await startFake();
  gw = await startGateway({ providers: [fakeProvider(fake, 'p1')],
    catalog: [route('r1', 'p1', 'ok;content=hello from the fake', 1), route('s1', 'p1', 'stream;chunks=4;interval_ms=20', 2)] });
  client = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => { await gw?.stop(); fake?.stop(); });

test('chat.completions.create works through the gateway', async () => {
  const res = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.choices[0].message.content, 'hello from the fake');
  assert.ok(res.usage.total_tokens > 0);
});

test('streaming with the openai client yields every delta', async () => {
  const stream = await client.chat.completions.create({ model: 's1', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'tok0 tok1 tok2 tok3 ');
});

test('models.list shows auto first', async () => {
  const list = await client.models.list();
  const ids = [];
  for await (const m of list) ids.push(m.id);
  assert.equal(ids[0], 'auto');
  assert.ok(ids.includes('r1'));
});

test('gateway errors surface as OpenAI API errors', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'auto', messages: [] }),
    (err) => err.status === 400 && /messages/.test(err.message));
});
