/**
 * Colour: chalk decides from the terminal and `FORCE_COLOR` (colour even into a pipe or a file;
 * `FORCE_COLOR=0` none), but it does not read `NO_COLOR`. Here `NO_COLOR` (set and not empty,
 * as no-color.org defines it) turns colour off, unless `FORCE_COLOR` asks for it: the same
 * precedence as Node's own `tty.getColorDepth()`.
 */
import chalk from 'chalk';

export function applyColorEnv(env: NodeJS.ProcessEnv, target: { level: number } = chalk): void {
  if (env.FORCE_COLOR !== undefined) return;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') target.level = 0;
}
