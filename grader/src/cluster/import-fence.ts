/**
 * What a submission may bring into its bundle. The bundler would follow any import to any
 * file on the grading machine (`export * from '/path/to/solutions/lockservice/server.ts'`), and
 * staging would copy a student file that is a symbolic link to the reference; both would hand
 * the reference solution's work to the student. So:
 * - a staged file may import staged files, installed packages (node_modules) and Node's
 *   modules; `locklab/runtime` is resolved by the runtime plugin to the grader's runtime, whose
 *   own imports stay inside `grader/src/`;
 * - a student file must be a regular file inside the implementation folder.
 */
import type { Plugin } from 'esbuild';
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

const FENCED = Symbol('locklab-import-fence');

const inside = (dir: string, file: string) => file === dir || file.startsWith(dir + path.sep);

/**
 * An esbuild plugin (after the runtime plugin) that refuses an import resolving outside the
 * stage, the trusted grader sources (for imports made by them) and node_modules.
 */
export function importFence(stageDir: string, graderSrc: string, studentFiles: readonly string[]): Plugin {
  return {
    name: 'locklab-import-fence',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === FENCED || args.kind === 'entry-point') return undefined;
        const result = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: FENCED,
        });
        if (result.errors.length > 0 || result.external || result.namespace !== 'file') return undefined;
        const target = result.path;
        const allowed =
          inside(stageDir, target) ||
          target.split(path.sep).includes('node_modules') ||
          (inside(graderSrc, target) && inside(graderSrc, args.importer));
        if (allowed) return undefined;
        return {
          errors: [
            {
              text:
                `"${args.path}" is outside the implementation: a submission may import only its own files ` +
                `(${studentFiles.join(', ')}), locklab/runtime, Node's modules and installed packages`,
            },
          ],
        };
      });
    },
  };
}

/** Why a student file cannot be staged (a link, or not a regular file), or undefined if it can. */
export function unstageable(implDir: string, file: string): string | undefined {
  const full = path.join(implDir, file);
  const stat = lstatSync(full);
  if (stat.isSymbolicLink()) return `${file} is a symbolic link; submit the file itself`;
  if (!stat.isFile()) return `${file} is not a regular file`;
  if (!inside(realpathSync(implDir), realpathSync(full))) return `${file} lies outside the implementation folder (through a linked folder); submit the file itself`;
  return undefined;
}
