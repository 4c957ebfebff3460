// The pages that make the round run itself and the evidence link beside an answer (suite.js
// calls this before the keyboard walk submits the demo editor's form):
// - the round's reminders page with its plan, and the round's page with its schedule, checked
//   like every page (axe-core, the Nu HTML Checker, 320 px, focus outlines);
// - by keyboard only: a reminder step added on the plan (Tab to the days field, type, Tab to
//   "Tilføj før fristen", Enter), and a schedule refused with an error summary whose link
//   takes the focus to the field; the refused page checked with axe-core and the Nu checker;
// - the editor's form refusing a link that is not http(s), the typed link kept, the error
//   summary's link reaching the field by keyboard.
const fs = require('fs');
const path = require('path');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function axeViolations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  });
}

const focusedId = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return e ? (e.id || e.textContent.trim()).slice(0, 80) : '';
});

async function tabTo(page, id, max = 120) {
  let steps = 0;
  while ((await focusedId(page)) !== id && steps++ < max) await page.keyboard.press('Tab');
  return (await focusedId(page)) === id;
}

// Follows the error summary's first link by keyboard: the focus lands on `field`.
async function summaryLeadsTo(page, field) {
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  const link = `.error-summary a[href="#${field}"]`;
  if (!(await page.$(link))) return false;
  await page.focus(link);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(100);
  return (await focusedId(page)) === field;
}

async function roundRunsItself(browser, users, { BASE, OUT, check, checkPage, signIn }) {
  const save = async (page, name) => fs.writeFileSync(path.join(OUT, 'html', `${name}.html`), await page.content());

  // --- The secretariat: the reminder plan and the schedule. ---
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await signIn(page, users.admin);
  await page.goto(BASE + '/');
  const round = await page.evaluate(() => {
    const a = [...document.querySelectorAll('a[href^="/rounds/"]')]
      .map((x) => x.getAttribute('href').match(/^\/rounds\/(\d+)$/)).find(Boolean);
    return a ? a[1] : '2';
  });
  const reminders = `/rounds/${round}/reminders`;
  await checkPage(page, 'admin-plan', reminders, true);
  await checkPage(page, 'admin-schedule', `/admin/rounds/${round}`, true);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(BASE + reminders);
  const planSteps = () => page.$$eval('[aria-labelledby=tbl-plan] tbody th', (ts) => ts.map((t) => t.textContent.trim()));
  const sevenDays = (steps) => steps.filter((t) => t.startsWith('7 dage før fristen')).length;
  const before = await planSteps();
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  check('reminder plan: Tab reaches the days field', await tabTo(page, 'plan-days'), await focusedId(page));
  await page.keyboard.type('7');
  await page.keyboard.press('Tab');
  const button = await focusedId(page);
  check('reminder plan: Tab goes on to "Tilføj før fristen"', button.startsWith('Tilføj før fristen'), button);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const after = await planSteps();
  check('reminder plan: the step added by keyboard is in the plan',
    sevenDays(before) === 0 && sevenDays(after) === 1, `${before.join(' | ')} → ${after.join(' | ')}`);
  const saved = await page.$('#plan-saved');
  check('reminder plan: the page says the plan was saved', !!saved);
  const axePlan = await axeViolations(page);
  check('reminder plan after a change: axe-core finds no violation', axePlan.length === 0, axePlan.join('; '));
  await save(page, 'admin-plan-saved');

  // A schedule the round cannot keep: by keyboard, refused, the summary leads to the field.
  await page.goto(BASE + `/admin/rounds/${round}`);
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  check('schedule: Tab reaches the publishing field', await tabTo(page, 'schedule_publish', 200), await focusedId(page));
  await page.keyboard.type('efter jul');
  await page.keyboard.press('Tab');
  const saveButton = await focusedId(page);
  check('schedule: Tab goes on to "Gem tidsplanen"', saveButton === 'Gem tidsplanen', saveButton);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const kept = await page.inputValue('#schedule_publish').catch(() => '');
  check('schedule: the refused time is kept in its field', kept === 'efter jul', kept);
  check('schedule: the error summary leads to the field', await summaryLeadsTo(page, 'schedule_publish'));
  const axeSchedule = await axeViolations(page);
  check('schedule refused: axe-core finds no violation', axeSchedule.length === 0, axeSchedule.join('; '));
  await save(page, 'admin-schedule-refused');
  await ctx.close();

  // --- The editor: a link that is not http(s) is refused, and kept. ---
  const ectx = await browser.newContext({ bypassCSP: true });
  const epage = await ectx.newPage();
  await signIn(epage, users.editor);
  await epage.goto(BASE + '/');
  const form = await epage.getAttribute('a:has-text("Udfyld skema")', 'href');
  if (!form) {
    check('evidence link: the editor has a form', false);
    await ectx.close();
    return;
  }
  await epage.goto(BASE + form);
  const field = await epage.$eval('input[name^="evidence-"]', (i) => i.id);
  await epage.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  check('evidence link: Tab reaches the first link field', await tabTo(epage, field, 200), await focusedId(epage));
  await epage.keyboard.type('javascript:alert(1)');
  await Promise.all([epage.waitForNavigation(), epage.click('button[value=save]')]);
  const value = await epage.inputValue('#' + field).catch(() => '');
  check('evidence link: the refused link is kept', value === 'javascript:alert(1)', value);
  const invalid = await epage.getAttribute('#' + field, 'aria-invalid');
  check('evidence link: the field is marked invalid', invalid === 'true', String(invalid));
  const message = await epage.textContent(`#${field}-error`).catch(() => '');
  check('evidence link: the reason is said beside the field', /https:\/\/ eller http:\/\//.test(message || ''), message);
  check('evidence link: the error summary leads to the field', await summaryLeadsTo(epage, field));
  const axeForm = await axeViolations(epage);
  check('evidence link refused: axe-core finds no violation', axeForm.length === 0, axeForm.join('; '));
  await save(epage, 'editor-evidence-refused');
  await ectx.close();
}

module.exports = { roundRunsItself };
