// What the browser tests share: the server under test, the admin, the screenshot
// folder, Chromium, and signing in.
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const base = process.env.REGLAMENT_E2E_URL ?? 'http://127.0.0.1:8080';
export const adminEmail = process.env.REGLAMENT_E2E_EMAIL ?? 'admin@reglament.local';
export const adminPassword = process.env.REGLAMENT_E2E_PASSWORD;
export const shots = new URL('../target/e2e/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// A new page of `width` × `height` signed in as `email`, on the ticket list; `errors`
// collects uncaught page errors.
export async function signedIn(browser, email, password, width, height) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(base + '/');
  await p.getByTestId('sign-in').waitFor({ timeout: 15000 });
  // The form is in the page before the app starts; fill it once the app has taken it over.
  await p.locator('[data-testid=sign-in-submit]:not([disabled])').waitFor({ timeout: 15000 });
  await p.fill('#email', email);
  await p.fill('#password', password);
  await p.getByTestId('sign-in-submit').click();
  await p.getByTestId('ticket-list').waitFor();
  return { p, context, errors };
}

// One `/api/v1` call; fails the test unless it succeeds. Answers the JSON body (or null).
export async function api(method, path, token, body) {
  const res = await fetch(base + '/api/v1' + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return json;
}

// An access token for `email`.
export async function login(email, password) {
  return (await api('POST', '/auth/login', null, { email, password })).access_token;
}
