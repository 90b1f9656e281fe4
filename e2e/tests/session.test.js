// The browser session (OWASP ASVS level 2, issue 13): the app runs under a strict CSP
// with no violations, keeps no token where a script could read it, survives a reload
// through its HttpOnly cookie, manages API tokens, and signs out everywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, shots, launch, signedIn, api, login } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('strict headers, no token in storage, reload keeps the session, sign out everywhere', async () => {
  const { p, context, errors } = await signedIn(browser, adminEmail, adminPassword, 1280, 900);
  const violations = [];
  p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });

  // The page and its headers.
  const res = await p.goto(base + '/profile');
  const h = res.headers();
  assert.match(h['content-security-policy'], /default-src 'self'/);
  assert.match(h['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/);
  assert.equal(h['x-frame-options'], 'DENY');
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.equal(h['x-content-type-options'], 'nosniff');
  const html = await (await fetch(base + '/')).text();
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script in index.html');

  // After a reload the session comes back from the cookie, which no script can read.
  await p.getByTestId('profile').waitFor();
  const stored = await p.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.doesNotMatch(stored, /eyJ|refresh|access_token|reglament_refresh/, stored);
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === 'reglament_refresh');
  assert.ok(refresh, JSON.stringify(cookies));
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.secure, true);
  assert.equal(refresh.sameSite, 'Strict');
  assert.equal(refresh.path, '/api/v1/auth/session');

  // API tokens from the profile: created with a scope, shown once, used, revoked.
  await p.getByTestId('api-tokens').waitFor();
  await p.getByTestId('token-name').fill('CI: просроченные');
  await p.getByTestId('token-create').click();
  const secret = (await p.getByTestId('token-secret').locator('code').textContent()).trim();
  assert.match(secret, /^rgl_/);
  const overdue = await fetch(base + '/api/v1/sla/overdue', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(overdue.status, 200);
  const row = p.getByTestId('token-row').filter({ hasText: 'CI: просроченные' });
  await row.getByText('sla:read').waitFor();
  await p.screenshot({ path: shots + 'profile-tokens-desktop.png', fullPage: true });
  await row.getByTestId('token-revoke').click();
  await row.getByText('отозван').waitFor();
  const refused = await fetch(base + '/api/v1/sla/overdue', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(refused.status, 401);

  // Sign out everywhere: this browser and another session lose their refresh tokens.
  const other = await api('POST', '/auth/login', null, { email: adminEmail, password: adminPassword });
  await p.getByTestId('sign-out-everywhere').click();
  await p.getByTestId('sign-in').waitFor();
  await p.reload();
  await p.getByTestId('sign-in').waitFor();
  const again = await fetch(base + '/api/v1/auth/refresh', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: other.refresh_token }),
  });
  assert.equal(again.status, 401);
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a client whose contract has not started sees the community portal, not the form (R-ACL-6)', async () => {
  const admin = await login(adminEmail, adminPassword);
  const customer = await api('POST', '/customers', admin, { name: `Будущий ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'basic', number: 'Д-буд', starts_on: '2099-01-01', ends_on: '2099-12-31' });
  await api('PUT', '/settings/portal', admin, { community_url: 'https://community.vendor.test/' });
  const email = `future-${Date.now()}@client.test`;
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email, full_name: 'Будущий клиент', password: 'client-password-1' });
  const { p, context, errors } = await signedIn(browser, email, 'client-password-1', 1280, 900);
  await p.getByTestId('nav-new-ticket').click();
  await p.getByTestId('community-portal').waitFor();
  assert.equal(await p.getByTestId('community-link').getAttribute('href'), 'https://community.vendor.test/');
  assert.equal(await p.locator('form input#subject, [data-testid="new-ticket-form"] form').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
