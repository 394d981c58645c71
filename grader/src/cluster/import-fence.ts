/**
 * What a submission may bring into its bundle, and into its stage. The bundler would follow any
 * import to any file on the grading machine (`export * from '/path/to/solutions/...'`), a
 * computed import is a glob that reads whole folders, an import attribute (`with { type: 'text' }`)
 * prints any file as a string, and staging would copy a student file that is a link to the
 * reference: each would hand the reference, the hidden tests or a classmate's files to the
 * student. So:
 * - a staged file may import staged files, `locklab/runtime` and Node's modules, nothing else:
 *   no package, no file outside the stage, no computed import, no import attribute (but JSON
 *   inside the stage), nothing but code;
 * - the runtime (trusted) may import within the trusted roots;
 * - every input of the bundle (esbuild's metafile) is checked against these rules after the
 *   build, whatever the bundler's own fence (`bundle-worker.mjs`) let through;
 * - the type-checker reads only the stage, the runtime and the type libraries (`noResolve`),
 *   so its messages cannot quote other files, nor tell whether they exist;
 * - a student file must be a regular file inside the implementation folder, of bounded size.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { formatBytes } from './limits.ts';

export const inside = (dir: string, file: string) => file === dir || file.startsWith(dir + path.sep);

/** One of Node's modules that a node may not load (`node:dns` or `dns`). */
const unavailable = (specifier: string) => (UNAVAILABLE_BUILTINS as readonly string[]).includes(specifier.replace(/^node:/, ''));

/** What may enter a bundle: the stage, the trusted roots (the runtime's sources), and the runtime's public modules. */
export interface BuildBounds {
  /** The staging folder (real path). */
  stage: string;
  /** Folders of trusted sources that the runtime's own imports may reach (real paths). */
  trustedRoots: string[];
  /** `locklab/runtime` and the like: specifier -> file (real path). */
  runtimeModules: Record<string, string>;
  studentFiles: readonly string[];
}

/**
 * Node's modules that a node has no use for and that would let it do what the sandbox keeps
 * out: name resolution (DNS), tracing and the inspector (files and sessions outside the
 * permission model), code from strings with its own import() (vm, repl). Refused at bundle time
 * (a static import) and by the sandbox's guard at run time (`require`), which keeps its own copy
 * of this list (a test checks they agree) so that a node never loads them.
 */
export const UNAVAILABLE_BUILTINS = ['dns', 'dns/promises', 'inspector', 'inspector/promises', 'repl', 'trace_events', 'vm'] as const;

/** Why the bundler refused an import (`bundle-worker.mjs` reports these kinds). */
export type FenceKind = 'outside' | 'package' | 'attribute' | 'computed' | 'loader' | 'builtin';

/** The text of a refusal, one definition for the bundler's fence and the metafile check. */
export function fenceMessage(kind: FenceKind, spec: string, studentFiles: readonly string[]): string {
  const allowed = `a submission may import only its own files (${studentFiles.join(', ')}), locklab/runtime and Node's modules`;
  switch (kind) {
    case 'outside':
      return `"${spec}" is outside the implementation: ${allowed}`;
    case 'package':
      return `"${spec}" is a package: ${allowed}`;
    case 'attribute':
      return `"${spec}" is imported with import attributes (with { type: ... }), which load a file as data: a submission imports code only`;
    case 'builtin':
      return `"${spec}" is not available to a node (no name resolution, tracing, inspector, or code from strings): talk to other nodes with call()`;
    case 'loader':
      return `${spec ? `"${spec}"` : 'a file'} is not code (.ts or .js): a submission imports code only`;
    case 'computed':
      return 'an import() or require() whose path is computed (a template literal, or a string built from parts) is not allowed: it reads whole folders at bundle time. Import each module by its name';
  }
}

/** The marker of a refusal in an esbuild error's text (see `bundle-worker.mjs`). */
export const FENCE_MARKER = 'locklab-fence ';

/** A refusal of the bundler's fence, parsed from an esbuild error's text, or undefined. */
export function parseFenceError(text: string): { kind: FenceKind; spec: string } | undefined {
  if (!text.startsWith(FENCE_MARKER)) return undefined;
  try {
    return JSON.parse(text.slice(FENCE_MARKER.length)) as { kind: FenceKind; spec: string };
  } catch {
    return undefined;
  }
}

interface MetafileInput {
  imports: { path: string; kind: string; external?: boolean; with?: Record<string, string> }[];
  with?: Record<string, string>;
}

/**
 * Every input of a finished build, every import between them, and every import of the bundles
 * themselves, checked against the bounds (esbuild's metafile: paths relative to the stage).
 * Returns the refusals, one per kind and specifier; an empty list means the bundle holds only
 * what it may.
 */
export function checkBundleInputs(metafile: { inputs: Record<string, MetafileInput>; outputs?: Record<string, { imports: MetafileInput['imports'] }> }, bounds: BuildBounds): { kind: FenceKind; spec: string }[] {
  const found = new Map<string, { kind: FenceKind; spec: string }>();
  const refuse = (kind: FenceKind, spec: string) => found.set(`${kind}\0${spec}`, { kind, spec });
  const runtimeFiles = new Set(Object.values(bounds.runtimeModules));
  const trusted = (file: string) => bounds.trustedRoots.some((root) => inside(root, file));
  for (const [key, input] of Object.entries(metafile.inputs)) {
    const attributes = input.with && Object.keys(input.with).length > 0 ? input.with : undefined;
    const name = attributes ? key.replace(/ with \{.*\}$/s, '') : key;
    // Another namespace than files (a data: URL, say) is nothing a submission needs.
    if (/^[a-z-]+:/i.test(name)) {
      refuse('package', name);
      continue;
    }
    const file = path.resolve(bounds.stage, name);
    const inStage = inside(bounds.stage, file);
    if (!inStage && !trusted(file)) {
      refuse('computed', '');
      continue;
    }
    if (attributes && !(inStage && attributes.type === 'json' && Object.keys(attributes).length === 1 && file.endsWith('.json'))) {
      refuse(inStage ? 'attribute' : 'computed', inStage ? path.relative(bounds.stage, file) : '');
    }
    for (const imported of input.imports) {
      if (imported.path.includes('*')) {
        refuse('computed', '');
        continue;
      }
      // An external import is one that is not bundled: Node's modules, and a TypeScript import
      // of nothing but types (dropped); what the bundle imports at run time is checked below.
      if (imported.external) continue;
      const target = path.resolve(bounds.stage, imported.path);
      const allowed = inStage ? inside(bounds.stage, target) || runtimeFiles.has(target) : trusted(target);
      if (!allowed) refuse('outside', inStage ? path.relative(path.dirname(file), target) : imported.path);
    }
  }
  // What the bundles import when they run: Node's modules only, and not those a node may not use.
  for (const output of Object.values(metafile.outputs ?? {})) {
    for (const imported of output.imports) {
      if (!imported.external || !isBuiltin(imported.path)) refuse('package', imported.path);
      else if (unavailable(imported.path)) refuse('builtin', imported.path);
    }
  }
  return [...found.values()];
}

/** Why a student file cannot be staged (a link, not a regular file), or undefined if it can. */
export function unstageable(implDir: string, file: string): string | undefined {
  const full = path.join(implDir, file);
  const stat = lstatSync(full);
  if (stat.isSymbolicLink()) return `${file} is a symbolic link; submit the file itself`;
  if (!stat.isFile()) return `${file} is not a regular file`;
  if (!inside(realpathSync(implDir), realpathSync(full))) return `${file} lies outside the implementation folder (through a linked folder); submit the file itself`;
  return undefined;
}

/**
 * The bytes of a student file, read without ever holding more than `maxBytes` + 1 of it: a
 * file over the limit is refused with its size named. (`unstageable` first.)
 */
export function readStudentFile(implDir: string, file: string, maxBytes: number): { bytes: Buffer } | { refused: string } {
  const fd = openSync(path.join(implDir, file), 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { refused: `${file} is ${formatBytes(size)}; a student file may be at most ${formatBytes(maxBytes)}` };
    const bytes = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n; length <= maxBytes && (n = readSync(fd, bytes, length, maxBytes + 1 - length, null)) > 0; ) length += n;
    if (length > maxBytes) return { refused: `${file} is more than ${formatBytes(maxBytes)}; a student file may be at most ${formatBytes(maxBytes)}` };
    return { bytes: bytes.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}
