// The member pages on a phone (390×844), as a newcomer and a friend live them on the demo:
// scan the poster's live code → landing with the group's QR and the gift's code → "I have
// joined" attributed to the code → the member's page with the share link → a friend opens it
// and joins → the inviter's progress says 已邀请 1/3 → the store's two-question code → staff
// redeem the gift on the phone page, once. Every page stays under 50 KB and never scrolls
// sideways; screenshots land in e2e/screenshots/member-*.png.
// Usage: QUANZI_URL=http://127.0.0.1:18080 node member.mjs
import { base, expect, finish, launch, login, shots, step } from './lib.mjs';

const browser = await launch();
const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
const me = await browser.newContext(phone);
const friend = await browser.newContext(phone);
const page = await me.newPage();
const errors = [];
page.on('pageerror', e => errors.push(String(e)));

async function fits(p, name) {
  const w = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(w[0] <= w[1], `${name} scrolls sideways: ${w[0]} > ${w[1]}`);
}

async function open(p, path, name) {
  const r = await p.goto(`${base}${path}`);
  const body = await r.body();
  expect(body.length < 50_000, `${name} is ${body.length} bytes`);
  await fits(p, name);
  await p.screenshot({ path: `${shots}member-${name}.png`, fullPage: true });
  return r;
}

let gift = '';
await step('a scan of the poster lands in a group with its QR and a gift code', async () => {
  const r = await open(page, '/h/demo/c/nanshan-poster', 'landing');
  expect(r.status() === 200, `status ${r.status()}`);
  expect(await page.locator('h1').count() > 0, 'no heading');
  expect(await page.locator('img.qr').count() === 1, 'no group QR');
  gift = (await page.locator('.big').first().textContent()).trim();
  expect(/^[0-9A-Z]{8}$/.test(gift), `gift code ${gift}`);
});

await step('"I have joined" is recorded', async () => {
  await page.click('form button[type=submit]');
  await page.waitForSelector('.ok');
  expect((await page.textContent('.card')).includes('你已加入'), 'not joined');
  await page.screenshot({ path: `${shots}member-joined.png`, fullPage: true });
});

let share = '';
await step("the member's page shows the gift and the share link", async () => {
  await open(page, '/h/demo/me', 'me');
  expect((await page.textContent('body')).includes(gift), 'gift code missing');
  share = (await page.locator('.share').first().textContent()).trim();
  expect(share.includes('/h/demo/r/invite-friends/'), `share ${share}`);
});

await step('a friend opens the share link, lands on the code and joins', async () => {
  const f = await friend.newPage();
  await f.goto(share.replace(/^https?:\/\/[^/]+/, base));
  expect(f.url().includes('/h/demo/c/nanshan-poster'), `friend at ${f.url()}`);
  await f.click('form button[type=submit]');
  await f.waitForSelector('.ok');
  await f.screenshot({ path: `${shots}member-friend.png`, fullPage: true });
});

await step("the inviter's progress counts the friend (已邀请 1/3)", async () => {
  await open(page, '/h/demo/me', 'progress');
  const text = await page.textContent('body');
  expect(text.includes('已邀请 1/3'), 'progress not 1/3');
  expect(text.includes('好友入群'), 'reward missing');
});

await step('the store code asks two questions first, in English on request', async () => {
  const f = await friend.newPage();
  await f.goto(`${base}/h/demo/c/futian-store?lang=en`);
  expect((await f.textContent('h1')).includes('Two quick questions'), 'no form');
  await fits(f, 'ask');
  await f.screenshot({ path: `${shots}member-ask.png`, fullPage: true });
  await f.click('button[type=submit]');
  await f.waitForSelector('h1');
  expect(f.url().includes('d='), `no answer in ${f.url()}`);
});

await step('a forged link gets a clear page', async () => {
  const f = await friend.newPage();
  const r = await f.goto(`${base}/h/demo/m/abc.def`);
  expect(r.status() === 400, `status ${r.status()}`);
  expect((await f.textContent('body')).includes('链接无效'), 'no explanation');
});

await step('staff redeem the gift on the phone page, once', async () => {
  const staff = await browser.newContext(phone);
  const s = await staff.newPage();
  await login(s);
  await s.goto(`${base}/ui/redeem`);
  await s.fill('input[name=code]', gift.toLowerCase());
  await s.click('#look-up-button');
  await s.waitForSelector('#redeem-button');
  await s.click('#redeem-button');
  await s.waitForLoadState();
  await s.screenshot({ path: `${shots}member-redeem.png`, fullPage: true });
  expect((await s.textContent('body')).includes('已核销'), 'not redeemed');
  const again = await page.goto(`${base}/h/demo/me`);
  expect(again.status() === 200 && (await page.textContent('body')).includes('已核销'), 'member page not updated');
});

await step('no script errors', async () => { expect(errors.length === 0, errors.join('; ')); });

await finish(browser, 'member pages');
