/**
 * The trace page as a student sees it on a laptop (1400 px wide): every node's lane and every
 * client's operations in view (the side panel starts closed when only that makes room), labels
 * inside their columns; and a
 * message's body under the pointer, with a re-send named as one. Screenshots go to
 * test-artifacts/.
 *
 * The browser comes from ../support/browser.ts, as for the other browser tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import anyTest, { type TestFn } from 'ava';
import type { Browser, Page } from 'playwright-core';
import type { TraceEvent, TraceFile } from '../../src/net/trace.ts';
import { renderTraceHtml } from '../../src/report/trace-viewer.ts';
import { launchBrowser } from '../support/browser.ts';
import { gradeLab1, runsOf } from '../support/grading.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const LAPTOP = { width: 1400, height: 900 };

const test = anyTest as TestFn<{ browser: Browser; dir: string }>;

test.before(async (t) => {
  t.timeout(300_000, 'the first start of the npm browser unpacks it');
  const { browser, choice } = await launchBrowser();
  t.log(`browser: ${choice.why}`);
  t.context.browser = browser;
  t.context.dir = mkdtempSync(path.join(tmpdir(), 'locklab-viewer-layout-'));
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after.always(async (t) => {
  await t.context.browser?.close();
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

async function open(t: { context: { browser: Browser; dir: string }; fail: (m: string) => void }, trace: TraceFile, name: string): Promise<Page> {
  const file = path.join(t.context.dir, `${name}.html`);
  writeFileSync(file, renderTraceHtml(trace));
  const page = await t.context.browser.newPage({ viewport: LAPTOP });
  page.on('pageerror', (err) => t.fail(`script error in the page: ${err.message}`));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction('window.locklabViewer !== undefined');
  return page;
}

interface Box {
  left: number;
  right: number;
  text: string;
}

const boxes = (page: Page, selector: string): Promise<Box[]> =>
  page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, text: e.textContent ?? '' };
    }),
  );

// Graded runs of the reference with four clients (Many) and five (ConcurrentCounts).
for (const name of ['Many', 'ConcurrentCounts']) {
  test(`${name} at 1400 px: every lane and every client's operations in view`, async (t) => {
    const [run] = runsOf(await gradeLab1('solutions', { tests: [name], seeds: [1] }));
    const clients = run!.trace.nodes.filter((n) => n.role === 'client').length;
    t.true(clients >= 4, `${name} has ${clients} clients`);
    const page = await open(t, run!.trace, name);
    const diagram = (await boxes(page, '#diagram'))[0]!;

    const lanes = await boxes(page, '.lanehead .lane');
    const columns = await boxes(page, '.lanehead .opshead');
    t.is(lanes.length, run!.trace.nodes.length);
    t.is(columns.length, clients, 'an operations column per client');
    for (const b of [...lanes, ...columns]) t.true(b.right <= diagram.right, `"${b.text}" ends at ${b.right} px, the diagram at ${diagram.right} px`);
    for (let i = 1; i < lanes.length; i++) t.true(lanes[i]!.left >= lanes[i - 1]!.right - 1, `the names of ${lanes[i - 1]!.text} and ${lanes[i]!.text} do not overlap`);

    // Each label stays inside its client's column (a narrow column puts the answer on a second line).
    const edges = [...columns.map((c) => c.left), (await boxes(page, '.lanehead .noteshead'))[0]!.left].sort((a, b) => a - b);
    const labels = await boxes(page, '#canvas text.op-label');
    t.true(labels.length > 0);
    for (const label of labels) {
      const next = edges.find((e) => e > label.left + 1) ?? diagram.right;
      t.true(label.right <= next + 1, `"${label.text}" (${label.left}-${label.right} px) runs into the next column at ${next} px`);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `viewer-${name}-1400.png`) });
    await page.close();
  });
}

const lockArgs = { name: 'a', clientId: 'c1-7', seq: 2 };

/** c1's Lock is refused by the dead primary, then sent again, the same body, to the backup. */
function resendTrace(): TraceFile {
  const events: TraceEvent[] = [
    ...['primary', 'backup', 'c1'].map((node): TraceEvent => ({ t: 0, kind: 'start', node, role: node === 'c1' ? 'client' : 'server' })),
    { t: 1, kind: 'kill', node: 'primary', why: 'the test kills the primary' },
    { t: 5, kind: 'invoke', op: 1, client: 'c1', name: 'lock', args: ['a'] },
    { t: 5, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock', msg_id: 1, args: lockArgs } },
    { t: 5, kind: 'refuse', id: 1, from: 'c1', to: 'primary' },
    { t: 5, kind: 'send', id: 2, from: 'c1', to: 'backup', body: { type: 'Lock', msg_id: 2, args: lockArgs } },
    { t: 40, kind: 'deliver', id: 2, from: 'c1', to: 'backup' },
    { t: 40, kind: 'send', id: 3, from: 'backup', to: 'c1', body: { type: 'Lock_ok', in_reply_to: 2, reply: { ok: true }, note: '</pre><b id="injected">x</b>' } },
    { t: 80, kind: 'deliver', id: 3, from: 'backup', to: 'c1' },
    { t: 80, kind: 'complete', op: 1, client: 'c1', result: true },
  ];
  return {
    format: 'locklab-trace',
    version: 1,
    lab: 'lab1',
    test: 'Resend',
    seed: 1,
    nodes: [
      { id: 'primary', role: 'server' },
      { id: 'backup', role: 'server' },
      { id: 'c1', role: 'client' },
    ],
    events,
    outcome: { passed: true },
  };
}

/** Moves the pointer onto the middle of message `i`'s arrow. */
async function hoverMessage(page: Page, i: number): Promise<void> {
  const at = await page.locator(`#canvas g.msg[data-i="${i}"] line.hit`).evaluate((line) => {
    const svg = (line as unknown as { ownerSVGElement: { getBoundingClientRect(): { left: number; top: number } } }).ownerSVGElement.getBoundingClientRect();
    // (no nested function here: the page would not know the name that tsx gives it)
    const [x1, x2, y1, y2] = ['x1', 'x2', 'y1', 'y2'].map((a) => Number(line.getAttribute(a)));
    return { x: svg.left + (x1! + x2!) / 2, y: svg.top + (y1! + y2!) / 2 };
  });
  await page.mouse.move(at.x, at.y);
}

test('hovering an arrow shows the message body at once, and names a re-send', async (t) => {
  const page = await open(t, resendTrace(), 'Resend');
  const card = page.locator('#hovercard');
  t.true(await card.isHidden());

  t.true(await page.locator('#panel').isVisible(), 'a small trace leaves room for the side panel');
  await hoverMessage(page, 1);
  t.true(await card.isVisible());
  const text = await card.innerText();
  t.regex(text, /#2 Lock/);
  t.regex(text, /c1 → backup/);
  t.regex(text, /a re-send: the same body as #1 \(c1 → primary at 5 ms\)/);
  t.regex(text, /"clientId": "c1-7",\s+"seq": 2/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-hover-resend.png') });

  await hoverMessage(page, 2);
  t.regex(await card.innerText(), /#3 Lock_ok/);
  t.notRegex(await card.innerText(), /re-send/, 'the answer is no re-send');
  t.regex(await card.innerText(), /"note": "<\/pre><b id=\\"injected\\">x<\/b>"/, 'a body is shown as text');
  t.is(await page.locator('#injected').count(), 0, 'and never as markup');

  await page.mouse.move(5, 5);
  t.true(await card.isHidden(), 'gone when the pointer leaves the arrows');

  // A click keeps it in the side panel, with a link to the first copy.
  await page.locator('#canvas g.msg[data-i="1"] line.hit').click();
  t.regex(await page.locator('#panel').innerText(), /re-send of\s+#1 Lock \(the same body\)/);
  await page.close();
});
