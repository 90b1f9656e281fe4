// The portal end to end in headless Chromium: a client opens a ticket and sees the
// promised response time; staff answer it; the client sees the answer and the cycle
// closed; a ticket over the limit shows its queue position; the SLA dashboard draws
// its charts. Desktop and phone screenshots go to ../target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, shots, launch, signedIn as signIn, api, login } from '../lib.js';

const clientEmail = `client-${Date.now()}@romashka.test`;
const clientPassword = 'client-password-1';

let browser;
let admin;
let customer;
before(async () => {
  browser = await launch();
  // A customer on the Basic tier (5 tickets in work at once, R-LIM-1) with a key contact.
  admin = await login(adminEmail, adminPassword);
  const year = new Date().getUTCFullYear();
  customer = await api('POST', '/customers', admin, { name: `ООО «Ромашка» ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'basic', number: 'Д-1', starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: clientEmail, full_name: 'Анна Петрова', password: clientPassword, is_key_contact: true });
});
after(async () => { await browser?.close(); });

function signedIn(email, password, width, height) {
  return signIn(browser, email, password, width, height);
}

let ticketId;

test('a client creates a ticket and sees the promised response time (desktop)', async () => {
  const { p, context, errors } = await signedIn(clientEmail, clientPassword, 1280, 900);
  await p.getByTestId('empty').waitFor();
  assert.match(await p.getByTestId('empty').textContent(), /Создайте обращение/);
  await p.screenshot({ path: shots + 'client-empty-list-desktop.png', fullPage: true });
  await p.getByTestId('nav-new-ticket').click();
  await p.getByTestId('new-ticket-form').waitFor();
  assert.match(await p.getByTestId('new-ticket-form').textContent(), /Вопросы по работе, установке и обновлению ПО/);
  await p.getByTestId('subject').fill('Не запускается агент сбора метрик');
  await p.getByTestId('body').fill('После обновления агент завершается с ошибкой. Журнал приложен.');
  await p.getByTestId('files').setInputFiles({
    name: 'agent.log', mimeType: 'text/plain', buffer: Buffer.from('2026-11-25 12:00:01 ERROR agent: exit code 1\n'),
  });
  await p.getByTestId('promise-preview').waitFor();
  assert.match(await p.getByTestId('promise-preview').textContent(), /ответ не позднее \d\d\.\d\d\.\d{4}, \d\d:\d\d \(МСК\)/);
  await p.screenshot({ path: shots + 'client-new-ticket-desktop.png', fullPage: true });
  await p.getByTestId('submit-ticket').click();
  await p.getByTestId('promised-time').waitFor();
  assert.match(await p.getByTestId('promised-time').textContent(), /^Ответ не позднее \d\d\.\d\d\.\d{4}, \d\d:\d\d \(МСК\)$/);
  await p.screenshot({ path: shots + 'client-ticket-created-desktop.png', fullPage: true });
  await p.getByTestId('open-created').click();
  await p.getByTestId('ticket-page').waitFor();
  ticketId = new URL(p.url()).pathname.split('/').pop();
  await p.getByTestId('countdown').waitFor();
  assert.match(await p.getByTestId('countdown').textContent(), /осталось/);
  assert.equal(await p.getByTestId('ticket-status').textContent(), 'В работе');
  await p.getByTestId('attachments').waitFor();
  assert.match(await p.getByTestId('attachments').textContent(), /agent\.log/);
  await p.screenshot({ path: shots + 'client-ticket-page-desktop.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('staff answer it from the work queue; the client sees the answer and the cycle closed', async () => {
  assert.ok(ticketId, 'the first test created a ticket');
  const staff = await signedIn(adminEmail, adminPassword, 1280, 900);
  const row = staff.p.getByTestId('ticket-row').filter({ hasText: 'Не запускается агент сбора метрик' });
  await row.waitFor();
  // Whose ticket it is: the customer and the tier as columns on desktop; nobody assigned yet.
  assert.equal(await row.getByTestId('row-customer').textContent(), customer.name);
  assert.equal(await row.getByTestId('row-tier').textContent(), 'Базовый');
  assert.equal(await row.getByTestId('row-assignee').textContent(), '—');
  assert.equal(await row.getByTestId('row-meta').isVisible(), false);
  await staff.p.screenshot({ path: shots + 'staff-work-queue-desktop.png', fullPage: true });
  await row.getByRole('link').click();
  await staff.p.getByTestId('staff-actions').waitFor();
  await staff.p.getByTestId('reply').fill('Здравствуйте! Установите версию агента 2.4.1 — в ней ошибка исправлена.');
  await staff.p.getByTestId('send-reply').click();
  await staff.p.getByTestId('cycle-closed').waitFor();
  await staff.p.screenshot({ path: shots + 'staff-answered-desktop.png', fullPage: true });
  await staff.context.close();

  const client = await signedIn(clientEmail, clientPassword, 1280, 900);
  await client.p.goto(`${base}/tickets/${ticketId}`);
  await client.p.getByTestId('cycle-closed').waitFor();
  const messages = await client.p.getByTestId('message').allTextContents();
  assert.ok(messages.some((m) => m.includes('версию агента 2.4.1')), messages.join(' | '));
  await client.p.screenshot({ path: shots + 'client-sees-answer-desktop.png', fullPage: true });
  await client.context.close();
});

test('the staff work queue at phone width says whose each ticket is', async () => {
  const { p, context, errors } = await signedIn(adminEmail, adminPassword, 375, 740);
  const row = p.getByTestId('ticket-row').filter({ hasText: 'Не запускается агент сбора метрик' });
  await row.waitFor();
  assert.equal(await row.getByTestId('row-meta').textContent(), `${customer.name} · Базовый`);
  assert.equal(await row.getByTestId('row-customer').isVisible(), false);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 375), 'nothing scrolls sideways');
  await p.screenshot({ path: shots + 'staff-work-queue-phone.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('staff open a ticket on behalf of a client, with the channel it came by (R-CH-2)', async () => {
  // Another customer, so that the limit test below counts only its own tickets.
  const year = new Date().getUTCFullYear();
  const other = await api('POST', '/customers', admin, { name: `ООО «Звонок» ${Date.now()}` });
  await api('POST', `/customers/${other.id}/contracts`, admin,
    { tier_code: 'basic', number: 'Д-2', starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  const caller = await api('POST', `/customers/${other.id}/clients`, admin,
    { email: `caller-${Date.now()}@zvonok.test`, full_name: 'Олег Звонков', password: clientPassword });
  const { p, context, errors } = await signedIn(adminEmail, adminPassword, 1280, 900);
  await p.getByTestId('nav-new-ticket').click();
  await p.getByTestId('on-behalf').waitFor();
  await p.getByTestId('behalf-customer').selectOption(other.id);
  await p.locator(`[data-testid="behalf-client"] option[value="${caller.id}"]`).waitFor({ state: 'attached' });
  await p.getByTestId('behalf-client').selectOption(caller.id);
  await p.getByTestId('behalf-channel').selectOption('email');
  await p.getByTestId('subject').fill('Позвонил: не приходят письма');
  await p.getByTestId('body').fill('Клиент сообщил по телефону.');
  await p.getByTestId('submit-ticket').click();
  await p.getByTestId('ticket-created').waitFor();
  await p.getByTestId('promised-time').waitFor();
  await p.screenshot({ path: shots + 'staff-on-behalf-desktop.png', fullPage: true });
  const list = await api('GET', `/tickets?customer_id=${other.id}`, admin);
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].author_id, caller.id);
  assert.equal(list.items[0].channel, 'email');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a ticket over the limit shows its queue position (phone, 375 px)', async () => {
  const token = await login(clientEmail, clientPassword);
  // Four more in work: five with the first, the Basic limit.
  for (let i = 1; i <= 4; i++) {
    await api('POST', '/tickets', token, { category: 'consultation', subject: `Вопрос ${i}`, body: 'Текст' });
  }
  const { p, context } = await signedIn(clientEmail, clientPassword, 375, 800);
  await p.getByTestId('ticket-row').first().waitFor();
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `nothing scrolls sideways at 375 px: ${width}`);
  assert.equal(await p.getByTestId('total').textContent(), '1–5 из 5');
  assert.equal(await p.getByRole('button', { name: 'Далее →', exact: true }).isDisabled(), true, 'one page only');
  await p.screenshot({ path: shots + 'client-ticket-list-phone.png', fullPage: true });
  await p.getByTestId('new-ticket').click();
  await p.getByTestId('subject').fill('Шестой вопрос');
  await p.getByTestId('body').fill('Сверх лимита');
  await p.getByTestId('submit-ticket').click();
  await p.getByTestId('queue-position').waitFor();
  assert.match(await p.getByTestId('queue-position').textContent(), /в очереди, позиция 1\./);
  await p.screenshot({ path: shots + 'client-queued-phone.png', fullPage: true });
  await context.close();
});

test('the SLA dashboard draws its charts (desktop and phone)', async () => {
  const { p, context } = await signedIn(adminEmail, adminPassword, 1280, 900);
  await p.getByTestId('nav-dashboard').click();
  await p.getByTestId('chart-compliance').waitFor();
  assert.ok(await p.getByTestId('chart-compliance').locator('rect').count() >= 1, 'a compliance bar for the answer');
  assert.ok(await p.getByTestId('chart-distribution').locator('rect').count() >= 1);
  await p.getByTestId('chart-overdue').waitFor();
  assert.match(await p.getByTestId('kpi').textContent(), /ответов в срок/);
  await p.screenshot({ path: shots + 'staff-dashboard-desktop.png', fullPage: true });
  await context.close();
  const phone = await signedIn(clientEmail, clientPassword, 375, 800);
  await phone.p.getByTestId('nav-dashboard').click();
  await phone.p.getByTestId('chart-compliance').waitFor();
  const width = await phone.p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the dashboard fits 375 px: ${width}`);
  await phone.p.screenshot({ path: shots + 'client-dashboard-phone.png', fullPage: true });
  await phone.context.close();
});

test('time to first render of the ticket list', async () => {
  const { p, context } = await signedIn(clientEmail, clientPassword, 1280, 900);
  // A fresh load of the list with the stored session: from navigation start to the first row.
  await p.goto(base + '/tickets');
  await p.getByTestId('ticket-row').first().waitFor();
  const ms = await p.evaluate(() => performance.now());
  const nav = await p.evaluate(() => JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON()));
  console.log(`time to first render of the ticket list: ${ms.toFixed(0)} ms (navigation: ${nav.slice(0, 160)}…)`);
  assert.ok(ms > 0);
  await context.close();
});
