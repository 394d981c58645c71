/** Finds and validates labs: `labs/<id>/lab.ts`, default-exporting `defineLab({...})`. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { LabManifestSchema, type LabManifest } from './manifest.ts';

export const LABS_DIR = path.join(LOCKLAB_ROOT, 'labs');

export interface LoadedLab {
  manifest: LabManifest;
  dir: string;
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

export async function loadLab(id: string, labsDir = LABS_DIR): Promise<LoadedLab> {
  const known = listLabIds(labsDir);
  if (!known.includes(id)) throw new LabNotFound(`unknown lab "${id}"; labs: ${known.join(', ') || '(none)'}`);
  const dir = path.join(labsDir, id);
  const module = (await import(pathToFileURL(path.join(dir, 'lab.ts')).href)) as { default?: unknown };
  const parsed = LabManifestSchema.safeParse(module.default);
  if (!parsed.success) {
    throw new LabNotFound(`labs/${id}/lab.ts is not a valid lab manifest: ${z.prettifyError(parsed.error)}`);
  }
  if (parsed.data.id !== id) throw new LabNotFound(`labs/${id}/lab.ts declares id "${parsed.data.id}"; it must match its folder`);
  return { manifest: parsed.data, dir };
}
