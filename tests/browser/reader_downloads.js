// A council secretary's front page (suite.js calls this after the crawl): every file of the
// municipality per round, checked like every other page (axe-core, the Nu HTML Checker on the
// saved HTML, 320 px, focus outlines), and by keyboard only: Tab to a round's meeting-date
// field, type a date, Tab on to "Hent bilag (PDF)" and press Enter, which answers with the
// attachment for that date; Tab reaches every download link. No "Udfyld skema" anywhere.

async function readerDownloads(browser, reader, { BASE, check, checkPage, signIn }) {
  const ctx = await browser.newContext({ bypassCSP: true, acceptDownloads: true, locale: 'da-DK' });
  const page = await ctx.newPage();
  await signIn(page, reader);
  await checkPage(page, 'reader-downloads', '/', true);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(BASE + '/');
  const rounds = await page.$$eval('section.files', (ss) => ss.map((s) => ({
    heading: s.querySelector('h3').textContent.trim(),
    links: [...s.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    date: s.querySelector('input[name=moededato]') && s.querySelector('input[name=moededato]').id,
  })));
  check('reader downloads: a section per round', rounds.length >= 2, JSON.stringify(rounds));
  for (const r of rounds) {
    const wanted = ['agenda.docx', 'agenda.txt', 'answers.xlsx', 'answers.csv'];
    const missing = wanted.filter((w) => !r.links.some((l) => l.includes('/' + w)));
    check(`reader downloads: ${r.heading} lists every file`, missing.length === 0 && !!r.date, missing.join(', '));
  }
  const fill = await page.$$('a:has-text("Udfyld skema")');
  check('reader downloads: no "Udfyld skema" for a reader', fill.length === 0);

  // By keyboard: from the top, Tab to the first meeting-date field.
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return e ? (e.id || e.textContent.trim()).slice(0, 80) : '';
  });
  const first = rounds[0] && rounds[0].date;
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); });
  let steps = 0;
  while ((await focused()) !== first && steps++ < 80) await page.keyboard.press('Tab');
  check('reader downloads: Tab reaches the meeting-date field', (await focused()) === first, await focused());
  await page.keyboard.type('2018-01-31');
  await page.keyboard.press('Tab');
  const button = await focused();
  check('reader downloads: Tab goes on to "Hent bilag (PDF)"', button.startsWith('Hent bilag (PDF)'), button);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/attachment.pdf'), { timeout: 30000 }),
    page.keyboard.press('Enter'),
  ]);
  const type = response.headers()['content-type'] || '';
  check('reader downloads: Enter downloads the attachment for the meeting date',
    response.status() === 200 && type.includes('pdf') && response.url().includes('moededato=2018-01-31'),
    `${response.status()} ${type} ${response.url()}`);

  // Every download link is a Tab stop.
  await page.goto(BASE + '/');
  const links = new Set();
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); });
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    const href = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('href'));
    if (href) links.add(href);
  }
  const unreached = rounds.flatMap((r) => r.links).filter((l) => !links.has(l));
  check('reader downloads: Tab reaches every download link', unreached.length === 0, unreached.join(', '));
  await ctx.close();
}

module.exports = { readerDownloads };
