/**
 * The browser of the grader's browser tests (the trace viewer, the JUnit XML parse), found the
 * same way for every test file:
 *
 *   1. `LOCKLAB_CHROMIUM`: the Chromium or Chrome executable to use, if set;
 *   2. an installed Chromium or Chrome on PATH (Debian's `chromium`, `google-chrome`, ...);
 *   3. the Chromium that the devDependency `@sparticuz/chromium` ships inside its npm package,
 *      unpacked once (about 200 MB) into `node_modules/.cache/locklab-chromium/<version>/`.
 *
 * So `npm ci && npm test` needs nothing but npm. The package has no install script (npm 11 skips
 * them): the unpacking happens here, on first use. Each process unpacks into a folder of its
 * own and renames it into place, so test files that start at once never see half a binary.
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { chromium, type Browser } from 'playwright-core';

/** The environment variable that names the browser to use. */
export const BROWSER_ENV = 'LOCKLAB_CHROMIUM';
/** Installed browsers, in order of preference, as their commands on PATH. */
export const INSTALLED_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];
/** The npm package that ships a Chromium (Linux x64). */
export const NPM_BROWSER = '@sparticuz/chromium';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface BrowserChoice {
  executable: string;
  source: 'env' | 'installed' | 'npm';
  /** In words, for the test log. */
  why: string;
}

export class BrowserNotFound extends Error {}

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/** The first of `names` found on `PATH`, as a full path. */
export function onPath(names: readonly string[], pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of pathVariable.split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Where the npm package is, and its version. */
function npmPackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(NPM_BROWSER);
  } catch {
    throw new BrowserNotFound(`no browser: ${BROWSER_ENV} is not set, no Chromium or Chrome is on PATH, and ${NPM_BROWSER} is not installed (run \`npm ci\`)`);
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === NPM_BROWSER && pkg.version) return { dir, version: pkg.version };
  }
  throw new BrowserNotFound(`cannot find the package.json of ${NPM_BROWSER} above ${entry}`);
}

/** The folder the npm browser is unpacked into: under node_modules/.cache, or the temporary folder when that is read-only. */
export function npmBrowserCache(version: string, root = ROOT): string {
  const preferred = path.join(root, 'node_modules', '.cache', 'locklab-chromium');
  try {
    mkdirSync(preferred, { recursive: true });
    accessSync(preferred, constants.W_OK);
    return path.join(preferred, version);
  } catch {
    return path.join(tmpdir(), `locklab-chromium-${process.getuid?.() ?? 'user'}`, version);
  }
}

/**
 * The npm package's Chromium, unpacked into `cache` if it is not there yet. The package unpacks
 * into the temporary folder (`TMPDIR`), so it runs in a child process whose TMPDIR is a fresh
 * folder next to `cache`, which is then renamed into place; a process that loses that race uses
 * the winner's copy.
 */
export async function unpackNpmBrowser(cache: string): Promise<string> {
  const executable = path.join(cache, 'chromium');
  if (isExecutable(executable)) return executable;
  mkdirSync(path.dirname(cache), { recursive: true });
  const staging = mkdtempSync(`${cache}.unpacking-`);
  try {
    const script = `const { default: chromium } = await import(${JSON.stringify(NPM_BROWSER)}); process.stdout.write(await chromium.executablePath());`;
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      reject: false,
      env: { TMPDIR: staging, TMP: staging, TEMP: staging },
      timeout: 300_000,
    });
    if (result.exitCode !== 0 || String(result.stdout).trim() !== path.join(staging, 'chromium')) {
      const why = String(result.stderr || result.stdout || result.shortMessage).trim().split('\n').slice(-3).join(' ');
      throw new BrowserNotFound(`could not unpack the Chromium of ${NPM_BROWSER}: ${why}`);
    }
    try {
      renameSync(staging, cache);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!(code === 'ENOTEMPTY' || code === 'EEXIST') || !isExecutable(executable)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return executable;
}

/** Which browser the tests use (see the header), without starting it. */
export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const named = env[BROWSER_ENV];
  if (named) {
    if (!isExecutable(named)) throw new BrowserNotFound(`${BROWSER_ENV}=${named} is not an executable file`);
    return { executable: named, source: 'env', why: `${BROWSER_ENV}=${named}` };
  }
  const installed = onPath(INSTALLED_NAMES, env.PATH ?? '');
  if (installed) return { executable: installed, source: 'installed', why: `installed: ${installed}` };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new BrowserNotFound(`no Chromium or Chrome on PATH, and ${NPM_BROWSER} ships one for Linux x64 only; install one, or set ${BROWSER_ENV} to its executable`);
  }
  const { version } = npmPackage();
  const cache = npmBrowserCache(version);
  return { executable: await unpackNpmBrowser(cache), source: 'npm', why: `${NPM_BROWSER} ${version}, unpacked in ${cache}` };
}

/** Flags for a headless browser that runs as root in a container: no sandbox, no GPU, no background traffic. */
export const HEADLESS_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Starts the browser that `findBrowser` picks. */
export async function launchBrowser(env: NodeJS.ProcessEnv = process.env): Promise<{ browser: Browser; choice: BrowserChoice }> {
  const choice = await findBrowser(env);
  const browser = await chromium.launch({ executablePath: choice.executable, args: HEADLESS_ARGS });
  return { browser, choice };
}
