// The browser suite proper; tests/browser/run.sh starts the server and calls this with
// TRAFIKLYS_BASE (the server's address), TRAFIKLYS_SIGNINS (the file holding the demo
// sign-ins `serve --demo` printed) and BROWSER_OUT (where screenshots and HTML go).
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { chromium } = require('playwright-core');
const { keyboardWalk } = require('./keyboard');
// --- set editor (issue 21): its own file, called after the keyboard walk ---
const { setEditor } = require('./set_editor');
// --- end set editor ---
const { clusters } = require('./clusters');
// --- the round runs itself (issue 25): plan, schedule, evidence link (round_runs_itself.js) ---
const { roundRunsItself } = require('./round_runs_itself');
// --- reader downloads (issue 25): its own file, called after the crawl ---
const { readerDownloads } = require('./reader_downloads');
// --- end reader downloads ---

const BASE = process.env.TRAFIKLYS_BASE;
const OUT = process.env.BROWSER_OUT || path.join(__dirname, 'out');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const VNU = require.resolve('vnu-jar/build/dist/vnu.jar');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];
// Pages every role must reach even if no link leads there; run.sh publishes round 1, so its
// public page is among them (anonymous, as the public sees it).
const SEEDS = ['/', '/tilgaengelighed', '/public/rounds/1'];
const MAX_PAGES_PER_ROLE = 16;
// The agenda item's download form as the demo's council secretary sees it: empty, and shown
// again with a date it cannot read.
const AGENDA_FORM_PAGES = ['/rounds/2/municipalities/147/agenda',
  '/rounds/2/municipalities/147/agenda?sagsnr=15%2F12508&moededato=31.2.2017&format=docx'];
const SKIP = /\.(pdf|xlsx|csv|svg|png|docx|txt|json)$|^\/api\/|^\/static\/|^\/logout/;

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; return; }
  failed++;
  console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
}

function signIns() {
  const text = fs.readFileSync(process.env.TRAFIKLYS_SIGNINS, 'utf8');
  const out = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^(admin|kkr|editor|reader)\s+(\S+@\S+)\s+(\S+)\s*$/);
    if (m) out[m[1]] = { email: m[2], password: m[3] };
  }
  for (const role of ['admin', 'kkr', 'editor', 'reader']) {
    if (!out[role]) throw new Error(`no demo sign-in for ${role} in the server's output`);
  }
  return out;
}

async function signIn(page, who) {
  await page.goto(BASE + '/login');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  if (new URL(page.url()).pathname === '/login') throw new Error(`sign-in as ${who.email} failed`);
}

// One page of each kind: numbers in a path (ids, years, municipality codes) make the kind.
const kindOf = (p) => p.replace(/\d+/g, 'N');
const slug = (p) => (p === '/' ? 'home' : p.replace(/^\//, '').replace(/[^a-zA-Z0-9]+/g, '-'));

async function crawl(page) {
  const seen = new Map();
  const queue = [...SEEDS];
  while (queue.length && seen.size < MAX_PAGES_PER_ROLE) {
    const p = queue.shift();
    const kind = kindOf(p);
    if (seen.has(kind)) continue;
    const resp = await page.goto(BASE + p);
    if (!resp || resp.status() !== 200 || new URL(page.url()).pathname !== p) {
      // A seed every role must reach; links found on pages are only followed when they answer.
      if (SEEDS.includes(p)) check(`${p} answers 200`, false, `status ${resp && resp.status()}`);
      seen.set(kind, null);
      continue;
    }
    seen.set(kind, p);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      if (!href || !href.startsWith('/') || href.startsWith('//')) continue;
      const target = href.split('#')[0].split('?')[0];
      if (!target || SKIP.test(target) || seen.has(kindOf(target))) continue;
      queue.push(target);
    }
  }
  return [...seen.values()].filter(Boolean);
}

// Runs in the page: for each Tab stop, the focus outline's contrast against what lies
// around it (the nearest ancestor background), per WCAG 1.4.11.
async function focusStops(page, max) {
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.focus('body').catch(() => {});
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const parse = (c) => {
        const m = c.match(/rgba?\(([^)]+)\)/);
        if (!m) return null;
        const [r, g, b, a] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
        return { r, g, b, a: a === undefined ? 1 : a };
      };
      const lum = ({ r, g, b }) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const contrast = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      for (let n = el.parentElement; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c && c.a > 0) { bg = c; break; }
      }
      const cs = getComputedStyle(el);
      const id = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '') +
        (el.tagName === 'A' ? ` "${el.textContent.trim().slice(0, 30)}"` : '');
      const width = parseFloat(cs.outlineWidth) || 0;
      const color = parse(cs.outlineColor);
      const visible = cs.outlineStyle !== 'none' && width >= 2 && color && color.a > 0.9;
      const rect = el.getBoundingClientRect();
      const shown = rect.width > 0 && rect.height > 0;
      return { id, visible, shown, ratio: visible ? contrast(color, bg) : 0, width };
    });
    if (!stop) break;
    if (stops.length && stops[0].id === stop.id) break; // wrapped around
    stops.push(stop);
  }
  return stops;
}

async function checkPage(page, role, p, shots) {
  const name = `${role} ${p}`;
  await page.setViewportSize({ width: 1280, height: 900 });
  const resp = await page.goto(BASE + p);
  const html = await resp.text();
  fs.writeFileSync(path.join(OUT, 'html', `${role}-${slug(p)}.html`), html);

  await page.evaluate(AXE);
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  });
  check(`${name}: axe-core finds no violation`, axe.length === 0, axe.join('; '));

  const reset = () => page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
  if (shots) await page.screenshot({ path: path.join(OUT, 'screenshots', `${role}-${slug(p)}-1280.png`) });

  const stops = await focusStops(page, 60);
  const weak = stops.filter((s) => s.shown && (!s.visible || s.ratio < 3));
  check(`${name}: every focus outline has contrast >= 3:1`, weak.length === 0,
    weak.slice(0, 5).map((s) => `${s.id} ${s.visible ? s.ratio.toFixed(2) + ':1' : 'no outline'}`).join('; '));

  await reset();
  await page.setViewportSize({ width: 320, height: 800 });
  const reflow = await page.evaluate(() => {
    const s = document.scrollingElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > s.clientWidth + 1 && !e.closest('.table-scroll'))
      .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
    return { ok: s.scrollWidth <= s.clientWidth, width: s.scrollWidth, wide };
  });
  check(`${name}: no sideways scroll at 320 px`, reflow.ok, `scrollWidth ${reflow.width}; ${reflow.wide.join(', ')}`);
  if (shots) {
    await page.setViewportSize({ width: 360, height: 780 });
    await reset();
    await page.screenshot({ path: path.join(OUT, 'screenshots', `${role}-${slug(p)}-360.png`) });
    // On the form, also the first recommendation's choices.
    if (await page.$('.recommendation')) {
      await page.evaluate(() => document.querySelector('.recommendation').scrollIntoView());
      await page.screenshot({ path: path.join(OUT, 'screenshots', `${role}-${slug(p)}-choices-360.png`) });
    }
  }
}

async function formPath(page) {
  await page.goto(BASE + '/');
  const href = await page.getAttribute('a:has-text("Udfyld skema")', 'href');
  if (!href) throw new Error('the editor has no "Udfyld skema" link');
  return href;
}

async function errorSummary(browser, editor) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, editor);
  const form = await formPath(page);
  await page.goto(BASE + form);
  // The demo draft lacks answers (unconfirmed answers carried over from last year, missing
  // comments): submitting it as it stands must be refused with the error summary.
  await Promise.all([page.waitForNavigation(), page.click('button[value=submit]')]);
  const summary = await page.$('.error-summary');
  check('error summary: shown after a submit with missing answers', !!summary);
  if (summary) {
    const info = await page.evaluate(() => {
      const s = document.querySelector('.error-summary');
      const links = [...s.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href').slice(1));
      const targets = links.map((id) => document.getElementById(id));
      return {
        focused: s.contains(document.activeElement) || document.activeElement === s,
        links: links.length,
        allTargets: targets.every(Boolean),
        invalid: targets.filter(Boolean).every((t) =>
          t.getAttribute('aria-invalid') === 'true' || !!t.querySelector('[aria-invalid="true"]')),
        fieldErrors: document.querySelectorAll('.field-error').length,
      };
    });
    check('error summary: has focus', info.focused);
    check('error summary: links to every field in error', info.links > 0 && info.allTargets, JSON.stringify(info));
    check('error summary: every field in error has aria-invalid', info.invalid, JSON.stringify(info));
    check('error summary: one field error per link', info.fieldErrors === info.links, JSON.stringify(info));
    const first = await page.getAttribute('.error-summary a[href^="#"]', 'href');
    await page.click('.error-summary a[href^="#"]');
    const landed = await page.evaluate((id) => {
      const t = document.getElementById(id);
      return t === document.activeElement || t.contains(document.activeElement);
    }, first.slice(1));
    check('error summary: a link moves focus to its field', landed);
  }
  await ctx.close();
}

async function conflictPage(browser, editor) {
  const a = await browser.newContext();
  const b = await browser.newContext();
  const pa = await a.newPage();
  const pb = await b.newPage();
  await signIn(pa, editor);
  await signIn(pb, editor);
  const form = await formPath(pa);
  await pa.goto(BASE + form);
  await pb.goto(BASE + form);
  const groups = await pa.$$eval('fieldset[id^="status-"]', (fs) => fs.map((f) => f.id.slice('status-'.length)));
  const [first, second] = groups;
  // A changes the first answer and saves a draft.
  await pa.check(`input[name="status-${first}"][value="green"]`, { force: true });
  await pa.fill(`#comment-${first}`, 'Ændret i den første fane.');
  await Promise.all([pa.waitForNavigation(), pa.click('button[value=save]')]);
  // B, still on the old version, changes the second answer and saves.
  await pb.check(`input[name="status-${second}"][value="red"]`, { force: true });
  await pb.fill(`#comment-${second}`, 'Ændret i den anden fane.');
  const [resp] = await Promise.all([pb.waitForNavigation(), pb.click('button[value=save]')]);
  check('conflict: the later save answers 409', resp && resp.status() === 409, `status ${resp && resp.status()}`);
  const info = await pb.evaluate(({ first, second }) => {
    const theirs = [...document.querySelectorAll('.theirs')];
    const owner = (t) => t.closest('[id^="rec-"]') && t.closest('[id^="rec-"]').id.slice(4);
    return {
      theirs: theirs.map(owner),
      mineKept: document.getElementById(`comment-${second}`).value,
      summaryLinks: [...document.querySelectorAll('.error-summary a[href^="#"]')].map((x) => x.getAttribute('href')),
      first, second,
    };
  }, { first, second });
  check('conflict: only the answer the other person changed is shown', info.theirs.length === 1 && info.theirs[0] === first, JSON.stringify(info));
  check('conflict: my own input is kept', info.mineKept === 'Ændret i den anden fane.', info.mineKept);
  check('conflict: the summary names the changed answer once', info.summaryLinks.length === 1, JSON.stringify(info.summaryLinks));
  await pb.evaluate(AXE);
  const axe = await pb.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => v.id));
  check('conflict: axe-core finds no violation', axe.length === 0, axe.join('; '));
  await pb.setViewportSize({ width: 320, height: 800 });
  const fits = await pb.evaluate(() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth);
  check('conflict: no sideways scroll at 320 px', fits);
  await pb.setViewportSize({ width: 1280, height: 900 });
  await pb.screenshot({ path: path.join(OUT, 'screenshots', 'editor-conflict-1280.png') });
  await a.close();
  await b.close();
}

// The warning before the idle timeout (WCAG 2.2.1): the browser's clock is moved on to a few
// minutes before the end; the warning must appear as an alert dialog holding focus, pass
// axe, and its button must renew the session and give focus back.
async function sessionWarning(browser, editor) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.clock.install();
  await signIn(page, editor);
  const form = await formPath(page);
  await page.goto(BASE + form);
  const idle = Number(await page.getAttribute('#session-warning', 'data-idle-seconds'));
  check('session warning: the page knows the idle timeout', idle > 0, String(idle));
  const hiddenAtFirst = await page.isHidden('#session-warning');
  check('session warning: hidden at first', hiddenAtFirst);
  const first = await page.$$eval('textarea[id^="comment-"]', (ts) => ts[0].id);
  await page.focus('#' + first);
  await page.clock.fastForward((idle - 290) * 1000);
  await page.waitForSelector('#session-warning', { state: 'visible', timeout: 5000 });
  const shown = await page.evaluate(() => {
    const box = document.getElementById('session-warning');
    return {
      role: box.getAttribute('role'),
      focusInside: box.contains(document.activeElement),
      text: box.textContent.replace(/\s+/g, ' ').trim(),
    };
  });
  check('session warning: an alert dialog', shown.role === 'alertdialog', JSON.stringify(shown));
  check('session warning: focus moves to it', shown.focusInside, JSON.stringify(shown));
  check('session warning: says how long is left', /logget ud om \d+ (minutter|minut|sekunder)/.test(shown.text), shown.text);
  await page.evaluate(AXE);
  const axe = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => v.id));
  check('session warning: axe-core finds no violation', axe.length === 0, axe.join('; '));
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/session/extend')),
    page.keyboard.press('Enter'),
  ]);
  check('session warning: the button renews the session', resp.status() === 200, `status ${resp.status()}`);
  await page.waitForSelector('#session-warning', { state: 'hidden', timeout: 5000 });
  const back = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check('session warning: focus goes back where it was', back === first, back);
  await ctx.close();
}

// A sign-in that ends while a comment is being typed: the save leads to sign-in, and after
// signing in the form shows the typed comment again (kept in the tab's sessionStorage).
async function typedInputSurvivesSignIn(browser, editor) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, editor);
  const form = await formPath(page);
  await page.goto(BASE + form);
  const first = await page.$$eval('textarea[id^="comment-"]', (ts) => ts[0].id);
  const typed = 'Skrevet lige før sessionen udløb.';
  await page.fill('#' + first, typed);
  // The sign-in ends (as after an hour without a request): the browser loses its session.
  await ctx.clearCookies();
  await Promise.all([page.waitForNavigation(), page.click('button[value=save]')]);
  check('typed input: an ended session leads to sign-in', new URL(page.url()).pathname === '/login', page.url());
  await page.fill('#email', editor.email);
  await page.fill('#password', editor.password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  check('typed input: back on the form after signing in', new URL(page.url()).pathname === form, page.url());
  const value = await page.inputValue('#' + first);
  check('typed input: the typed comment is put back', value === typed, value);
  const note = await page.$('#restored-notice[role=status]');
  check('typed input: the page says it was put back', !!note);
  await Promise.all([page.waitForNavigation(), page.click('button[value=save]')]);
  check('typed input: saving it works', /gemt=kladde/.test(page.url()), page.url());
  await page.goto(BASE + form);
  check('typed input: the saved comment is the typed one', (await page.inputValue('#' + first)) === typed);
  check('typed input: nothing is put back after a save', !(await page.$('#restored-notice')));
  await ctx.close();
}
// ---- Snapshot comparison (issue 21, "what changed since the council saw it") ----------------
// The council secretary saves a snapshot of the submitted attachment; its comparison page is
// checked unchanged, then the editor withdraws the form and it is checked again with its
// changes table: axe, vnu, reflow, focus outlines, the list's word, and the table's structure.
async function snapshotChanges(browser, reader, editor) {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await signIn(page, reader);
  const municipality = '/rounds/2/municipalities/147';
  await page.goto(BASE + municipality);
  await Promise.all([page.waitForNavigation(),
    page.click('button:has-text("Gem bilaget som øjebliksbillede")')]);
  const changes = await page.getAttribute('a[href$="/changes"]', 'href');
  if (!changes) throw new Error('no comparison link in the snapshot list');
  const listWord = async () => {
    await page.goto(BASE + municipality);
    return page.evaluate((href) => document.querySelector(`a[href="${href}"]`).closest('td').textContent, changes);
  };
  check('snapshot list: a new snapshot says "Uændret"', (await listWord()).includes('Uændret'));
  await checkPage(page, 'reader-snapshot-unchanged', changes, true);
  await page.goto(BASE + changes);
  check('snapshot comparison: an unchanged snapshot says there are no changes',
    (await page.textContent('main')).includes('Der er ingen ændringer.'));

  // The editor takes the submitted form back to draft: every answer leaves the attachment.
  const ectx = await browser.newContext();
  const epage = await ectx.newPage();
  await signIn(epage, editor);
  await epage.goto(BASE + await formPath(epage));
  const withdraw = await epage.$('button:has-text("Træk tilbage til kladde")');
  check('snapshot comparison: the editor can withdraw the submitted form', !!withdraw);
  if (withdraw) await Promise.all([epage.waitForNavigation(), withdraw.click()]);
  await ectx.close();

  check('snapshot list: the snapshot now says "Ændret siden"', (await listWord()).includes('Ændret siden'));
  await checkPage(page, 'reader-snapshot-changed', changes, true);
  await page.goto(BASE + changes);
  const table = await page.evaluate(() => {
    const t = document.querySelector('main table');
    if (!t) return null;
    return {
      caption: !!t.querySelector('caption') && t.querySelector('caption').textContent.trim().length > 0,
      heads: [...t.querySelectorAll('thead th')].map((th) => th.getAttribute('scope') + ':' + th.textContent.trim()),
      rowHeads: [...t.querySelectorAll('tbody tr')].every((tr) => tr.querySelector('th[scope=row]')),
      rows: t.querySelectorAll('tbody tr').length,
      h1: document.querySelectorAll('h1').length,
    };
  });
  check('snapshot comparison: a changes table with caption, column and row headers, "Før" and "Nu"',
    !!table && table.caption && table.rowHeads && table.rows > 0 && table.h1 === 1
      && table.heads.includes('col:Før') && table.heads.includes('col:Nu'), JSON.stringify(table));
  await ctx.close();
}
// ---- end of snapshot comparison -----------------------------------------------------------

function nuChecker(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.html') && f !== 'editor-conflict.html');
  // vnu writes its JSON report to stderr.
  const r = spawnSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', '--exit-zero-always',
    ...files.map((f) => path.join(dir, f))], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const report = r.stderr || r.stdout;
  const messages = JSON.parse(report).messages || [];
  for (const f of files) {
    const errs = messages.filter((m) => m.type === 'error' && m.url && m.url.endsWith('/' + f));
    check(`Nu HTML Checker: ${f} has no errors`, errs.length === 0,
      errs.slice(0, 3).map((m) => `line ${m.lastLine}: ${m.message}`).join('; '));
  }
  const loose = messages.filter((m) => m.type !== 'info' && !(m.url && files.some((f) => m.url.endsWith('/' + f))));
  check('Nu HTML Checker: ran on every file', loose.length === 0, loose.slice(0, 3).map((m) => m.message).join('; '));
}

(async () => {
  const started = Date.now();
  for (const d of ['html', 'screenshots']) {
    fs.rmSync(path.join(OUT, d), { recursive: true, force: true });
    fs.mkdirSync(path.join(OUT, d), { recursive: true });
  }
  const users = signIns();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
  try {
    for (const role of ['anonymous', 'admin', 'kkr', 'editor', 'reader']) {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      if (role !== 'anonymous') await signIn(page, users[role]);
      const pages = await crawl(page);
      console.log(`${role}: ${pages.length} pages: ${pages.join(' ')}`);
      for (const p of pages) {
        try {
          await checkPage(page, role, p, role === 'admin' || role === 'anonymous' || (role === 'editor' && /form$/.test(p)));
        } catch (e) {
          check(`${role} ${p}: checks ran`, false, e.message);
        }
      }
      await ctx.close();
    }
    try {
      const ctx = await browser.newContext({ bypassCSP: true });
      const page = await ctx.newPage();
      await signIn(page, users.reader);
      for (const p of AGENDA_FORM_PAGES) await checkPage(page, 'reader', p, true);
      await ctx.close();
    } catch (e) {
      check('agenda form: checks ran', false, e.message);
    }
    for (const [name, test] of [['error summary', errorSummary], ['conflict page', conflictPage],
      ['session warning', sessionWarning], ['typed input', typedInputSurvivesSignIn]]) {
      try { await test(browser, users.editor); } catch (e) { check(`${name}: ran`, false, e.message); }
    }
    // Before the keyboard walk submits the demo editor's form.
    try {
      await roundRunsItself(browser, users, { BASE, OUT, check, checkPage, signIn });
    } catch (e) {
      check('the round runs itself: ran', false, e.message);
    }
    try {
      const ctx = await browser.newContext();
      const result = await keyboardWalk(await ctx.newPage(), BASE, users.editor.email, users.editor.password);
      check('keyboard walk: every status group answered by keyboard', result.statuses > 0, JSON.stringify(result));
      check('keyboard walk: every comment typed by keyboard', result.comments === result.statuses, JSON.stringify(result));
      check('keyboard walk: the form was submitted', result.submitted, JSON.stringify(result));
      check('keyboard walk: a link typed by keyboard', result.links === 1, JSON.stringify(result));
      await ctx.close();
    } catch (e) {
      check('keyboard walk: ran', false, e.message);
    }
    // ---- Snapshot comparison: after the keyboard walk has submitted the editor's form. ----
    try { await snapshotChanges(browser, users.reader, users.editor); } catch (e) { check('snapshot comparison: ran', false, e.message); }
    // ---- end of snapshot comparison ----
    // --- set editor (issue 21): confirmation pages, undo, errors (tests/browser/set_editor.js) ---
    try {
      await setEditor(browser, users.admin, { BASE, check, checkPage, signIn });
    } catch (e) {
      check('set editor: ran', false, e.message);
    }
    // --- end set editor ---
    try {
      await clusters(browser, { BASE, check, checkPage, signIn });
    } catch (e) {
      check('job clusters: ran', false, e.message);
    }
    // --- reader downloads (issue 25): the front page's files, by keyboard (reader_downloads.js) ---
    try {
      await readerDownloads(browser, users.reader, { BASE, check, checkPage, signIn });
    } catch (e) {
      check('reader downloads: ran', false, e.message);
    }
    // --- end reader downloads ---
  } finally {
    await browser.close();
  }
  try { nuChecker(path.join(OUT, 'html')); } catch (e) { check('Nu HTML Checker: ran', false, e.message); }
  console.log(`took ${Math.round((Date.now() - started) / 1000)} s; screenshots in ${path.join(OUT, 'screenshots')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); });
