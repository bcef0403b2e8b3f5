// The operator's daily work in the console, in Debian chromium: on a desktop in zh-CN and on a
// phone (390×844) in English — create a member, tag a selection, merge two members, create a
// group with a bad capacity (the error in place) then a good one, add the KOL list's top 10 to
// it, export a seed choice; reloading after a POST creates nothing. Then, on the desktop, the
// flash sales: mark a member's held order paid, a bad sale form explained in place, a new sale;
// a group buy, a bargain and a red-envelope plan created by their forms.
// Usage: QUANZI_URL=http://127.0.0.1:18080 QUANZI_EMAIL=… QUANZI_PASSWORD=… node console.mjs
import { base, expect, finish, launch, login, shots, step } from './lib.mjs';

const browser = await launch();

const texts = {
  zh: { capacity: '人数上限：须在 1 到 500 之间', tagged: '已为 3 位成员添加标签', added: '已将 10 位成员加入', merged: '将 ' },
  en: { capacity: 'Hard capacity: must be between 1 and 500', tagged: 'Tagged 3 members', added: 'Added 10 members to', merged: 'Merging ' },
};

async function journey(lang, viewport, tag) {
  const t = texts[lang];
  const page = await browser.newPage({ viewport, locale: lang === 'zh' ? 'zh-CN' : 'en-US', acceptDownloads: true });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  const shot = name => page.screenshot({ path: `${shots}console-${tag}-${name}.png`, fullPage: true });
  const stamp = String(Date.now()).slice(-6);
  const name = `测试${tag}${stamp}`;

  await step(`${tag}: logs in`, async () => {
    await login(page);
    await page.goto(`${base}/ui/lang/${lang}?next=/ui`);
    await page.waitForURL(/\/ui$/);
  });

  const create = async (who, phone) => {
    await page.goto(`${base}/ui/members/new`);
    await page.fill('input[name=name]', who);
    await page.fill('input[name=phone]', phone);
    await page.fill('input[name=interests]', lang === 'zh' ? '宝妈、烘焙' : 'baking, coffee');
    await page.click('#member-save');
    await page.waitForURL(/\/ui\/members\/\d+$/);
    return page.url().split('/').pop();
  };
  let first = '', second = '';
  await step(`${tag}: creates a member, and a reload creates nothing more`, async () => {
    first = await create(name, `139${stamp}11`);
    expect((await page.textContent('h1')).includes(name), 'the new member page');
    await page.reload();
    await page.goto(`${base}/ui/members?q=${encodeURIComponent(name)}`);
    const n = await page.locator('a.member-link', { hasText: name }).count();
    expect(n === 1, `one member named ${name}, saw ${n}`);
    await shot('member');
  });

  await step(`${tag}: tags a selection of three`, async () => {
    await page.goto(`${base}/ui/members`);
    const picks = page.locator('input.pick');
    for (let i = 0; i < 3; i++) await picks.nth(i).check();
    expect((await page.textContent('#picked')).trim() === '3', 'the counter follows the ticks');
    await page.fill('input[name=tag_group]', lang === 'zh' ? '活动' : 'Campaign');
    await page.fill('input[name=tag_name]', `e2e-${stamp}`);
    await shot('selection');
    await page.click('#sel-tag');
    await page.waitForSelector('#selection-notice');
    expect((await page.textContent('#selection-notice')).includes(t.tagged), await page.textContent('#selection-notice'));
  });

  await step(`${tag}: merges a duplicate after the preview`, async () => {
    second = await create(`${name}B`, `139${stamp}22`);
    await page.goto(`${base}/ui/members/${first}`);
    await page.click('#member-merge');
    await page.fill('#merge-search input[name=q]', `${name}B`);
    await page.click('#merge-search button');
    await page.click(`#merge-candidates a[href$="source=${second}"]`);
    await page.waitForSelector('#merge-preview');
    expect((await page.textContent('#merge-preview h3')).includes(t.merged), 'the preview');
    await shot('merge-preview');
    await page.click('#merge-confirm button');
    await page.waitForURL(new RegExp(`/ui/members/${first}$`));
    await page.goto(`${base}/ui/members/${second}`);
    expect(await page.locator(`a[href="/ui/members/${first}"]`).count() > 0, 'the duplicate points to the kept member');
  });

  const group = `E2E群${tag}${stamp}`;
  await step(`${tag}: a bad capacity is explained in place, then the group is created`, async () => {
    await page.goto(`${base}/ui/groups/new`);
    await page.fill('input[name=name]', group);
    await page.fill('input[name=capacity_hard]', '600');
    await page.click('#group-save');
    await page.waitForSelector('.field.invalid input[name=capacity_hard]');
    const error = await page.textContent('.field.invalid .field-error');
    expect(error.includes(t.capacity), `the capacity error in place, saw "${error}"`);
    await shot('group-form');
    await page.fill('input[name=capacity_hard]', '300');
    await page.click('#group-save');
    await page.waitForURL(/\/ui\/groups\/\d+$/);
    expect((await page.textContent('h1')).includes(group), 'the new group page');
  });

  await step(`${tag}: adds the KOL list's top 10 to the group`, async () => {
    await page.goto(`${base}/ui/influence`);
    await page.waitForSelector('#kol-table input.pick', { timeout: 120000 });
    const picks = page.locator('#kol-table input.pick');
    for (let i = 0; i < 10; i++) await picks.nth(i).check();
    await page.selectOption('select[name=target_group_id]', { label: group });
    await page.click('#sel-add');
    await page.waitForSelector('#selection-notice');
    const notice = await page.textContent('#selection-notice');
    expect(notice.includes(t.added), notice);
    await shot('kol-added');
  });

  await step(`${tag}: exports a seed choice`, async () => {
    await page.goto(`${base}/ui/influence/seeds`);
    await page.fill('#seeds-form input[name=k]', '5');
    const runs = page.locator('#seeds-form input[name=runs]');
    if (await runs.count()) await runs.fill('100');
    await page.click('#seeds-form button[type=submit]');
    await page.waitForURL(/\/ui\/influence\/runs\/\d+/);
    await page.waitForSelector('#seed-table input.pick', { timeout: 180000 });
    await page.check('#pick-page');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#selection button[value=export_csv]')]);
    expect(download.suggestedFilename().endsWith('.csv'), `a CSV file, got ${download.suggestedFilename()}`);
    await shot('seeds');
  });

  await step(`${tag}: no script errors`, async () => { expect(errors.length === 0, errors.join('; ')); });
  await page.close();
}

// Flash sales (限时抢购) on a desktop: a member buys one unit of the open sale on their phone,
// the operator marks the held order paid (in store) and the paid units go up by one; the new
// sale form explains a bad price and a zero stock beside their fields and creates nothing,
// then creates the sale once they are fixed; then a group buy, a bargain and a red-envelope
// plan through their forms, each listed in its section. Screenshots: console-<tag>-campaigns.png,
// console-<tag>-flash-sale.png, console-<tag>-sale-form.png, console-<tag>-team-forms.png.
const saleTexts = {
  zh: { paid: '已付款件数', held: '待付款（保留中）', paidState: '已付款', price: '抢购价（元）', stock: '库存件数' },
  en: { paid: 'Units paid', held: 'Held, awaiting payment', paidState: 'Paid', price: 'Sale price', stock: 'Units' },
};

/** A newcomer scans the poster (which fills the open sale's groups), joins and buys 1 unit. */
async function memberBuys() {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const m = await ctx.newPage();
  await m.goto(`${base}/h/demo/c/nanshan-poster`);
  await m.click('form button[type=submit]');
  await m.waitForSelector('.ok');
  await m.goto(`${base}/h/demo/me`);
  const href = await m.locator('#sales li', { hasText: '抢购中' }).locator('a').first().getAttribute('href');
  await m.goto(new URL(href, base).href);
  await Promise.all([m.waitForURL(/\?r=held$/), m.click('button.buy')]);
  await ctx.close();
}

async function campaigns(lang, viewport, tag) {
  const t = saleTexts[lang];
  const page = await browser.newPage({ viewport, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  const shot = name => page.screenshot({ path: `${shots}console-${tag}-${name}.png`, fullPage: true });
  const rows = () => page.locator('table.sales tbody tr').count();
  const fig = async label => {
    const v = await page.locator('#figs > div', { hasText: label }).locator('b').textContent();
    return Number(v.replace(/[^\d.]/g, ''));
  };

  await step(`${tag}: logs in`, async () => {
    await login(page);
    await page.goto(`${base}/ui/lang/${lang}?next=/ui`);
    await page.waitForURL(/\/ui$/);
  });

  let count = 0, sale = '';
  await step(`${tag}: the campaigns page lists the sales; the open one opens with its figures, link and QR`, async () => {
    await page.goto(`${base}/ui/campaigns`);
    count = await rows();
    expect(count >= 3, `the demo's three sales, saw ${count}`);
    expect(await page.locator('#new-sale').count() === 1, 'no new-sale button');
    await shot('campaigns');
    const open = page.locator('table.sales tbody tr:has(.badge.st-open) a').first();
    await Promise.all([page.waitForURL(/\/ui\/campaigns\/sales\/\d+$/), open.click()]);
    sale = page.url();
    expect(await page.locator('#figs > div').count() >= 4, 'no figures');
    expect(/\/h\/demo\/s\/\d+$/.test((await page.textContent('#member-url')).trim()), 'the member page link');
    const qr = await page.locator('#share img').evaluate(i => i.complete && i.naturalWidth > 0);
    expect(qr, 'the QR image does not load');
  });

  await step(`${tag}: marks a member's held order paid; the paid units go up by one`, async () => {
    await memberBuys();
    await page.goto(sale);
    const [paid, held] = [await fig(t.paid), await fig(t.held)];
    const ids = await page.locator('#orders tbody tr:has(button.pay) td:first-child').allTextContents();
    expect(ids.length > 0, 'no held order');
    const id = String(Math.max(...ids.map(Number)));
    const row = page.locator('#orders tbody tr', { has: page.locator(`td:first-child:text-is("${id}")`) });
    const qty = Number((await row.locator('td.num').first().textContent()).trim());
    expect(qty === 1, `the member's order is for ${qty} units`);
    await Promise.all([page.waitForNavigation(), row.locator('button.pay').click()]);
    expect(page.url().split('#')[0] === sale, `back on the sale, at ${page.url()}`);
    expect((await row.locator('.badge').textContent()).includes(t.paidState), 'the order is not shown paid');
    const [paid2, held2] = [await fig(t.paid), await fig(t.held)];
    expect(paid2 === paid + 1, `units paid ${paid} → ${paid2}`);
    expect(held2 === held - 1, `units held ${held} → ${held2}`);
    await shot('flash-sale');
  });

  await step(`${tag}: a bad price and a zero stock are explained beside their fields; nothing is created`, async () => {
    await page.goto(`${base}/ui/campaigns`);
    await page.click('#new-sale');
    await page.waitForSelector('#sale-form');
    await page.fill('input[name=product]', '测试秒杀');
    await page.fill('input[name=price]', 'abc');
    await page.fill('input[name=stock]', '0');
    await page.click('#sale-save');
    await page.waitForSelector('.field.invalid input[name=price]');
    const said = async f => (await page.locator(`.field.invalid:has(input[name=${f}]) .field-error`).textContent()).trim();
    const price = await said('price'), stock = await said('stock');
    expect(price.includes(t.price), `the price error in place, saw "${price}"`);
    expect(stock.includes(t.stock), `the stock error in place, saw "${stock}"`);
    const invalid = await page.locator('.field.invalid').count();
    expect(invalid === 2, `two fields in error, saw ${invalid}`);
    expect(await page.inputValue('input[name=product]') === '测试秒杀', 'the product was not kept');
    await shot('sale-form');
    await page.goto(`${base}/ui/campaigns`);
    expect(await rows() === count, `${count} sales before, ${await rows()} after`);
  });

  await step(`${tag}: a valid sale is created and its page opens`, async () => {
    await page.goto(`${base}/ui/campaigns/sales/new`);
    await page.fill('input[name=product]', '测试秒杀');
    await page.fill('input[name=price]', '9.9');
    await page.fill('input[name=stock]', '10');
    await Promise.all([page.waitForURL(/\/ui\/campaigns\/sales\/\d+$/), page.click('#sale-save')]);
    expect((await page.textContent('#sale h3')).includes('测试秒杀'), 'the new sale page');
    expect((await page.textContent('#sale')).includes('9.90'), 'the price 9.90');
    expect((await page.textContent('#sale')).includes('0 / 10'), 'the stock 0 / 10');
    expect(await page.locator('#no-orders').count() === 1, 'a new sale with orders');
    await page.goto(`${base}/ui/campaigns`);
    expect(await rows() === count + 1, `${count + 1} sales, saw ${await rows()}`);
  });

  await step(`${tag}: a group buy, a bargain and a red-envelope plan are created by their forms and listed`, async () => {
    const stamp = String(Date.now()).slice(-6);
    const made = [
      ['#new-group-buy', 'group-buy-form', '#group-buys', { product_name: `拼团${stamp}`, price: '99', team_price: '69', team_size: '3' }],
      ['#new-bargain', 'bargain-form', '#bargains', { product_name: `砍价${stamp}`, start_price: '199', floor_price: '99', cuts_to_floor: '10' }],
      ['#new-red-envelope', 'red-envelope-form', '#envelopes', { name: `红包${stamp}`, total: '20', count: '10', budget: '20' }],
    ];
    for (const [button, form, section, values] of made) {
      await page.goto(`${base}/ui/campaigns`);
      await Promise.all([page.waitForURL(/\/new$/), page.click(button)]);
      for (const [field, v] of Object.entries(values)) await page.fill(`#${form} input[name=${field}]`, v);
      if (form === 'red-envelope-form') await page.locator('input[name=group_ids]').first().check();
      await Promise.all([page.waitForURL(url => url.hash === section), page.click(`#${form}-save`)]);
      const name = Object.values(values)[0];
      expect((await page.textContent(section)).includes(name), `${section} does not list ${name}`);
    }
    await shot('team-forms');
  });

  await step(`${tag}: no script errors`, async () => { expect(errors.length === 0, errors.join('; ')); });
  await page.close();
}

await journey('zh', { width: 1400, height: 900 }, 'desktop-zh');
await journey('en', { width: 390, height: 844 }, 'phone-en');
await campaigns('zh', { width: 1400, height: 900 }, 'desktop-zh');
await finish(browser, 'console');
