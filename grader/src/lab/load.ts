/**
 * Finds and validates labs: `labs/<id>/lab.ts`, default-exporting `defineLab({...})`, and the
 * lab's hidden tests: every `labs/<id>/<hidden folder>/*.ts` (the folder is never shipped to
 * students) default-exports an array of `defineTest(...)`; they are graded after the lab's own.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { LabManifestSchema, type GradedTest, type LabManifest } from './manifest.ts';

export const LABS_DIR = path.join(LOCKLAB_ROOT, 'labs');

export interface LoadedLab {
  /** The manifest; its `tests` are the lab's own, then the hidden ones (each with `hidden: true`). */
  manifest: LabManifest;
  dir: string;
  /** Where the lab's hidden tests live (absolute; it may not exist, as in a student's copy). */
  hiddenDir: string;
}

export interface LoadOptions {
  /** Load the hidden tests when their folder exists (default true); false gives the students' view. */
  hidden?: boolean;
}

/** Lab ids that exist, sorted. */
export function listLabIds(labsDir = LABS_DIR): string[] {
  if (!existsSync(labsDir)) return [];
  return readdirSync(labsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(labsDir, d.name, 'lab.ts')))
    .map((d) => d.name)
    .sort();
}

export class LabNotFound extends Error {}

export async function loadLab(id: string, labsDir = LABS_DIR, options: LoadOptions = {}): Promise<LoadedLab> {
  const known = listLabIds(labsDir);
  if (!known.includes(id)) throw new LabNotFound(`unknown lab "${id}"; labs: ${known.join(', ') || '(none)'}`);
  const dir = path.join(labsDir, id);
  const module = (await import(pathToFileURL(path.join(dir, 'lab.ts')).href)) as { default?: unknown };
  const parsed = LabManifestSchema.safeParse(module.default);
  if (!parsed.success) {
    throw new LabNotFound(`labs/${id}/lab.ts is not a valid lab manifest: ${z.prettifyError(parsed.error)}`);
  }
  if (parsed.data.id !== id) throw new LabNotFound(`labs/${id}/lab.ts declares id "${parsed.data.id}"; it must match its folder`);
  const shipped = parsed.data.tests.find((t) => t.hidden === true);
  if (shipped) {
    throw new LabNotFound(`labs/${id}/lab.ts lists ${shipped.name}, which is marked hidden: hidden tests live in labs/${id}/${parsed.data.hidden.folder}/, which students never get`);
  }
  const hiddenDir = path.join(dir, parsed.data.hidden.folder);
  if (options.hidden === false || !existsSync(hiddenDir)) return { manifest: parsed.data, dir, hiddenDir };
  const hidden = await loadHiddenTests(id, hiddenDir, parsed.data.hidden.folder);
  // Validated again as a whole: names unique across both, parts known.
  const all = LabManifestSchema.safeParse({ ...(module.default as object), tests: [...parsed.data.tests, ...hidden] });
  if (!all.success) throw new LabNotFound(`labs/${id} with its hidden tests is not a valid lab: ${z.prettifyError(all.error)}`);
  return { manifest: all.data, dir, hiddenDir };
}

/** Every `*.ts` directly in the folder, in name order, each default-exporting an array of tests. */
async function loadHiddenTests(id: string, hiddenDir: string, folder: string): Promise<GradedTest[]> {
  const files = readdirSync(hiddenDir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts'))
    .map((d) => d.name)
    .sort();
  const tests: GradedTest[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(hiddenDir, file)).href)) as { default?: unknown };
    const list = module.default;
    if (!Array.isArray(list) || !list.every((t) => typeof t === 'object' && t !== null && typeof (t as GradedTest).run === 'function')) {
      throw new LabNotFound(`labs/${id}/${folder}/${file} must default-export an array of defineTest(...) (helpers go in a subfolder)`);
    }
    tests.push(...(list as GradedTest[]).map((t) => ({ ...t, hidden: true })));
  }
  return tests;
}
