// The operator's daily work in the console, in Debian chromium: on a desktop in zh-CN and on a
// phone (390×844) in English — create a member, tag a selection, merge two members, create a
// group with a bad capacity (the error in place) then a good one, add the KOL list's top 10 to
// it, export a seed choice; reloading after a POST creates nothing.
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

await journey('zh', { width: 1400, height: 900 }, 'desktop-zh');
await journey('en', { width: 390, height: 844 }, 'phone-en');
await finish(browser, 'console');
