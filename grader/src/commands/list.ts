/** `locklab list [<lab>]`: labs, parts, tests and points. */
import chalk from 'chalk';
import { listLabIds, loadLab } from '../lab/load.ts';
import { EXIT } from './common.ts';

export async function listCommand(args: string[]): Promise<number> {
  const ids = args.length > 0 ? args : listLabIds();
  for (const id of ids) {
    const { manifest } = await loadLab(id);
    const total = manifest.tests.reduce((a, t) => a + t.points, 0);
    console.log(chalk.bold(`${manifest.id}: ${manifest.title}`) + chalk.dim(`  (${total} points; failure model: ${manifest.failureModel})`));
    for (const part of manifest.parts) {
      const tests = manifest.tests.filter((t) => t.part === part.id);
      console.log(`  Part ${part.id}: ${part.title} (${tests.reduce((a, t) => a + t.points, 0)} points)`);
      const width = Math.max(...tests.map((t) => t.name.length));
      for (const t of tests) console.log(`    ${t.name.padEnd(width)}  ${String(t.points).padStart(3)}  ${chalk.dim(t.description)}`);
    }
  }
  return EXIT.passed;
}

