// The web app on a phone (issue 24): Lighthouse's mobile profile through the Chrome
// DevTools Protocol (1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, CPU slowed 4×),
// a cold cache each time. It prints how long the sign-in form and a client's ticket list
// take and what wasm each app downloads (gzip, as sent), and fails when a figure is worse
// than 1.5× its budget (sign-in 2.0 s, list 3.0 s) so that a regression shows.
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, launch, api, login, signedIn } from '../lib.js';

const SIGN_IN_BUDGET_MS = 2000;
const LIST_BUDGET_MS = 3000;
// 250 KB as the issue counts it, in bytes (not KiB).
const CLIENT_WASM_BUDGET = 250 * 1000;

// axe-core, run in the page through the DevTools Protocol (the page's CSP allows no
// injected script, and needs to allow none).
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const clientEmail = `mobile-${Date.now()}@phone.test`;
const clientPassword = 'client-password-1';

let browser;
before(async () => {
  browser = await launch();
  const admin = await login(adminEmail, adminPassword);
  const year = new Date().getUTCFullYear();
  const customer = await api('POST', '/customers', admin, { name: `ООО «Телефон» ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'basic', number: 'Д-М', starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: clientEmail, full_name: 'Ирина Мобильная', password: clientPassword, is_key_contact: true });
  const client = await login(clientEmail, clientPassword);
  for (let i = 1; i <= 3; i++) {
    await api('POST', '/tickets', client, { category: 'consultation', subject: `С телефона ${i}`, body: 'Вопрос' });
  }
});
after(async () => { await browser?.close(); });

// A phone: 375 px wide, touch, throttled network and CPU, no cache.
async function phone(context) {
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { p, errors };
}

// Milliseconds from the page's first request until `selector` is on screen (measured in
// the page, on its own clock).
async function shownAfter(p, selector) {
  const handle = await p.waitForFunction(
    (sel) => { const el = document.querySelector(sel); return el && el.getBoundingClientRect().height > 0 && performance.now(); },
    selector, { polling: 'raf', timeout: 60000 });
  return Math.round(await handle.jsonValue());
}

// The wasm the page downloaded, in bytes as sent (gzip).
async function wasmSent(p) {
  return p.evaluate(() => performance.getEntriesByType('resource')
    .filter((r) => r.name.endsWith('.wasm'))
    .reduce((sum, r) => sum + r.encodedBodySize, 0));
}

test('on the mobile profile the sign-in form and a client\'s list come within budget', async () => {
  const context = await browser.newContext({
    viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'ru-RU',
  });
  // A first visit: nothing cached, nobody signed in.
  const first = await phone(context);
  await first.p.goto(base + '/');
  const signInMs = await shownAfter(first.p, '[data-testid=sign-in]');
  // The form is in the page itself: what is typed before the app starts stays when the
  // app takes the form over, and it can be sent once the app has started.
  const early = await first.p.evaluate(() => document.querySelector('[data-testid=sign-in-submit]').disabled);
  await first.p.fill('#email', clientEmail);
  const usableMs = await shownAfter(first.p, '[data-testid=sign-in-submit]:not([disabled])');
  assert.ok(early, 'the shell\'s button is disabled until the app starts');
  assert.equal(await first.p.inputValue('#email'), clientEmail, 'what was typed before the app started stays');
  const clientWasm = await wasmSent(first.p);
  // The wasm comes gzipped at build time and cached for a year (its name has its hash).
  const wasmUrl = await first.p.evaluate(() => performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'))?.name);
  const wasmRes = await fetch(wasmUrl, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(wasmRes.headers.get('content-encoding'), 'gzip', wasmUrl);
  assert.equal(wasmRes.headers.get('cache-control'), 'public, max-age=31536000, immutable', wasmUrl);
  assert.deepEqual(first.errors, [], 'no console error on a first visit');
  await first.p.fill('#password', clientPassword);
  await first.p.getByTestId('sign-in-submit').click();
  await first.p.getByTestId('ticket-row').first().waitFor({ timeout: 60000 });
  await first.p.close();

  // The client comes back (signed in, cold cache): the list after the first request.
  const again = await phone(context);
  await again.p.goto(base + '/tickets');
  const listMs = await shownAfter(again.p, '[data-testid=ticket-row]');
  assert.deepEqual(again.errors, []);
  // The client's other screens come with the `more` app, loaded at their addresses.
  await again.p.getByTestId('nav-services').click();
  await again.p.getByTestId('services-page').waitFor({ timeout: 60000 });
  const moreWasm = await wasmSent(again.p);
  assert.deepEqual(again.errors, []);
  await context.close();

  // What staff download after signing in (unthrottled: only the size counts here).
  const { p: s, context: staffContext } = await signedIn(browser, adminEmail, adminPassword, 1280, 800);
  await s.getByTestId('nav-customers').waitFor({ timeout: 30000 });
  const staffWasm = await wasmSent(s);
  await staffContext.close();

  const kb = (n) => `${Math.round(n / 1024)} KB`;
  console.log(`mobile profile (1.6 Mbit/s, 150 ms, CPU ×4, cold cache): sign-in visible ${signInMs} ms `
    + `(budget ${SIGN_IN_BUDGET_MS}), usable ${usableMs} ms, client's list rendered ${listMs} ms (budget ${LIST_BUDGET_MS}); `
    + `wasm gzip: client ${clientWasm} B (budget ${CLIENT_WASM_BUDGET} B), client's other screens ${kb(moreWasm)}, staff ${kb(staffWasm)}`);
  assert.ok(clientWasm > 0 && moreWasm > clientWasm && staffWasm > moreWasm, 'the wasm sizes were measured');
  assert.ok(staffWasm > clientWasm, `staff download the staff app: ${staffWasm} ≤ ${clientWasm}`);
  assert.ok(clientWasm <= CLIENT_WASM_BUDGET, `the client app's wasm is ${clientWasm} B gzip, over ${CLIENT_WASM_BUDGET}`);
  assert.ok(signInMs <= 1.5 * SIGN_IN_BUDGET_MS, `sign-in visible after ${signInMs} ms`);
  assert.ok(listMs <= 1.5 * LIST_BUDGET_MS, `list rendered after ${listMs} ms`);
});

// Every page for a client and for an admin, at 375 px and on a desktop: nothing scrolls
// sideways at 375 px, axe-core finds no serious or critical violation (WCAG 2.1 AA rules),
// and no page logs a console error.
async function walk(email, password, width, pages) {
  const { p, context, errors } = await signedIn(browser, email, password, width, 800);
  p.on('console', (m) => { if (m.type() === 'error') errors.push(`${p.url()}: ${m.text()}`); });
  const wide = [];
  const violations = [];
  for (const [path, testid] of pages) {
    await p.goto(base + path);
    try {
      await p.getByTestId(testid).waitFor({ timeout: 15000 });
      // The page's data: wait until nothing says it is loading.
      await p.waitForFunction(() => !document.querySelector('main')?.textContent.includes('Загрузка…'), null, { timeout: 15000 });
    } catch (e) {
      throw new Error(`${path}: ${e.message}`);
    }
    await p.waitForTimeout(200);
    const scrolled = await p.evaluate(() => document.documentElement.scrollWidth);
    if (scrolled > width) {
      const culprits = await p.evaluate((w) => [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > w + 1)
        .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`), width);
      wide.push(`${path}: ${scrolled} px (${culprits.join(', ')})`);
    }
    if (!(await p.evaluate('typeof window.axe'))?.includes('object')) await p.evaluate(axeSource);
    const found = await p.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')}`);
    });
    violations.push(...found.map((v) => `${path} @${width}: ${v}`));
  }
  await context.close();
  assert.deepEqual(wide, [], 'pages that scroll sideways at 375 px');
  assert.deepEqual(violations, [], 'axe-core: serious or critical violations');
  assert.deepEqual(errors, [], 'console errors');
  return pages.length;
}

test('every page fits 375 px and passes axe-core, for a client and for staff, phone and desktop', async () => {
  const admin = await login(adminEmail, adminPassword);
  const client = await login(clientEmail, clientPassword);
  const ticket = (await api('GET', '/tickets', client)).items[0].id;
  const customer = (await api('GET', '/customers', admin)).items[0].id;
  const clientPages = [
    ['/tickets', 'ticket-list'], ['/tickets/new', 'new-ticket-form'], [`/tickets/${ticket}`, 'ticket-page'],
    ['/dashboard', 'dashboard'], ['/company', 'company'], ['/services', 'services-page'], ['/profile', 'profile'],
  ];
  const staffPages = [
    ['/tickets', 'ticket-list'], [`/tickets/${ticket}`, 'ticket-page'], ['/dashboard', 'dashboard'],
    ['/services', 'services-page'], ['/duty', 'duty-page'], ['/admin/customers', 'admin-customers'],
    [`/admin/customers/${customer}`, 'admin-customer'], ['/admin/staff', 'admin-staff'],
    ['/admin/calendar', 'admin-calendar'], ['/admin/channels', 'telegram-status'], ['/admin/webhooks', 'admin-webhooks'],
    ['/admin/settings', 'admin-settings'], ['/profile', 'profile'],
  ];
  let walked = 0;
  for (const width of [375, 1280]) {
    walked += await walk(clientEmail, clientPassword, width, clientPages);
    walked += await walk(adminEmail, adminPassword, width, staffPages);
  }
  console.log(`${walked} page views (a client's 7 and an admin's 13 pages, at 375 px and 1280 px): `
    + 'none scrolls sideways at 375 px, 0 serious or critical axe-core violations, no console error');
});

// The new-ticket flow by keyboard alone: Tab to each field, arrows between the categories,
// Enter on the button; no mouse.
test('a client opens a ticket with the keyboard alone', async () => {
  const { p, context, errors } = await signedIn(browser, clientEmail, clientPassword, 1280, 900);
  await p.goto(base + '/tickets/new');
  await p.getByTestId('new-ticket-form').waitFor();
  const active = () => p.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName.toLowerCase(), id: el?.id, name: el?.getAttribute('name'), testid: el?.dataset?.testid,
      value: el?.value, checked: el?.checked };
  });
  // Tab until `want` holds for the focused element; fails after `most` presses.
  async function tabTo(want, what, most = 40) {
    for (let i = 0; i < most; i++) {
      await p.keyboard.press('Tab');
      if (want(await active())) return;
    }
    assert.fail(`${what} is not reachable with Tab`);
  }
  await tabTo((a) => a.name === 'category', 'the categories');
  for (let i = 0; i < 10 && (await active()).value !== 'consultation'; i++) await p.keyboard.press('ArrowDown');
  const chosen = await active();
  assert.equal(chosen.value, 'consultation');
  assert.equal(chosen.checked, true, 'the arrows choose the category');
  await tabTo((a) => a.id === 'subject', 'the subject');
  await p.keyboard.type('С клавиатуры');
  await tabTo((a) => a.id === 'body', 'the description');
  await p.keyboard.type('Без мыши');
  await tabTo((a) => a.testid === 'submit-ticket', 'the send button');
  await p.keyboard.press('Enter');
  await p.getByTestId('ticket-created').waitFor();
  assert.match(await p.getByTestId('ticket-created').textContent(), /Обращение №\d+/);
  assert.deepEqual(errors, []);
  await context.close();
});
