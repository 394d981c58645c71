/**
 * The terminal: a live status line on an interactive terminal (rewritten in place, cleared before
 * each PASS/FAIL line), plain output in CI or into a pipe, and colour as NO_COLOR and FORCE_COLOR say.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { applyColorEnv } from '../../src/report/color.ts';
import { GradeProgress, isCI, LiveStatus, wantsLiveStatus } from '../../src/report/live-status.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const ESC = '\x1b';
const CLEAR = '\r\x1b[2K';
const CLEAN_ENV = { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined, GITHUB_ACTIONS: undefined, TERM: 'xterm-256color' };

function fakeStream(columns = 60) {
  const stream = { isTTY: true, columns, text: '', write: (s: string) => (stream.text += s) };
  return stream;
}

test('the status line only on an interactive terminal outside CI', (t) => {
  const tty = { isTTY: true, write: () => true };
  t.true(wantsLiveStatus(tty, {}));
  t.true(wantsLiveStatus(tty, { CI: 'false' }));
  t.true(wantsLiveStatus(tty, { CI: '0' }));
  t.false(wantsLiveStatus(tty, { CI: 'true' }));
  t.false(wantsLiveStatus(tty, { CI: '1' }));
  t.false(wantsLiveStatus(tty, { GITHUB_ACTIONS: 'true' }));
  t.false(wantsLiveStatus(tty, { TERM: 'dumb' }));
  t.false(wantsLiveStatus({ isTTY: false, write: () => true }, {}));
  t.false(wantsLiveStatus({ write: () => true }, {}));
  t.true(isCI({ CI: 'woodpecker' }));
});

test('LiveStatus: printed text replaces the line, which comes back after it; it fits the terminal', (t) => {
  const stream = fakeStream(30);
  let state = 'running Basic (seed 1)';
  const live = new LiveStatus(stream, { escapes: true }, () => state);
  live.draw();
  t.true(stream.text.startsWith('\r'));
  t.true(stream.text.endsWith('\x1b[K'));
  t.true(stream.text.includes('running Basic (seed 1)'));
  stream.text = '';
  state = 'a very long status line that does not fit in thirty columns at all';
  live.print('PASS  Basic\n');
  t.true(stream.text.startsWith(`${CLEAR}PASS  Basic\n\r`), JSON.stringify(stream.text));
  const redrawn = stream.text.slice(`${CLEAR}PASS  Basic\n`.length).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace('\r', '');
  t.is([...redrawn].length, 29, 'one column short of the width, so the line never wraps');
  t.true(redrawn.endsWith('…'));
  stream.text = '';
  live.stop();
  t.is(stream.text, CLEAR);
  live.print('Total\n');
  live.draw();
  t.is(stream.text, `${CLEAR}Total\n`, 'after stop, plain writes and no status');
});

test('LiveStatus without escapes (NO_COLOR): spaces overwrite the line; not one escape code', (t) => {
  const stream = fakeStream(80);
  let state = 'a long status line with several words';
  const live = new LiveStatus(stream, { escapes: false }, () => state);
  live.draw();
  state = 'short';
  live.draw();
  live.print('FAIL  Basic\n');
  live.stop();
  t.false(stream.text.includes(ESC));
  const long = [...'⠋ a long status line with several words'].length;
  const short = [...'⠙ short'].length;
  t.is(
    stream.text,
    `\r⠋ a long status line with several words` +
      `\r⠙ short${' '.repeat(long - short)}` + // a shorter line pads over the longer one
      `\r${' '.repeat(short)}\rFAIL  Basic\n` + // cleared with spaces before the printed line
      `\r⠹ short` +
      `\r${' '.repeat(short)}\r`,
  );
});

test('GradeProgress: preparing, then what runs, tests done and points so far', (t) => {
  const progress = new GradeProgress({ tests: 3, points: 21 }, { typecheck: true });
  t.is(progress.render(1500), 'type-checking and bundling… · 1s');
  progress.stepDone('bundle');
  t.is(progress.render(2500), 'type-checking… · 2s');
  progress.stepDone('type-check');
  t.is(progress.render(2500), 'starting the nodes… · 2s');
  progress.runStarted('Basic', 1);
  progress.runStarted('Basic', 2);
  progress.runStarted('PrimaryFail1', 1);
  t.is(progress.render(2000), '0/3 tests done · 0/21 points · 2s · running Basic (2 seeds), PrimaryFail1 (seed 1)');
  progress.runFinished('Basic', 1);
  progress.runFinished('Basic', 2);
  progress.testDone(8);
  t.is(progress.render(3000), '1/3 tests done · 8/21 points · 3s · running PrimaryFail1 (seed 1)');
  progress.runFinished('PrimaryFail1', 1);
  t.is(progress.render(3000), '1/3 tests done · 8/21 points · 3s · finishing');
});

test('GradeProgress without type-checking: bundling only', (t) => {
  const progress = new GradeProgress({ tests: 1, points: 8 }, { typecheck: false });
  t.is(progress.preparingText(), 'bundling…');
  progress.stepDone('bundle');
  t.is(progress.preparingText(), 'starting the nodes…');
});

test('NO_COLOR turns colour off unless FORCE_COLOR asks for it (Node\'s precedence); an empty NO_COLOR is unset', (t) => {
  const level = (env: NodeJS.ProcessEnv) => {
    const target = { level: 3 };
    applyColorEnv(env, target);
    return target.level;
  };
  t.is(level({ NO_COLOR: '1' }), 0);
  t.is(level({ NO_COLOR: '' }), 3);
  t.is(level({ NO_COLOR: '1', FORCE_COLOR: '1' }), 3);
  t.is(level({}), 3);
});

const gradeArgs = ['grade', 'lab1', '--test', 'Basic,PrimaryFail2', '--no-typecheck'];

test('into a pipe: plain lines, no status line; FORCE_COLOR=1 colours it anyway, NO_COLOR=1 does not', async (t) => {
  const [plain, forced, noColor] = await Promise.all([
    execa(process.execPath, [cli, ...gradeArgs], { cwd: LOCKLAB_ROOT, reject: false, env: CLEAN_ENV }),
    execa(process.execPath, [cli, ...gradeArgs], { cwd: LOCKLAB_ROOT, reject: false, env: { ...CLEAN_ENV, FORCE_COLOR: '1' } }),
    execa(process.execPath, [cli, ...gradeArgs], { cwd: LOCKLAB_ROOT, reject: false, env: { ...CLEAN_ENV, NO_COLOR: '1' } }),
  ]);
  for (const r of [plain, forced, noColor]) {
    t.is(r.exitCode, 1, String(r.stderr));
    t.false(String(r.stdout).includes('\r'), 'no carriage return: nothing is rewritten in place');
    t.false(String(r.stdout).includes('tests done'));
  }
  t.false(String(plain.stdout).includes(ESC), 'no colour into a pipe by default');
  t.true(String(forced.stdout).includes(`${ESC}[31m${ESC}[1mFAIL`), 'FORCE_COLOR=1: colour even into a pipe');
  t.false(String(noColor.stdout).includes(ESC), 'NO_COLOR=1: no escape code at all');
  t.regex(String(noColor.stdout), /^FAIL {2}Basic/m);
  t.regex(String(plain.stdout), /^locklab: grading lab1 \(starter\), 2 tests, seed 1\nbundling…\nFAIL/, 'what happens before the first result, as a plain line');
});

test('on a terminal, a line says at once that locklab is starting (before the grader loads), and is cleared', (t) => {
  if (!hasScript) return t.pass('no `script` program (util-linux) to make a pseudo-terminal: skipped');
  const result = onTerminal(['list', 'lab1'], { ...CLEAN_ENV, NO_COLOR: '1' });
  t.is(result.status, 0, result.stdout);
  const starting = 'locklab: starting…';
  t.true(result.stdout.startsWith(`${starting}\r${' '.repeat(starting.length)}\rlab1: `), JSON.stringify(result.stdout.slice(0, 80)));
});

/** Runs the command on a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTerminal(args: string[], env: Record<string, string | undefined>) {
  const command = [process.execPath, cli, ...args].map((a) => `'${a}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: LOCKLAB_ROOT,
    encoding: 'utf8',
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    timeout: 60_000,
  });
  return result;
}

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

test('on a terminal: the status line runs, and is cleared before each PASS/FAIL line', (t) => {
  if (!hasScript) return t.pass('no `script` program (util-linux) to make a pseudo-terminal: skipped');
  const result = onTerminal(gradeArgs, { ...CLEAN_ENV, FORCE_COLOR: undefined });
  t.is(result.status, 1, result.stdout);
  const out = result.stdout;
  t.regex(out, /bundling… · \d+s/);
  t.regex(out, /0\/2 tests done · 0\/13 points · \d+s · running Basic \(seed 1\)/);
  t.regex(out, /1\/2 tests done · 0\/13 points/);
  for (const name of ['Basic', 'PrimaryFail2']) {
    const at = out.indexOf(`FAIL${ESC}[22m${ESC}[39m  ${name}`);
    t.true(at > 0, `${name}'s line is there`);
    t.is(out.slice(at - CLEAR.length - `${ESC}[31m${ESC}[1m`.length, at - `${ESC}[31m${ESC}[1m`.length), CLEAR, `the status line is cleared right before ${name}'s line`);
  }
  const summary = out.indexOf('Part A');
  t.false(out.slice(summary).includes('tests done'), 'gone once the grading is over');
});

test('on a terminal with NO_COLOR: the status line still runs, without a single escape code', (t) => {
  if (!hasScript) return t.pass('no `script` program (util-linux) to make a pseudo-terminal: skipped');
  const result = onTerminal(gradeArgs, { ...CLEAN_ENV, NO_COLOR: '1' });
  t.is(result.status, 1, result.stdout);
  t.regex(result.stdout, /tests done/);
  t.false(result.stdout.includes(ESC));
  t.regex(result.stdout, /\r {10,}\rFAIL {2}Basic/, 'overwritten with spaces before the line');
});

test('on a terminal in CI: plain', (t) => {
  if (!hasScript) return t.pass('no `script` program (util-linux) to make a pseudo-terminal: skipped');
  const result = onTerminal(gradeArgs, { ...CLEAN_ENV, CI: 'true', NO_COLOR: '1' });
  t.is(result.status, 1, result.stdout);
  t.false(result.stdout.includes('tests done'));
  t.false(result.stdout.replace(/\r\n/g, '\n').includes('\r'));
});
