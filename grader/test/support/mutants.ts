/**
 * Variants of the reference implementation of lab 1, each with one deliberate change, and
 * what the graded tests must say of each. A buggy variant (a mutant) must lose at least the
 * tests its bug breaks; a harmless variant (a correct design that only does things
 * differently) must lose none: it guards against tests stricter than the lock service.
 * A variant is a text edit of the reference (not a copy), so the reference stays the one
 * place where the correct code lives; an edit whose text is no longer found fails loudly
 * instead of silently grading the reference.
 *
 * The lists name only the tests that matter for the variant, so a new graded test needs no
 * edit here: a buggy variant may lose it or not, a harmless one must pass it.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';

type StudentFile = 'lockservice/server.ts' | 'lockservice/client.ts' | 'lockservice/common.ts';

/** One text edit of a file of the reference: `find` must occur in it. */
export interface Edit {
  file: StudentFile;
  find: string;
  replace: string;
}

export interface Mutant {
  name: string;
  /** The change, in words: the bug, or for a harmless variant what it does differently. */
  bug: string;
  edits: Edit[];
  /** Graded tests it must lose (fail on some seed of MUTANT_SEEDS); empty for a harmless variant. */
  losesAtLeast: string[];
  /**
   * Graded tests it must pass on every seed of MUTANT_SEEDS (the suite checks the first): a list
   * (what the bug cannot break), or 'all-others' (every test not in `losesAtLeast`: a harmless variant's).
   */
  mustNotLose: string[] | 'all-others';
}

/** The seeds the mutant suite grades on: the lists hold for each of them. */
export const MUTANT_SEEDS = [1, 2];

/** The tests `mutant` must pass, out of the lab's `tests`. */
export function mustPass(mutant: Mutant, tests: string[]): string[] {
  return mutant.mustNotLose === 'all-others' ? tests.filter((name) => !mutant.losesAtLeast.includes(name)) : mutant.mustNotLose;
}

const server = (find: string, replace: string): Edit[] => [{ file: 'lockservice/server.ts', find, replace }];
const client = (find: string, replace: string): Edit[] => [{ file: 'lockservice/client.ts', find, replace }];

export const MUTANTS: Mutant[] = [
  // ---- bugs ----
  {
    name: 'no-forward',
    bug: 'the primary never forwards to the backup',
    edits: server("this.backupAlive = role === 'primary' && backup !== null;", 'this.backupAlive = false;'),
    losesAtLeast: ['PrimaryFail1', 'PrimaryFailAfterReply', 'Many', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'DuplicateDuringForward'],
    mustNotLose: ['Basic', 'BackupFail', 'ClientFail', 'LossyNetwork'],
  },
  {
    name: 'lock-ignores-holder',
    bug: 'Lock takes a lock even when it is held',
    edits: server('if (this.held.has(name)) return false;', ''),
    losesAtLeast: [
      'Basic', 'PrimaryFail1', 'BackupFail', 'Many', 'ConcurrentCounts', 'ClientFail', 'PrimaryFail3', 'PrimaryFail4', 'RandomKill',
      'ClientFailMidOp', 'RandomClientFail', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm',
    ],
    mustNotLose: [],
  },
  {
    name: 'forward-only-state-changing',
    bug: 'the primary forwards only operations that changed a lock (returned true), so the backup never records failed ones',
    edits: server('while (fresh && this.backupAlive) {', 'while (fresh && this.backupAlive && ok) {'),
    losesAtLeast: ['PrimaryFail1', 'PrimaryFail8', 'PrimaryFail9'],
    mustNotLose: ['Basic', 'PrimaryFailAfterReply', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail5', 'PrimaryFail6', 'PrimaryFail7', 'LossyNetwork'],
  },
  {
    name: 'reply-before-backup',
    bug: "the primary sends the copy to the backup but replies without waiting for the backup's answer",
    edits: server(
      'while (fresh && this.backupAlive) {',
      "if (fresh && this.backupAlive) void call<ForwardReply>(this.backup!, 'Forward', { op, args });\n    while (false) {",
    ),
    losesAtLeast: ['PrimaryFailAfterReply', 'ConcurrentCounts', 'DuplicateDuringForward'],
    mustNotLose: ['Basic', 'BackupFail', 'ClientFail'],
  },
  {
    name: 'record-before-ack',
    bug: "the primary answers a re-sent request from its table at once, though the first copy's forward is still unanswered",
    edits: server(
      "    handle('Lock', (args: LockArgs) => this.serialize(() => this.serve('Lock', args)));\n" +
        "    handle('Unlock', (args: LockArgs) => this.serialize(() => this.serve('Unlock', args)));",
      '    const stored = (args: LockArgs) => {\n' +
        '      const last = this.answered.get(args.clientId);\n' +
        '      return last && last.seq === args.seq ? { ok: last.ok } : undefined;\n' +
        '    };\n' +
        "    handle('Lock', (args: LockArgs) => stored(args) ?? this.serialize(() => this.serve('Lock', args)));\n" +
        "    handle('Unlock', (args: LockArgs) => stored(args) ?? this.serialize(() => this.serve('Unlock', args)));",
    ),
    losesAtLeast: ['DuplicateDuringForward'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'PrimaryFailAfterReply', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'ManyClients'],
  },
  {
    name: 'lru-table',
    bug: 'the at-most-once table keeps only the 4 most recently active clients (a memory fix), so a re-send from a forgotten client runs again',
    edits: server(
      'this.answered.set(args.clientId, { seq: args.seq, ok });',
      'this.answered.delete(args.clientId);\n' +
        '    this.answered.set(args.clientId, { seq: args.seq, ok });\n' +
        '    if (this.answered.size > 4) this.answered.delete(this.answered.keys().next().value!);',
    ),
    losesAtLeast: ['ManyClients'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'PrimaryFailAfterReply', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'DuplicateDuringForward'],
  },
  {
    name: 'primary-waits-for-dead-backup',
    bug: 'the primary keeps calling a backup that refuses the connection, instead of carrying on alone',
    edits: server("if (forwarded.error === 'unreachable') this.backupAlive = false;", "if (forwarded.error === 'unreachable') continue;"),
    losesAtLeast: ['BackupFail'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'PrimaryFailAfterReply', 'ClientFail', 'PrimaryFail2', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9'],
  },
  {
    name: 'no-failover',
    bug: 'the Clerk never switches to the backup; it keeps retrying the primary',
    edits: client('if (server === this.primary) this.primaryDead = true;', 'if (server === this.primary) await sleep(100);'),
    losesAtLeast: ['PrimaryFail1', 'PrimaryFailAfterReply', 'Many', 'ConcurrentCounts', 'PrimaryFail2', 'PrimaryFail5', 'ManyClients', 'DuplicateDuringForward', 'ResendStorm'],
    mustNotLose: ['Basic', 'BackupFail', 'ClientFail', 'LossyNetwork', 'LossyBackupFail'],
  },
  {
    name: 'stored-answer-true',
    bug: 'servers remember that a request ran but not its answer: a re-sent request always gets true',
    edits: server('this.answered.set(args.clientId, { seq: args.seq, ok });', 'this.answered.set(args.clientId, { seq: args.seq, ok: true });'),
    losesAtLeast: ['PrimaryFail3', 'PrimaryFail4', 'PrimaryFail5', 'PrimaryFail8', 'PrimaryFail9'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'PrimaryFailAfterReply', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'ManyClients'],
  },
  {
    name: 'no-duplicate-detection',
    bug: 'servers run a re-sent request again instead of answering with the stored reply',
    edits: server('if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };', ''),
    losesAtLeast: ['PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'ManyClients', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail'],
  },
  {
    name: 'fresh-id-on-resend',
    bug: 'the Clerk gives a re-sent request a new sequence number, so servers cannot recognize it',
    edits: client('const result = await call<LockReply>(server, op, args,', 'const result = await call<LockReply>(server, op, { ...args, seq: ++this.seq },'),
    losesAtLeast: ['PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'ManyClients', 'LossyNetwork'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail'],
  },
  {
    name: 'switch-on-timeout',
    bug: 'the Clerk takes a timeout for a dead primary and switches to the backup, though a lost message is all it was',
    edits: client("if (result.error !== 'unreachable') continue;", ''),
    losesAtLeast: ['LossyBackupFail'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail'],
  },
  {
    name: 'no-retry-on-timeout',
    bug: 'the Clerk gives up on a request whose answer was lost and returns false',
    edits: client("if (result.error !== 'unreachable') continue;", "if (result.error !== 'unreachable') return false;"),
    losesAtLeast: ['PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'LossyNetwork'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail'],
  },
  {
    name: 'filter-only-at-backup',
    bug: 'only the backup recognizes re-sent and duplicated requests; the primary runs them again',
    edits: server(
      'if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };',
      "if (last && args.seq === last.seq && this.role === 'backup') return { ok: last.ok, fresh: false };",
    ),
    losesAtLeast: ['LossyNetwork'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9'],
  },
  {
    name: 'backup-dead-after-one-loss',
    bug: 'the primary takes one lost forward for a dead backup and carries on alone',
    edits: server("if (forwarded.error === 'unreachable') this.backupAlive = false;", 'this.backupAlive = false;'),
    losesAtLeast: ['DuplicateDuringForward', 'LossyPrimaryFail'],
    mustNotLose: ['Basic', 'PrimaryFail1', 'BackupFail', 'ClientFail', 'PrimaryFail2', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9'],
  },

  // ---- harmless: correct designs that differ from the reference; they must lose nothing ----
  {
    name: 'heartbeat',
    bug: 'harmless: the primary also pings the backup every 10 ms',
    edits: server(
      "    handle('Forward',",
      "    handle('Ping', () => ({}));\n" +
        '    if (this.backupAlive) {\n' +
        '      const ping = setInterval(() => {\n' +
        "        void call(this.backup!, 'Ping', {}, { timeoutMs: FORWARD_TIMEOUT_MS }).then((r) => {\n" +
        "          if (!r.ok && r.error === 'unreachable') clearInterval(ping);\n" +
        '        });\n' +
        '      }, 10);\n' +
        '    }\n' +
        "    handle('Forward',",
    ),
    losesAtLeast: [],
    mustNotLose: 'all-others',
  },
  {
    name: 'forward-resends-too',
    bug: 'harmless: the primary forwards re-sent copies too (the backup recognizes them)',
    edits: server('while (fresh && this.backupAlive) {', 'while (this.backupAlive) {'),
    losesAtLeast: [],
    mustNotLose: 'all-others',
  },
  {
    name: 'clerk-retries-dead-primary',
    bug: 'harmless: after the primary failed, the Clerk still tries it again now and then (it refuses at once)',
    edits: client('const server = this.primaryDead ? this.backup : this.primary;', 'const server = this.primaryDead && random() < 0.7 ? this.backup : this.primary;'),
    losesAtLeast: [],
    mustNotLose: 'all-others',
  },
  {
    name: 'clerk-long-timeout',
    bug: 'harmless: the Clerk waits 1.5 s for an answer before asking again',
    edits: [{ file: 'lockservice/common.ts', find: 'export const CLERK_TIMEOUT_MS = 400;', replace: 'export const CLERK_TIMEOUT_MS = 1500;' }],
    losesAtLeast: [],
    mustNotLose: 'all-others',
  },
];

/** Writes the variant's implementation folder (an edited copy of solutions/) and returns it. */
export function materialize(mutant: Mutant): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-mutant-${mutant.name}-`));
  cpSync(path.join(LOCKLAB_ROOT, 'solutions'), dir, { recursive: true });
  for (const edit of mutant.edits) {
    const file = path.join(dir, edit.file);
    const source = readFileSync(file, 'utf8');
    if (!source.includes(edit.find)) {
      throw new Error(`mutant ${mutant.name}: the reference's ${edit.file} no longer contains ${JSON.stringify(edit.find)}; update the mutant`);
    }
    writeFileSync(file, source.replace(edit.find, edit.replace));
  }
  return dir;
}
