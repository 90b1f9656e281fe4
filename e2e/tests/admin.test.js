// Administration in headless Chromium: an admin adds a customer with a contract and a
// client, and edits the production calendar of a future year. Screenshots in ../target/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, shots, launch, signedIn, login } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin adds a customer with a contract and a key contact, and edits the calendar', async () => {
  const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);

  await p.getByTestId('nav-customers').click();
  await p.getByTestId('admin-customers').waitFor();
  const name = `АО «Вектор» ${Date.now()}`;
  await p.getByTestId('customer-name').fill(name);
  await p.getByTestId('contract-number').fill('Д-77');
  await p.getByTestId('contract-starts').fill('2026-01-01');
  await p.getByTestId('contract-ends').fill('2027-12-31');
  await p.getByRole('button', { name: 'Добавить', exact: true }).click();
  await p.getByTestId('admin-customer').waitFor();
  await p.getByText('Д-77 · basic').waitFor();
  await p.getByTestId('client-email').fill(`kkl-${Date.now()}@vector.test`);
  await p.getByTestId('client-name').fill('Иван Смирнов');
  await p.getByTestId('client-password').fill('client-password-1');
  await p.getByRole('checkbox').check();
  await p.getByRole('button', { name: 'Добавить контакт' }).click();
  await p.getByText('Иван Смирнов (ККЛ)').waitFor();
  await p.screenshot({ path: shots + 'admin-customer-desktop.png', fullPage: true });

  await p.getByTestId('nav-calendar').click();
  await p.getByTestId('admin-calendar').waitFor();
  // A future year: 2 January 2030 (a Wednesday) becomes a holiday and is saved.
  while (!(await p.locator('button[title="2030-01-02"]').count())) {
    await p.getByRole('button', { name: '→' }).click();
  }
  // 2030 has no decree: the editor warns, and one click marks the statutory holidays
  // (the totals follow: 261 weekdays less the 11 holidays on weekdays, 250 days).
  await p.getByTestId('calendar-warning').waitFor();
  assert.match(await p.getByTestId('calendar-totals').textContent(), /рабочих дней: 261,/);
  await p.getByTestId('calendar-statutory').click();
  assert.match(await p.getByTestId('calendar-totals').textContent(), /рабочих дней: 250, норма при 40-часовой неделе, ч: 2000/);
  // 30 December 2030 (Monday) becomes a day off, and the decree is named.
  const day = p.locator('button[title="2030-12-30"]');
  const before = await day.getAttribute('class');
  await day.click();
  await day.click();
  assert.notEqual(await day.getAttribute('class'), before);
  await p.getByTestId('calendar-source').fill('Постановление (проверка e2e)');
  await p.getByTestId('calendar-save').click();
  await p.getByText('Сохранено').waitFor();
  assert.equal(await p.getByTestId('calendar-warning').count(), 0);
  await p.screenshot({ path: shots + 'admin-calendar-desktop.png', fullPage: true });
  const token = await login(adminEmail, adminPassword);
  const year = await (await fetch(`${base}/api/v1/calendar/2030`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(year.fallback, false, JSON.stringify(year));
  assert.equal(year.working_days, 249, JSON.stringify(year));
  assert.ok(year.holidays.includes('2030-01-01') && year.holidays.includes('2030-11-04'), JSON.stringify(year));
  assert.ok(year.days_off.includes('2030-12-30'), JSON.stringify(year));
  assert.equal(year.source, 'Постановление (проверка e2e)');
  assert.deepEqual(errors, []);
  await context.close();
});
