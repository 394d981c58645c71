/**
 * The sandbox a node process runs in, in layers, each used where this machine offers it:
 *
 * 1. Node's permission model (`--experimental-permission`, `--permission` on newer Node): the
 *    node may read its bundle's folder and its state folder, write only its state folder, and
 *    may not start processes or workers, load addons, use WASI or the inspector.
 * 2. The locklab guard (`sandbox-guard.mjs`, loaded with `--import`): no sockets (the
 *    permission model of Node 20 does not cover the network) and no signals to other processes.
 * 3. An empty network namespace (`unshare --net`, with a user namespace when that works): no
 *    network at the OS level, not even loopback.
 * 4. OS resource limits (`prlimit`): address space (memory outside the V8 heap), CPU time,
 *    file size, no core dumps.
 * 5. `setpriv --pdeathsig KILL`: the kernel kills the node when the grader dies, even a node
 *    stuck in a loop that would never notice its channel closing.
 *
 * Every wrapper execs the next, so the node keeps the pid the grader spawned (SIGKILL and the
 * fd 3 channel work as without a sandbox). `detectSandbox()` probes the layers once per
 * process; what is missing is said in one line (`sandboxNotice`) and the grading carries on.
 */
import { execa } from 'execa';
import { accessSync, constants } from 'node:fs';
import { platform, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The preload that closes what the permission model leaves open. */
export const GUARD_FILE = fileURLToPath(new URL('./sandbox-guard.mjs', import.meta.url));

export interface Sandbox {
  /** Node's permission-model flag, or undefined if this Node has none that works. */
  permissionFlag: string | undefined;
  /** The locklab guard is loaded (always, but for measuring the layers one by one). */
  guard: boolean;
  /** `--disable-warning=ExperimentalWarning` is understood (it keeps the permission model's warning out of the node's output). */
  quietWarnings: boolean;
  /** The command prefix that runs a process in a new, empty network namespace, or undefined. */
  netns: string[] | undefined;
  /** The `prlimit` program, when it works: OS resource limits. */
  prlimit: string | undefined;
  /** The `setpriv` program, when `--pdeathsig` works: nodes die with the grader. */
  setpriv: string | undefined;
  /** The layers this machine cannot give, each with why, e.g. "no network namespace (unshare not found)"; empty: all on. */
  missing: string[];
}

/** What a node's command line needs to know. */
export interface LaunchOptions {
  bundle: string;
  heapMiB: number;
  stateDir?: string | undefined;
  addressSpaceMiB: number;
  cpuSeconds: number;
  fileMiB: number;
}

export interface Launch {
  file: string;
  args: string[];
}

/** The command that starts a node: plain `node <bundle>` without a sandbox. */
export function nodeLaunch(sandbox: Sandbox | undefined, o: LaunchOptions): Launch {
  const heap = `--max-old-space-size=${o.heapMiB}`;
  if (!sandbox) return { file: process.execPath, args: [heap, o.bundle] };
  const node = [process.execPath, heap];
  if (sandbox.permissionFlag) {
    node.push(sandbox.permissionFlag);
    if (sandbox.quietWarnings) node.push('--disable-warning=ExperimentalWarning');
    node.push(`--allow-fs-read=${path.dirname(o.bundle)}`);
    if (sandbox.guard) node.push(`--allow-fs-read=${GUARD_FILE}`);
    if (o.stateDir) node.push(`--allow-fs-read=${o.stateDir}`, `--allow-fs-write=${o.stateDir}`);
  }
  if (sandbox.guard) {
    // No code from strings (eval, new Function): all code is the bundle's, and no import() can be made up at run time.
    node.push('--disallow-code-generation-from-strings', `--import=${pathToFileURL(GUARD_FILE).href}`);
  }
  node.push(o.bundle);
  const prefix: string[] = [];
  if (sandbox.netns) prefix.push(...sandbox.netns);
  if (sandbox.prlimit) {
    const mib = 1024 * 1024;
    prefix.push(sandbox.prlimit, `--as=${o.addressSpaceMiB * mib}`, `--cpu=${o.cpuSeconds}`, `--fsize=${o.fileMiB * mib}`, '--core=0', '--');
  }
  if (sandbox.setpriv) prefix.push(sandbox.setpriv, '--pdeathsig', 'KILL', '--');
  const [file, ...args] = [...prefix, ...node];
  return { file: file!, args };
}

let detected: Promise<Sandbox> | undefined;

/** Probes the sandbox layers once per process (about 100 ms, in parallel). */
export function detectSandbox(): Promise<Sandbox> {
  detected ??= probe();
  return detected;
}

/** One line saying which layers are missing, or undefined when the whole sandbox is on. */
export function sandboxNotice(sandbox: Sandbox): string | undefined {
  if (sandbox.missing.length === 0) return undefined;
  return `sandbox: ${sandbox.missing.join(', ')}; grading goes on with the other layers (see docs/security.md)`;
}

/** The layers in force, in a few words (for the bench and the docs). */
export function describeSandbox(sandbox: Sandbox | undefined): string {
  if (!sandbox) return 'off';
  const layers = [
    sandbox.permissionFlag ? 'permission model' : undefined,
    sandbox.guard ? 'guard' : undefined,
    sandbox.netns ? 'network namespace' : undefined,
    sandbox.prlimit ? 'prlimit' : undefined,
    sandbox.setpriv ? 'pdeathsig' : undefined,
  ].filter(Boolean);
  return layers.join(' + ');
}

async function run(file: string, args: string[]): Promise<{ ok: boolean; why: string }> {
  try {
    const result = await execa(file, args, { reject: false, timeout: 10_000, extendEnv: true, stdin: 'ignore' });
    if (result.exitCode === 0) return { ok: true, why: '' };
    const said = `${result.stderr}`.trim().split('\n').pop() ?? '';
    return { ok: false, why: said || (result.failed ? (result.shortMessage ?? 'failed') : `exit code ${result.exitCode}`) };
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

/** The absolute path of a program on the grader's PATH (nodes get no PATH of their own), or undefined. */
function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs `program args... true` if the program exists: its absolute path if that worked, else why not. */
async function tryWrapper(program: string, args: string[]): Promise<{ file: string | undefined; why: string }> {
  const file = which(program);
  if (!file) return { file: undefined, why: `${program} not found` };
  const result = await run(file, [...args, 'true']);
  return result.ok ? { file, why: '' } : { file: undefined, why: `${program}: ${result.why}` };
}

async function probe(): Promise<Sandbox> {
  const linux = platform() === 'linux';
  const notLinux = { file: undefined, prefix: undefined, why: `not Linux (${platform()})` };
  const [permission, guard, netns, prlimit, setpriv] = await Promise.all([
    probePermission(),
    probeGuard(),
    linux ? probeNetns() : Promise.resolve(notLinux),
    linux ? tryWrapper('prlimit', ['--core=0', '--']) : Promise.resolve(notLinux),
    linux ? tryWrapper('setpriv', ['--pdeathsig', 'KILL', '--']) : Promise.resolve(notLinux),
  ]);
  const missing: string[] = [];
  if (!permission.flag) missing.push(`no file isolation (${permission.why})`);
  if (!guard.ok) missing.push(`no socket and signal guard (${guard.why})`);
  if (!netns.prefix) missing.push(`no network namespace (${netns.why})`);
  if (!prlimit.file) missing.push(`no OS limits on memory, CPU and files (${prlimit.why})`);
  if (!setpriv.file) missing.push(`no parent-death signal (${setpriv.why})`);
  return {
    permissionFlag: permission.flag,
    guard: guard.ok,
    quietWarnings: permission.quiet,
    netns: netns.prefix,
    prlimit: prlimit.file,
    setpriv: setpriv.file,
    missing,
  };
}

async function probeNetns(): Promise<{ prefix: string[] | undefined; why: string }> {
  // A user namespace as well where possible: inside it the node holds no capability over the host.
  let why = '';
  for (const args of [['--net', '--map-root-user', '--'], ['--net', '--']]) {
    const result = await tryWrapper('unshare', args);
    if (result.file) return { prefix: [result.file, ...args], why: '' };
    why = result.why;
    if (/not found$/.test(why)) break;
  }
  return { prefix: undefined, why };
}
/** The guard loads with --import (Node 20.6+) and refuses a signal to another process. */
async function probeGuard(): Promise<{ ok: boolean; why: string }> {
  const check = 'try { process.kill(process.ppid, 0); process.exit(3); } catch (err) { process.exit(err.code === "ERR_ACCESS_DENIED" ? 0 : 4); }';
  const result = await run(process.execPath, [`--import=${pathToFileURL(GUARD_FILE).href}`, '-e', check]);
  return result.ok ? result : { ok: false, why: `--import of ${path.basename(GUARD_FILE)} did not work: ${result.why}` };
}

/**
 * The permission model's flag on this Node, checked for real: a process with two read grants
 * (given as repeated flags, as Node 20.20+ wants them) can read both and nothing else.
 */
async function probePermission(): Promise<{ flag: string | undefined; quiet: boolean; why: string }> {
  const flags = process.allowedNodeEnvironmentFlags;
  const flag = flags.has('--permission') ? '--permission' : flags.has('--experimental-permission') ? '--experimental-permission' : undefined;
  if (!flag) return { flag: undefined, quiet: false, why: `Node ${process.version} has none` };
  const quiet = flags.has('--disable-warning');
  const a = GUARD_FILE;
  const b = tmpdir();
  const check =
    `const p = process.permission; process.exit(p && p.has('fs.read', ${JSON.stringify(a)}) && p.has('fs.read', ${JSON.stringify(path.join(b, 'x'))})` +
    ` && !p.has('fs.read', '/') && !p.has('fs.write', ${JSON.stringify(b)}) && !p.has('child') ? 0 : 3)`;
  const args = [flag, ...(quiet ? ['--disable-warning=ExperimentalWarning'] : []), `--allow-fs-read=${a}`, `--allow-fs-read=${b}`, '-e', check];
  const result = await run(process.execPath, args);
  return result.ok ? { flag, quiet, why: '' } : { flag: undefined, quiet, why: `${flag} did not work as expected: ${result.why}` };
}
