// The web app in headless Chromium against a running server (REGLAMENT_E2E_URL).
// Screenshots go to ../target/e2e/ for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail as email, adminPassword as password, shots, launch } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function page(width, height) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'ru-RU' });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { p, errors, context };
}

test('the sign-in page is in Russian and signs the admin in (desktop)', async () => {
  assert.ok(password, 'REGLAMENT_E2E_PASSWORD is set');
  const { p, errors, context } = await page(1280, 800);
  await p.goto(base + '/');
  await p.getByTestId('sign-in').waitFor({ timeout: 15000 });
  assert.equal(await p.locator('h1').textContent(), 'Вход в портал');
  assert.equal(await p.locator('html').getAttribute('lang'), 'ru');

  // A wrong password is refused with a readable Russian message.
  await p.fill('#email', email);
  await p.fill('#password', 'wrong-password');
  await p.getByTestId('sign-in-submit').click();
  await p.getByTestId('sign-in-error').waitFor();
  assert.match(await p.getByTestId('sign-in-error').textContent(), /Неверный адрес электронной почты или пароль/);
  await p.screenshot({ path: shots + 'sign-in-error-desktop.png', fullPage: true });

  await p.fill('#password', password);
  await p.getByTestId('sign-in-submit').click();
  await p.getByTestId('ticket-list').waitFor();
  await p.getByTestId('nav-profile').click();
  await p.getByTestId('profile').waitFor();
  assert.equal(await p.getByTestId('user-role').textContent(), 'Администратор');
  assert.ok((await p.getByTestId('user-name').textContent()).length > 0);
  await p.screenshot({ path: shots + 'signed-in-desktop.png', fullPage: true });

  // English is a switch away, and the choice stays after a reload, as does the session.
  await p.getByTestId('lang-switch').click();
  assert.equal(await p.getByTestId('user-role').textContent(), 'Administrator');
  await p.reload();
  await p.getByTestId('profile').waitFor();
  assert.equal(new URL(p.url()).pathname, '/profile', 'the address keeps the screen');
  assert.equal(await p.getByTestId('user-role').textContent(), 'Administrator');
  assert.equal(await p.locator('html').getAttribute('lang'), 'en');
  await p.screenshot({ path: shots + 'signed-in-english-desktop.png', fullPage: true });

  await p.getByTestId('sign-out').click();
  await p.getByTestId('sign-in').waitFor();
  assert.deepEqual(errors.filter((e) => !e.includes('401')), []);
  await context.close();
});

test('the sign-in page works at phone width (375 px)', async () => {
  const { p, context } = await page(375, 740);
  await p.goto(base + '/some/client/route');
  await p.getByTestId('sign-in').waitFor({ timeout: 15000 });
  const box = await p.getByTestId('sign-in').boundingBox();
  assert.ok(box.width <= 375, `the form fits the screen: ${box.width}`);
  await p.fill('#email', email);
  await p.fill('#password', password);
  await p.keyboard.press('Enter');
  await p.getByTestId('ticket-list').waitFor();
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 375, `nothing scrolls sideways at 375 px: ${overflow}`);
  await p.screenshot({ path: shots + 'signed-in-phone.png', fullPage: true });
  await context.close();
});
