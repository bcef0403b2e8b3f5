// Every console page on a phone (390×844), in zh-CN and English: no page scrolls sideways
// (the document's scrollWidth stays within the viewport), the navigation is a menu that opens,
// and the screenshots land in e2e/screenshots/phone-*.png.
// Usage: QUANZI_URL=http://127.0.0.1:18080 QUANZI_EMAIL=… QUANZI_PASSWORD=… node phone.mjs
import { base, expect, finish, launch, login, shots, step } from './lib.mjs';

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
const errors = [];
page.on('pageerror', e => errors.push(String(e)));

/** Elements wider than the viewport that are not inside a scrolling container. */
async function overflow() {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const doc = document.documentElement.scrollWidth;
    if (doc <= w) return null;
    const culprits = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right <= w + 1 || r.width === 0) continue;
      let p = el.parentElement, clipped = false;
      while (p && p !== document.body) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
        p = p.parentElement;
      }
      if (!clipped) culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} (${Math.round(r.right)}px)`);
      if (culprits.length >= 5) break;
    }
    return `scrollWidth ${doc} > ${w}: ${culprits.join(', ')}`;
  });
}

await step('logs in on a phone', async () => {
  await page.goto(`${base}/ui/login`);
  expect(!(await overflow()), `login page overflows: ${await overflow()}`);
  await login(page);
});

// The pages an operator opens, with what to wait for before measuring.
const memberHref = async () => {
  await page.goto(`${base}/ui/members`);
  return page.locator('a.member-link').first().getAttribute('href');
};
const groupHref = async () => {
  await page.goto(`${base}/ui/groups`);
  return page.locator('table.groups a').first().getAttribute('href');
};
let member = '/ui/members/1', group = '/ui/groups/1';
await step('finds a member and a group', async () => { member = await memberHref(); group = await groupHref(); });

const pages = [
  ['dashboard', '/ui', '.chart canvas'],
  ['members', '/ui/members', '#member-rows tr'],
  ['member', member, 'table.timeline'],
  ['groups', '/ui/groups', 'table.groups'],
  ['group', group, '.chart canvas'],
  ['kpi-overview', '/ui/kpi/overview', '#kpi-body .chart canvas'],
  ['kpi-groups', '/ui/kpi/groups', '#kpi-body table'],
  ['kpi-retention', '/ui/kpi/retention', '#kpi-body .chart canvas'],
  ['kpi-funnel', '/ui/kpi/funnel', '#kpi-body .chart canvas'],
  ['kpi-products', '/ui/kpi/products', '#kpi-body .chart canvas'],
  ['influence', '/ui/influence', '#kol-table, #inf-empty, #run-progress'],
  ['seeds', '/ui/influence/seeds', '#seeds-form'],
  ['campaigns', '/ui/campaigns', 'main'],
  ['group-buy-form', '/ui/campaigns/group-buys/new', '#group-buy-form'],
  ['bargain-form', '/ui/campaigns/bargains/new', '#bargain-form'],
  ['red-envelope-form', '/ui/campaigns/red-envelopes/new', '#red-envelope-form'],
  ['offer-form', '/ui/campaigns/offers/new', '#offer-form'],
  ['growth', '/ui/growth', 'main'],
  ['settings', '/ui/settings', 'main'],
  ['not-found', '/ui/no-such-page', 'main'],
];

for (const lang of ['zh', 'en']) {
  await step(`switches to ${lang}`, async () => {
    await page.goto(`${base}/ui/lang/${lang}?next=/ui`);
    await page.waitForURL(/\/ui$/);
  });
  for (const [name, path, ready] of pages) {
    await step(`${name} (${lang}) fits 390 px`, async () => {
      await page.goto(base + path);
      await page.waitForSelector(ready, { timeout: 30000 });
      await page.waitForLoadState('networkidle');
      const o = await overflow();
      await page.screenshot({ path: `${shots}phone-${name}-${lang}.png`, fullPage: true });
      expect(!o, o);
    });
  }
}

await step('the menu opens and leads to a page', async () => {
  await page.goto(`${base}/ui`);
  expect(!(await page.isVisible('aside nav a[data-nav=members]')), 'the navigation is folded on a phone');
  await page.click('#menu-toggle');
  await page.waitForSelector('aside nav a[data-nav=members]', { state: 'visible' });
  await page.screenshot({ path: `${shots}phone-menu.png` });
  const box = await page.locator('aside nav a[data-nav=members]').boundingBox();
  expect(box.height >= 44, `menu entries are at least 44 px tall, saw ${box.height}`);
  await page.click('aside nav a[data-nav=members]');
  await page.waitForURL(/\/ui\/members/);
});

await step('no script errors on any page', async () => { expect(errors.length === 0, errors.join('; ')); });

await finish(browser, 'phone');
