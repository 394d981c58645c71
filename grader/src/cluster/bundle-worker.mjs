// The bundler, run by the grader as a process of its own (`bounded-process.ts`): it bundles
// untrusted source, so it gets a time and memory limit and is killed with its process group,
// esbuild's service included. Plain JavaScript: it runs without a TypeScript loader.
//
// Argument: the request file (JSON) that `prepare.ts` writes. Standard output: one JSON object,
// `{ errors, metafile }`. The grader checks the metafile (`import-fence.ts`): this fence is the
// first line, which refuses before esbuild reads a file:
// - from a staged file, a relative or absolute import must stay inside the stage, judged from
//   the path alone (whether the file exists is never looked at, so a refusal says nothing about
//   the grading machine); a package is refused; Node's modules (but those a node may not use,
//   `unavailableBuiltins`) and `locklab/runtime` are allowed;
// - no file outside the stage and the trusted roots is ever loaded: esbuild reaches one only
//   through a computed import (a template literal or a string concatenation in import() or
//   require() is a glob for esbuild, which the resolver never sees);
// - import attributes (`with { type: 'text' }`, 'bytes', ...) and files that are not code are
//   refused; JSON only inside the stage.
// A refusal is an esbuild error whose text starts with FENCE and carries {kind, spec} as JSON.
import { build, stop } from 'esbuild';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

const FENCE = 'locklab-fence ';
const CODE = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { stage, trustedRoots, runtimeModules } = request;
const unavailable = new Set(request.unavailableBuiltins);

const inside = (dir, file) => file === dir || file.startsWith(dir + path.sep);
const trusted = (file) => trustedRoots.some((root) => inside(root, file));
const refuse = (kind, spec) => ({ errors: [{ text: FENCE + JSON.stringify({ kind, spec }) }] });
const attributes = (w) => (w && Object.keys(w).length > 0 ? w : undefined);

const fence = {
  name: 'locklab-fence',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const fromStage = inside(stage, args.importer);
      if (!fromStage && !trusted(args.importer)) return refuse('outside', args.path);
      const w = attributes(args.with);
      if (w && !(fromStage && w.type === 'json' && Object.keys(w).length === 1)) return refuse('attribute', args.path);
      if (Object.hasOwn(runtimeModules, args.path)) return { path: runtimeModules[args.path] };
      if (isBuiltin(args.path)) {
        if (fromStage && unavailable.has(args.path.replace(/^node:/, ''))) return refuse('builtin', args.path);
        return { path: args.path, external: true };
      }
      if (!fromStage) return undefined; // the runtime's own imports: checked in the metafile
      const relative = args.path === '.' || args.path === '..' || args.path.startsWith('./') || args.path.startsWith('../');
      if (!relative && !path.isAbsolute(args.path)) return refuse('package', args.path);
      if (!inside(stage, path.resolve(args.resolveDir, args.path))) return refuse('outside', args.path);
      return undefined;
    });
    b.onLoad({ filter: /.*/ }, (args) => {
      const inStage = inside(stage, args.path);
      // Only a glob brings esbuild here with a file outside the stage and the runtime: say
      // nothing about which file, or that it exists.
      if (!inStage && !trusted(args.path)) return refuse('computed', '');
      const w = attributes(args.with);
      const ext = path.extname(args.path);
      const json = inStage && ext === '.json' && (!w || (w.type === 'json' && Object.keys(w).length === 1));
      if (json) return undefined;
      const shown = inStage ? path.relative(stage, args.path) : '';
      if (w) return refuse(inStage ? 'attribute' : 'computed', shown);
      if (!CODE.has(ext)) return refuse(inStage ? 'loader' : 'computed', shown);
      return undefined;
    });
  },
};

let result;
try {
  const built = await build({
    entryPoints: request.entryPoints,
    absWorkingDir: stage,
    outdir: request.outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // import() becomes require(): module loading at run time then has one door, which the sandbox guards.
    supported: { 'dynamic-import': false },
    sourcemap: 'external',
    metafile: true,
    logLevel: 'silent',
    plugins: [fence],
    banner: { js: request.banner },
  });
  result = { errors: built.errors, metafile: built.metafile };
} catch (err) {
  result = { errors: err.errors ?? [{ text: String(err && err.message) }], metafile: undefined };
}
await stop();
process.stdout.write(JSON.stringify(result));
