/**
 * `locklab docs [--check]`: rewrites the generated sections of the README, docs/*.md and the
 * labs' handouts from the commands their markers name (see docs/generated.ts); with --check,
 * writes nothing and fails when a document is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { documents, regenerate } from '../docs/generated.ts';
import { listText } from './list.ts';
import { EXIT, UsageError } from './common.ts';

/** The text a marker's command gives: only `locklab list ... --markdown` may fill a document. */
export async function generatedText(args: string[]): Promise<string> {
  if (args[0] !== 'list' || !args.includes('--markdown')) {
    throw new UsageError(`a generated section runs \`locklab list <lab> --markdown ...\`, not \`locklab ${args.join(' ')}\``);
  }
  return listText(args.slice(1));
}

/** The documents under `root` whose generated sections differ from what their commands give now. */
export async function staleDocuments(root = LOCKLAB_ROOT): Promise<{ file: string; now: string; wanted: string }[]> {
  const stale = [];
  for (const file of documents(root)) {
    const now = readFileSync(path.join(root, file), 'utf8');
    const wanted = await regenerate(now, generatedText);
    if (wanted !== now) stale.push({ file, now, wanted });
  }
  return stale;
}

export async function docsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { check: { type: 'boolean' } } });
  const stale = await staleDocuments();
  if (values.check) {
    if (stale.length === 0) return EXIT.passed;
    console.error(`locklab: generated sections out of date in ${stale.map((s) => s.file).join(', ')}; \`npx locklab docs\` rewrites them`);
    return EXIT.failed;
  }
  for (const { file, wanted } of stale) {
    writeFileSync(path.join(LOCKLAB_ROOT, file), wanted);
    console.log(`updated ${file}`);
  }
  if (stale.length === 0) console.log('every generated section is up to date');
  return EXIT.passed;
}
