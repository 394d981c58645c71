// Loaded with `node --import` before a sandboxed node's bundle (plain JavaScript: nodes run
// without a TypeScript loader). It closes what Node's permission model leaves open:
// - sockets: net connections and servers (TCP, Unix sockets on a path, which the permission
//   model does not check) and UDP. The network namespace cuts the network at the OS level
//   where the machine allows one; this makes the failure immediate and the same everywhere;
// - signals to other processes: process.kill and process._kill of another pid, and
//   process._debugProcess (SIGUSR1 opens another Node process's inspector).
// Each refusal throws an Error with code ERR_ACCESS_DENIED and a message that starts with
// "locklab sandbox:", which the grader reports as the sandbox stopping the node.
import dgram from 'node:dgram';
import net from 'node:net';

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
