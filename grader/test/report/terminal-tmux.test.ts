/**
 * `locklab grade` as a student sees it, in a real terminal (tmux) 60 and 120 columns wide: what
 * is left on the screen when the grading is over. Nothing is broken by us in the middle of a word
 * or a command, the summary fits, and the status lines are gone. Skipped where tmux is missing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const DONE = '__locklab_done__';
const TESTS = ['Basic', 'PrimaryFailAfterReply', 'LossyNetwork'];

function tmux(socket: string, ...args: string[]) {
  return spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

/** Runs `locklab grade` on the starter in a detached tmux window of `columns` x 50, and returns the screen (with history). */
async function screenAt(columns: number): Promise<{ rows: string[]; lines: string[] }> {
  const socket = `locklab-test-${process.pid}-${columns}`;
  const command = `cd '${LOCKLAB_ROOT}' && '${process.execPath}' '${cli}' grade lab1 --test ${TESTS.join(',')} --seeds 2; echo ${DONE}; sleep 300`;
  const env = { ...process.env, TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined, GITHUB_ACTIONS: undefined };
  const started = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', String(columns), '-y', '50', command], { encoding: 'utf8', env: env as NodeJS.ProcessEnv });
  if (started.status !== 0) throw new Error(`tmux did not start: ${started.stderr}`);
  try {
    tmux(socket, 'set-option', '-g', 'history-limit', '5000');
    const capture = (...flags: string[]) => tmux(socket, 'capture-pane', '-p', '-S', '-', ...flags).stdout;
    for (let waited = 0; !capture().includes(DONE); waited += 250) {
      if (waited > 240_000) throw new Error(`the grading did not finish in tmux:\n${capture()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const cut = (text: string) => text.slice(0, text.indexOf(DONE)).replace(/\n+$/, '').split('\n');
    // Rows as the screen shows them; lines with the terminal's own wrapping undone (-J).
    return { rows: cut(capture()), lines: cut(capture('-J')) };
  } finally {
    tmux(socket, 'kill-server');
  }
}

const replay = (name: string) => `npx locklab grade lab1 --test ${name} --seed 1`;

test('60 columns: the summary fits, prose wraps between words, each replay command is whole on one row', async (t) => {
  if (!hasTmux) return t.pass('no tmux on this machine: skipped');
  t.timeout(300_000, 'a whole grading, on a busy machine');
  const { rows, lines } = await screenAt(60);
  const screen = rows.join('\n');
  t.regex(screen, /^locklab: grading lab1 \(starter\), 3 tests, 2 seeds$/m);
  for (const name of TESTS) t.true(rows.some((row) => row.includes(replay(name))), `${name}'s replay command is whole on one row:\n${screen}`);
  // What we print fits; only a file:// URL (one word, from the first column) may be longer, and the terminal wraps it.
  for (const line of lines) if (!/^file:\/\/\S+$/.test(line)) t.true(line.length <= 60, `longer than 60 columns: ${JSON.stringify(line)}`);
  t.regex(screen, /^Part A {2}Replication and fail-over under… +\d+\/\d+$/m);
  t.regex(screen, /^Total {3}.* \d+\/\d+ {3}\(\d+\.\d\ds\)$/m);
  t.regex(screen, /also failing: seed 2$/m);
  t.false(screen.includes('starting…') || screen.includes('tests done') || screen.includes('bundling…'), 'the status lines are gone');
});

test('120 columns: labels and what they name on one line, the trace page as a file:// URL', async (t) => {
  if (!hasTmux) return t.pass('no tmux on this machine: skipped');
  t.timeout(300_000, 'a whole grading, on a busy machine');
  const { rows } = await screenAt(120);
  for (const name of TESTS) {
    t.true(rows.includes(`      replay: ${replay(name)}`), `${name}: replay after its label`);
    t.true(rows.includes(`      trace: file://${path.join(LOCKLAB_ROOT, '.locklab/traces', `${name}-seed1.html`)}`), `${name}: the trace page as a link`);
  }
  t.regex(rows.join("\n"), /^Part C {2}Challenge: links that lose, duplicate and reorder messages {2}\d+\/\d+$/m);
});
