// Admin screens of issue 13 in headless Chromium: webhooks (a receiver here checks each
// signature with node's own crypto, an implementation independent of the server's), and
// the settings page (community portal, tiers, product versions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base, adminEmail, adminPassword, shots, launch, signedIn, api, login } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")).
function verify(secret, headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = Buffer.from('v1,' + createHmac('sha256', key).update(signed).digest('base64'));
  return (headers['webhook-signature'] ?? '').split(' ').some((s) => {
    const got = Buffer.from(s);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

test('an admin subscribes a receiver, sends the test event and reads the delivery log', async () => {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(204).end(); });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/hook`;
  try {
    const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
    await p.getByTestId('nav-webhooks').click();
    await p.getByTestId('admin-webhooks').waitFor();
    await p.getByTestId('webhook-url').fill(url);
    await p.getByTestId('webhook-description').fill('CRM (e2e)');
    await p.getByTestId('webhook-event-message.posted').check();
    await p.getByTestId('webhook-create').click();
    const card = p.getByTestId('webhook').filter({ hasText: url });
    await card.waitFor();
    await card.getByTestId('webhook-secret-toggle').click();
    const secret = (await card.getByTestId('webhook-secret').textContent()).trim();
    assert.match(secret, /^whsec_/);
    await card.getByTestId('webhook-test').click();
    // The delivery loop runs every 2 seconds.
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((ok) => setTimeout(ok, 200));
    assert.equal(received.length, 1, 'the test event arrives');
    const got = received[0];
    assert.ok(verify(secret, got.headers, got.body), JSON.stringify(got.headers));
    assert.equal(JSON.parse(got.body).type, 'webhook.test');
    await card.getByTestId('webhook-log').click();
    await card.getByTestId('delivery-status').first().getByText('доставлено').waitFor();
    await p.screenshot({ path: shots + 'admin-webhooks-desktop.png', fullPage: true });
    // Paused, the test button is off; resumed, it is on again.
    await card.getByTestId('webhook-toggle').click();
    await card.getByTestId('webhook-state').getByText('Приостановлена').waitFor();
    assert.equal(await card.getByTestId('webhook-test').isDisabled(), true);
    await card.getByTestId('webhook-delete').click();
    await card.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    server.close();
  }
});

test('an admin edits the community portal, a tier and the product versions', async () => {
  const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
  await p.getByTestId('nav-settings').click();
  await p.getByTestId('admin-settings').waitFor();
  await p.getByTestId('settings-community').fill('https://community.e2e.test/');
  await p.getByTestId('settings-save').click();
  await p.getByTestId('settings-saved').waitFor();
  const token = await login(adminEmail, adminPassword);
  assert.equal((await api('GET', '/settings/portal', token)).community_url, 'https://community.e2e.test/');

  const row = p.getByTestId('tier-premium_plus');
  await row.waitFor();
  const before = (await api('GET', '/tiers/premium_plus', token)).max_contacts;
  await row.getByTestId('tier-contacts').fill(String(before + 1));
  await row.getByTestId('tier-contacts').dispatchEvent('change');
  await row.getByTestId('tier-save').click();
  for (let i = 0; i < 25 && (await api('GET', '/tiers/premium_plus', token)).max_contacts === before; i++) {
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.equal((await api('GET', '/tiers/premium_plus', token)).max_contacts, before + 1);
  await api('PUT', '/tiers/premium_plus', token, { ...(await api('GET', '/tiers/premium_plus', token)), code: undefined, max_contacts: before });

  const version = `9.${Date.now() % 1000}.0`;
  await p.getByTestId('version-new').fill(version);
  await p.getByTestId('version-add').click();
  await p.getByTestId('version-row').filter({ hasText: version }).waitFor();
  await p.screenshot({ path: shots + 'admin-settings-desktop.png', fullPage: true });
  assert.ok((await api('GET', '/product-versions', token)).some((v) => v.version === version && v.supported));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a key contact asks to add a colleague in the form; an admin carries it out (R-ACC-2/3)', async () => {
  const admin = await login(adminEmail, adminPassword);
  const customer = await api('POST', '/customers', admin, { name: `Учетки ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'premium', number: 'Д-УЗ', starts_on: '2026-01-01', ends_on: '2099-12-31' });
  const keyEmail = `kk-${Date.now()}@acc.test`;
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: keyEmail, full_name: 'Ключевой Контакт', password: 'client-password-1', is_key_contact: true });
  const colleague = `colleague-${Date.now()}@acc.test`;

  const key = await signedIn(browser, keyEmail, 'client-password-1', 1280, 900);
  await key.p.getByTestId('nav-new-ticket').click();
  await key.p.getByTestId('category-account_management').check();
  await key.p.getByTestId('account-request').waitFor();
  await key.p.getByTestId('account-name').fill('Коллега Новая');
  await key.p.getByTestId('account-email').fill(colleague);
  await key.p.getByTestId('subject').fill('Добавьте коллегу');
  await key.p.getByTestId('body').fill('Прошу зарегистрировать');
  await key.p.getByTestId('submit-ticket').click();
  await key.p.getByTestId('ticket-created').waitFor();
  await key.p.getByTestId('open-created').click();
  await key.p.getByTestId('account-request-text').getByText(colleague).waitFor();
  assert.equal(await key.p.getByTestId('account-request-apply').count(), 0, 'clients do not carry requests out');
  const url = key.p.url();
  assert.deepEqual(key.errors, []);
  await key.context.close();

  const staff = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
  await staff.p.goto(url);
  await staff.p.getByTestId('account-request-apply').click();
  await staff.p.getByTestId('account-request-applied').waitFor();
  await staff.p.getByTestId('ticket-status').getByText('решено').waitFor();
  await staff.p.screenshot({ path: shots + 'account-request-desktop.png', fullPage: true });
  const users = await api('GET', `/users?customer_id=${customer.id}&kind=client`, admin);
  assert.ok(users.items.some((u) => u.email === colleague), JSON.stringify(users));
  assert.deepEqual(staff.errors, []);
  await staff.context.close();
});

test('an admin imports clients from a CSV after checking it; an invited client sets a password (R-ACC-1)', async () => {
  const admin = await login(adminEmail, adminPassword);
  const customer = await api('POST', '/customers', admin, { name: `Список ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'premium', number: 'Д-СП', starts_on: '2026-01-01', ends_on: '2099-12-31' });
  const stamp = Date.now();
  const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
  await p.goto(`${base}/admin/customers/${customer.id}`);
  await p.getByTestId('client-import').waitFor();
  const bad = `ККЛ;ФИО;Email\nда;Анна;anna-${stamp}@list.test\nнет;Анна дубль;anna-${stamp}@list.test\n`;
  await p.getByTestId('import-file').setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await p.getByTestId('import-check').click();
  await p.getByTestId('import-summary').getByText('с ошибками 1').waitFor();
  await p.getByTestId('import-row').filter({ hasText: 'повтор в файле' }).waitFor();
  assert.equal(await p.getByTestId('import-run').isDisabled(), true, 'a list with errors is not imported');

  const good = `ККЛ;ФИО;Email;Telegram\nда;Анна Список;anna-${stamp}@list.test;@anna\nнет;Борис Список;boris-${stamp}@list.test;\n`;
  await p.getByTestId('import-file').setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await p.getByTestId('import-check').click();
  await p.getByTestId('import-summary').getByText('новых 2').waitFor();
  await p.screenshot({ path: shots + 'admin-import-preview-desktop.png', fullPage: true });
  await p.getByTestId('import-run').click();
  await p.getByTestId('import-summary').getByText('Импортировано: 2').waitFor();
  // The page's contact list shows them at once (the preview and the list: two places).
  await p.getByText('Борис Список', { exact: true }).nth(1).waitFor();
  const users = await api('GET', `/users?customer_id=${customer.id}&kind=client`, admin);
  assert.equal(users.total, 2);
  assert.deepEqual(errors, []);
  await context.close();

  // The invitation's link: a fresh browser sets the password there and signs in with it.
  const invited = await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: `invited-${stamp}@list.test`, full_name: 'Приглашенный' });
  const guest = await browser.newContext({ locale: 'ru-RU' });
  const page = await guest.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(base + new URL(invited.invitation_url).pathname);
  await page.getByTestId('accept-invitation').waitFor();
  await page.getByTestId('invitation-password').fill('invited-password-1');
  await page.getByTestId('invitation-repeat').fill('invited-password-1');
  await page.getByTestId('invitation-submit').click();
  await page.getByTestId('invitation-done').waitFor();
  await page.getByTestId('invitation-sign-in').click();
  await page.getByTestId('sign-in').waitFor();
  await page.fill('#email', `invited-${stamp}@list.test`);
  await page.fill('#password', 'invited-password-1');
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('ticket-list').waitFor();
  assert.deepEqual(pageErrors, []);
  await guest.close();
});
