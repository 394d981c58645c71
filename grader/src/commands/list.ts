/**
 * `locklab list [<lab>] [--all] [--markdown [--part P | --summary]]`: labs, parts, tests and
 * points; hidden tests only with --all. `--markdown` gives the tables (or the one-sentence
 * summary) that the documents' generated sections hold.
 */
import { parseArgs } from 'node:util';
import chalk from 'chalk';
import { labSummary, partTable, partTables } from '../docs/lab-tables.ts';
import { NAMED_MODELS } from '../faults/failure-model.ts';
import { listLabIds, loadLab } from '../lab/load.ts';
import { count } from '../report/wording.ts';
import { EXIT, UsageError } from './common.ts';

export async function listCommand(args: string[]): Promise<number> {
  process.stdout.write(await listText(args));
  return EXIT.passed;
}

/** What `locklab list` prints, as text. */
export async function listText(args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean' }, markdown: { type: 'boolean' }, part: { type: 'string' }, summary: { type: 'boolean' } },
  });
  const all = values.all ?? false;
  if (values.markdown) {
    if (positionals.length !== 1) throw new UsageError('--markdown lists one lab, e.g. `locklab list lab1 --markdown`');
    const { manifest } = await loadLab(positionals[0]!);
    const tests = all ? manifest.tests : manifest.tests.filter((t) => !t.hidden);
    if (values.part !== undefined && !manifest.parts.some((p) => p.id === values.part)) {
      throw new UsageError(`unknown part "${values.part}" of ${manifest.id}; parts: ${manifest.parts.map((p) => p.id).join(', ')}`);
    }
    if (values.summary) return `${labSummary(manifest, tests)}\n`;
    return `${values.part !== undefined ? partTable(manifest, tests, values.part) : partTables(manifest, tests)}\n`;
  }
  if (values.part !== undefined || values.summary) throw new UsageError('--part and --summary go with --markdown');

  const lines: string[] = [];
  const ids = positionals.length > 0 ? positionals : listLabIds();
  for (const id of ids) {
    const { manifest } = await loadLab(id);
    const hidden = manifest.tests.filter((t) => t.hidden);
    const shown = all ? manifest.tests : manifest.tests.filter((t) => !t.hidden);
    const points = (tests: typeof shown) => tests.reduce((a, t) => a + t.points, 0);
    const ofHidden = all && hidden.length > 0 ? `, ${points(hidden)} of them hidden` : '';
    lines.push(chalk.bold(`${manifest.id}: ${manifest.title}`) + chalk.dim(`  (${points(shown)} points${ofHidden}; failure model: ${manifest.failureModel})`));
    for (const part of manifest.parts) {
      const tests = shown.filter((t) => t.part === part.id);
      lines.push(`  Part ${part.id}: ${part.title} (${points(tests)} points)`);
      const width = Math.max(...tests.map((t) => t.name.length));
      for (const t of tests) lines.push(`    ${t.name.padEnd(width)}  ${String(t.points).padStart(3)}  ${t.hidden ? chalk.magenta('hidden ') : ''}${chalk.dim(t.description)}`);
    }
    if (!all && hidden.length > 0) lines.push(chalk.dim(`  and ${count(hidden.length, 'hidden test')}, ${points(hidden)} points: \`locklab list ${manifest.id} --all\` shows them`));
  }
  if (positionals.length === 0) {
    lines.push(chalk.bold('failure models') + chalk.dim('  (locklab grade <lab> --faults NAME; see docs/failure-models.md)'));
    const width = Math.max(...Object.keys(NAMED_MODELS).map((n) => n.length));
    for (const model of Object.values(NAMED_MODELS)) lines.push(`  ${model.name.padEnd(width)}  ${chalk.dim(model.description ?? '')}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
