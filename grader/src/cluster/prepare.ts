/**
 * Turns a student's folder into runnable node bundles, once per grading run:
 * 1. stage: a fresh temporary folder with the lab's trusted scaffold and ONLY the
 *    manifest's student files (nothing else from the student's folder is read), each of bounded
 *    size;
 * 2. type-check it (errors shown against the student's own paths);
 * 3. bundle each role's entry with esbuild into one plain-JS file, so a node starts as
 *    `node bundle.mjs` with no TypeScript loader.
 * Both compilers read untrusted source: each runs as a bounded process group of its own
 * (`bounded-process.ts`), and what they may read is fenced (`import-fence.ts`).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabManifest, Limits } from '../lab/manifest.ts';
import { inertLine } from '../text/untrusted.ts';
import { runBounded, type BoundedResult, type CompilerBounds } from './bounded-process.ts';
import { UNAVAILABLE_BUILTINS, checkBundleInputs, fenceMessage, parseFenceError, readStudentFile, unstageable, type BuildBounds } from './import-fence.ts';
import { COMPILE_LIMIT_DEFAULTS, formatBytes } from './limits.ts';
import { trackTempDir } from './teardown.ts';

/** The repository (or installed package) root: grader/src/cluster/../../.. */
export const LOCKLAB_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GRADER_SRC = path.join(LOCKLAB_ROOT, 'grader/src');
const RUNTIME_DIR = path.join(GRADER_SRC, 'runtime');
const RUNTIME_MODULES: Record<string, string> = {
  'locklab/runtime': path.join(RUNTIME_DIR, 'index.ts'),
  'locklab/runtime/bootstrap': path.join(RUNTIME_DIR, 'bootstrap.ts'),
};
const BUNDLE_WORKER = fileURLToPath(new URL('./bundle-worker.mjs', import.meta.url));
// An ESM bundle has no `require`; give student code one, as plain Node would. Without
// import.meta.resolve, module resolution at run time goes only through that require, which the
// sandbox's guard confines to Node's own modules.
const BANNER = "import { createRequire as __locklabRequire } from 'node:module'; const require = __locklabRequire(import.meta.url); delete import.meta.resolve;";

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
  /** The lab's limits (with any overrides); the staging and compiler limits are read from them. */
  limits?: Pick<Limits, 'sourceFileBytes' | 'sourceBytes' | 'compileWallMs' | 'compileMemoryMiB'>;
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
  const limits = { ...COMPILE_LIMIT_DEFAULTS, ...options.limits };

  const workDir = mkdtempSync(path.join(tmpdir(), `locklab-${lab.id}-`));
  const untrack = trackTempDir(workDir); // removed on Ctrl-C too
  const dispose = () => {
    rmSync(workDir, { recursive: true, force: true });
    untrack();
  };
  try {
    const stageDir = path.join(workDir, 'stage');
    cpSync(path.join(labDir, lab.scaffold), stageDir, { recursive: true });
    stageStudentFiles(lab, impl, stageDir, limits);
    writeStageTsconfig(stageDir);
    const outDir = path.join(workDir, 'bundle');
    const bounds: CompilerBounds = { wallMs: limits.compileWallMs, memoryMiB: limits.compileMemoryMiB };
    const fence: BuildBounds = {
      stage: realpathSync(stageDir),
      trustedRoots: [realpathSync(GRADER_SRC)],
      runtimeModules: Object.fromEntries(Object.entries(RUNTIME_MODULES).map(([name, file]) => [name, realpathSync(file)])),
      studentFiles: lab.studentFiles,
    };
    // One compiler that fails for a limit makes the other's work useless: it is stopped.
    const abort = new AbortController();
    const [typed, bundled] = await Promise.all([
      options.typecheck ? typecheck(stageDir, bounds, abort).finally(() => options.onStepDone?.('type-check')) : Promise.resolve(undefined),
      bundleRoles(lab, stageDir, outDir, fence, bounds, abort).finally(() => options.onStepDone?.('bundle')),
    ]);
    const displayPath = (file: string) => showPath(file, stageDir, implDir, lab, labDir);
    const errors = compileErrors(typed, bundled).map((e) => inertLine(toStudentPaths(e, displayPath, stageDir)));
    if (errors.length > 0) throw new CompileError(errors);
    const files = Object.fromEntries(Object.keys(lab.roles).map((role) => [role, path.join(outDir, `${role}.mjs`)]));
    const sourceMaps = Object.fromEntries(Object.entries(files).map(([role, file]) => [role, `${file}.map`]));
    return { workDir, bundles: files, sourceMaps, stageDir, implDir: impl, displayPath, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** Copies the student files into the stage: regular files inside the implementation folder, each and all of bounded size. */
function stageStudentFiles(lab: LabManifest, impl: string, stageDir: string, limits: { sourceFileBytes: number; sourceBytes: number }): void {
  let total = 0;
  for (const file of lab.studentFiles) {
    const refused = unstageable(impl, file);
    if (refused) throw new CompileError([refused]);
    const read = readStudentFile(impl, file, limits.sourceFileBytes);
    if ('refused' in read) throw new CompileError([read.refused]);
    total += read.bytes.length;
    if (total > limits.sourceBytes) {
      throw new CompileError([`the student files (${lab.studentFiles.join(', ')}) take more than ${formatBytes(limits.sourceBytes)} together; at most ${formatBytes(limits.sourceBytes)}`]);
    }
    mkdirSync(path.dirname(path.join(stageDir, file)), { recursive: true });
    writeFileSync(path.join(stageDir, file), read.bytes);
  }
}

/** What one compiler said: its error lines, or that it broke a limit (which is all that is then said). */
interface CompilerOutcome {
  errors: string[];
  /** The compiler broke a limit: the one line that explains it. */
  limit?: string;
  /** Refusals of the import fence: shown before anything else. */
  fence?: string[];
}

/**
 * The messages a student sees: a broken limit alone; else the fence's refusals, then tsc's
 * errors (it says everything esbuild would, more precisely), or esbuild's when type-checking
 * is off or found nothing.
 */
function compileErrors(typed: CompilerOutcome | undefined, bundled: CompilerOutcome): string[] {
  const limits = [typed?.limit, bundled.limit].filter((l): l is string => l !== undefined);
  if (limits.length > 0) return limits.slice(0, 1);
  const fence = bundled.fence ?? [];
  // tsc's "cannot find module" at an import the fence refused says less than the fence.
  const place = (line: string) => /^(.+?\(\d+),\d+\): error/.exec(line)?.[1];
  const refusedAt = new Set<string | undefined>(fence.map(place).filter((p) => p !== undefined));
  const typeErrors = (typed?.errors ?? []).filter((e) => !(/: error TS2307: /.test(e) && refusedAt.has(place(e))));
  return [...fence, ...(typeErrors.length > 0 ? typeErrors : bundled.errors)];
}

function limitBroken(result: BoundedResult, what: string, bounds: CompilerBounds): string | undefined {
  if (result.timedOut) {
    return `the implementation did not compile within ${bounds.wallMs / 1000} s: ${what} took longer (types that expand without end, or a very large file, keep the compiler busy)`;
  }
  if (result.outOfMemory) return `the implementation did not compile: ${what} ran out of memory (limit ${bounds.memoryMiB} MiB)`;
  return undefined;
}

/** The native type-checker of the `typescript` package (TypeScript 7 ships a Go binary), or its Node launcher as a fallback. */
function typescriptCompiler(): { file: string; args: string[] } {
  const require = createRequire(path.join(LOCKLAB_ROOT, 'node_modules/typescript/package.json'));
  try {
    const native = require.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    const exe = path.join(path.dirname(native), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
    if (existsSync(exe)) return { file: exe, args: [] };
  } catch {
    // no native package for this platform
  }
  return { file: process.execPath, args: [path.join(LOCKLAB_ROOT, 'node_modules/typescript/bin/tsc')] };
}

let runtimeSources: string[] | undefined;

/**
 * The grader's files that the runtime's modules import, transitively (its own code: read once,
 * by a plain scan of relative import specifiers). The type-checker gets these and nothing else
 * from outside the stage.
 */
function trustedRuntimeSources(): string[] {
  if (runtimeSources) return runtimeSources;
  const found = new Set<string>();
  const queue = Object.values(RUNTIME_MODULES);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (found.has(file)) continue;
    found.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)) queue.push(path.resolve(path.dirname(file), match[1]!));
  }
  runtimeSources = [...found].sort();
  return runtimeSources;
}

/**
 * The stage's tsconfig.json: the type-checker's configuration, and, for esbuild, the nearest
 * tsconfig of every staged file (so none above the stage is ever read).
 */
function writeStageTsconfig(stageDir: string): void {
  const types = path.join(LOCKLAB_ROOT, 'node_modules');
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: [],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      // Only the files listed below are read: an import of anything else is "cannot find
      // module", the same whether or not it exists, and quotes nothing of it.
      noResolve: true,
      paths: Object.fromEntries(Object.entries(RUNTIME_MODULES).map(([name, file]) => [name, [file]])),
    },
    files: trustedRuntimeSources(),
    include: ['**/*.ts', path.join(types, '@types/node/**/*.d.ts'), path.join(types, 'undici-types/**/*.d.ts')],
  };
  writeFileSync(path.join(stageDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
}

async function typecheck(stageDir: string, bounds: CompilerBounds, abort: AbortController): Promise<CompilerOutcome> {
  const tsc = typescriptCompiler();
  const result = await runBounded(tsc.file, [...tsc.args, '-p', stageDir, '--pretty', 'false'], { cwd: stageDir, bounds, signal: abort.signal });
  const limit = limitBroken(result, 'type-checking', bounds);
  if (limit) {
    abort.abort();
    return { errors: [], limit };
  }
  if (result.aborted || result.exitCode === 0) return { errors: [] };
  const lines = result.stdout.split('\n').filter((l) => l.trim().length > 0);
  return { errors: lines.length > 0 ? lines.slice(0, 200) : [`tsc failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`] };
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

async function bundleRoles(lab: LabManifest, stageDir: string, outDir: string, fence: BuildBounds, bounds: CompilerBounds, abort: AbortController): Promise<CompilerOutcome> {
  const request = {
    entryPoints: Object.fromEntries(Object.entries(lab.roles).map(([role, entry]) => [role, path.join(fence.stage, entry)])),
    stage: fence.stage,
    outDir,
    trustedRoots: fence.trustedRoots,
    runtimeModules: fence.runtimeModules,
    unavailableBuiltins: UNAVAILABLE_BUILTINS,
    banner: BANNER,
  };
  const requestFile = path.join(path.dirname(stageDir), 'bundle-request.json');
  writeFileSync(requestFile, JSON.stringify(request));
  const result = await runBounded(process.execPath, ['--max-old-space-size=512', BUNDLE_WORKER, requestFile], { cwd: stageDir, bounds, signal: abort.signal });
  const limit = limitBroken(result, 'bundling', bounds);
  if (limit) {
    abort.abort();
    return { errors: [], limit };
  }
  if (result.aborted) return { errors: [] };
  let output: { errors: EsbuildMessage[]; metafile?: Parameters<typeof checkBundleInputs>[0] };
  try {
    output = JSON.parse(result.stdout) as typeof output;
  } catch {
    return { errors: [`error: the bundler failed: ${result.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${result.exitCode}`}`] };
  }
  const refusals: string[] = [];
  let errors: string[] = [];
  let computed = false;
  for (const message of output.errors) {
    const refused = parseFenceError(message.text);
    if (refused?.kind === 'computed' || (!refused && GLOB_NOT_RESOLVED.test(message.text))) computed = true;
    else if (refused) refusals.push(formatEsbuildMessage({ ...message, text: fenceMessage(refused.kind, refused.spec, lab.studentFiles) }, fence.stage));
    else errors.push(formatEsbuildMessage(message, fence.stage));
  }
  for (const refused of output.metafile ? checkBundleInputs(output.metafile, fence) : []) {
    if (refused.kind === 'computed') computed = true;
    else refusals.push(`error: ${fenceMessage(refused.kind, refused.spec, lab.studentFiles)}`);
  }
  if (computed) {
    // A glob's outcome (what it matched, whether anything) depends on the grading machine's
    // files: it is told in one line without a place, and esbuild's other messages are dropped.
    refusals.unshift(`error: ${fenceMessage('computed', '', lab.studentFiles)}`);
    errors = [];
  }
  return { errors, fence: [...new Set(refusals)] };
}

/** esbuild's error for a glob that matched nothing, e.g. Could not resolve import("../x/" + a glob of every .ts file). */
const GLOB_NOT_RESOLVED = /^Could not resolve (import|require)\(".*\*.*"\)/;

/** An esbuild message with its place, when that place is in the stage (a message about another file says nothing of it). */
function formatEsbuildMessage(m: EsbuildMessage, stage: string): string {
  const file = m.location ? path.resolve(stage, m.location.file) : undefined;
  if (!m.location || !file || (file !== stage && !file.startsWith(stage + path.sep))) return `error: ${m.text}`;
  return `${m.location.file}(${m.location.line},${m.location.column + 1}): error: ${m.text}`;
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
