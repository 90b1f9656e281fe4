// Channels in headless Chromium (R-CH-2, R-CH-3): the admin's Каналы page with the
// rejected-mail list and the bot's counters, and a customer's Telegram chats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminEmail, adminPassword, shots, launch, signedIn, api, login } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin sees the rejected mail and the bot; a Basic customer gets no Telegram chat', async () => {
  const admin = await login(adminEmail, adminPassword);
  const year = new Date().getUTCFullYear();
  const basic = await api('POST', '/customers', admin, { name: `ООО «Без чата» ${Date.now()}` });
  await api('POST', `/customers/${basic.id}/contracts`, admin,
    { tier_code: 'basic', number: 'Д-3', starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  const premium = await api('POST', '/customers', admin, { name: `ООО «С чатом» ${Date.now()}` });
  await api('POST', `/customers/${premium.id}/contracts`, admin,
    { tier_code: 'premium', number: 'Д-4', starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });

  const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
  await p.getByTestId('nav-channels').click();
  await p.getByTestId('rejected-mail').waitFor();
  await p.getByTestId('telegram-status').getByText('Бот выключен').waitFor();
  await p.screenshot({ path: shots + 'admin-channels-desktop.png', fullPage: true });

  await p.goto(p.url().replace(/\/admin\/channels$/, `/admin/customers/${basic.id}`));
  await p.getByTestId('customer-telegram').waitFor();
  await p.getByTestId('telegram-link-code').click();
  await p.getByTestId('customer-telegram').getByText('Telegram-чаты доступны только').waitFor();

  await p.goto(p.url().replace(basic.id, premium.id));
  await p.getByTestId('telegram-link-code').click();
  await p.getByTestId('link-code').waitFor();
  assert.match(await p.getByTestId('link-code').textContent(), /\/link [A-Z0-9]{10}/);
  await p.screenshot({ path: shots + 'admin-customer-telegram-desktop.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
