// Each layer of the sandbox on its own, under a plain script standing in for a bundle: what the
// permission model lets a node read and write, that the network namespace cuts the network
// even without the guard, and what the guard refuses. Plus the text a node prints, defused.
import test from 'ava';
import { execa } from 'execa';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indentContinuation, memoryBreach, sandboxBreach } from '../../src/cluster/limits.ts';
import { UNAVAILABLE_BUILTINS } from '../../src/cluster/import-fence.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { GUARD_FILE, detectSandbox, nodeLaunch, type Sandbox } from '../../src/cluster/sandbox.ts';

/** A run folder with a script as its "bundle" and a state folder; the script prints JSON on stdout. */
function scriptRun(t: import('ava').ExecutionContext, script: string) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'locklab-fixture-layer-'));
  t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
  const bundle = path.join(workDir, 'bundle', 'probe.mjs');
  const stateDir = path.join(workDir, 'run-1', 'state', 'n1');
  mkdirSync(path.dirname(bundle), { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(bundle, script);
  return { workDir, bundle, stateDir };
}

async function runUnder(sandbox: Sandbox | undefined, run: ReturnType<typeof scriptRun>): Promise<Record<string, string>> {
  const launch = nodeLaunch(sandbox, { bundle: run.bundle, heapMiB: 128, stateDir: run.stateDir, addressSpaceMiB: 2048, cpuSeconds: 60, fileMiB: 1 });
  const result = await execa(launch.file, launch.args, { cwd: run.workDir, reject: false, extendEnv: false, env: {} });
  if (result.exitCode !== 0) throw new Error(`probe failed (${result.exitCode}): ${result.stderr}`);
  return JSON.parse(String(result.stdout)) as Record<string, string>;
}

/** A script that tries `attempts` (name -> expression, may be async) and reports each outcome. */
const probe = (attempts: Record<string, string>) => `
import fs from 'node:fs';
import net from 'node:net';
import childProcess from 'node:child_process';
const out = {};
for (const [name, attempt] of Object.entries({ ${Object.entries(attempts).map(([k, v]) => `${JSON.stringify(k)}: async () => ${v}`).join(',\n')} })) {
  try { out[name] = 'ok ' + String(await attempt()).slice(0, 40); } catch (err) { out[name] = 'refused ' + (err.code ?? err.message); }
}
console.log(JSON.stringify(out));
`;

test('the permission model: a node reads its bundle folder and state folder, writes only the state folder, starts nothing', async (t) => {
  const full = await detectSandbox();
  if (!full.permissionFlag) return t.pass(`no permission model here: ${full.missing.join(', ')}`);
  const permissionOnly: Sandbox = { ...full, guard: false, netns: undefined, prlimit: undefined, setpriv: undefined };
  const run = scriptRun(t, '');
  const sibling = path.join(path.dirname(run.stateDir), 'n2');
  mkdirSync(sibling);
  writeFileSync(path.join(sibling, 'secret.json'), '{}');
  writeFileSync(
    run.bundle,
    probe({
      readOwnBundle: `fs.readFileSync(${JSON.stringify(run.bundle)}).length`,
      writeState: `fs.writeFileSync(${JSON.stringify(path.join(run.stateDir, 'x.json'))}, '1')`,
      readState: `fs.readFileSync(${JSON.stringify(path.join(run.stateDir, 'x.json'))}, 'utf8')`,
      readReference: `fs.readFileSync(${JSON.stringify(path.join(LOCKLAB_ROOT, 'solutions/lockservice/server.ts'))})`,
      readSiblingState: `fs.readFileSync(${JSON.stringify(path.join(sibling, 'secret.json'))})`,
      writeBundleFolder: `fs.writeFileSync(${JSON.stringify(path.join(path.dirname(run.bundle), 'x'))}, '1')`,
      writeTmp: `fs.writeFileSync(${JSON.stringify(path.join(tmpdir(), 'hostile-was-here-layer'))}, '1')`,
      symlinkOut: `fs.symlinkSync('/etc/passwd', ${JSON.stringify(path.join(run.stateDir, 'link'))})`,
      spawn: `childProcess.execFileSync('/bin/true')`,
      worker: `new (await import('node:worker_threads')).Worker('0', { eval: true })`,
      binding: `process.binding('fs')`,
    }),
  );
  const out = await runUnder(permissionOnly, run);
  t.regex(out.readOwnBundle!, /^ok \d+/);
  t.is(out.writeState, 'ok undefined');
  t.is(out.readState, 'ok 1');
  for (const refused of ['readReference', 'readSiblingState', 'writeBundleFolder', 'writeTmp', 'symlinkOut', 'spawn', 'worker', 'binding']) {
    t.is(out[refused], 'refused ERR_ACCESS_DENIED', refused);
  }
});

test('the network namespace cuts the network on its own (no guard); without a sandbox the same connection works', async (t) => {
  const full = await detectSandbox();
  if (!full.netns) return t.pass(`no network namespace here: ${full.missing.join(', ')}`);
  const server = createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const connect = `new Promise((resolve, reject) => { const s = net.connect(${port}, '127.0.0.1'); s.on('data', (d) => resolve(String(d))); s.on('error', reject); })`;
  const run = scriptRun(t, probe({ connect }));
  const netnsOnly: Sandbox = { ...full, permissionFlag: undefined, guard: false, prlimit: undefined, setpriv: undefined };
  t.is((await runUnder(undefined, run)).connect, 'ok hello');
  t.regex((await runUnder(netnsOnly, run)).connect!, /^refused (ENETUNREACH|ECONNREFUSED)$/);
});

test('the guard refuses sockets and signals to other processes, before any packet or signal leaves', async (t) => {
  const full = await detectSandbox();
  const guardOnly: Sandbox = { ...full, permissionFlag: undefined, guard: true, netns: undefined, prlimit: undefined, setpriv: undefined };
  const run = scriptRun(
    t,
    probe({
      connect: `net.connect(1, '127.0.0.1')`,
      unixSocket: `net.connect(${JSON.stringify(path.join(tmpdir(), 'hostile-was-here.sock'))})`,
      listen: `net.createServer().listen(0)`,
      udp: `(await import('node:dgram')).createSocket('udp4').send('x', 1, '127.0.0.1')`,
      fetch: `fetch('http://127.0.0.1:1/')`,
      killParent: `process.kill(process.ppid, 0)`,
      killSelf: `process.kill(process.pid, 0)`,
      debugParent: `process._debugProcess(process.ppid)`,
    }),
  );
  // The guard must be readable by the script's node: it is, without the permission model.
  const out = await runUnder(guardOnly, run);
  for (const refused of ['connect', 'unixSocket', 'listen', 'udp', 'killParent', 'debugParent']) t.is(out[refused], 'refused ERR_ACCESS_DENIED', refused);
  t.regex(out.fetch!, /^refused /);
  t.is(out.killSelf, 'ok true');
  t.true(readFileSync(GUARD_FILE, 'utf8').includes('locklab sandbox:'));
});

test('the guard closes what the permission model leaves open: names, other processes, files written behind its back, and whether a file exists', async (t) => {
  const full = await detectSandbox();
  if (!full.permissionFlag) return t.pass(`no permission model here: ${full.missing.join(', ')}`);
  // As where no network namespace can be made (Docker's default): the permission model and the guard alone.
  const noNamespace: Sandbox = { ...full, netns: undefined, prlimit: undefined, setpriv: undefined };
  // A DNS server that counts what reaches it, and a process whose priority must not change.
  const dns = createSocket('udp4');
  let packets = 0;
  dns.on('message', () => packets++);
  await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
  t.teardown(() => dns.close());
  const bystander = execa('sleep', ['60'], { reject: false });
  t.teardown(() => bystander.kill('SIGKILL'));
  const existing = path.join(LOCKLAB_ROOT, 'solutions/lockservice/server.ts');
  const missing = path.join(LOCKLAB_ROOT, 'solutions/lockservice/no-such-file.ts');
  const both = (expression: (file: string) => string) => `[${JSON.stringify(existing)}, ${JSON.stringify(missing)}].map((f) => { try { ${expression('f')}; return 'ok'; } catch (err) { return err.code ?? 'error'; } }).join('|')`;
  const run = scriptRun(
    t,
    probe({
      dnsResolve: `await new Promise((resolve, reject) => { const r = new (require('node:dns').Resolver)(); r.setServers(['127.0.0.1:${(dns.address() as AddressInfo).port}']); r.resolve4('exfiltrated.example', (e, a) => (e ? reject(e) : resolve(a))); })`,
      dnsLookup: `await require('node:dns').promises.lookup('exfiltrated.example')`,
      setPriority: `require('node:os').setPriority(${bystander.pid}, 19)`,
      getPriority: `require('node:os').getPriority(${bystander.pid})`,
      traceEvents: `require('node:trace_events').createTracing({ categories: ['node.perf'] }).enable()`,
      v8Flags: `require('node:v8').setFlagsFromString('--prof')`,
      reportSettings: `(process.report.directory = '/tmp')`,
      realpath: both((f) => `fs.realpathSync(${f})`),
      resolve: both((f) => `require.resolve(${f})`),
      findPath: both((f) => `require('node:module')._findPath(${f}, [])`),
      statfs: both((f) => `fs.statfsSync(${f}).type`),
      vmImport: `await require('node:vm').runInThisContext('import(${JSON.stringify(missing)})', { importModuleDynamically: require('node:vm').constants.USE_MAIN_CONTEXT_DEFAULT_LOADER })`,
      listRoot: `fs.readdirSync('/')`,
      evalCode: `(0, eval)('1 + 1')`,
    }).replace("import fs from 'node:fs';", "import fs from 'node:fs';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);"),
  );
  const out = await runUnder(noNamespace, run);
  for (const refused of ['dnsResolve', 'dnsLookup', 'setPriority', 'getPriority', 'traceEvents', 'v8Flags', 'reportSettings', 'vmImport', 'listRoot', 'evalCode']) {
    t.regex(out[refused]!, /^refused (ERR_ACCESS_DENIED|Code generation from strings disallowed)/, `${refused}: ${out[refused]}`);
  }
  for (const oracle of ['realpath', 'resolve', 'findPath', 'statfs']) {
    const [forExisting, forMissing] = out[oracle]!.replace(/^ok /, '').split('|');
    t.is(forExisting, forMissing, `${oracle} tells nothing about what exists: ${out[oracle]}`);
  }
  t.is(packets, 0, 'no DNS packet left the node');
  t.is((await execa('ps', ['-o', 'ni=', '-p', String(bystander.pid)])).stdout.trim(), '0', "the other process's priority is unchanged");
  t.deepEqual(readdirSync(run.workDir).sort(), ['bundle', 'run-1'], 'no trace file outside the state folder');
});

test('without a sandbox, a node is a plain `node --max-old-space-size=N <bundle>`', (t) => {
  const launch = nodeLaunch(undefined, { bundle: '/w/bundle/server.mjs', heapMiB: 64, stateDir: '/w/state/primary', addressSpaceMiB: 1, cpuSeconds: 1, fileMiB: 1 });
  t.deepEqual(launch, { file: process.execPath, args: ['--max-old-space-size=64', '/w/bundle/server.mjs'] });
});

test('the whole sandbox: wrappers exec each other, so the node keeps the pid the grader spawned', async (t) => {
  const full = await detectSandbox();
  const run = scriptRun(t, 'console.log(JSON.stringify({ pid: String(process.pid), ppid: String(process.ppid) }));');
  const launch = nodeLaunch(full, { bundle: run.bundle, heapMiB: 64, stateDir: run.stateDir, addressSpaceMiB: 2048, cpuSeconds: 60, fileMiB: 1 });
  const child = execa(launch.file, launch.args, { cwd: run.workDir, reject: false, extendEnv: false, env: {} });
  const result = await child;
  t.is(result.exitCode, 0, String(result.stderr));
  const out = JSON.parse(String(result.stdout)) as { pid: string; ppid: string };
  t.is(out.pid, String(child.pid));
  t.is(out.ppid, String(process.pid));
});

test('text from a node is defused before anyone prints it', (t) => {
  t.is(indentContinuation('a\rb\u001b[2Kc\u0007\u202ed\te'), 'a␍b␛[2Kc␇<U+202E>d\te');
  t.is(indentContinuation('Error: x\n    ::error::planted'), 'Error: x\n    ：:error::planted', 'no workflow command, even indented');
  t.is(indentContinuation('Error: x\nTotal 100/100\n    at f (file.ts:1:2)'), 'Error: x\n  Total 100/100\n    at f (file.ts:1:2)');
});

test('a fatal error is told as the limit it hit', (t) => {
  t.is(memoryBreach('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 64, 2112)?.text, 'ran out of memory (heap limit 64 MiB)');
  t.regex(memoryBreach('RangeError: Array buffer allocation failed', 64, 2112)!.text, /^ran out of memory \(address-space limit 2112 MiB/);
  t.is(memoryBreach('Error: boom', 64, 2112), undefined);
  t.is(sandboxBreach('Error: Access to this API has been restricted\n    at Object.writeFileSync (node:fs:2367:20)\n    at x (file:///b.mjs:1:1)')?.text, "was stopped by the sandbox: file access outside the node's own folder (fs.writeFileSync) is not allowed");
  t.is(sandboxBreach('Error: locklab sandbox: listening on a socket is not allowed; nodes talk ...')?.text, 'was stopped by the sandbox: listening on a socket is not allowed');
  t.is(sandboxBreach('TypeError: x is not a function'), undefined);
});

test('the guard refuses the same Node modules as the bundler', (t) => {
  const list = /const UNAVAILABLE = new Set\((\[[^\]]*\])\)/.exec(readFileSync(GUARD_FILE, 'utf8'))?.[1];
  t.deepEqual(JSON.parse(String(list).replace(/'/g, '"')), [...UNAVAILABLE_BUILTINS]);
});
