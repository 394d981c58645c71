/**
 * Known-buggy implementations of lab 1, each the reference with one deliberate bug, and
 * the graded tests each must lose. A mutant is a text edit of the reference (not a copy),
 * so the reference stays the one place where the correct code lives; an edit whose text
 * is no longer found fails loudly instead of silently grading the reference.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';

export interface Mutant {
  name: string;
  /** The bug, in words. */
  bug: string;
  file: 'lockservice/server.ts' | 'lockservice/client.ts' | 'lockservice/common.ts';
  find: string;
  replace: string;
  /** Graded tests this mutant must fail on seeds 1 and 2, and only these. */
  loses: string[];
}

/** The seeds the mutant suite grades on: the `loses` lists hold for exactly these. */
export const MUTANT_SEEDS = [1, 2];

export const MUTANTS: Mutant[] = [
  {
    name: 'no-forward',
    bug: 'the primary never forwards to the backup',
    file: 'lockservice/server.ts',
    find: "this.backupAlive = role === 'primary' && backup !== null;",
    replace: 'this.backupAlive = false;',
    loses: ['PrimaryFail1', 'PrimaryFailAfterReply', 'BackupFail', 'Many', 'PrimaryFail2', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail5', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'LossyPrimaryFail', 'ResendStorm'],
  },
  {
    name: 'lock-ignores-holder',
    bug: 'Lock takes a lock even when it is held',
    file: 'lockservice/server.ts',
    find: 'if (this.held.has(name)) return false;',
    replace: '',
    loses: ['Basic', 'PrimaryFail1', 'PrimaryFailAfterReply', 'BackupFail', 'Many', 'ConcurrentCounts', 'ClientFail', 'PrimaryFail2', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'RandomKill', 'ClientFailMidOp', 'RandomClientFail', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm'],
  },
  {
    name: 'forward-only-successful',
    bug: 'the primary forwards only operations that returned true',
    file: 'lockservice/server.ts',
    find: 'while (fresh && this.backupAlive) {',
    replace: 'while (fresh && this.backupAlive && ok) {',
    loses: ['PrimaryFail1', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail5', 'PrimaryFail8', 'PrimaryFail9', 'ResendStorm'],
  },
  {
    name: 'reply-before-backup',
    bug: "the primary sends the copy to the backup but replies without waiting for the backup's answer",
    file: 'lockservice/server.ts',
    find: 'while (fresh && this.backupAlive) {',
    replace: "if (fresh && this.backupAlive) void call<ForwardReply>(this.backup!, 'Forward', { op, args });\n    while (false) {",
    loses: ['PrimaryFailAfterReply', 'Many', 'ConcurrentCounts', 'RandomKill', 'LossyPrimaryFail', 'ResendStorm'],
  },
  {
    name: 'no-failover',
    bug: 'the Clerk never switches to the backup; it keeps retrying the primary',
    file: 'lockservice/client.ts',
    find: 'if (server === this.primary) this.primaryDead = true;',
    replace: 'if (server === this.primary) await sleep(100);',
    loses: ['PrimaryFail1', 'PrimaryFailAfterReply', 'Many', 'ConcurrentCounts', 'PrimaryFail2', 'PrimaryFail3', 'PrimaryFail4', 'PrimaryFail5', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'RandomKill', 'RandomClientFail', 'LossyPrimaryFail', 'ResendStorm'],
  },
  {
    name: 'no-duplicate-detection',
    bug: 'servers run a re-sent request again instead of answering with the stored reply',
    file: 'lockservice/server.ts',
    find: 'if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };',
    replace: '',
    loses: ['Many', 'ConcurrentCounts', 'PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'RandomKill', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm'],
  },
  {
    name: 'fresh-id-on-resend',
    bug: 'the Clerk gives a re-sent request a new sequence number, so servers cannot recognize it',
    file: 'lockservice/client.ts',
    find: 'const result = await call<LockReply>(server, op, args,',
    replace: 'const result = await call<LockReply>(server, op, { ...args, seq: ++this.seq },',
    loses: ['Many', 'ConcurrentCounts', 'PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'PrimaryFail8', 'PrimaryFail9', 'RandomKill', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm'],
  },

  {
    name: 'switch-on-timeout',
    bug: 'the Clerk takes a timeout for a dead primary and switches to the backup, though a lost message is all it was',
    file: 'lockservice/client.ts',
    find: "if (result.error !== 'unreachable') continue;",
    replace: '',
    loses: ['LossyBackupFail'],
  },
  {
    name: 'no-retry-on-timeout',
    bug: 'the Clerk gives up on a request whose answer was lost and returns false',
    file: 'lockservice/client.ts',
    find: "if (result.error !== 'unreachable') continue;",
    replace: "if (result.error !== 'unreachable') return false;",
    loses: ['Many', 'ConcurrentCounts', 'PrimaryFail2', 'PrimaryFail6', 'PrimaryFail7', 'RandomKill', 'LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail', 'ResendStorm'],
  },
  {
    name: 'filter-only-at-backup',
    bug: 'only the backup recognizes re-sent and duplicated requests; the primary runs them again',
    file: 'lockservice/server.ts',
    find: 'if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };',
    replace: "if (last && args.seq === last.seq && this.role === 'backup') return { ok: last.ok, fresh: false };",
    loses: ['LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail'],
  },
  {
    name: 'backup-dead-after-one-loss',
    bug: 'the primary takes one lost forward for a dead backup and carries on alone',
    file: 'lockservice/server.ts',
    find: "if (forwarded.error === 'unreachable') this.backupAlive = false;",
    replace: 'this.backupAlive = false;',
    loses: ['LossyPrimaryFail'],
  },
];

/** Writes the mutant's implementation folder (a patched copy of solutions/) and returns it. */
export function materialize(mutant: Mutant): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-mutant-${mutant.name}-`));
  cpSync(path.join(LOCKLAB_ROOT, 'solutions'), dir, { recursive: true });
  const file = path.join(dir, mutant.file);
  const source = readFileSync(file, 'utf8');
  if (!source.includes(mutant.find)) {
    throw new Error(`mutant ${mutant.name}: the reference's ${mutant.file} no longer contains ${JSON.stringify(mutant.find)}; update the mutant`);
  }
  writeFileSync(file, source.replace(mutant.find, mutant.replace));
  return dir;
}
