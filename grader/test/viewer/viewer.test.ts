/**
 * The trace viewer in a real browser (Chromium through playwright-core, found by
 * ../support/browser.ts: an installed one, or the one npm installed): a recorded trace of a graded
 * run, a hand-made failing trace whose history is not linearizable, and a synthetic trace of
 * 10,000 messages for speed. Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import type { Browser, Page } from 'playwright-core';
import type { TraceEvent, TraceFile } from '../../src/net/trace.ts';
import type { Body } from '../../src/runtime/protocol.ts';
import { renderTraceHtml, writeTraceHtml } from '../../src/report/trace-viewer.ts';
import { launchBrowser } from '../support/browser.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

const test = anyTest as TestFn<{ browser: Browser; dir: string }>;

test.before(async (t) => {
  t.timeout(300_000, 'the first start of the npm browser unpacks it');
  const { browser, choice } = await launchBrowser();
  t.log(`browser: ${choice.why}`);
  t.context.browser = browser;
  t.context.dir = mkdtempSync(path.join(tmpdir(), 'locklab-viewer-'));
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after.always(async (t) => {
  await t.context.browser?.close();
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

/** Opens a page; fails the test on any script error, dialog (e.g. an injected alert) or network request. */
async function open(t: { context: { browser: Browser }; fail: (m: string) => void }, file: string, viewport = { width: 1500, height: 950 }): Promise<{ page: Page; wallMs: number }> {
  const page = await t.context.browser.newPage({ viewport });
  page.on('pageerror', (err) => t.fail(`script error in the page: ${err.message}`));
  page.on('console', (m) => m.type() === 'error' && t.fail(`console error in the page: ${m.text()}`));
  page.on('dialog', (d) => {
    t.fail(`the page opened a dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) t.fail(`the page made a request: ${r.url()}`);
  });
  const started = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction('window.locklabViewer !== undefined');
  return { page, wallMs: performance.now() - started };
}

const count = (page: Page, selector: string) => page.locator(selector).count();

// ---- a hand-made failing run ----------------------------------------------------------------

/**
 * c1 locks "a" at the primary; the primary is killed; c2's Lock is refused by the dead
 * primary, re-sent to the backup (which never heard of c1's lock) and granted: two holders.
 * Also: a lost message, a duplicate delivery, a message still in flight at the end, a timer,
 * log lines (one trying to break out of the page's <script>), and two kinds of events this
 * viewer does not know.
 */
export function failingTrace(): TraceFile {
  const events: TraceEvent[] = [
    { t: 0, kind: 'start', node: 'primary', role: 'server' },
    { t: 0, kind: 'start', node: 'backup', role: 'server' },
    { t: 0, kind: 'start', node: 'c1', role: 'client' },
    { t: 0, kind: 'start', node: 'c2', role: 'client' },
    { t: 0, kind: 'invoke', op: 1, client: 'c1', name: 'lock', args: ['a'] },
    { t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock', msg_id: 1, args: { name: 'a', clientId: 'c1-1', seq: 1 } } },
    { t: 3, kind: 'deliver', id: 1, from: 'c1', to: 'primary' },
    { t: 3, kind: 'log', node: 'primary', stream: 'stdout', text: 'Lock(a) by c1 -> true' },
    { t: 3, kind: 'send', id: 2, from: 'primary', to: 'backup', body: { type: 'Forward', msg_id: 1, args: { op: 'Lock', name: 'a', clientId: 'c1-1', seq: 1 } } },
    { t: 8, kind: 'deliver', id: 2, from: 'primary', to: 'backup' },
    { t: 8, kind: 'send', id: 3, from: 'backup', to: 'primary', body: { type: 'Forward_ok', in_reply_to: 1, reply: { ok: true } } },
    { t: 12, kind: 'deliver', id: 3, from: 'backup', to: 'primary' },
    { t: 12, kind: 'send', id: 4, from: 'primary', to: 'c1', body: { type: 'Lock_ok', in_reply_to: 1, reply: { ok: true } } },
    { t: 17, kind: 'deliver', id: 4, from: 'primary', to: 'c1' },
    { t: 17, kind: 'complete', op: 1, client: 'c1', result: true },
    { t: 17, kind: 'note', text: 'trigger: c1 holds "a": kill the primary' },
    { t: 17, kind: 'kill', node: 'primary', why: 'c1 holds "a": kill the primary' },
    { t: 20, kind: 'invoke', op: 2, client: 'c2', name: 'lock', args: ['a'] },
    { t: 20, kind: 'send', id: 5, from: 'c2', to: 'primary', body: { type: 'Lock', msg_id: 1, args: { name: 'a', clientId: 'c2-1', seq: 1 } } },
    { t: 20, kind: 'refuse', id: 5, from: 'c2', to: 'primary' },
    { t: 20, kind: 'send', id: 6, from: 'c2', to: 'backup', body: { type: 'Lock', msg_id: 2, args: { name: 'a', clientId: 'c2-1', seq: 1 } } },
    { t: 26, kind: 'deliver', id: 6, from: 'c2', to: 'backup' },
    { t: 26, kind: 'log', node: 'backup', stream: 'stderr', text: 'backup: "a" is free </script><script>alert("escaped?")</script><!--' },
    { t: 26, kind: 'send', id: 7, from: 'backup', to: 'c2', body: { type: 'Lock_ok', in_reply_to: 2, reply: { ok: true }, note: '</script><script>alert(1)</script>' } },
    { t: 31, kind: 'deliver', id: 7, from: 'backup', to: 'c2' },
    { t: 31, kind: 'complete', op: 2, client: 'c2', result: true },
    { t: 33, kind: 'deliver', id: 7, from: 'backup', to: 'c2' },
    { t: 35, kind: 'invoke', op: 3, client: 'c1', name: 'unlock', args: ['a'] },
    { t: 35, kind: 'send', id: 8, from: 'c1', to: 'backup', body: { type: 'Unlock', msg_id: 2, args: { name: 'a', clientId: 'c1-1', seq: 2 } } },
    { t: 40, kind: 'drop', id: 8, from: 'c1', to: 'backup', reason: 'lost by the network' },
    { t: 41, kind: 'partition', node: 'backup', side: ['c1'] } as unknown as TraceEvent,
    { t: 44, kind: 'note', text: 'link c2 -> backup held' },
    { t: 45, kind: 'invoke', op: 4, client: 'c2', name: 'unlock', args: ['a'] },
    { t: 45, kind: 'send', id: 9, from: 'c2', to: 'backup', body: { type: 'Unlock', msg_id: 3, args: { name: 'a', clientId: 'c2-1', seq: 2 } } },
    { t: 50, kind: 'heal' } as unknown as TraceEvent,
    { t: 60, kind: 'timer', node: 'c1', timer: 1 },
  ];
  return {
    format: 'locklab-trace',
    version: 1,
    lab: 'lab1',
    test: 'HandMade',
    seed: 7,
    nodes: [
      { id: 'primary', role: 'server' },
      { id: 'backup', role: 'server' },
      { id: 'c1', role: 'client' },
      { id: 'c2', role: 'client' },
    ],
    events,
    outcome: { passed: false, message: `the clients' results are impossible for one lock service: c1 and c2 both hold "a"` },
  };
}

test('a hand-made failing trace: outcome, marks, counterexample, message bodies, logs', async (t) => {
  const trace = failingTrace();
  const file = path.join(t.context.dir, 'HandMade-seed7.html');
  const html = renderTraceHtml(trace, { hint: 'the backup must know every lock the primary granted' });
  t.false(/<\/script><script>alert/i.test(html), 'trace text cannot close the data element');
  writeFileSync(file, html);
  const { page } = await open(t, file);

  t.regex(await page.locator('#outcome').innerText(), /impossible for one lock service: c1 and c2 both hold "a"/);
  t.regex(await page.locator('#outcome').innerText(), /hint: the backup must know/);
  t.is(await count(page, '.lanehead .lane'), 4);
  t.is(await count(page, '#canvas .lane-line:not(.down)'), 4, 'one line per node');
  t.is(await count(page, '#canvas .lane-line.down'), 1, 'the primary is dead after its kill');
  t.is(await count(page, '#canvas .dead.killed'), 1);
  t.is(await count(page, '#canvas g.msg'), 10, '9 messages and one duplicate delivery');
  t.is(await count(page, '#canvas g.msg.dropped .x-mark'), 1);
  t.is(await count(page, '#canvas g.msg.refused .refuse-mark'), 2, 'circle and bar');
  t.is(await count(page, '#canvas g.msg.in-flight'), 1);
  t.is(await count(page, '#canvas g.msg.dup'), 1);
  t.is(await count(page, '#canvas .fault.kill'), 1);
  t.is(await count(page, '#canvas .fault.other'), 1, 'an unknown event on a node: a mark on its lane');
  t.is(await count(page, '#canvas .timer-mark'), 1);
  t.is(await count(page, '#canvas .log-tick'), 2);
  t.is(await count(page, '#canvas .log-tick.stderr'), 1);
  t.true((await page.locator('#canvas .l-notes').innerHTML()).includes('link c2 -&gt; backup held'));

  // The checker's counterexample: c1's and c2's lock("a") -> true.
  t.regex(await page.locator('#check').innerText(), /Not linearizable \(lock "a"\)/);
  const cx = await page.locator('#canvas g.op.cx').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-op')));
  t.deepEqual(cx.sort(), ['1', '2']);
  t.is(await count(page, '#canvas g.op'), 4);
  t.is(await count(page, '#canvas g.op.st-pending'), 2);
  t.true((await page.locator('#canvas g.op[data-op="2"] .op-label').textContent())!.includes('lock("a") -> true'));

  // Clicking an arrow shows the message's body.
  await page.locator('#canvas g.msg[data-i="1"] line.hit').click();
  const panel = page.locator('#panel');
  t.regex(await panel.innerText(), /Forward/);
  t.regex(await panel.locator('pre.json').innerText(), /"type": "Forward",\s+"msg_id": 1/);
  t.regex(await panel.innerText(), /answered by\s+#3 Forward_ok/);
  t.true(await page.locator('#canvas g.msg[data-i="1"]').evaluate((g) => g.classList.contains('sel')));
  // The body with a </script> inside is shown as text.
  await page.locator('#canvas g.msg[data-i="6"] line.hit').click();
  t.regex(await panel.locator('pre.json').innerText(), /<\/script><script>alert\(1\)<\/script>/);

  // A node's log, escaped, in the side panel.
  await page.locator('.lanehead .lane[data-lane="1"]').click();
  t.regex(await panel.innerText(), /backup: "a" is free <\/script><script>alert\("escaped\?"\)<\/script><!--/);

  // A counterexample chip selects its operation.
  await page.locator('#check .chip.cx').first().click();
  t.regex(await panel.innerText(), /c1: lock\("a"\) -> true/);
  t.regex(await panel.innerText(), /In the counterexample/);

  // Filters: hide the Lock type, then the c2 lane.
  await page.locator('#type-filter input[data-type="Lock"]').uncheck();
  t.is(await count(page, '#canvas g.msg'), 7);
  await page.locator('#node-filter input[data-lane="3"]').uncheck();
  t.is(await count(page, '.lanehead .lane'), 3);
  t.is(await count(page, '#canvas g.msg'), 4);
  await page.locator('#type-filter input[data-type="Lock"]').check();
  await page.locator('#node-filter input[data-lane="3"]').check();

  await page.keyboard.press('Escape');
  await page.locator('#canvas g.msg[data-i="0"] line.hit').click();
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png') });
  await page.close();
});

// ---- a recorded run of the reference solution ---------------------------------------------

test('a recorded trace of a graded run (solutions, PrimaryFail2, seed 1)', async (t) => {
  const dir = path.join(t.context.dir, 'traces');
  const graded = await execa('node', ['bin/locklab.js', 'grade', 'lab1', '--impl', 'solutions', '--test', 'PrimaryFail2', '--seed', '1', '--trace-dir', dir], {
    cwd: ROOT,
    reject: false,
    env: { NO_COLOR: '1' },
  });
  t.is(graded.exitCode, 0, `grading failed:\n${graded.stdout}\n${graded.stderr}`);
  const json = path.join(dir, 'PrimaryFail2-seed1.json');
  const trace = JSON.parse(readFileSync(json, 'utf8')) as TraceFile;
  const file = writeTraceHtml(json);
  t.is(file, path.join(dir, 'PrimaryFail2-seed1.html'));

  const { page } = await open(t, file);
  t.is(await page.locator('.badge').innerText(), 'PASSED');
  t.is(await count(page, '#outcome'), 0);
  t.regex(await page.locator('#check').innerText(), /linearizable/);
  t.is(await count(page, '.lanehead .lane'), trace.nodes.length);
  const sends = trace.events.filter((e) => e.kind === 'send');
  t.is(await count(page, '#canvas g.msg'), sends.length, 'an arrow per message');
  t.is(await count(page, '#canvas .fault.kill'), trace.events.filter((e) => e.kind === 'kill').length);
  t.is(await count(page, '#canvas g.msg.dropped'), trace.events.filter((e) => e.kind === 'drop').length);
  t.is(await count(page, '#canvas g.msg.refused'), trace.events.filter((e) => e.kind === 'refuse').length);
  t.is(await count(page, '#canvas g.op'), trace.events.filter((e) => e.kind === 'invoke').length);

  const forward = sends.findIndex((e) => e.kind === 'send' && e.body.type === 'Forward');
  t.true(forward >= 0, 'the primary forwards to the backup');
  await page.locator(`#canvas g.msg[data-i="${forward}"] line.hit`).click();
  t.regex(await page.locator('#panel pre.json').innerText(), /"type": "Forward"/);
  t.regex(await page.locator('#panel').innerText(), /primary\s+→\s+backup/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-recorded.png') });
  await page.close();
});

// ---- 10,000 messages ----------------------------------------------------------------------

/**
 * Four clients, each running lock/unlock on its own locks one at a time (so the history is
 * linearizable), through a primary that forwards to a backup: four messages per operation.
 */
export function syntheticTrace(messages: number): TraceFile {
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const latency = () => 1 + Math.floor(random() * 9);
  const clients = ['c1', 'c2', 'c3', 'c4'];
  const events: TraceEvent[] = [];
  for (const n of ['primary', 'backup']) events.push({ t: 0, kind: 'start', node: n, role: 'server' });
  for (const c of clients) events.push({ t: 0, kind: 'start', node: c, role: 'client' });
  const free = new Map<string, number>(clients.map((c) => [c, 0]));
  const held = new Set<string>();
  let id = 0;
  let op = 0;
  let t = 0;
  while (id + 4 <= messages) {
    t += Math.floor(random() * 3);
    const c = clients.find((x) => free.get(x)! <= t) ?? clients.reduce((a, b) => (free.get(a)! <= free.get(b)! ? a : b));
    const start = Math.max(t, free.get(c)!);
    const name = `${c}-${'abc'[Math.floor(random() * 3)]}`;
    const kind = random() < 0.55 ? 'lock' : 'unlock';
    const type = kind === 'lock' ? 'Lock' : 'Unlock';
    const ok = kind === 'lock' ? !held.has(name) : held.has(name);
    if (ok && kind === 'lock') held.add(name);
    if (ok && kind === 'unlock') held.delete(name);
    op++;
    events.push({ t: start, kind: 'invoke', op, client: c, name: kind, args: [name] });
    let now = start;
    const hop = (from: string, to: string, body: Body) => {
      const m = ++id;
      events.push({ t: now, kind: 'send', id: m, from, to, body });
      now += latency();
      events.push({ t: now, kind: 'deliver', id: m, from, to });
    };
    hop(c, 'primary', { type, msg_id: op, args: { name, clientId: c, seq: op } });
    if (op % 40 === 0) events.push({ t: now, kind: 'log', node: 'primary', stream: 'stdout', text: `${type}(${name}) by ${c} -> ${ok}` });
    hop('primary', 'backup', { type: 'Forward', msg_id: op, args: { op: type, name } });
    hop('backup', 'primary', { type: 'Forward_ok', in_reply_to: op, reply: { ok } });
    hop('primary', c, { type: `${type}_ok`, in_reply_to: op, reply: { ok } });
    events.push({ t: now, kind: 'complete', op, client: c, result: ok });
    free.set(c, now);
  }
  events.sort((a, b) => a.t - b.t); // stable: each run's order is kept
  return {
    format: 'locklab-trace',
    version: 1,
    lab: 'lab1',
    test: 'Synthetic10k',
    seed: 1,
    nodes: [{ id: 'primary', role: 'server' }, { id: 'backup', role: 'server' }, ...clients.map((id) => ({ id, role: 'client' }))],
    events,
    outcome: { passed: true },
  };
}

test('10,000 messages render quickly and only what is in view is drawn', async (t) => {
  const trace = syntheticTrace(10_000);
  t.is(trace.events.filter((e) => e.kind === 'send').length, 10_000);
  const json = path.join(t.context.dir, 'Synthetic10k-seed1.json');
  writeFileSync(json, JSON.stringify(trace));
  const built = performance.now();
  const file = writeTraceHtml(json);
  const buildMs = performance.now() - built;

  const { page, wallMs } = await open(t, file);
  const timings = (await page.evaluate('window.locklabViewer.timings')) as { parseMs: number; renderMs: number; sinceNavigationMs: number };
  t.log(`10,000 messages: page built in ${buildMs.toFixed(0)} ms (node); in the browser: JSON parsed in ${timings.parseMs.toFixed(0)} ms, ` +
    `diagram ready ${timings.renderMs.toFixed(0)} ms after the script started, ${timings.sinceNavigationMs.toFixed(0)} ms after navigation; ` +
    `goto-to-ready ${wallMs.toFixed(0)} ms`);
  t.true(timings.renderMs < 3000, `render took ${timings.renderMs} ms`);
  t.regex(await page.locator('#check').innerText(), /linearizable: 2500 operations/);

  const drawn = await count(page, '#canvas g.msg');
  t.true(drawn > 20 && drawn < 2000, `only the messages near the window are drawn (${drawn})`);

  // Scroll to the middle: the diagram there is drawn, and a click still works.
  const scrollMs = (await page.evaluate(`new Promise((resolve) => {
    const s = document.getElementById('diagram');
    s.scrollTop = s.scrollHeight / 2;
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(window.locklabViewer.stats.lastDrawMs)));
  })`)) as number;
  t.log(`redraw after scrolling to the middle: ${scrollMs.toFixed(1)} ms`);
  const middle = await page.locator('#canvas g.msg').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-i'))));
  t.true(middle.some((i) => i > 4000 && i < 6000), 'messages from the middle of the run are drawn');
  const target = middle.find((i) => i > 4000 && i < 6000)!;
  await page.locator(`#canvas g.msg[data-i="${target}"] line.hit`).dispatchEvent('click');
  t.regex(await page.locator('#panel pre.json').innerText(), /"type": "/);

  // Zoomed out to fit the whole run, the arrows are painted on a canvas; a click still finds one.
  const fitted = performance.now();
  await page.locator('button', { hasText: 'fit' }).click();
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  const fitWallMs = performance.now() - fitted;
  const stats = (await page.evaluate('window.locklabViewer.stats')) as { dense: boolean; lastDrawMs: number; lastCanvasMs: number };
  t.log(`zoomed out to fit the whole run: redraw ${stats.lastDrawMs.toFixed(0)} ms (canvas ${stats.lastCanvasMs.toFixed(0)} ms), click-to-painted ${fitWallMs.toFixed(0)} ms`);
  t.true(stats.dense, 'dense mode');
  t.is(await count(page, '#canvas g.msg'), 0);
  t.true(stats.lastDrawMs < 3000);
  const primary = (await page.locator('.lanehead .lane[data-lane="0"]').boundingBox())!;
  const backup = (await page.locator('.lanehead .lane[data-lane="1"]').boundingBox())!;
  await page.locator('#panel .close').click().catch(() => undefined);
  await page.mouse.click((primary.x + primary.width / 2 + backup.x + backup.width / 2) / 2, 600);
  t.regex(await page.locator('#panel pre.json').innerText(), /"type": "/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-10k.png') });
  await page.close();
});
