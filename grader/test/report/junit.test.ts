/**
 * `--junit FILE`: the document is well-formed XML (parsed by a real XML parser, Chromium's
 * DOMParser, which rejects any error), has a testcase per graded test with classname lab.part and
 * a time, and a failure with the reason and the replay command; nasty log text cannot break it.
 * The browser is the one every browser test uses (../support/browser.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import type { Browser } from 'playwright-core';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { JUnitReporter, junitXml, xmlText } from '../../src/report/junit.ts';
import { launchBrowser } from '../support/browser.ts';
import { info, NASTY, run, score, summaryOf } from './fixtures.ts';

const test = anyTest as TestFn<{ browser: Browser; dir: string }>;

test.before(async (t) => {
  t.timeout(300_000, 'the first start of the npm browser unpacks it');
  const { browser, choice } = await launchBrowser();
  t.log(`browser: ${choice.why}`);
  t.context.browser = browser;
  t.context.dir = mkdtempSync(path.join(tmpdir(), 'locklab-junit-'));
});

test.after.always(async (t) => {
  await t.context.browser?.close();
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

interface Parsed {
  error: string | null;
  root: string;
  attributes: Record<string, string>;
  suites: { attributes: Record<string, string>; properties: Record<string, string> }[];
  cases: { classname: string; name: string; time: string; failure: { message: string; type: string; text: string } | null; out: string }[];
}

/** Runs in the page, as source text (the test's own code goes through a transform the page lacks). */
const PARSE_IN_PAGE = `function (text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  const attrs = (e) => Object.fromEntries([...e.attributes].map((a) => [a.name, a.value]));
  return {
    error: error ? (error.textContent || 'parsererror') : null,
    root: doc.documentElement.nodeName,
    attributes: attrs(doc.documentElement),
    suites: [...doc.getElementsByTagName('testsuite')].map((s) => ({
      attributes: attrs(s),
      properties: Object.fromEntries([...s.getElementsByTagName('property')].map((p) => [p.getAttribute('name'), p.getAttribute('value')])),
    })),
    cases: [...doc.getElementsByTagName('testcase')].map((c) => {
      const f = c.getElementsByTagName('failure')[0];
      const out = c.getElementsByTagName('system-out')[0];
      return {
        classname: c.getAttribute('classname') || '',
        name: c.getAttribute('name') || '',
        time: c.getAttribute('time') || '',
        failure: f ? { message: f.getAttribute('message') || '', type: f.getAttribute('type') || '', text: f.textContent || '' } : null,
        out: out ? out.textContent : '',
      };
    }),
  };
}`;

/** Parses with the browser's XML parser; `error` is its complaint, if any. */
async function parseXml(browser: Browser, xml: string): Promise<Parsed> {
  const page = await browser.newPage();
  try {
    return (await page.evaluate(`(${PARSE_IN_PAGE})(${JSON.stringify(xml)})`)) as Parsed;
  } finally {
    await page.close();
  }
}

test('the parser used here rejects malformed XML (so a pass below means something)', async (t) => {
  for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>\x01</a>', '<a>&nope;</a>', '<a>&</a>']) {
    const parsed = await parseXml(t.context.browser, `<?xml version="1.0" encoding="UTF-8"?>\n${bad}`);
    t.truthy(parsed.error, bad);
  }
});

test('a testcase per test, classname lab.part, time, failure with message and replay; nasty text survives', async (t) => {
  const scores = [score('Basic', 'A', 8), score('PrimaryFail1', 'A', 8, [2]), score('PrimaryFail2', 'B', 5, [1, 2])];
  const logs = { primary: [`[35 ms] ${NASTY}`], backup: ['[40 ms] fine'] };
  const cases = [
    { score: scores[0]!, runs: [run('Basic', 'A', 1), run('Basic', 'A', 2)] },
    { score: scores[1]!, runs: [run('PrimaryFail1', 'A', 1), run('PrimaryFail1', 'A', 2, { message: `c1's lock("a") returned false ${NASTY}`, hint: 'forward every op', logs })] },
    { score: scores[2]!, runs: [run('PrimaryFail2', 'B', 1, { message: 'node `backup` crashed', node: 'backup' }), run('PrimaryFail2', 'B', 2, { message: 'again' })] },
  ];
  const xml = junitXml(info, cases, { wallMs: 1234, timestamp: '2026-01-02T03:04:05' });
  const parsed = await parseXml(t.context.browser, xml);
  t.is(parsed.error, null, xml);
  t.is(parsed.root, 'testsuites');
  t.like(parsed.attributes, { tests: '3', failures: '2', time: '1.234' });
  t.deepEqual(parsed.suites.map((s) => s.attributes.name), ['lab1.A', 'lab1.B']);
  t.like(parsed.suites[0]!.attributes, { tests: '2', failures: '1', time: '1.006' });
  t.like(parsed.suites[0]!.properties, { lab: 'lab1', implementation: 'mywork', seeds: '1,2', points: '8', max_points: '16' });

  t.deepEqual(parsed.cases.map((c) => [c.classname, c.name, c.time]), [
    ['lab1.A', 'Basic', '0.503'],
    ['lab1.A', 'PrimaryFail1', '0.503'],
    ['lab1.B', 'PrimaryFail2', '0.503'],
  ]);
  t.is(parsed.cases[0]!.failure, null);
  const failure = parsed.cases[1]!.failure!;
  t.is(failure.type, 'TestFailure');
  t.true(failure.message.startsWith(`seed 2: c1's lock("a") returned false <b>&amp;</b> "quoted" 'single' ]]> \\u001b[31mred`));
  t.true(failure.message.endsWith('(replay: npx locklab grade lab1 --impl mywork --test PrimaryFail1 --seed 2)'));
  t.regex(failure.text, /^hint: forward every op$/m);
  t.regex(failure.text, /^primary \(last log lines\):\n {2}\[35 ms\] <b>&amp;<\/b>/m);
  t.true(failure.text.includes('\\u0007bell \\ud800 tab\there'), 'control characters and lone surrogates become visible escapes; tabs stay');
  t.regex(failure.text, /replay: npx locklab grade lab1 --impl mywork --test PrimaryFail1 --seed 2$/);
  const crashed = parsed.cases[2]!.failure!;
  t.is(crashed.type, 'NodeFailure');
  t.regex(crashed.text, /^also failing: seed 2$/m);
  t.regex(parsed.cases[2]!.out, /points: 0\/5; seeds 1, 2/);
});

test('line breaks in attributes survive; xmlText escapes the five markup characters', async (t) => {
  t.is(xmlText(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  const xml = junitXml(info, [{ score: score('Basic', 'A', 8, [1], [1]), runs: [run('Basic', 'A', 1, { message: 'line one\nline two' })] }], { wallMs: 1, timestamp: 't' });
  const parsed = await parseXml(t.context.browser, xml);
  t.is(parsed.error, null);
  t.true(parsed.cases[0]!.failure!.message.startsWith('seed 1: line one\nline two'));
});

test('a compile error: every testcase fails with the compiler messages; the file is rewritten after each test', async (t) => {
  const file = path.join(t.context.dir, 'nested', 'compile.xml');
  const reporter = new JUnitReporter(info, file);
  t.is((await parseXml(t.context.browser, readFileSync(file, 'utf8'))).cases.length, 0, 'a valid, empty document from the start');
  reporter.compileError(['mywork/lockservice/server.ts(3,5): error TS2322: Type "x" is not assignable']);
  const scores = [score('Basic', 'A', 8, [1], [1]), score('PrimaryFail2', 'B', 5, [1], [1])];
  reporter.testDone(scores[0]!, []);
  t.is((await parseXml(t.context.browser, readFileSync(file, 'utf8'))).cases.length, 1);
  reporter.testDone(scores[1]!, []);
  reporter.finish(summaryOf(scores), 900);
  const parsed = await parseXml(t.context.browser, readFileSync(file, 'utf8'));
  t.is(parsed.error, null);
  t.is(parsed.cases.length, 2);
  for (const c of parsed.cases) {
    t.is(c.failure!.type, 'CompileError');
    t.is(c.failure!.message, 'not run: the implementation does not compile');
    t.regex(c.failure!.text, /server\.ts\(3,5\): error TS2322/);
  }
});

test('locklab grade --junit: the file a real grading writes', async (t) => {
  const file = path.join(t.context.dir, 'junit.xml');
  const result = await execa(process.execPath, [path.join(LOCKLAB_ROOT, 'bin/locklab.js'), 'grade', 'lab1', '--test', 'Basic,PrimaryFail2', '--seeds', '2', '--junit', file, '--no-typecheck'], {
    cwd: LOCKLAB_ROOT,
    reject: false,
    env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined },
  });
  t.is(result.exitCode, 1, String(result.stderr));
  const parsed = await parseXml(t.context.browser, readFileSync(file, 'utf8'));
  t.is(parsed.error, null);
  t.deepEqual(parsed.cases.map((c) => `${c.classname} ${c.name}`), ['lab1.A Basic', 'lab1.B PrimaryFail2']);
  for (const c of parsed.cases) {
    t.regex(c.time, /^\d+\.\d{3}$/);
    t.true(Number(c.time) > 0);
    t.regex(c.failure!.message, /^seed 1: c1's lock\("\w"\) returned false, expected true \(replay: npx locklab grade lab1 --test \w+ --seed 1\)$/);
    t.regex(c.failure!.text, /also failing: seed 2/);
  }
});
