// The set editor in the browser (suite.js calls this after the crawl): a 2018 draft is made
// from the demo's 2017, then its confirmation pages (move, merge, retire), an error state,
// the set page after a change and after an undo are checked like every other page (axe-core,
// the Nu HTML Checker on the saved HTML, 320 px, focus outlines); and by keyboard only: a
// retirement confirmed and undone with "Genindsæt", focus landing on the message that names
// what was saved, and the error summary linking to the field in error.

async function createDraft(page, BASE) {
  await page.goto(BASE + '/admin/rounds/new');
  await page.fill('#year', '2018');
  await page.fill('#title', 'Status på anbefalingerne 2018');
  await page.fill('#subject', 'beskæftigelsesområdet');
  await page.fill('#deadline', '1.12.2018 23.59');
  await page.check('input[name=from_previous]');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  const m = new URL(page.url()).pathname.match(/^\/admin\/rounds\/(\d+)/);
  if (!m) throw new Error(`no draft round created (at ${page.url()})`);
  return Number(m[1]);
}

// The set page's recommendations: code → id, from the links to each one's page.
async function recommendations(page, BASE, round) {
  await page.goto(`${BASE}/admin/rounds/${round}/set`);
  return page.$$eval('tr[id^="rec-"]', (rows) => Object.fromEntries(rows.map((r) =>
    [r.querySelector('th').textContent.trim(), Number(r.id.slice(4))])));
}

async function areaIds(page, BASE, round, rec) {
  await page.goto(`${BASE}/admin/rounds/${round}/recommendations/${rec}`);
  return page.$$eval('#area option', (os) => os.map((o) => Number(o.value)));
}

// Presses Enter on an element reached by keyboard focus and waits for the next page.
async function enterOn(page, selector) {
  await page.focus(selector);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function focusedMessage(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return { id: el && el.id, text: el ? el.textContent.replace(/\s+/g, ' ').trim() : '' };
  });
}

async function setEditor(browser, admin, { BASE, check, checkPage, signIn }) {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await signIn(page, admin);
  const round = await createDraft(page, BASE);
  const recs = await recommendations(page, BASE, round);
  const areas = await areaIds(page, BASE, round, recs['2.2']);
  const rec = (code) => `/admin/rounds/${round}/recommendations/${recs[code]}`;

  // The confirmation pages and an error state, checked like every page.
  const pages = [
    `${rec('2.2')}/bekraeft?action=flyt&area=${areas[2]}&from=anbefaling`,
    `${rec('2.2')}/bekraeft?action=saml&other=${recs['2.3']}&text=Samlet+anbefaling&from=anbefaling`,
    `${rec('1.2')}/bekraeft?action=udgaar`,
    `${rec('2.2')}/bekraeft?action=flyt&area=${areas[1]}&from=anbefaling`,
  ];
  for (const p of pages) await checkPage(page, 'admin', p, true);

  // Keyboard only: 1.2 udgår from the set page, confirmed; focus lands on the message.
  await page.goto(`${BASE}/admin/rounds/${round}/set`);
  await enterOn(page, `a[href$="/recommendations/${recs['1.2']}/bekraeft?action=udgaar"]`);
  check('set editor: "Udgår" leads to a confirmation page', /Lad anbefaling 1\.2 udgå\?/.test(await page.textContent('h1')));
  await enterOn(page, 'main form.actions button[type=submit]');
  let focused = await focusedMessage(page);
  check('set editor: after a retirement focus is on the message naming it',
    focused.id === 'besked' && focused.text.includes('Anbefaling 1.2 er udgået'), JSON.stringify(focused));
  const retiredListed = await page.$eval('#retired-heading', (h) => h.parentElement.textContent.includes('Genindsæt'));
  check('set editor: the retired recommendation is listed under "Udgået" with "Genindsæt"', retiredListed);
  const changed = new URL(page.url());
  await checkPage(page, 'admin', changed.pathname + changed.search, true);

  // "Genindsæt" by keyboard; the message names what came back, focused.
  await page.goto(changed.href);
  await enterOn(page, 'section[aria-labelledby="retired-heading"] button[type=submit]');
  focused = await focusedMessage(page);
  check('set editor: after "Genindsæt" focus is on the message naming it',
    focused.id === 'besked' && focused.text.includes('Anbefaling 1.2 er genindsat'), JSON.stringify(focused));
  const undone = new URL(page.url());
  const codes = Object.keys(await recommendations(page, BASE, round));
  check('set editor: the reinstated recommendation is back as 1.2', codes.includes('1.2'), codes.join(' '));
  await checkPage(page, 'admin', undone.pathname + undone.search, true);

  // The error summary of the recommendation's page: focused, linking to the field in error.
  await page.goto(BASE + rec('2.2'));
  await enterOn(page, 'form[action$="/bekraeft"] button[type=submit]'); // the move, area unchanged
  const info = await page.evaluate(() => {
    const s = document.querySelector('.error-summary');
    const link = s && s.querySelector('a[href^="#"]');
    const target = link && document.getElementById(link.getAttribute('href').slice(1));
    return {
      summary: !!s,
      focused: !!s && (s === document.activeElement || s.contains(document.activeElement)),
      target: target && target.id,
      invalid: !!target && target.getAttribute('aria-invalid') === 'true',
      described: !!target && !!document.getElementById(target.getAttribute('aria-describedby') || '-'),
    };
  });
  check('set editor: an error shows the summary, focused', info.summary && info.focused, JSON.stringify(info));
  check('set editor: the summary links to the field, which has aria-invalid and its message',
    info.target === 'area' && info.invalid && info.described, JSON.stringify(info));
  if (info.summary) {
    await page.focus('.error-summary a[href^="#"]');
    await page.keyboard.press('Enter');
    const landed = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check('set editor: the summary link moves focus to the field', landed === 'area', landed);
  }
  await ctx.close();
}

module.exports = { setEditor };
