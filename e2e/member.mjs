// The member pages on a phone (390×844), as a newcomer and a friend live them on the demo:
// scan the poster's live code → landing with the group's QR and the gift's code → "I have
// joined" attributed to the code → the member's page with the share link → a friend opens it
// and joins → the inviter's progress says 已邀请 1/3 → the store's two-question code → staff
// redeem the gift on the phone page, once → the member's page lists the open flash sale; its
// countdown ticks, they buy 1 (held, 待付款 with a pay-by time), reach the limit of 1, and let
// it go again (不要了 → 已取消, the buy button back). Every page stays under 50 KB and never scrolls
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

// The flash sale: the newcomer joined one of the open sale's two groups, so their page lists it.
let sale = '';
await step("the member's page lists the open flash sale; its link opens the sale page", async () => {
  await open(page, '/h/demo/me', 'me-sales');
  expect(await page.locator('#sales').count() === 1, 'no #sales card on the member page');
  const row = page.locator('#sales li', { hasText: '抢购中' });
  expect(await row.count() === 1, `one open sale in #sales, saw ${await row.count()}`);
  const href = await row.locator('a').first().getAttribute('href');
  expect(/\/h\/demo\/s\/\d+/.test(href ?? ''), `sale link ${href}`);
  sale = new URL(href, base).pathname;
  await open(page, sale, 'flash-sale');
  expect(await page.locator('.price').count() === 1, 'no price');
  expect(await page.locator('form[action$="/buy"] button.buy').count() === 1, 'no buy button');
});

await step('the countdown ticks (HH:MM:SS, changes within 2.5 s)', async () => {
  const cd = page.locator('.cd').first();
  await page.waitForFunction(() => /^(\d+d )?\d\d:\d\d:\d\d$/.test(document.querySelector('.cd')?.textContent ?? ''));
  const before = (await cd.textContent()).trim();
  await page.waitForTimeout(2500);
  const after = (await cd.textContent()).trim();
  expect(/^(\d+d )?\d\d:\d\d:\d\d$/.test(after), `countdown reads "${after}"`);
  expect(before !== after, `countdown stuck at ${before}`);
});

await step('buys 1: the held notice, the order 待付款 with a pay-by time', async () => {
  await Promise.all([page.waitForURL(/\?r=held$/), page.click('button.buy')]);
  await fits(page, 'flash-sale-held');
  await page.screenshot({ path: `${shots}member-flash-sale-held.png`, fullPage: true });
  const text = await page.textContent('body');
  expect(text.includes('抢到了！请按时付款。'), 'no held notice');
  expect(text.includes('我的订单'), 'no 我的订单');
  const order = page.locator('.rows li', { hasText: '待付款' });
  expect(await order.count() === 1, 'no order 待付款');
  const payBy = (await page.locator('.paybox b').first().textContent()).trim();
  expect(/\d{1,2}:\d\d/.test(payBy), `pay-by time "${payBy}"`);
});

await step('the limit (1) is reached: no buy button, it says so; the old form buys nothing more', async () => {
  expect(await page.locator('button.buy').count() === 0, 'the buy button is still there');
  expect((await page.textContent('body')).includes('你已达到本活动的限购数量。'), 'no limit message');
  // The back button's page still has the old form (same key): tapping it again holds nothing new.
  await page.goBack();
  if (await page.locator('button.buy').count() === 1) {
    await Promise.all([page.waitForURL(/\?r=/), page.click('button.buy')]);
    expect(await page.locator('.rows li', { hasText: '待付款' }).count() === 1, 'a second order was held');
  }
});

await step('"不要了" cancels: 已取消, and the buy button is back', async () => {
  await page.goto(`${base}${sale}`);
  await Promise.all([page.waitForURL(/\?r=cancelled$/), page.click('.paybox button')]);
  const text = await page.textContent('body');
  expect(text.includes('已取消'), 'no 已取消');
  expect(await page.locator('.rows li', { hasText: '待付款' }).count() === 0, 'still 待付款');
  expect(await page.locator('form[action$="/buy"] button.buy').count() === 1, 'no buy button after cancelling');
  await fits(page, 'flash-sale-cancelled');
  await page.screenshot({ path: `${shots}member-flash-sale-cancelled.png`, fullPage: true });
});

await step('no script errors', async () => { expect(errors.length === 0, errors.join('; ')); });

await finish(browser, 'member pages');
