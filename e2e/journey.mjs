// The operator's first journey through the demo, in Debian chromium:
// log in, open the member list, search, open a member, switch to English, read the analytics
// and the KOL list, open the seed choice.
// Usage: QUANZI_URL=http://127.0.0.1:18080 QUANZI_EMAIL=… QUANZI_PASSWORD=… node journey.mjs
import { base, email, expect, finish, launch, password, shots, step } from './lib.mjs';

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
const errors = [];
page.on('pageerror', e => errors.push(String(e)));
// The Content-Security-Policy must let every page run: a refused script or style is an error.
page.on('console', m => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });

await step('logs in to the demo', async () => {
  await page.goto(`${base}/ui`);
  expect(page.url().includes('/ui/login'), `expected the login page, got ${page.url()}`);
  await page.screenshot({ path: shots + '01-login.png' });
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ui$/);
  expect((await page.textContent('h1')).includes('仪表盘'), 'dashboard heading in zh-CN');
  await page.waitForSelector('.chart canvas', { timeout: 15000 });
  await page.screenshot({ path: shots + '02-dashboard.png', fullPage: true });
});

let memberName = '';
await step('opens the member list and searches', async () => {
  await page.click('a[data-nav=members]');
  await page.waitForURL(/\/ui\/members/);
  const rows = await page.locator('#member-rows tr').count();
  expect(rows >= 20, `expected a page of members, saw ${rows} rows`);
  memberName = (await page.locator('a.member-link').first().textContent()).trim();
  await page.screenshot({ path: shots + '03-members.png', fullPage: true });
  await page.fill('#member-search', memberName);
  await page.waitForFunction(n => [...document.querySelectorAll('a.member-link')].every(a => a.textContent.includes(n)), memberName, { timeout: 10000 });
});

await step('opens a member', async () => {
  await page.locator('a.member-link').first().click();
  await page.waitForURL(/\/ui\/members\/\d+/);
  const h1 = await page.textContent('h1');
  expect(h1.includes(memberName), `member page shows ${memberName}`);
  expect(await page.locator('table.timeline tbody tr').count() > 0, 'timeline has rows');
  await page.screenshot({ path: shots + '04-member.png', fullPage: true });
});

await step('switches to English', async () => {
  await page.click('#lang-en');
  await page.waitForLoadState('load');
  expect((await page.getAttribute('html', 'lang')) === 'en', 'html lang is en');
  expect((await page.textContent('aside nav')).includes('Members'), 'navigation in English');
  expect((await page.textContent('main')).includes('Event timeline'), 'member page in English');
  await page.screenshot({ path: shots + '05-member-en.png', fullPage: true });
});

await step('opens a group with its activity chart', async () => {
  await page.click('a[data-nav=groups]');
  await page.waitForURL(/\/ui\/groups$/);
  await page.locator('table.groups a').first().click();
  await page.waitForSelector('.chart canvas', { timeout: 15000 });
  await page.screenshot({ path: shots + '06-group-en.png', fullPage: true });
});

await step('reads the analytics: overview, groups sorted by GMV, retention, funnel, products', async () => {
  await page.click('a[data-nav=kpi]');
  await page.waitForURL(/\/ui\/kpi/);
  await page.waitForSelector('#kpi-body .chart canvas', { timeout: 30000 });
  expect(await page.locator('#kpi-body .card.kpi').count() >= 10, 'KPI cards');
  await page.screenshot({ path: shots + '07-kpi-overview-en.png', fullPage: true });
  await page.click('a[data-tab=groups]');
  await page.waitForSelector('#kpi-body table.sortable tbody tr', { timeout: 30000 });
  const gmvHeader = page.locator('#kpi-body table.sortable th', { hasText: 'GMV' });
  await gmvHeader.click();
  const vals = await page.$$eval('#kpi-body table.sortable tbody tr', rows =>
    rows.map(r => parseFloat([...r.cells].find((c, i) => r.closest('table').tHead.rows[0].cells[i].textContent.includes('GMV')).dataset.v)));
  expect(vals.length >= 10, `a row per group, saw ${vals.length}`);
  expect(vals.every((v, i) => i === 0 || vals[i - 1] >= v), 'sorted by GMV, largest first');
  await page.screenshot({ path: shots + '08-kpi-groups-en.png', fullPage: true });
  for (const [tab, shot] of [['retention', '09-kpi-retention-en.png'], ['funnel', '10-kpi-funnel-en.png'], ['products', '11-kpi-products-en.png']]) {
    await page.click(`a[data-tab=${tab}]`);
    await page.waitForSelector('#kpi-body .chart canvas', { timeout: 30000 });
    await page.screenshot({ path: shots + shot, fullPage: true });
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#kpi-body .exports a:has-text("XLSX")')]);
  expect(download.suggestedFilename().endsWith('.xlsx'), `an XLSX file, got ${download.suggestedFilename()}`);
});

await step('opens the KOL list by role and the seed choice', async () => {
  await page.click('a[data-nav=influence]');
  await page.waitForURL(/\/ui\/influence/);
  // The demo computes its KOL list at start; a fresh demo may still be computing it.
  await page.waitForSelector('#kol-table tbody tr, #inf-empty, #run-progress', { timeout: 30000 });
  expect(await page.locator('#inf-empty').count() === 0, 'the demo has computed its KOL list');
  await page.waitForSelector('#kol-table a.member-link', { timeout: 120000 });
  expect(await page.locator('#kol-table a.member-link').count() >= 10, 'a KOL list of members');
  expect((await page.textContent('#kol-table')).includes('community average'), 'explanations in English');
  await page.screenshot({ path: shots + '12-influence-en.png', fullPage: true });
  await page.click('#role-tabs a[data-role=connector]');
  await page.waitForURL(/role=connector/);
  await page.waitForSelector('#kol-table a.member-link', { timeout: 30000 });
  await page.click('a[data-tab=seeds]');
  await page.waitForURL(/\/ui\/influence\/seeds/);
  expect(await page.locator('#seeds-form select[name=model]').count() === 1, 'the seeds form');
  expect(await page.locator('#seeds-form select[name=group_id] option').count() > 1, 'groups to choose candidates from');
  await page.screenshot({ path: shots + '13-seeds-en.png', fullPage: true });
});

await step('no script errors on any page', async () => { expect(errors.length === 0, errors.join('; ')); });

await finish(browser, 'e2e');
