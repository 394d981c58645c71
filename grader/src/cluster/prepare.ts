/**
 * Turns a student's folder into runnable node bundles, once per grading run:
 * 1. stage: a fresh temporary folder with the lab's trusted scaffold and ONLY the
 *    manifest's student files (nothing else from the student's folder is read);
 * 2. type-check it (errors shown against the student's own paths);
 * 3. bundle each role's entry with esbuild into one plain-JS file, so a node starts as
 *    `node bundle.mjs` with no TypeScript loader.
 */
import { build, type Plugin } from 'esbuild';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabManifest } from '../lab/manifest.ts';
import { importFence, unstageable } from './import-fence.ts';
import { trackTempDir } from './teardown.ts';

/** The repository (or installed package) root: grader/src/cluster/../../.. */
export const LOCKLAB_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNTIME_DIR = path.join(LOCKLAB_ROOT, 'grader/src/runtime');
const RUNTIME_MODULES: Record<string, string> = {
  'locklab/runtime': path.join(RUNTIME_DIR, 'index.ts'),
  'locklab/runtime/bootstrap': path.join(RUNTIME_DIR, 'bootstrap.ts'),
};

export interface PreparedImplementation {
  /** The run's temporary folder; removed by `dispose()`. */
  workDir: string;
  /** Role name -> bundled entry. */
  bundles: Record<string, string>;
  /** Maps a stack trace from the bundles back to the student's files. */
  sourceMaps: Record<string, string>;
  stageDir: string;
  implDir: string;
  /** Shows a staged file (e.g. from a stack trace) at the path the student or lab author knows. */
  displayPath(file: string): string;
  dispose(): void;
}

/** The implementation cannot be graded: it does not type-check or bundle. Every test scores 0. */
export class CompileError extends Error {
  constructor(readonly details: string[]) {
    super(`the implementation does not compile:\n${details.join('\n')}`);
  }
}

/** The implementation folder is missing or lacks files: grading cannot run at all. */
export class ImplementationNotFound extends Error {}

export interface PrepareOptions {
  typecheck: boolean;
  /** Type-checking or bundling is over (they run at once): what a status line shows. */
  onStepDone?(step: PrepareStep): void;
}

export type PrepareStep = 'type-check' | 'bundle';

/** Throws ImplementationNotFound unless `implDir` is a folder with every student file of the lab. */
export function assertImplementation(lab: Pick<LabManifest, 'id' | 'studentFiles'>, implDir: string): void {
  const impl = path.resolve(implDir);
  if (!existsSync(impl) || !statSync(impl).isDirectory()) {
    throw new ImplementationNotFound(`implementation folder ${implDir} does not exist (expected a folder with ${lab.studentFiles.join(', ')})`);
  }
  const missing = lab.studentFiles.filter((f) => !existsSync(path.join(impl, f)));
  if (missing.length > 0) {
    throw new ImplementationNotFound(`implementation folder ${implDir} lacks ${missing.join(', ')} (lab ${lab.id} needs ${lab.studentFiles.join(', ')})`);
  }
}

export async function prepareImplementation(
  lab: LabManifest,
  labDir: string,
  implDir: string,
  options: PrepareOptions,
): Promise<PreparedImplementation> {
  assertImplementation(lab, implDir);
  const impl = path.resolve(implDir);

  const workDir = mkdtempSync(path.join(tmpdir(), `locklab-${lab.id}-`));
  const untrack = trackTempDir(workDir); // removed on Ctrl-C too
  const dispose = () => {
    rmSync(workDir, { recursive: true, force: true });
    untrack();
  };
  try {
    const stageDir = path.join(workDir, 'stage');
    cpSync(path.join(labDir, lab.scaffold), stageDir, { recursive: true });
    for (const file of lab.studentFiles) {
      const refused = unstageable(impl, file);
      if (refused) throw new CompileError([refused]);
      mkdirSync(path.dirname(path.join(stageDir, file)), { recursive: true });
      writeFileSync(path.join(stageDir, file), readFileSync(path.join(impl, file)));
    }
    const outDir = path.join(workDir, 'bundle');
    const [typeErrors, bundles] = await Promise.all([
      options.typecheck ? typecheck(stageDir).finally(() => options.onStepDone?.('type-check')) : Promise.resolve([]),
      bundleRoles(lab, stageDir, outDir).finally(() => options.onStepDone?.('bundle')),
    ]);
    const displayPath = (file: string) => showPath(file, stageDir, implDir, lab, labDir);
    // tsc says everything esbuild would, and more precisely; esbuild speaks when type-checking is off.
    const errors = (typeErrors.length > 0 ? typeErrors : bundles.errors).map((e) => toStudentPaths(e, displayPath, stageDir));
    if (errors.length > 0) throw new CompileError(errors);
    const sourceMaps = Object.fromEntries(Object.entries(bundles.files).map(([role, file]) => [role, `${file}.map`]));
    return { workDir, bundles: bundles.files, sourceMaps, stageDir, implDir: impl, displayPath, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

async function typecheck(stageDir: string): Promise<string[]> {
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      typeRoots: [path.join(LOCKLAB_ROOT, 'node_modules/@types')],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      paths: Object.fromEntries(Object.entries(RUNTIME_MODULES).map(([name, file]) => [name, [file]])),
    },
    include: ['**/*.ts'],
  };
  writeFileSync(path.join(stageDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = path.join(LOCKLAB_ROOT, 'node_modules/typescript/bin/tsc');
  const result = await execa(process.execPath, [tsc, '-p', stageDir, '--pretty', 'false'], { reject: false, cwd: stageDir });
  if (result.exitCode === 0) return [];
  const lines = String(result.stdout).split('\n').filter((l) => l.trim().length > 0);
  return lines.length > 0 ? lines : [`tsc failed: ${result.stderr || result.stdout}`];
}

async function bundleRoles(lab: LabManifest, stageDir: string, outDir: string): Promise<{ files: Record<string, string>; errors: string[] }> {
  const runtimePlugin: Plugin = {
    name: 'locklab-runtime',
    setup(b) {
      b.onResolve({ filter: /^locklab\/runtime(\/bootstrap)?$/ }, (args) => ({ path: RUNTIME_MODULES[args.path]! }));
    },
  };
  const entryPoints = Object.fromEntries(Object.entries(lab.roles).map(([role, entry]) => [role, path.join(stageDir, entry)]));
  try {
    const result = await build({
      entryPoints,
      // Error locations relative to the stage, so they map back to the student's paths.
      absWorkingDir: stageDir,
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'external',
      logLevel: 'silent',
      plugins: [runtimePlugin, importFence(realpathSync(stageDir), realpathSync(path.join(LOCKLAB_ROOT, 'grader/src')), lab.studentFiles)],
      // An ESM bundle has no `require`; give student code one, as plain Node would.
      banner: { js: "import { createRequire as __locklabRequire } from 'node:module'; const require = __locklabRequire(import.meta.url);" },
    });
    const files = Object.fromEntries(Object.keys(lab.roles).map((role) => [role, path.join(outDir, `${role}.mjs`)]));
    return { files, errors: result.errors.map(formatEsbuildMessage) };
  } catch (err) {
    const errors = (err as { errors?: Parameters<typeof formatEsbuildMessage>[0][] }).errors;
    return { files: {}, errors: errors ? errors.map(formatEsbuildMessage) : [String(err)] };
  }
}

function formatEsbuildMessage(m: { text: string; location?: { file: string; line: number; column: number } | null }): string {
  return m.location ? `${m.location.file}(${m.location.line},${m.location.column + 1}): error: ${m.text}` : `error: ${m.text}`;
}

/**
 * How a file is shown to people: a student file at the student's own path, a scaffold file at
 * the lab's, anything else relative to the working directory. `file` is absolute, or relative
 * to the stage.
 */
function showPath(file: string, stageDir: string, implDir: string, lab: LabManifest, labDir: string): string {
  const inStage = path.isAbsolute(file) ? path.relative(stageDir, file) : file;
  if (inStage.startsWith('..') || path.isAbsolute(inStage)) return path.relative(process.cwd(), file);
  if (lab.studentFiles.includes(inStage)) return path.join(implDir, inStage);
  return path.relative(process.cwd(), path.join(labDir, lab.scaffold, inStage));
}

/** Rewrites staging paths in a compiler message into the paths the student (or lab author) knows. */
function toStudentPaths(message: string, show: (file: string) => string, stageDir: string): string {
  const relative = message.split(stageDir + path.sep).join('');
  return relative.replace(/^([^\s(]+\.ts)/, (file) => show(file));
}
