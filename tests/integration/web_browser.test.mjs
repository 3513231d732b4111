// The web pages in a real browser (issue 11): playwright-core drives Debian's chromium against
// the real binary and the fake provider. Every page at laptop and phone width without console
// errors or failed requests (screenshots in build/test-output/web-pages/), then each control
// end to end, hostile catalog text, and the key prompt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startFake, startGateway, fakeProvider, route, postJson, hello, FREEROUTER_BIN } from './lib/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = process.env.WEB_SCREENSHOT_DIR ?? join(dirname(resolve(FREEROUTER_BIN)), 'test-output', 'web-pages');
const PAGES = ['/', '/chat', '/models', '/health', '/status', '/live', '/docs'];
const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Sneaky';

let fake, gw, browser;
before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (./run.sh --test installs Debian's chromium)`);
  mkdirSync(OUT, { recursive: true });
  fake = await startFake();
  gw = await startGateway({
    providers: [
      fakeProvider(fake, 'p1', { requests_per_day: 500, day_reset_timezone: 'America/New_York' }),
      fakeProvider(fake, 'p2', { requests_per_day: 1000, requests_per_minute: 200, tokens_per_day: 100000 }),
      fakeProvider(fake, 'p3'),
      fakeProvider(fake, 'p4'),
    ],
    catalog: [
      route('skip-me', 'p3', 'ok', 1),
      route('flaky', 'p1', 'status;code=500', 2),
      route('answer', 'p2', 'ok;content=Hello **bold** and `code`', 3),
      route('cooled', 'p4', 'status;code=429;retry_after=3600', 4),
      route('xss', 'p2', 'ok', 5, { display_name: XSS, notes: XSS, tags: ['text', 'web-search'] }),
      route('extra-a', 'p2', 'ok', 6),
      route('extra-b', 'p2', 'ok', 7),
    ],
    unconfigured: ['p3'],
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => { await browser?.close(); await gw?.stop(); fake?.stop(); });

/// A page that records console errors, page errors and failed requests.
async function open(path, { viewport = VIEWPORTS[0], base = gw.base, context } = {}) {
  const ctx = context ?? await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const problems = [];
  const urls = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('request', (req) => urls.push(req.url()));
  page.on('requestfailed', (req) => {
    // A fetch the page aborts on purpose (Stop, leaving the page) is not a failure.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const response = await page.goto(`${base}${path}`);
  return { page, ctx, problems, urls, response };
}

async function catalog() {
  return (await (await fetch(`${gw.base}/v1/gateway/models`)).json()).data;
}

test('every page loads without errors at laptop and phone width (screenshots)', async () => {
  // Some traffic first, so that tables and plots have content in the screenshots.
  for (let i = 0; i < 3; i++) assert.equal((await postJson(gw.base, '/v1/chat/completions', hello())).status, 200);
  for (const viewport of VIEWPORTS) {
    for (const path of PAGES) {
      const { page, ctx, problems, response } = await open(path, { viewport });
      assert.equal(response.status(), 200, path);
      // Each page's script fills #nav; then give its first API calls time to finish.
      await page.locator('#nav a.brand').waitFor({ timeout: 5000 });
      await page.waitForTimeout(path === '/models' ? 1800 : 800);
      const name = path === '/' ? 'home' : path.slice(1);
      await page.screenshot({ path: join(OUT, `${name}-${viewport.width}x${viewport.height}.png`), fullPage: true });
      // No horizontal overflow of the page itself (tables scroll inside their wrapper).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${path} at ${viewport.width}px overflows by ${overflow}px`);
      assert.deepEqual(problems, [], `${path} at ${viewport.width}px`);
      await ctx.close();
    }
  }
});

test('chat: an answer streams in as Markdown with its routing rows; a disable from the panel is skipped next time', async () => {
  const { page, ctx, problems } = await open('/chat');
  await page.fill('#prompt', 'Say hi');
  await page.press('#prompt', 'Enter');
  const answer = page.locator('.msg.assistant').first();
  await answer.locator('.meta').waitFor({ timeout: 10000 });
  assert.equal(await answer.locator('strong').textContent(), 'bold', 'Markdown rendered');
  assert.equal(await answer.locator('code').textContent(), 'code');
  const group = page.locator('[data-request="1"]');
  assert.equal(await group.locator('[data-route="skip-me"]').getAttribute('data-state'), 'skipped');
  assert.equal(await group.locator('[data-route="flaky"]').getAttribute('data-state'), 'failed');
  assert.equal(await group.locator('[data-route="answer"]').getAttribute('data-state'), 'selected');
  assert.match(await group.locator('[data-route="skip-me"] .reason').last().textContent(), /missing_api_key/);
  assert.match(await group.locator('[data-route="flaky"] .reason').last().textContent(), /\d+ ms/);

  // Disable "flaky" from its row (confirm dialog), then ask again.
  const before = (await fake.requests('/p1/')).length;
  await group.locator('[data-route="flaky"] button').click();
  await page.locator('dialog [data-confirm]').click();
  await group.locator('[data-route="flaky"] button', { hasText: 'Enable' }).waitFor({ timeout: 5000 });
  assert.equal((await catalog()).find((r) => r.route_id === 'flaky').enabled, false);
  await page.fill('#prompt', 'Again');
  await page.press('#prompt', 'Enter');
  const second = page.locator('[data-request="2"]');
  await second.locator('[data-route="answer"][data-state="selected"]').waitFor({ timeout: 10000 });
  assert.equal(await second.locator('[data-route="flaky"][data-state="failed"]').count(), 0, 'flaky not tried');
  assert.equal((await fake.requests('/p1/')).length, before, 'no upstream call to the disabled route');
  assert.equal(await page.locator('.msg.assistant .meta').count(), 2);
  await page.screenshot({ path: join(OUT, 'chat-answered-1280x800.png') });

  // Enable again from the same row (no confirmation needed to undo).
  await group.locator('[data-route="flaky"] button').click();
  await group.locator('[data-route="flaky"] button', { hasText: 'Disable' }).waitFor({ timeout: 5000 });
  assert.equal((await catalog()).find((r) => r.route_id === 'flaky').enabled, true);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('models: a drag-and-drop re-rank is saved at once', async () => {
  const { page, ctx, problems } = await open('/models');
  const source = page.locator('li[data-route="extra-b"]');
  const target = page.locator('li[data-route="skip-me"]');
  await target.waitFor({ timeout: 5000 });
  const saved = page.waitForResponse((r) => r.url().endsWith('/v1/gateway/models') && r.request().method() === 'PUT');
  await source.locator('.handle').dragTo(target, { targetPosition: { x: 60, y: 4 } });
  assert.equal((await saved).status(), 200);
  const ranks = Object.fromEntries((await catalog()).map((r) => [r.route_id, r.rank]));
  assert.equal(ranks['extra-b'], 1, JSON.stringify(ranks));
  assert.equal(ranks['skip-me'], 2, JSON.stringify(ranks));
  assert.equal(ranks['extra-a'], 7, JSON.stringify(ranks));
  // The list shows the new order (it re-renders once the PUT's answer is read: wait for it).
  await page.locator('li.route-card').first().and(page.locator('[data-route="extra-b"]')).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('li.route-card').first().getAttribute('data-route'), 'extra-b');
  // Keyboard: the focused "move down" button moves the route one place and saves.
  const moved = page.waitForResponse((r) => r.url().endsWith('/v1/gateway/models') && r.request().method() === 'PUT');
  await page.getByRole('button', { name: 'Move extra-b down' }).focus();
  await page.keyboard.press('Enter');
  assert.equal((await moved).status(), 200);
  const after = Object.fromEntries((await catalog()).map((r) => [r.route_id, r.rank]));
  assert.equal(after['skip-me'], 1, JSON.stringify(after));
  assert.equal(after['extra-b'], 2, JSON.stringify(after));
  // Back to the dragged order for the tests after this one.
  await page.getByRole('button', { name: 'Move extra-b up' }).click();
  await page.locator('li.route-card').first().and(page.locator('[data-route="extra-b"]')).waitFor({ timeout: 5000 });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('models: edit a field and filter the list', async () => {
  const { page, ctx, problems } = await open('/models');
  const card = page.locator('li[data-route="extra-a"]');
  await card.getByRole('button', { name: 'Edit' }).click();
  await card.locator('input[name="display_name"]').fill('Extra A renamed');
  await card.locator('input[name="context_window"]').fill('256000');
  await card.getByRole('button', { name: 'Save' }).click();
  await page.locator('li[data-route="extra-a"] .name', { hasText: 'Extra A renamed' }).waitFor({ timeout: 5000 });
  const saved = (await catalog()).find((r) => r.route_id === 'extra-a');
  assert.equal(saved.display_name, 'Extra A renamed');
  assert.equal(saved.context_window, 256000);

  await page.selectOption('#f-context', '256000');
  assert.equal(await page.locator('li.route-card').count(), 1);
  await page.selectOption('#f-context', '0');
  await page.fill('#search', 'web-search');
  assert.equal(await page.locator('li.route-card').count(), 1);
  await page.fill('#search', '');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('models: the Updates dialog checks the providers, lists the suggestions and applies them', async () => {
  // p2's listing now offers a new free chat model, one of them named with markup.
  const data = [
    { id: 'ok', name: 'ok' },
    { id: 'brand/new-chat', name: XSS, architecture: { modality: 'text->text' }, pricing: { prompt: '0', completion: '0' } },
  ];
  const listed = await fetch(`${fake.base}/_fake/models?prefix=${encodeURIComponent('/p2/v1')}`, { method: 'PUT', body: JSON.stringify({ data }) });
  assert.equal(listed.status, 200);
  // p4 still lists its model, so the check does not probe it (a probe's 429 would cool p4
  // and change what the Health test below sees).
  const p4 = await fetch(`${fake.base}/_fake/models?prefix=${encodeURIComponent('/p4/v1')}`,
    { method: 'PUT', body: JSON.stringify({ data: [{ id: 'status;code=429;retry_after=3600' }] }) });
  assert.equal(p4.status, 200);
  const { page, ctx, problems } = await open('/models');
  await page.click('#updates');
  const dialog = page.locator('#updates-dialog');
  await dialog.locator('#updates-status', { hasText: 'No check has run yet' }).waitFor({ timeout: 5000 });
  await page.click('#updates-check');
  const item = dialog.locator('[data-suggestion="add:p2-brand-new-chat"]');
  await item.waitFor({ timeout: 20000 });
  assert.match(await item.textContent(), /New route/);
  assert.ok((await item.textContent()).includes('<img src=x onerror="window.__xss=1">'), 'the name is shown as text');
  assert.equal(await dialog.locator('img').count(), 0, 'no element created from the listing');
  await page.locator('#updates', { hasText: 'Updates (1)' }).waitFor({ timeout: 5000 });
  await page.screenshot({ path: join(OUT, 'models-updates-dialog.png') });
  await item.locator('input').check();
  // A refresh re-renders the list (so does the page's quiet refresh after load, at a moment
  // the test does not control): the tick must survive it.
  await page.click('#updates-check');
  await dialog.locator('#updates-status', { hasText: 'Last check' }).waitFor({ timeout: 20000 });
  await page.locator('#updates-check:not([disabled])').waitFor({ timeout: 20000 });
  assert.equal(await item.locator('input').isChecked(), true, 'the ticked suggestion stays ticked');
  await page.click('#updates-apply');
  await page.locator('#updates', { hasText: /^Updates$/ }).waitFor({ timeout: 5000 });
  assert.equal(await item.count(), 0);
  // The route is in the catalog, disabled until a person enables it, and on the page.
  const added = (await catalog()).find((r) => r.route_id === 'p2-brand-new-chat');
  assert.ok(added, 'the applied route is in the catalog');
  assert.equal(added.enabled, false);
  await page.keyboard.press('Escape');
  assert.equal(await dialog.isVisible(), false);
  await page.locator('li[data-route="p2-brand-new-chat"]').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('hostile HTML in a display name or notes is shown as text and never runs', async () => {
  for (const path of ['/models', '/status']) {
    const { page, ctx, problems } = await open(path);
    const cell = page.locator('[data-route="xss"]').first();
    await cell.waitFor({ timeout: 5000 });
    assert.ok((await cell.textContent()).includes('<img src=x onerror="window.__xss=1">'), `${path} shows the markup as text`);
    if (path === '/models') {
      await cell.getByRole('button', { name: 'Edit' }).click();
      assert.equal(await cell.locator('textarea[name="notes"]').inputValue(), XSS);
    }
    assert.equal(await page.evaluate(() => window.__xss), undefined, `${path}: no script ran`);
    assert.equal(await page.locator('img[src="x"]').count(), 0, `${path}: no element created`);
    assert.deepEqual(problems, []);
    await ctx.close();
  }
});

test('health: "Clear flag" puts a cooled route back', async () => {
  // The 429 cools "cooled" down for an hour; the waterfall then answers from "answer".
  const res = await postJson(gw.base, '/v1/chat/completions', hello({ model: 'cooled' }));
  assert.equal(res.status, 200, res.text);
  assert.notEqual((await catalog()).find((r) => r.route_id === 'cooled').health.status, 'active');
  const { page, ctx, problems } = await open('/health');
  const row = page.locator('tr[data-route="cooled"]');
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.textContent(), /rate limited/);
  await row.getByRole('button', { name: /Clear flag/ }).click();
  await row.waitFor({ state: 'detached', timeout: 5000 });
  assert.equal((await catalog()).find((r) => r.route_id === 'cooled').health.status, 'active');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('usage: a quota bar moves after requests', async () => {
  const { page, ctx, problems } = await open('/status');
  const quota = page.locator('[data-provider="p2"] [data-window="Requests / day"]');
  await quota.waitFor({ timeout: 5000 });
  const usedBefore = Number(await quota.locator('[data-used]').getAttribute('data-used'));
  const widthBefore = await quota.locator('.bar > span').evaluate((el) => el.getBoundingClientRect().width);
  for (let i = 0; i < 20; i++) assert.equal((await postJson(gw.base, '/v1/chat/completions', hello())).status, 200);
  await page.click('#reload');
  await page.waitForFunction((before) => Number(document.querySelector('[data-provider="p2"] [data-window="Requests / day"] [data-used]')?.dataset.used) >= before + 20, usedBefore, { timeout: 5000 });
  const widthAfter = await quota.locator('.bar > span').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(widthAfter > widthBefore, `bar ${widthBefore} -> ${widthAfter}`);
  assert.match(await page.locator('[data-provider="p1"] [data-window="Requests / day"] .reset').textContent(), /America\/New_York/);
  // The plots drew (uPlot canvases) from the usage series.
  assert.ok(await page.locator('#plot-requests canvas').count() >= 1);
  // Sorting by a column reorders the table.
  await page.getByRole('button', { name: /^Attempts/ }).click();
  assert.ok(await page.locator('th[aria-sort="descending"]').count() === 1);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('live: a new request shows up within a second', async () => {
  const { page, ctx, problems } = await open('/live');
  await page.locator('#feed-state', { hasText: 'Live' }).waitFor({ timeout: 5000 });
  const res = await postJson(gw.base, '/v1/chat/completions', hello());
  const sent = Date.now();
  const id = res.headers.get('x-gateway-request-id');
  assert.ok(id);
  const row = page.locator(`tr[data-request="${id}"]`);
  await row.waitFor({ timeout: 1000 });
  assert.ok(Date.now() - sent < 1000);
  await page.locator(`tr[data-request="${id}"][data-phase="Done"]`).waitFor({ timeout: 2000 });
  await row.getByRole('button', { name: 'Show' }).click();
  assert.match(await page.locator('tr.detail').textContent(), /hello/);
  // Paused: new requests wait until Resume.
  await page.click('#pause');
  const held = (await postJson(gw.base, '/v1/chat/completions', hello())).headers.get('x-gateway-request-id');
  await page.waitForTimeout(400);
  assert.equal(await page.locator(`tr[data-request="${held}"]`).count(), 0);
  await page.click('#pause');
  await page.locator(`tr[data-request="${held}"]`).waitFor({ timeout: 1000 });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('chat: Stop cancels a streaming answer', async () => {
  // A slow stream at the top of the catalog for this test only.
  const routes = (await catalog()).map(({ health, ...r }) => r);
  const slow = route('slow', 'p2', 'stream;chunks=60;interval_ms=100', 0);
  const put = (list) => fetch(`${gw.base}/v1/gateway/models`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(list) });
  assert.equal((await put([slow, ...routes])).status, 200);
  try {
    const { page, ctx, problems } = await open('/chat');
    await page.fill('#prompt', 'Tell me a long story');
    await page.press('#prompt', 'Enter');
    await page.locator('[data-request="1"] [data-route="slow"][data-state="selected"]').waitFor({ timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('.msg.assistant .body')?.textContent.length > 0, null, { timeout: 5000 });
    await page.click('#stop');
    await page.locator('.msg.assistant .meta', { hasText: 'stopped' }).waitFor({ timeout: 3000 });
    assert.equal(await page.locator('#send').isVisible(), true);
    assert.match(await page.locator('[data-request="1"] h3').textContent(), /stopped/);
    // The page's fetch was aborted (no error shown): the answer so far stays, marked stopped.
    assert.equal(await page.locator('.msg.system').count(), 0);
    assert.deepEqual(problems, []);
    await ctx.close();
  } finally {
    assert.equal((await put(routes)).status, 200);
  }
});

test('theme: follows the system, switchable, remembered', async () => {
  const context = await browser.newContext({ viewport: VIEWPORTS[0], colorScheme: 'dark' });
  const { page, problems } = await open('/status', { context });
  await page.locator('.theme-toggle').waitFor();
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(14, 17, 22)', 'dark from the system setting');
  await page.click('.theme-toggle'); // system -> dark (explicit)
  await page.click('.theme-toggle'); // dark -> light
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await bg(), 'rgb(246, 248, 250)');
  await page.click('.theme-toggle'); // light -> system
  await page.click('.theme-toggle'); // system -> dark
  await page.reload();
  await page.locator('#quotas .card').first().waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'remembered');
  await page.waitForTimeout(500);
  for (const path of ['/status', '/chat', '/models', '/live']) {
    if (path !== '/status') { await page.goto(`${gw.base}${path}`); await page.waitForTimeout(800); }
    await page.screenshot({ path: join(OUT, `${path.slice(1)}-dark-1280x800.png`), fullPage: true });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('live: the page reconnects by itself when the feed ends', async () => {
  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  // While this route is installed, every feed connection ends at once (as when the gateway
  // restarts); the snapshot still loads.
  const cut = (r) => r.fulfill({ status: 200, contentType: 'text/event-stream', body: '' });
  await context.route('**/v1/gateway/live/events', cut);
  const { page, problems } = await open('/live', { context });
  await page.locator('#feed-state', { hasText: 'Reconnecting' }).waitFor({ timeout: 5000 });
  await context.unroute('**/v1/gateway/live/events', cut);
  await page.locator('#feed-state', { hasText: 'Live' }).waitFor({ timeout: 15000 });
  // Still live a moment later: this is the real feed, not a cut one that just opened.
  await page.waitForTimeout(1500);
  assert.equal(await page.locator('#feed-state').textContent(), 'Live');
  const id = (await postJson(gw.base, '/v1/chat/completions', hello())).headers.get('x-gateway-request-id');
  await page.locator(`tr[data-request="${id}"]`).waitFor({ timeout: 1000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('with GATEWAY_API_KEYS and GATEWAY_ADMIN_KEY the pages ask once and never put a key in a URL', { timeout: 60000 }, async () => {
  const locked = await startGateway({
    providers: [fakeProvider(fake, 'p2')],
    catalog: [route('only', 'p2', 'ok', 1)],
    env: { GATEWAY_API_KEYS: 'sekret-api', GATEWAY_ADMIN_KEY: 'sekret-admin' },
  });
  try {
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const { page, problems, urls } = await open('/models', { base: locked.base, context });
    // The first API call answers 401: the page asks for the key.
    await page.locator('dialog input[type="password"]').fill('sekret-api');
    await page.locator('dialog button[value="ok"]').click();
    await page.locator('li[data-route="only"]').waitFor({ timeout: 5000 });
    // A change needs the admin key: asked for once, then the call is retried.
    await page.locator('li[data-route="only"] input[type="checkbox"]').uncheck();
    await page.locator('dialog input[type="password"]').fill('sekret-admin');
    await page.locator('dialog button[value="ok"]').click();
    await page.locator('li[data-route="only"].disabled').waitFor({ timeout: 5000 });
    // Another page in the same browser: no prompt, the stored key is sent.
    const other = await context.newPage();
    await other.goto(`${locked.base}/health`);
    await other.locator('#health-summary', { hasText: /routes are active/ }).waitFor({ timeout: 5000 });
    assert.equal(await other.locator('dialog').count(), 0);
    assert.ok(urls.length > 3);
    for (const url of urls) assert.ok(!url.includes('sekret'), url);
    // The 401s before each key was entered are expected here; nothing else.
    assert.deepEqual(problems.filter((p) => !p.startsWith('HTTP 401') && !/status of 401/.test(p)), []);
    await context.close();
  } finally {
    await locked.stop();
  }
});
