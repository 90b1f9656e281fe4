// Professional services and bookings in headless Chromium (R-PS-*, R-BK-*): a key contact
// books specialists' hours and sees the deadline; a second booking over the capacity is
// refused with a readable message; a specialist logs evening work on an approved order
// and the certificate's ledger shows it doubled. Screenshots go to ../target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, shots, launch, signedIn as signIn, api, login } from '../lib.js';

const stamp = Date.now();
const keyEmail = `key-${stamp}@services.test`;
// A second customer with a certificate large enough to book a whole month (R-CON-5).
const bigKeyEmail = `big-${stamp}@services.test`;
const specialistEmail = `spec-${stamp}@vendor.test`;
const password = 'services-password-1';

let browser;
let admin;
let customer;
before(async () => {
  browser = await launch();
  admin = await login(adminEmail, adminPassword);
  const year = new Date().getUTCFullYear();
  customer = await api('POST', '/customers', admin, { name: `АО «Сервис» ${stamp}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'premium', number: `Д-${stamp}`, starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  await api('POST', '/certificates', admin, {
    customer_id: customer.id, number: `ПС-${stamp}`, hours: 40,
    valid_from: `${year - 1}-01-01`, valid_until: `${year + 1}-12-31`,
  });
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: keyEmail, full_name: 'Ирина Ключевая', password, is_key_contact: true });
  const big = await api('POST', '/customers', admin, { name: `АО «Большой сервис» ${stamp}` });
  await api('POST', `/customers/${big.id}/contracts`, admin,
    { tier_code: 'premium', number: `Д-Б-${stamp}`, starts_on: `${year - 1}-01-01`, ends_on: `${year + 1}-12-31` });
  await api('POST', '/certificates', admin, {
    customer_id: big.id, number: `ПС-Б-${stamp}`, hours: 100000,
    valid_from: `${year - 1}-01-01`, valid_until: `${year + 1}-12-31`,
  });
  await api('POST', `/customers/${big.id}/clients`, admin,
    { email: bigKeyEmail, full_name: 'Олег Ключевой', password, is_key_contact: true });
  await api('POST', '/staff', admin,
    { email: specialistEmail, full_name: 'Павел Специалист', role: 'specialist', password });
});
after(async () => { await browser?.close(); });

test('a key contact books hours and sees the deadline; a booking over the capacity is refused readably (phone)', async () => {
  const { p, context, errors } = await signIn(browser, bigKeyEmail, password, 375, 800);
  await p.getByTestId('nav-services').click();
  await p.getByTestId('services-page').waitFor();
  await p.getByTestId('capacity-row').first().waitFor();
  // The first month still open for booking (booking closes 5 days before a month starts).
  const open = p.getByTestId('capacity-row').filter({ has: p.locator('form') }).first();
  await open.waitFor();
  const month = await open.getAttribute('data-month');
  assert.match(await open.getByTestId('booking-deadline').textContent(), /^\d\d\.\d\d\.\d{4}, 00:00$/);
  const [free] = (await open.getByTestId('capacity-free').textContent()).split(' / ').map(Number);
  assert.ok(free > 0, 'the specialists have free hours');
  await p.getByTestId(`book-hours-${month}`).fill(String(free));
  await p.getByTestId(`book-${month}`).click();
  const booking = p.getByTestId('booking').first();
  await booking.waitFor();
  assert.match(await booking.textContent(), new RegExp(`${free} ч`));
  assert.match(await booking.textContent(), /изменить можно до \d\d\.\d\d\.\d{4}, 00:00/);
  await p.screenshot({ path: shots + 'client-booked-phone.png', fullPage: true });
  // The month is full now: it shows as closed; a booking through the API is refused with
  // `capacity_exceeded`, and in the page a second booking of another open month over its
  // free hours is refused with a readable message.
  const row = p.locator(`[data-testid="capacity-row"][data-month="${month}"]`);
  await row.filter({ hasText: 'закрыто' }).waitFor();
  const next = p.getByTestId('capacity-row').filter({ has: p.locator('form') }).first();
  const nextMonth = await next.getAttribute('data-month');
  const [nextFree] = (await next.getByTestId('capacity-free').textContent()).split(' / ').map(Number);
  await p.getByTestId(`book-hours-${nextMonth}`).fill(String(nextFree + 1));
  await p.getByTestId(`book-${nextMonth}`).click();
  await p.getByTestId('error').waitFor();
  assert.equal(await p.getByTestId('error').first().textContent(), 'Недостаточно свободных часов специалистов в этом месяце.');
  const token = await login(bigKeyEmail, password);
  const res = await fetch(`${base}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ month, hours: 1 }),
  });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).code, 'capacity_exceeded');
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 375), 'nothing scrolls sideways');
  await p.screenshot({ path: shots + 'client-booking-refused-phone.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

// R-CON-5: the page says how many hours the certificate leaves to book, and a booking over
// them is refused with a readable message.
test('a key contact sees the hours the certificate leaves to book; more is refused (R-CON-5)', async () => {
  const { p, context, errors } = await signIn(browser, keyEmail, password, 375, 800);
  await p.getByTestId('nav-services').click();
  const open = p.getByTestId('capacity-row').filter({ has: p.locator('form') }).first();
  await open.waitFor();
  const month = await open.getAttribute('data-month');
  const [free] = (await open.getByTestId('capacity-free').textContent()).split(' / ').map(Number);
  assert.ok(free > 40, `the month has more free hours (${free}) than the certificate's 40`);
  assert.equal(await open.getByTestId('capacity-bookable').textContent(), '40');
  await p.getByTestId(`book-hours-${month}`).fill('41');
  await p.getByTestId(`book-${month}`).click();
  await p.getByTestId('error').waitFor();
  assert.equal(await p.getByTestId('error').first().textContent(), 'Остатка часов на сертификате недостаточно.');
  assert.equal(await p.getByTestId('booking').count(), 0, 'nothing was booked');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a specialist logs evening work on an approved order; the ledger shows it doubled', async () => {
  const key = await login(keyEmail, password);
  const ticket = await api('POST', '/tickets', key,
    { category: 'service_request', subject: 'Настройка резервного копирования', body: 'Нужна настройка' });
  const today = new Date(Date.now() + 3 * 3600e3).toISOString().slice(0, 10);
  const order = await api('POST', `/tickets/${ticket.id}/estimates`, admin, { hours: 4, starts_on: today });
  await api('POST', `/tickets/${ticket.id}/estimates/${order.estimates[0].id}/approve`, key, {});

  // Yesterday 18:00–20:00 Moscow time is outside 09:00–18:00 whatever the day: 2 h count as 4.
  const yesterday = new Date(Date.now() + 3 * 3600e3 - 86400e3).toISOString().slice(0, 10);
  const spec = await signIn(browser, specialistEmail, password, 1280, 900);
  await spec.p.goto(`${base}/tickets/${ticket.id}`);
  await spec.p.getByTestId('order-panel').waitFor();
  await spec.p.getByTestId('estimate').filter({ hasText: 'согласована' }).waitFor();
  await spec.p.getByTestId('work-start').fill(`${yesterday}T18:00`);
  await spec.p.getByTestId('work-end').fill(`${yesterday}T20:00`);
  await spec.p.getByTestId('work-description').fill('Настроено резервное копирование вечером');
  await spec.p.getByTestId('work-submit').click();
  const logged = spec.p.getByTestId('work-log-row').first();
  await logged.waitFor();
  assert.equal(await logged.getByTestId('work-charged').textContent(), '4 ч');
  await spec.p.screenshot({ path: shots + 'specialist-work-logged-desktop.png', fullPage: true });
  assert.deepEqual(spec.errors, []);
  await spec.context.close();

  const client = await signIn(browser, keyEmail, password, 1280, 900);
  await client.p.goto(`${base}/services`);
  await client.p.getByTestId('certificate-row').first().waitFor();
  assert.equal(await client.p.getByTestId('certificate-balance').first().textContent(), '36 ч');
  await client.p.getByTestId('open-ledger').first().click();
  const entry = client.p.getByTestId('ledger-row').first();
  await entry.waitFor();
  assert.equal(await entry.getByTestId('ledger-minutes').textContent(), '4 ч');
  assert.match(await entry.textContent(), /работы · №\d+/);
  await client.p.screenshot({ path: shots + 'client-ledger-desktop.png', fullPage: true });
  // The result is in the conversation too.
  await client.p.goto(`${base}/tickets/${ticket.id}`);
  await client.p.getByTestId('work-log-row').first().waitFor();
  const messages = await client.p.getByTestId('message').allTextContents();
  assert.ok(messages.some((m) => m.includes('учтено 4 ч')), messages.join(' | '));
  assert.deepEqual(client.errors, []);
  await client.context.close();
});
