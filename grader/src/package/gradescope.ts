/**
 * `locklab package gradescope --lab lab1 --out autograder.zip`: the autograder to upload to
 * Gradescope. At the root of the zip, as Gradescope wants them:
 *
 *   setup.sh          run once when Gradescope builds the image: Node.js 20 (the official
 *                     tarball, checksum verified) unless a Node 20+ is there, then `npm ci`
 *   run_autograder    run for each submission: `grader/src/package/gradescope-run.ts`, and a
 *                     results.json of its own if that could not even start
 *   locklab/          the grader: package.json, package-lock.json and package.json's `files`
 *                     (bin/, grader/src/, tsconfig.json, ...), with only this lab under labs/,
 *                     hidden tests included, and the starter's copy of the lab's student files
 *                     (to tell an unchanged copy in a repository from the student's own); never
 *                     solutions/ or the grader's own tests
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { loadLab } from '../lab/load.ts';
import { graderFiles, labFilter, packed, type PackedFile } from './files.ts';
import { writeZip, type ZipEntry } from './zip.ts';

/** The grader's folder inside the autograder (`/autograder/source/locklab`). */
export const GRADER_DIR = 'locklab';

/** Node.js 20 as installed by setup.sh: the packaging machine's own when it runs a 20.x, else this. */
const DEFAULT_NODE_VERSION = '20.20.2';
export const nodeVersionFor = (running = process.versions.node) => (running.startsWith('20.') ? running : DEFAULT_NODE_VERSION);

export function setupScript(lab: string, nodeVersion: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (as root, on Ubuntu): Node.js
# ${nodeVersion.split('.')[0]}, then the grader's dependencies. Made by \`locklab package gradescope --lab ${lab}\`.
set -euo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
NODE_VERSION="${nodeVersion}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 20 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq curl ca-certificates xz-utils >/dev/null
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup.sh: no Node.js build for $(uname -m)" >&2; exit 1 ;;
  esac
  tarball="node-v\${NODE_VERSION}-linux-\${arch}.tar.xz"
  tmp="$(mktemp -d)"
  curl -fsSL --retry 3 "https://nodejs.org/dist/v\${NODE_VERSION}/\${tarball}" -o "$tmp/$tarball"
  curl -fsSL --retry 3 "https://nodejs.org/dist/v\${NODE_VERSION}/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  (cd "$tmp" && grep " \${tarball}\\$" SHASUMS256.txt | sha256sum -c -)
  tar -xJf "$tmp/$tarball" -C /usr/local --strip-components=1 \\
    --exclude='*/CHANGELOG.md' --exclude='*/LICENSE' --exclude='*/README.md'
  rm -rf "$tmp"
  hash -r
fi
echo "setup.sh: node $(node --version), npm $(npm --version)"

cd "$ROOT/source/${GRADER_DIR}"
# Only what grading needs: the grader's own tests, and their browser, stay out of the image.
npm ci --omit=dev --no-audit --no-fund
`;
}

export function runAutograderScript(lab: string): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for every submission: it grades the lab's files from $ROOT/submission and
# writes $ROOT/results/results.json, which it always leaves valid, even when the grader cannot
# run. Made by \`locklab package gradescope --lab ${lab}\`; the work is in
# ${GRADER_DIR}/grader/src/package/gradescope-run.ts.
set -uo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
export AUTOGRADER_ROOT="$ROOT"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"

status=0
if cd "$ROOT/source/${GRADER_DIR}" 2>/dev/null; then
  node --import tsx grader/src/package/gradescope-run.ts --lab ${lab} || status=$?
else
  echo "run_autograder: $ROOT/source/${GRADER_DIR} is missing" >&2
  status=127
fi

if [ ! -s "$RESULTS" ]; then
  echo "run_autograder: the grader could not run (exit status $status); writing a results.json that says so" >&2
  cat > "$RESULTS" <<JSON
{
  "score": 0,
  "execution_time": 0,
  "output_format": "text",
  "output": "The autograder could not run (exit status $status), so this submission was not graded. This is not a problem with your code: please tell your instructor.",
  "tests": []
}
JSON
fi
exit 0
`;
}

export interface GradescopePackage {
  entries: ZipEntry[];
  /** The grader's files, as packed (under locklab/). */
  files: string[];
}

/** The autograder's entries, from the repository at `root`. */
export async function gradescopeAutograder(labId: string, root = LOCKLAB_ROOT, nodeVersion = nodeVersionFor()): Promise<GradescopePackage> {
  // An unknown or invalid lab stops here, with its reason.
  const lab = await loadLab(labId, path.join(root, 'labs'));
  const starter = lab.manifest.studentFiles.map((f) => `starter/${f}`).filter((f) => existsSync(path.join(root, f)));
  const files: PackedFile[] = [...graderFiles(root, labFilter([labId])), ...starter].sort().map((f) => packed(root, f, `${GRADER_DIR}/${f}`));
  const text = (p: string, content: string, mode: number): ZipEntry => ({ path: p, data: Buffer.from(content), mode });
  const directories = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) directories.add(`${parts.slice(0, i).join('/')}/`);
  }
  const entries: ZipEntry[] = [
    text('setup.sh', setupScript(labId, nodeVersion), 0o755),
    text('run_autograder', runAutograderScript(labId), 0o755),
    ...[...directories].sort().map((d) => ({ path: d, data: Buffer.alloc(0), mode: 0o755 })),
    ...files.map((f) => ({ path: f.path, data: readFileSync(f.source), mode: f.mode })),
  ];
  return { entries, files: files.map((f) => f.path) };
}

/** Writes the autograder zip; returns its entries. */
export async function writeGradescopeAutograder(labId: string, out: string, root = LOCKLAB_ROOT): Promise<GradescopePackage> {
  const pkg = await gradescopeAutograder(labId, root);
  writeFileSync(out, writeZip(pkg.entries));
  return pkg;
}
