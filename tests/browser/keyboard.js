// Keyboard-only walk: sign in, open the form, answer every recommendation, submit.
// Part of the browser suite (tests/browser/run.sh); it can also run on its own against a
// server started with `trafiklys serve --demo --bind 127.0.0.1:8097`:
//   node tests/browser/keyboard.js <the editor's demo password> [http://127.0.0.1:8097]
// It returns (and on its own prints) how many status groups, comments, links and confirmations it
// filled in by keyboard, and whether the form was submitted.

async function keyboardWalk(page, base, email, password) {
  const press = async (key, n = 1) => { for (let i = 0; i < n; i++) await page.keyboard.press(key); };
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return (e.tagName + ' ' + (e.name || e.id || e.textContent || '')).trim().slice(0, 60);
  });
  await page.goto(base + '/login');
  // Tab from the top (skip link, header links, ...) to the email field.
  let steps = 0;
  while (!(await focused()).startsWith('INPUT email') && steps++ < 30) await press('Tab');
  if (!(await focused()).startsWith('INPUT email')) throw new Error('Tab never reached the email field');
  await page.keyboard.type(email);
  await press('Tab');
  await page.keyboard.type(password);
  await press('Enter');
  await page.waitForURL(base + '/');
  // Tab to the "Udfyld skema" link and follow it.
  steps = 0;
  while (!(await focused()).includes('Udfyld skema') && steps++ < 60) await press('Tab');
  if (!(await focused()).includes('Udfyld skema')) throw new Error('Tab never reached "Udfyld skema"');
  await press('Enter');
  await page.waitForURL(/form$/);
  // Walk the form with Tab: in each radio group choose with the arrow keys; type comments;
  // tick "bekræft" boxes with space; stop at the submit button.
  const log = [];
  let submittedByKey = false;
  for (let i = 0; i < 400; i++) {
    await press('Tab');
    const f = await focused();
    if (f.startsWith('INPUT status-')) {
      // Arrow keys move the selection inside the group; land on "I proces" (yellow).
      const value = await page.evaluate(() => document.activeElement.value);
      if (value === 'green') await press('ArrowRight');
      else if (value === 'red') await press('ArrowLeft');
      else if (value === 'yellow') { await press('ArrowRight'); await press('ArrowLeft'); }
      log.push('status');
    } else if (f.startsWith('INPUT confirm-')) {
      await press('Space'); log.push('confirm');
    } else if (f.startsWith('INPUT evidence-') && !log.includes('evidence')) {
      // The first answer gets a link to its evidence, typed like any text.
      await page.keyboard.press('Control+A');
      await page.keyboard.type('https://www.frederiksberg.dk/politik/byraadet');
      log.push('evidence');
    } else if (f.startsWith('TEXTAREA comment-')) {
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Skrevet med tastaturet.');
      log.push('comment');
    } else if (f.startsWith('BUTTON action') && (await page.evaluate(() => document.activeElement.value)) === 'submit') {
      await press('Enter');
      submittedByKey = true;
      break;
    }
  }
  if (!submittedByKey) throw new Error('Tab never reached the "Indsend" button');
  await page.waitForURL(/gemt=indsendt/, { timeout: 10000 });
  const text = await page.textContent('main');
  return {
    statuses: log.filter(x => x === 'status').length,
    comments: log.filter(x => x === 'comment').length,
    confirms: log.filter(x => x === 'confirm').length,
    links: log.filter(x => x === 'evidence').length,
    submitted: text.includes('Skemaet er indsendt. Tak!'),
  };
}

module.exports = { keyboardWalk };

if (require.main === module) {
  const { chromium } = require('playwright-core');
  (async () => {
    const password = process.argv[2];
    const base = process.argv[3] || 'http://127.0.0.1:8097';
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    const page = await browser.newPage();
    console.log(JSON.stringify(await keyboardWalk(page, base, 'editor@frederiksberg.example', password)));
    await browser.close();
  })().catch(e => { console.error(e); process.exit(1); });
}
