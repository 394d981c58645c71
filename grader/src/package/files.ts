/**
 * The repository's files, as packaging sees them: what the grader is (package.json's `files`,
 * plus the manifest and the lock file that `npm ci` needs), and walking folders without the
 * things that are never shipped (node_modules, .git, the grader's own scratch folder).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Never packed from anywhere. */
const SKIPPED_NAMES = new Set(['node_modules', '.git', '.locklab', '.DS_Store']);
const skippedFile = (name: string) => SKIPPED_NAMES.has(name) || name.endsWith('.tmp');

/** A file to ship: its path in the package (forward slashes) and where it comes from. */
export interface PackedFile {
  path: string;
  source: string;
  mode: number;
}

/** Every file under `dir` (recursively, sorted), as paths relative to `root`. */
export function walk(root: string, dir: string, exclude: (relative: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const visit = (relative: string) => {
    const absolute = path.join(root, relative);
    for (const entry of readdirSync(absolute, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (skippedFile(entry.name)) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (exclude(child)) continue;
      if (entry.isDirectory()) visit(child);
      else if (entry.isFile()) found.push(child);
    }
  };
  if (existsSync(path.join(root, dir))) visit(dir);
  return found;
}

export const packed = (root: string, relative: string, as = relative): PackedFile => ({
  path: as,
  source: path.join(root, relative),
  mode: statSync(path.join(root, relative)).mode & 0o111 ? 0o755 : 0o644,
});

const PackageJsonSchema = z.looseObject({
  name: z.string(),
  files: z.array(z.string()).optional(),
  scripts: z.record(z.string(), z.string()).optional(),
});
export type PackageJson = z.infer<typeof PackageJsonSchema>;

export function readPackageJson(root: string): PackageJson {
  return PackageJsonSchema.parse(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')));
}

/** What the grader is when package.json does not say (`files`). */
const DEFAULT_GRADER_PATHS = ['bin', 'grader/src', 'labs', 'tsconfig.json'];

/**
 * The grader's files: package.json's `files` (folders and files; `labs/` filtered by `keepLab`),
 * with package.json and package-lock.json. Relative to `root`, sorted.
 */
export function graderFiles(root: string, keep: (relative: string) => boolean = () => true): string[] {
  const entries = (readPackageJson(root).files ?? DEFAULT_GRADER_PATHS).map((p) => p.replace(/\/+$/, ''));
  const files = new Set(['package.json', 'package-lock.json']);
  for (const entry of entries) {
    const absolute = path.join(root, entry);
    if (!existsSync(absolute)) continue;
    if (statSync(absolute).isDirectory()) for (const f of walk(root, entry, (r) => !keep(r))) files.add(f);
    else if (keep(entry)) files.add(entry);
  }
  return [...files].filter((f) => existsSync(path.join(root, f))).sort();
}

/** Only the given labs' folders under labs/ (and `exceptIn`: their folders left out, e.g. hidden tests). */
export function labFilter(labs: readonly string[], leaveOut: readonly string[] = []): (relative: string) => boolean {
  return (relative) => {
    const parts = relative.split('/');
    if (parts[0] !== 'labs' || parts.length < 2) return true;
    if (!labs.includes(parts[1]!)) return false;
    return !leaveOut.some((prefix) => relative === prefix || relative.startsWith(`${prefix}/`));
  };
}
