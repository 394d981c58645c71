// Loaded with `node --import` before a sandboxed node's bundle (plain JavaScript: nodes run
// without a TypeScript loader). It closes what Node's permission model leaves open:
// - sockets: net connections and servers (TCP, Unix sockets on a path, which the permission
//   model does not check) and UDP. The network namespace cuts the network at the OS level
//   where the machine allows one; this makes the failure immediate and the same everywhere;
// - Node's modules a node has no use for and that reach past the sandbox: node:dns (UDP to any
//   server, and a name looked up is itself a message out), node:trace_events (a trace file in
//   the working folder), node:inspector, node:vm and node:repl (code from strings, whose import()
//   resolves on disk): loading one is refused, so none is ever loaded (a static import of one is
//   refused at bundle time already);
// - other processes: signals (process.kill and process._kill of another pid,
//   process._debugProcess, which opens another Node process's inspector), priorities
//   (os.setPriority, and os.getPriority of another pid, which tells whether it exists), the
//   process's user and group;
// - files written behind the permission model's back: V8 flags (--prof and --logfile write
//   files; every flag changes the engine), heap snapshots near the heap limit, diagnostic
//   reports on a fatal error, a core dump (process.abort);
// - whether a file outside the node's folders exists: the calls that look (stat, readdir,
//   realpath, statfs, ...; Node's own JavaScript realpath uses lstat, which the permission
//   model does not check, and the model lets any process list the root folder) and module
//   resolution at run time (require, require.resolve, Module._findPath, Module.runMain look at
//   the disk before the permission model is asked). A bundle is self-contained: at run time a
//   node may load Node's own modules and nothing else. (The bundler turns import() into
//   require(), and node runs with --disallow-code-generation-from-strings, so no new import()
//   can be written at run time.)
// Each refusal throws an Error with code ERR_ACCESS_DENIED and a message that starts with
// "locklab sandbox:", which the grader reports as the sandbox stopping the node. The guard
// patches the modules' exports, then syncBuiltinESMExports() updates their ES-module bindings,
// so `import { x } from 'node:...'` gets the guarded function too.
import dgram from 'node:dgram';
import fs from 'node:fs';
import Module, { isBuiltin, syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const PREFIX = 'locklab sandbox:';

function refuse(what) {
  const err = new Error(`${PREFIX} ${what} is not allowed; nodes talk to each other only through locklab/runtime (call, handle)`);
  err.code = 'ERR_ACCESS_DENIED';
  throw err;
}

const describeTarget = (args) => {
  // net.connect() hands Socket#connect its arguments normalized: [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    if (typeof first.path === 'string') return ` to ${first.path}`;
    if (first.port !== undefined) return ` to ${first.host ?? 'localhost'}:${first.port}`;
    return '';
  }
  return first === undefined ? '' : ` to ${String(first)}${typeof args[1] === 'string' ? `:${args[1]}` : ''}`;
};

net.Socket.prototype.connect = function connect(...args) {
  refuse(`opening a connection${describeTarget(args)}`);
};
net.Server.prototype.listen = function listen() {
  refuse('listening on a socket');
};
for (const method of ['bind', 'connect', 'send']) {
  dgram.Socket.prototype[method] = function udp() {
    refuse(`a UDP socket (${method})`);
  };
}

const self = process.pid;
const realKill = process._kill;
const isSelf = (pid) => Number(pid) === self;
process._kill = function _kill(pid, signal) {
  if (!isSelf(pid)) refuse(`sending a signal to process ${pid}`);
  return realKill.call(process, pid, signal);
};
const realPublicKill = process.kill;
process.kill = function kill(pid, signal) {
  if (!isSelf(pid)) refuse(`sending a signal to process ${pid}`);
  return realPublicKill.call(process, pid, signal);
};
process._debugProcess = function _debugProcess(pid) {
  refuse(`debugging process ${pid}`);
};

// ---- other processes ----
const own = (pid) => pid === undefined || pid === 0 || isSelf(pid);
const realGetPriority = os.getPriority;
os.getPriority = function getPriority(pid) {
  if (!own(pid)) refuse(`asking the priority of process ${pid}`);
  return realGetPriority.call(os, pid);
};
os.setPriority = function setPriority(pid) {
  refuse(`changing the priority of process ${typeof pid === 'number' && arguments.length > 1 ? pid : self}`);
};
for (const method of ['setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups']) {
  if (typeof process[method] === 'function') {
    process[method] = function changeIdentity() {
      refuse(`changing the process's user or group (process.${method})`);
    };
  }
}

// ---- files written behind the permission model ----
v8.setFlagsFromString = function setFlagsFromString() {
  refuse('changing V8 flags (v8.setFlagsFromString)');
};
v8.setHeapSnapshotNearHeapLimit = function setHeapSnapshotNearHeapLimit() {
  refuse('heap snapshots (v8.setHeapSnapshotNearHeapLimit), which write files outside the state folder');
};
process.abort = function abort() {
  refuse('process.abort, which dumps core outside the state folder');
};
const report = process.report;
const reportSettings = {};
for (const key of ['directory', 'filename', 'compact', 'signal', 'reportOnFatalError', 'reportOnSignal', 'reportOnUncaughtException', 'excludeNetwork']) {
  Object.defineProperty(reportSettings, key, {
    enumerable: true,
    get: () => report[key],
    set() {
      refuse('diagnostic reports (process.report), which write files outside the state folder');
    },
  });
}
Object.defineProperty(process, 'report', {
  configurable: false,
  enumerable: true,
  value: Object.freeze(
    Object.assign(reportSettings, {
      getReport: (err) => report.getReport(err),
      writeReport() {
        refuse('diagnostic reports (process.report), which write files outside the state folder');
      },
    }),
  ),
});

// ---- whether a file outside the node's folders exists ----
const permission = process.permission;
const asPath = (p) => (p instanceof URL ? fileURLToPath(p) : Buffer.isBuffer(p) ? p.toString() : String(p));
/**
 * Refuses before the disk is looked at, unless the permission model lets the node read `p`.
 * The root folder is refused too: Node 20's permission model lets any process list and stat
 * `/` once it has any read grant.
 */
function mayRead(p, what) {
  if (!permission) return;
  const resolved = path.resolve(asPath(p));
  if (resolved === path.parse(resolved).root || !permission.has('fs.read', resolved)) refuse(`file access outside the node's own folder (${what})`);
}
const guardPath = (target, name) => {
  const real = target[name];
  if (typeof real !== 'function') return;
  const guarded = function (p, ...rest) {
    mayRead(p, `fs.${name}`);
    return real.call(this, p, ...rest);
  };
  for (const key of Object.keys(real)) guarded[key] = real[key]; // fs.realpathSync.native
  target[name] = guarded;
};
// The calls that tell what exists and what a folder holds (reading a file's content is the permission model's alone).
const LOOKS = ['access', 'exists', 'stat', 'lstat', 'statfs', 'readdir', 'opendir', 'realpath', 'readlink'];
for (const name of LOOKS) {
  guardPath(fs, name);
  guardPath(fs, `${name}Sync`);
  guardPath(fs.promises, name);
}

const loading = () => refuse("loading a module from outside the node's own code");
// Node's modules a node has no use for (the same list as UNAVAILABLE_BUILTINS in
// import-fence.ts, which refuses a static import of them at bundle time; a test checks the two
// agree): loading one is refused, so it is never loaded (and costs nothing at start-up).
const UNAVAILABLE = new Set(['dns', 'dns/promises', 'inspector', 'inspector/promises', 'repl', 'trace_events', 'vm']);
const realLoad = Module._load;
Module._load = function _load(request, ...rest) {
  if (typeof request === 'string' && UNAVAILABLE.has(request.replace(/^node:/, ''))) {
    refuse(`loading node:${request.replace(/^node:/, '')} (no name resolution, tracing, inspector, or code from strings in a node)`);
  }
  return realLoad.call(this, request, ...rest);
};
const realResolve = Module._resolveFilename;
Module._resolveFilename = function _resolveFilename(request, ...rest) {
  if (typeof request === 'string' && isBuiltin(request)) return realResolve.call(this, request, ...rest);
  return loading(request);
};
Module._findPath = function _findPath(request) {
  return loading(request);
};
Module.runMain = function runMain(main) {
  return loading(main ?? process.argv[1]);
};
syncBuiltinESMExports();
