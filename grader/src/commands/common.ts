/** What every command shares: exit codes, and the one-line error that means "cannot run". */

export const EXIT = { passed: 0, failed: 1, cannotRun: 2 } as const;

/** A reason the command cannot run: printed as one line, exit 2. */
export class UsageError extends Error {}

/** A command: takes its arguments, returns the exit code. */
export type Command = (args: string[]) => number | Promise<number>;
