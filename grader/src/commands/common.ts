/** What every command shares: exit codes, the one-line error that means "cannot run", option checks. */
import { z } from 'zod';

export const EXIT = { passed: 0, failed: 1, cannotRun: 2 } as const;

/** A reason the command cannot run: printed as one line, exit 2. */
export class UsageError extends Error {}

/** A command: takes its arguments, returns the exit code. */
export type Command = (args: string[]) => number | Promise<number>;

/** An option that takes a whole number of at least 1 (`--jobs`, `--seeds K`, ...), named in its errors. */
export const positiveInt = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= 1, `${what} must be at least 1`);
