// Job clusters in the browser (suite.js calls this last): run.sh set up KKR Sjælland's round
// with a common focus area and two clusters (TRAFIKLYS_CLUSTERS: round, Vest's group id, the
// secretariat's email and password). Its dashboard with the clusters side by side and a
// section each, the cluster's expectations page, the set page with "gælder for" and the group
// page with its coordinators are checked like every other page (axe-core, the Nu HTML Checker
// on the saved HTML, 320 px, focus outlines), and the side-by-side table is read by keyboard.

async function clusters(browser, { BASE, check, checkPage, signIn }) {
  const [round, vest, email, password] = (process.env.TRAFIKLYS_CLUSTERS || '').split(' ');
  if (!round || !password) {
    check('job clusters: run.sh set up the round', false, 'TRAFIKLYS_CLUSTERS is not set');
    return;
  }
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await signIn(page, { email, password });
  const dashboard = `/rounds/${round}`;
  await page.goto(BASE + dashboard);
  const sections = await page.$$eval('section[aria-labelledby^="cluster-"] h3', (hs) => hs.map((h) => h.textContent.trim()));
  check('clusters: a section per cluster on the dashboard',
    sections.length === 2 && sections.includes('Jobklynge Vest') && sections.includes('Jobklynge Øst'),
    JSON.stringify(sections));
  const rows = await page.$$eval('div[aria-labelledby="tbl-clusters"] tbody tr', (trs) => trs.length);
  check('clusters: the clusters side by side', rows === 2, `${rows} rows`);
  const expectations = await page.textContent('main');
  check('clusters: Vest\'s expectations on the dashboard', expectations.includes('rekrutteringskontor i Slagelse'));
  // The side-by-side table's scroll region and its links are reached by Tab.
  await page.focus('body');
  let reached = false;
  for (let i = 0; i < 200 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => {
      const el = document.activeElement;
      return !!el && el.matches('a[href^="#cluster-"]') &&
        !!el.closest('div[aria-labelledby="tbl-clusters"]');
    });
  }
  check('clusters: a cluster\'s link in the side-by-side table is reached by keyboard', reached);
  for (const p of [dashboard, `/rounds/${round}/groups/${vest}/expectations`,
    `/admin/rounds/${round}/set`, `/groups/${vest}`]) {
    await checkPage(page, 'clusters', p, true);
  }
  await ctx.close();
}

module.exports = { clusters };
