/**
 * The terminal report as text: it fits a 60-column terminal (prose wraps between words, a
 * command or a path is never broken), counts read "1 test", other failing seeds come as one
 * grouped line, and trace pages are links on a terminal.
 */
import test from 'ava';
import chalk from 'chalk';
import { hyperlink, pathStyle, showFile, supportsHyperlinks } from '../../src/report/hyperlink.ts';
import { cut, keepWhole, visibleWidth, wrap } from '../../src/report/layout.ts';
import { TerminalReporter, type TerminalOptions } from '../../src/report/terminal.ts';
import { count, seedList } from '../../src/report/wording.ts';
import type { RunResult } from '../../src/score/run-test.ts';
import { run, score } from './fixtures.ts';

chalk.level = 0;

// As for the starter, the default folder: the command fits 60 columns.
const REPLAY = (test: string, seed: number) => `npx locklab grade lab1 --test ${test} --seed ${seed}`;
const LONG_MESSAGE =
  "the clients' results are impossible for one lock service: c1's lock(\"b\") returned false during [73, 101] ms, but lock \"b\" was free then (nobody had locked it).";
const HINT = 'every operation must take effect exactly once, at one server that all clients agree on';

function report(columns: number | undefined, extra: Partial<TerminalOptions> = {}): { text: () => string; reporter: TerminalReporter } {
  // (the replay command comes from `extra` when a test needs another one)
  let text = '';
  const reporter = new TerminalReporter({
    write: (s) => (text += s),
    lab: 'lab1',
    impl: 'my-lab1-work',
    replay: REPLAY,
    traceFile: (r) => `.locklab/traces/${r.test}-seed${r.seed}.html`,
    columns: () => columns,
    ...extra,
  });
  return { text: () => text, reporter };
}

/** A failing test on 20 seeds, with log lines, through the reporter. */
function failingOnTwentySeeds(reporter: TerminalReporter): void {
  const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
  const runs = seeds.map((seed) =>
    seed === 7
      ? run('RandomKill', 'C', seed)
      : run('RandomKill', 'C', seed, { message: LONG_MESSAGE, hint: HINT, logs: { primary: ['[35 ms] Lock(a) from c1-806025876 #2 -> true, and a long tail of words that a student printed'] } }),
  );
  reporter.start(['RandomKill', 'Basic'], 'my-lab1-work', seeds);
  reporter.testDone(score('RandomKill', 'C', 10, seeds.filter((s) => s !== 7), seeds), runs);
}

test('at 60 columns every line fits, words are not split, and each command and path is whole on a line of its own', (t) => {
  const { text, reporter } = report(60);
  failingOnTwentySeeds(reporter);
  reporter.summary(
    {
      tests: [],
      parts: [
        { id: 'A', title: 'Replication and fail-over under fail-stop', points: 0, maxPoints: 50 },
        { id: 'C', title: 'Challenge: links that lose, duplicate and reorder messages', points: 0, maxPoints: 30 },
      ],
      points: 0,
      maxPoints: 140,
      passed: false,
    },
    6180,
  );
  const lines = text().split('\n');
  for (const line of lines) t.true(visibleWidth(line) <= 60, `fits 60 columns: ${JSON.stringify(line)}`);
  t.true(lines.includes(`      ${REPLAY('RandomKill', 1)}`), 'the replay command on its own line');
  t.true(lines.includes('      trace: .locklab/traces/RandomKill-seed1.html'), 'a path that fits stays after its label');
  const words = `${LONG_MESSAGE} ${HINT}`.split(' ');
  const printed = lines.flatMap((l) => l.trim().split(' '));
  for (const word of words) t.true(printed.includes(word), `"${word}" is printed whole`);
  t.true(lines.includes('      also failing: seeds 2-6, 8-20'), 'the other failing seeds on one line');
  t.is(lines.filter((l) => l.includes('also failing')).length, 1);
  t.regex(text(), /^Part A {2}Replication and fail-over under… {2,}0\/50$/m, 'a long title is cut after a word');
  t.regex(text(), /^Total {3}.* 0\/140 {3}\(6\.18s\)$/m);
});

test('a command longer than the terminal is wide starts a line of its own, whole: the terminal wraps it, we do not break it', (t) => {
  const long = (test: string, seed: number) => `npx locklab grade lab1 --impl 'my lab 1 work' --test ${test} --seed ${seed}`;
  const { text, reporter } = report(60, { replay: long });
  failingOnTwentySeeds(reporter);
  const lines = text().split('\n');
  t.true(lines.includes(long('RandomKill', 1)));
  for (const line of lines) if (line !== long('RandomKill', 1)) t.true(visibleWidth(line) <= 60, line);
});

test('at 120 columns a failure reads as it is, each command after its label', (t) => {
  const { text, reporter } = report(120);
  failingOnTwentySeeds(reporter);
  const lines = text().split('\n');
  t.true(lines.includes(`      replay: ${REPLAY('RandomKill', 1)}`));
  t.true(lines.includes('      trace: .locklab/traces/RandomKill-seed1.html'));
  t.true(lines.includes(`      hint: ${HINT}`));
  for (const line of lines) t.true(visibleWidth(line) <= 120, line);
});

test('into a file or a pipe (no width), nothing is wrapped', (t) => {
  const { text, reporter } = report(undefined);
  failingOnTwentySeeds(reporter);
  t.true(text().includes(`      seed 1: ${LONG_MESSAGE}\n`));
  t.true(text().includes(`      replay: ${REPLAY('RandomKill', 1)}\n`));
});

test('one test, one seed: "1 test", "seed 1"; several: "2 tests", "20 seeds"', (t) => {
  const one = report(undefined);
  one.reporter.start(['Basic'], 'starter', [1]);
  t.is(one.text(), 'locklab: grading lab1 (starter), 1 test, seed 1\n');
  const many = report(undefined);
  many.reporter.start(['Basic', 'Many'], 'starter', Array.from({ length: 20 }, (_, i) => i + 1));
  t.is(many.text(), 'locklab: grading lab1 (starter), 2 tests, 20 seeds\n');
  t.is(count(1, 'test'), '1 test');
  t.is(count(0, 'test'), '0 tests');
  t.is(count(2, 'match', 'matches'), '2 matches');
});

test('failing seeds are grouped into ranges', (t) => {
  t.is(seedList([3]), 'seed 3');
  t.is(seedList([2, 3]), 'seeds 2, 3');
  t.is(seedList([2, 3, 4]), 'seeds 2-4');
  t.is(seedList([9, 2, 3, 4, 5, 7, 11, 12, 13, 3]), 'seeds 2-5, 7, 9, 11-13');
});

test('wrap and keepWhole: words and commands are never split by us', (t) => {
  t.deepEqual(wrap('  ', 'one two three four', 10, '    '), ['  one two', '    three', '    four']);
  t.deepEqual(wrap('', 'a-very-long-word-alone here', 8, ''), ['a-very-long-word-alone', 'here'], 'a word longer than a line keeps a line of its own');
  t.deepEqual(wrap('x ', 'fits', undefined, ''), ['x fits']);
  t.deepEqual(keepWhole('  replay:', 'npx locklab grade', 40, '    '), ['  replay: npx locklab grade']);
  t.deepEqual(keepWhole('  replay:', 'npx locklab grade', 21, '    '), ['  replay:', '    npx locklab grade']);
  t.deepEqual(keepWhole('  replay:', 'npx locklab grade lab1', 20, '    '), ['  replay:', 'npx locklab grade lab1'], 'from the first column when the indent does not leave room');
  t.is(cut('Challenge: links that lose, duplicate and reorder messages', 30), 'Challenge: links that lose…');
  t.is(cut('short', 30), 'short');
});

test('visible width ignores colour and hyperlink escapes', (t) => {
  t.is(visibleWidth('\x1b[31mFAIL\x1b[39m'), 4);
  t.is(visibleWidth(hyperlink('file:///x/y.html', 'y.html')), 6);
  t.is(visibleWidth('␛[31m'), 5, 'a cleaned control character is one column');
});

test('hyperlinks: FORCE_HYPERLINK decides; known terminals get them; CI, tmux and pipes do not', (t) => {
  const tty = { isTTY: true };
  t.true(supportsHyperlinks(tty, { WT_SESSION: '1' }));
  t.true(supportsHyperlinks(tty, { TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.4.19' }));
  t.false(supportsHyperlinks(tty, { TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.0.1' }));
  t.true(supportsHyperlinks(tty, { TERM_PROGRAM: 'vscode', TERM_PROGRAM_VERSION: '1.90.0' }));
  t.true(supportsHyperlinks(tty, { VTE_VERSION: '7600' }));
  t.false(supportsHyperlinks(tty, { VTE_VERSION: '4600' }));
  t.false(supportsHyperlinks(tty, { VTE_VERSION: '7600', TMUX: '/tmp/tmux-0/default,1,0' }));
  t.false(supportsHyperlinks(tty, { WT_SESSION: '1', CI: 'true' }));
  t.false(supportsHyperlinks({ isTTY: false }, { WT_SESSION: '1' }));
  t.false(supportsHyperlinks(tty, { TERM: 'xterm-256color' }));
  t.true(supportsHyperlinks({ isTTY: false }, { FORCE_HYPERLINK: '1' }));
  t.false(supportsHyperlinks(tty, { WT_SESSION: '1', FORCE_HYPERLINK: '0' }));
});

test('a trace page is a link on a terminal, a file:// URL where links are unknown, its path into a pipe', (t) => {
  const page = '.locklab/traces/Basic-seed1.html';
  t.is(pathStyle({ isTTY: false }, {}), 'plain');
  t.is(pathStyle({ isTTY: true }, { TERM: 'xterm' }), 'url');
  t.is(pathStyle({ isTTY: true }, { WT_SESSION: '1' }), 'hyperlink');
  t.is(showFile(page, 'plain', '/home/ada/lab'), page);
  t.is(showFile(page, 'url', '/home/ada/lab'), 'file:///home/ada/lab/.locklab/traces/Basic-seed1.html');
  t.is(showFile(page, 'hyperlink', '/home/ada/my lab'), '\x1b]8;;file:///home/ada/my%20lab/.locklab/traces/Basic-seed1.html\x07.locklab/traces/Basic-seed1.html\x1b]8;;\x07');
});

test('a hyperlinked trace path is measured by its text: it stays on the label line when that fits', (t) => {
  const { text, reporter } = report(80, { showPath: (file) => showFile(file, 'hyperlink', '/home/ada/lab') });
  const runs: RunResult[] = [run('Basic', 'A', 1, { message: 'c1 got false' })];
  reporter.testDone(score('Basic', 'A', 8, [1], [1]), runs);
  t.regex(text(), /^ {6}trace: \x1b\]8;;file:\/\/\/home\/ada\/lab\/\.locklab\/traces\/Basic-seed1\.html\x07\.locklab\/traces\/Basic-seed1\.html\x1b\]8;;\x07$/m);
});

test('what a node or the compiler quotes is shown, never obeyed: control characters become symbols', (t) => {
  const { text, reporter } = report(60);
  const runs: RunResult[] = [run('Basic', 'A', 1, { message: 'got \x1b[2J\x1b[H cleared?', logs: { primary: ['[3 ms] \rrewritten \x1b]8;;http://x\x07link'] } })];
  reporter.testDone(score('Basic', 'A', 8, [1], [1]), runs);
  reporter.compileError(["mywork/lockservice/server.ts(1,7): error TS2322: Type '\"\x1b[31m\"' is not assignable"]);
  t.false(text().includes('\x1b'), JSON.stringify(text()));
  t.false(text().includes('\r'));
  t.regex(text(), /got ␛\[2J␛\[H cleared\?/);
  t.regex(text(), /␍rewritten ␛\]8;;http:\/\/x␇link/);
});
