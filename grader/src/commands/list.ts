/** `locklab list [<lab>] [--all]`: labs, parts, tests and points; hidden tests only with --all. */
import chalk from 'chalk';
import { NAMED_MODELS } from '../faults/failure-model.ts';
import { listLabIds, loadLab } from '../lab/load.ts';
import { EXIT } from './common.ts';

export async function listCommand(args: string[]): Promise<number> {
  const all = args.includes('--all');
  const labArgs = args.filter((a) => a !== '--all');
  const ids = labArgs.length > 0 ? labArgs : listLabIds();
  for (const id of ids) {
    const { manifest } = await loadLab(id);
    const hidden = manifest.tests.filter((t) => t.hidden);
    const shown = all ? manifest.tests : manifest.tests.filter((t) => !t.hidden);
    const points = (tests: typeof shown) => tests.reduce((a, t) => a + t.points, 0);
    const ofHidden = all && hidden.length > 0 ? `, ${points(hidden)} of them hidden` : '';
    console.log(chalk.bold(`${manifest.id}: ${manifest.title}`) + chalk.dim(`  (${points(shown)} points${ofHidden}; failure model: ${manifest.failureModel})`));
    for (const part of manifest.parts) {
      const tests = shown.filter((t) => t.part === part.id);
      console.log(`  Part ${part.id}: ${part.title} (${points(tests)} points)`);
      const width = Math.max(...tests.map((t) => t.name.length));
      for (const t of tests) console.log(`    ${t.name.padEnd(width)}  ${String(t.points).padStart(3)}  ${t.hidden ? chalk.magenta('hidden ') : ''}${chalk.dim(t.description)}`);
    }
    if (!all && hidden.length > 0) console.log(chalk.dim(`  and ${hidden.length} hidden test(s), ${points(hidden)} points: \`locklab list ${manifest.id} --all\` shows them`));
  }
  if (labArgs.length === 0) {
    console.log(chalk.bold('failure models') + chalk.dim('  (locklab grade <lab> --faults NAME; see docs/failure-models.md)'));
    const width = Math.max(...Object.keys(NAMED_MODELS).map((n) => n.length));
    for (const model of Object.values(NAMED_MODELS)) console.log(`  ${model.name.padEnd(width)}  ${chalk.dim(model.description ?? '')}`);
  }
  return EXIT.passed;
}

