// Sign-in pages (issue 26), called at the end of suite.js: the sign-in page with the
// installation's identity provider and a sign-in through it by keyboard (when run.sh started
// the test provider), and the second step: the enrolment page with its QR code, the recovery
// codes, and the code page after the password, each checked like every other page (axe-core,
// the Nu HTML Checker, 320 px, focus outlines) and used by keyboard only.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// RFC 6238 with SHA-1, 6 digits, 30 s steps: the code an authenticator app shows.
function totp(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, '0');
}
const stepNow = () => Math.floor(Date.now() / 30000);

// Tab from the top of the page until `selector` has focus; whether it got there.
async function tabTo(page, selector, max = 40) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return true;
  }
  return false;
}

// axe-core on the page as it stands (a page a POST answered), its HTML kept for the Nu checker.
async function checkCurrent(page, name, { check, OUT }) {
  fs.writeFileSync(path.join(OUT, 'html', `${name}.html`), await page.content());
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => v.id));
  check(`${name}: axe-core finds no violation`, axe.length === 0, axe.join('; '));
}

async function providerSignIn(browser, { BASE, check, checkPage }) {
  const label = process.env.TRAFIKLYS_OIDC_LABEL;
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await checkPage(page, 'anonymous-providers', '/login', true);
  await page.goto(BASE + '/login');
  const listed = await page.$$eval('.provider-list a', (as) => as.map((a) => a.textContent.trim()));
  check('sign-in page: lists the identity provider', listed.includes(label), JSON.stringify(listed));
  check('sign-in page: Tab reaches the provider\'s button', await tabTo(page, '.provider-list a'));
  await Promise.all([page.waitForURL((u) => u.href.startsWith(BASE) && !u.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
  await page.goto(BASE + '/account');
  const account = await page.textContent('main');
  check('provider sign-in: signed in as the demo editor', /Emma Editor/.test(account), page.url());
  check('provider sign-in: /account says how', account.includes(label), account.slice(0, 200));
  await ctx.close();
}

async function secondStep(browser, who, { BASE, check, checkPage, signIn, OUT }) {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await signIn(page, who);
  await checkPage(page, 'kkr-totp-enrol', '/account/totp', true);
  await page.goto(BASE + '/account/totp');
  const qr = await page.$('.qr svg[role=img][aria-label]');
  check('second step: the QR code is an image with a text alternative', !!qr);
  const secret = (await page.textContent('#totp-secret')).trim();
  check('second step: Tab reaches the code field', await tabTo(page, '#code'));
  await page.keyboard.type(totp(secret, stepNow()));
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const codes = await page.$$eval('#recovery-codes code', (cs) => cs.map((c) => c.textContent));
  check('second step: ten recovery codes are shown once', codes.length === 10, String(codes.length));
  await checkCurrent(page, 'kkr-totp-recovery', { check, OUT });
  await ctx.clearCookies();

  await page.goto(BASE + '/login');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  check('second step: the password leads to the code page', new URL(page.url()).pathname === '/login/totp', page.url());
  await checkPage(page, 'kkr-totp-code', '/login/totp', true);
  await page.goto(BASE + '/login/totp');
  check('second step: Tab reaches the code field first', await tabTo(page, '#code'));
  // The next step's code: the enrolment took this step's (one step of skew is accepted).
  await page.keyboard.type(totp(secret, stepNow() + 1));
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await page.goto(BASE + '/account');
  const account = await page.textContent('main');
  check('second step: signed in after the code', /Slået til\. Du har 10 ubrugte/.test(account), page.url());
  await ctx.close();
}

async function signInPages(browser, users, helpers) {
  if (process.env.TRAFIKLYS_OIDC_LABEL) {
    try { await providerSignIn(browser, helpers); } catch (e) { helpers.check('provider sign-in: ran', false, e.message); }
  } else {
    console.log('note: no test identity provider (tests/oidc: npm ci --ignore-scripts); the provider sign-in was not checked');
  }
  try { await secondStep(browser, users.kkr, helpers); } catch (e) { helpers.check('second step: ran', false, e.message); }
}

module.exports = { signInPages, totp };
