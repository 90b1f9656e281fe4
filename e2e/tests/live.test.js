// Issue 21 in headless Chromium: the staff bell, the open queue and an open ticket change
// within 2 s of a client's action without a reload (the live stream, R-NTF-1), and the
// duty roster screen (R-NTF-3) at 1366 px and 375 px. Measured latencies are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { base, adminEmail, adminPassword, shots, launch, signedIn, api, login } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const staffPassword = 'staff-password-123';

async function setup(tag) {
  const admin = await login(adminEmail, adminPassword);
  const agentEmail = `live-${tag}-${Date.now()}@agent.test`;
  const agent = await api('POST', '/staff', admin,
    { email: agentEmail, full_name: `Агент ${tag}`, role: 'agent', password: staffPassword });
  const customer = await api('POST', '/customers', admin, { name: `Живой ${tag} ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'premium', number: `Д-${tag}`, starts_on: '2026-01-01', ends_on: '2099-12-31' });
  const clientEmail = `live-${tag}-${Date.now()}@client.test`;
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: clientEmail, full_name: 'Клиент Живой', password: 'client-password-1' });
  const client = await login(clientEmail, 'client-password-1');
  return { admin, agent, agentEmail, client };
}

// Milliseconds until `check` holds, polling every 25 ms; fails past `limit`.
async function within(limit, what, check) {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    assert.ok(Date.now() - started < limit, `${what} within ${limit} ms`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

test('a client\'s reply rings the staff bell and the open queue and ticket update within 2 s, no reload (R-NTF-1)', async () => {
  const { admin, agent, agentEmail, client } = await setup('bell');
  const first = await api('POST', '/tickets', client, { category: 'consultation', subject: 'Живая очередь', body: 'Вопрос' });
  await api('POST', `/tickets/${first.id}/assign`, admin, { assignee_id: agent.id });

  const { p, context, errors } = await signedIn(browser, agentEmail, staffPassword, 1366, 900);
  await p.locator('[data-testid=bell][data-live=on][data-loaded=yes]').waitFor({ timeout: 10000 });
  await p.evaluate(() => { window.__noReload = 'still here'; });
  const count = async () => Number(await p.getByTestId('bell-count').textContent());
  const before = await count();

  // The client's reply on the agent's ticket: the bell.
  await api('POST', `/tickets/${first.id}/messages`, client, { body: 'Уточнение клиента' });
  const bellMs = await within(2000, 'the bell rings', async () => (await count()) === before + 1);

  // A new ticket: it appears in the open queue (searched by its word, so that other
  // tests' tickets do not push it off the first page).
  const word = `живое${Date.now()}`;
  await p.getByTestId('filter-search').fill(word);
  await p.waitForTimeout(300);
  const subject = `Новое ${word}`;
  await api('POST', '/tickets', client, { category: 'consultation', subject, body: 'Срочно' });
  const queueMs = await within(2000, 'the queue shows the new ticket',
    async () => (await p.getByText(subject).count()) > 0);
  console.log(`# live stream: bell ${bellMs} ms, queue ${queueMs} ms after the client's call`);

  // The bell's list: the client's message, and a click opens the ticket and reads it.
  await p.getByTestId('bell').click();
  await p.getByTestId('bell-list').waitFor();
  await p.screenshot({ path: shots + 'bell-desktop.png' });
  const item = p.getByTestId('bell-item').filter({ hasText: `№${first.number}` }).first();
  await item.click();
  await p.getByTestId('ticket-page').waitFor();
  assert.ok(p.url().endsWith(`/tickets/${first.id}`), p.url());

  // The open ticket shows the client's next message without a reload.
  await api('POST', `/tickets/${first.id}/messages`, client, { body: 'И еще одно сообщение' });
  const pageMs = await within(2000, 'the open ticket shows the message',
    async () => (await p.getByText('И еще одно сообщение').count()) > 0);
  console.log(`# live stream: open ticket ${pageMs} ms`);
  assert.equal(await p.evaluate(() => window.__noReload), 'still here');
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [width, height, name] of [[1366, 900, 'desktop'], [375, 812, 'phone']]) {
  test(`a support lead sets the duty roster and sees who is on duty (${width} px, R-NTF-3)`, async () => {
    const admin = await login(adminEmail, adminPassword);
    const tag = `${name}-${Date.now()}`;
    const leadEmail = `lead-${tag}@duty.test`;
    await api('POST', '/staff', admin, { email: leadEmail, full_name: `Руководитель ${name}`, role: 'support_lead', password: staffPassword });
    const agent = await api('POST', '/staff', admin,
      { email: `duty-${tag}@duty.test`, full_name: `Дежурный ${name}`, role: 'agent', password: staffPassword });
    const sub = await api('POST', '/staff', admin,
      { email: `sub-${tag}@duty.test`, full_name: `Замена ${name}`, role: 'agent', password: staffPassword });

    // The roster is one for all: start this run's from an empty rotation.
    await api('PUT', '/duty/rotation', admin, { starts_on: '2026-01-05', member_ids: [] });
    const { p, context, errors } = await signedIn(browser, leadEmail, staffPassword, width, height);
    await p.goto(base + '/duty');
    await p.getByTestId('duty-page').waitFor();
    await p.getByTestId('duty-rotation').waitFor();
    // One person every week since a Monday in January.
    await p.locator(`[data-testid=duty-member-select] option[value="${agent.id}"]`).waitFor({ state: 'attached' });
    await p.getByTestId('duty-member-select').selectOption(agent.id);
    await p.getByTestId('duty-add-member').click();
    await p.getByTestId('duty-starts').fill('2026-01-05');
    await p.getByTestId('duty-handover').fill('09:00');
    await p.getByTestId('duty-save-rotation').click();
    await p.getByTestId('duty-now').getByText(`Дежурный ${name}`).waitFor();
    assert.equal(await p.getByTestId('duty-gap').count(), 0);
    const roster = await api('GET', '/duty', await login(leadEmail, staffPassword));
    assert.equal(roster.on_duty_now?.id, agent.id);

    // A substitute for the next two days, from the form.
    const fmt = (d) => new Date(d.getTime() + 3 * 3600 * 1000).toISOString().slice(0, 16);
    const from = new Date(Date.now() + 24 * 3600 * 1000);
    const to = new Date(Date.now() + 72 * 3600 * 1000);
    await p.getByTestId('override-user').selectOption(sub.id);
    await p.getByTestId('override-from').fill(fmt(from));
    await p.getByTestId('override-to').fill(fmt(to));
    await p.getByTestId('override-note').fill('Отпуск');
    await p.getByTestId('override-add').click();
    await p.getByTestId('override-row').filter({ hasText: `Замена ${name}` }).waitFor();
    await p.getByTestId('duty-slot').filter({ hasText: `Замена ${name}` }).first().waitFor();
    // Nothing runs off the screen.
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `horizontal overflow ${overflow}px at ${width} px`);
    await p.screenshot({ path: shots + `duty-${name}.png`, fullPage: true });

    // Clean up for the other width: the override goes.
    await p.getByTestId('override-row').filter({ hasText: `Замена ${name}` }).getByTestId('override-remove').click();
    await p.getByTestId('override-row').filter({ hasText: `Замена ${name}` }).waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('staff choose where each kind of notification goes in the profile; Telegram is offered only once linked (R-NTF-5)', async () => {
  const { agentEmail, agent } = await setup('prefs');
  const { p, context, errors } = await signedIn(browser, agentEmail, staffPassword, 375, 800);
  await p.goto(base + '/profile');
  const row = p.getByTestId('pref-ticket_created');
  const select = row.locator('select');
  await select.waitFor({ timeout: 10000 });
  assert.equal(await select.inputValue(), 'mail', 'mail by default');
  // This e2e server runs no bot: the profile says so, and Telegram is not a choice.
  await p.getByTestId('telegram-link').getByText('не настроен').waitFor({ timeout: 10000 });
  const offered = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(offered, ['in_app', 'mail', 'digest_hourly', 'digest_daily']);
  await select.selectOption('in_app');
  const token = await login(agentEmail, staffPassword);
  await within(2000, 'the choice is saved', async () => {
    const prefs = await api('GET', '/notifications/preferences', token);
    return prefs.find((x) => x.kind === 'ticket_created')?.channel === 'in_app';
  });
  await p.reload();
  await p.getByTestId('pref-ticket_created').locator('select').waitFor({ timeout: 10000 });
  assert.equal(await p.getByTestId('pref-ticket_created').locator('select').inputValue(), 'in_app');
  assert.ok(agent.id);
  await p.screenshot({ path: shots + 'preferences-phone.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a client sees staff close their ticket without a reload, and the bell rings; their notification choices fit a phone (R-NTF-4, R-NTF-5)', async () => {
  const { admin, clientEmail } = await setupClient('notice');
  const client = await login(clientEmail, 'client-password-1');
  const ticket = await api('POST', '/tickets', client, { category: 'consultation', subject: 'Статус вживую', body: 'Вопрос' });
  const { p, context, errors } = await signedIn(browser, clientEmail, 'client-password-1', 375, 812);
  await p.goto(base + `/tickets/${ticket.id}`);
  await p.getByTestId('ticket-page').waitFor();
  await p.locator('[data-testid=bell][data-live=on][data-loaded=yes]').waitFor({ timeout: 10000 });
  await p.evaluate(() => { window.__noReload = 'still here'; });
  const before = await p.getByTestId('ticket-status').textContent();
  const count = async () => Number(await p.getByTestId('bell-count').textContent());
  const bellBefore = await count();
  await api('POST', `/tickets/${ticket.id}/close`, admin, { reason: 'resolved', comment: 'Решено по телефону' });
  const statusMs = await within(2000, 'the status changes on the open page',
    async () => (await p.getByTestId('ticket-status').textContent()) !== before);
  await within(2000, 'the client\'s bell rings', async () => (await count()) > bellBefore);
  console.log(`# live stream: the client's open ticket changed ${statusMs} ms after staff closed it`);
  assert.equal(await p.evaluate(() => window.__noReload), 'still here');

  await p.goto(base + '/profile');
  const select = p.getByTestId('pref-ticket_status').locator('select');
  await select.waitFor({ timeout: 10000 });
  assert.equal(await select.inputValue(), 'mail');
  await select.selectOption('in_app');
  await within(2000, 'the choice is saved', async () => {
    const prefs = await api('GET', '/notifications/preferences', client);
    return prefs.find((x) => x.kind === 'ticket_status')?.channel === 'in_app';
  });
  const overflow = await p.evaluate(() => document.querySelector('[data-testid=prefs]').scrollWidth
    - document.querySelector('[data-testid=prefs]').clientWidth);
  assert.ok(overflow <= 1, `the preferences fit 375 px (overflow ${overflow} px)`);
  await p.screenshot({ path: shots + 'client-preferences-phone.png', fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

async function setupClient(tag) {
  const admin = await login(adminEmail, adminPassword);
  const customer = await api('POST', '/customers', admin, { name: `Клиентский ${tag} ${Date.now()}` });
  await api('POST', `/customers/${customer.id}/contracts`, admin,
    { tier_code: 'premium', number: `Д-${tag}`, starts_on: '2026-01-01', ends_on: '2099-12-31' });
  const clientEmail = `notice-${tag}-${Date.now()}@client.test`;
  await api('POST', `/customers/${customer.id}/clients`, admin,
    { email: clientEmail, full_name: 'Клиент Уведомляемый', password: 'client-password-1' });
  return { admin, clientEmail };
}
