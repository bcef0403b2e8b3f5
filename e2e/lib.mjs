// What the browser journeys share: where the server is and who logs in, the screenshots
// folder, chromium, the step runner and its tally, and the login form.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const base = process.env.QUANZI_URL ?? 'http://127.0.0.1:18080';
export const email = process.env.QUANZI_EMAIL ?? 'owner@demo.quanzi.local';
export const password = process.env.QUANZI_PASSWORD ?? 'quanzi-demo';
/** Where the screenshots go: $E2E_SHOTS when set, e2e/screenshots/ otherwise. */
export const shots = process.env.E2E_SHOTS
  ? `${process.env.E2E_SHOTS.replace(/\/+$/, '')}/`
  : new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

let passed = 0, failed = 0;

/** Runs one named step; a failure is counted and printed, and the journey goes on. */
export async function step(name, fn) {
  try { await fn(); passed++; console.log(`  ok   ${name}`); }
  catch (e) { failed++; console.log(`  FAIL ${name}: ${e.message.split('\n')[0]}`); }
}

/** Fails the step with `msg` unless `cond`. */
export function expect(cond, msg) { if (!cond) throw new Error(msg); }

/** Debian's chromium, headless. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Logs `page` in through the login form and waits for the dashboard. */
export async function login(page) {
  await page.goto(`${base}/ui/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ui$/);
}

/** Closes the browser, prints the tally under `name` and exits non-zero on a failure. */
export async function finish(browser, name) {
  await browser.close();
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
