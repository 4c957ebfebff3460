// Keyboard-only walk: sign in, open the form, answer every recommendation, submit.
// A manual check (not part of `cargo test`): it needs Chromium and playwright-core.
//   apt-get install chromium && npm install playwright-core
//   trafiklys serve --demo --bind 127.0.0.1:8097   (in an empty folder)
//   node tests/browser/keyboard.js <the editor's demo password>
// It prints how many status groups, comments and confirmations it filled in by keyboard,
// and whether the form was submitted.
const { chromium } = require('playwright-core');
(async () => {
  const password = process.argv[2];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage();
  const press = async (key, n = 1) => { for (let i = 0; i < n; i++) await page.keyboard.press(key); };
  const focused = () => page.evaluate(() => { const e = document.activeElement; return (e.tagName + ' ' + (e.name || e.id || e.textContent || '')).trim().slice(0, 60); });
  await page.goto('http://127.0.0.1:8097/login');
  // Tab from the top: skip link, brand, nav link, "Log ind" link, then the email field.
  let steps = 0;
  while (!(await focused()).startsWith('INPUT email') && steps++ < 15) await press('Tab');
  await page.keyboard.type('editor@frederiksberg.example');
  await press('Tab');
  await page.keyboard.type(password);
  await press('Enter');
  await page.waitForURL('http://127.0.0.1:8097/');
  // Tab to the "Udfyld skema" link and follow it.
  steps = 0;
  while (!(await focused()).includes('Udfyld skema') && steps++ < 40) await press('Tab');
  await press('Enter');
  await page.waitForURL(/form$/);
  // Walk the form with Tab: in each radio group choose with the arrow keys; type comments;
  // tick "bekræft" boxes with space; stop at the submit button.
  let log = [];
  for (let i = 0; i < 200; i++) {
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
    } else if (f.startsWith('TEXTAREA comment-')) {
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Skrevet med tastaturet.');
      log.push('comment');
    } else if (f.startsWith('BUTTON action') && (await page.evaluate(() => document.activeElement.value)) === 'submit') {
      await press('Enter');
      break;
    }
  }
  await page.waitForURL(/gemt=indsendt/, { timeout: 10000 });
  const text = await page.textContent('main');
  console.log(JSON.stringify({ statuses: log.filter(x => x === 'status').length, comments: log.filter(x => x === 'comment').length, confirms: log.filter(x => x === 'confirm').length, submitted: text.includes('Skemaet er indsendt. Tak!') }));
  await page.screenshot({ path: '/tmp/kb/after.png', fullPage: false });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
