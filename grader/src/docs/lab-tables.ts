/**
 * A lab's tests and points as Markdown, from its manifest: what `locklab list --markdown` prints
 * and what the handout's and the README's generated sections hold, so that a test added, renamed
 * or re-weighted changes the documents with it.
 */
import type { GradedTest, LabManifest } from '../lab/manifest.ts';
import { count } from '../report/wording.ts';

const points = (tests: readonly GradedTest[]) => tests.reduce((a, t) => a + t.points, 0);

/** A table cell: pipes and line breaks would end the cell or the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** One part's tests as a table, with a total row. */
export function partTable(manifest: Pick<LabManifest, 'parts'>, tests: readonly GradedTest[], part: string): string {
  const mine = tests.filter((t) => t.part === part);
  const rows = mine.map((t) => `| \`${t.name}\`${t.hidden ? ' (hidden)' : ''} | ${t.points} | ${cell(t.description)} |`);
  return ['| Test | Points | What it checks |', '| --- | ---: | --- |', ...rows, `| ${count(mine.length, 'test')} | ${points(mine)} | |`].join('\n');
}

/** Every part: a line naming it, then its table. */
export function partTables(manifest: Pick<LabManifest, 'parts'>, tests: readonly GradedTest[]): string {
  return manifest.parts
    .filter((p) => tests.some((t) => t.part === p.id))
    .map((p) => `**Part ${p.id}: ${cell(p.title)}**\n\n${partTable(manifest, tests, p.id)}`)
    .join('\n\n');
}

/** One sentence: how many tests, parts and points (and how many of them hidden, if `tests` has any). */
export function labSummary(manifest: Pick<LabManifest, 'id' | 'title' | 'parts'>, tests: readonly GradedTest[]): string {
  const hidden = tests.filter((t) => t.hidden);
  const parts = new Set(tests.map((t) => t.part)).size;
  const ofHidden = hidden.length > 0 ? `, including ${count(hidden.length, 'hidden test')} worth ${points(hidden)} points that students do not get` : '';
  return `\`${manifest.id}\` (${manifest.title}): ${count(tests.length, 'test')} in ${count(parts, 'part')}, ${points(tests)} points${ofHidden}.`;
}
