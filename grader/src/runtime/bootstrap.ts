/**
 * What a node process runs before any student code: the runtime on fd 3 and the virtual
 * globals. A role's entry (e.g. `labs/lab1/scaffold/node-server.ts`) imports `startNode`
 * first, then the student's modules, so that they load with the simulation in place.
 */
import { readSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { NodeRuntime, type ClientApi, type InitHook } from './node.ts';
import type { Envelope, TimedEnvelope } from './protocol.ts';
import { installVirtualGlobals } from './virtual-globals.ts';
import { setCurrentRuntime } from './current.ts';

const CHANNEL_FD = 3;

/** Writes one line to the channel, synchronously, so that order is kept and nothing is lost at exit. */
function writeLine(line: string): void {
  const bytes = Buffer.from(line + '\n', 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(CHANNEL_FD, bytes, offset);
    } catch (err) {
      // The socket is non-blocking: when the pipe is full, wait for the grader to read.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      process.exit(70); // the grader is gone
    }
  }
}

const runtime = new NodeRuntime({
  send: (envelope: Envelope) => writeLine(JSON.stringify(envelope)),
  exit: (code) => process.exit(code),
  pendingWork: () => globals.pendingImmediates(),
  defer: (callback) => globals.realSetImmediate(callback),
});
const globals = installVirtualGlobals(runtime);
setCurrentRuntime(runtime);
process.on('uncaughtException', (err) => crash(err));
process.on('unhandledRejection', (err) => crash(err));

/** Whether startNode opened the channel: until then, no event has been read. */
let started = false;

function crash(err: unknown): void {
  if (!started) awaitInit();
  runtime.crash(err);
}

/**
 * A node that fails while its modules load waits for the grader's `init` before it reports: the
 * failure then belongs to the init step, as on every run, and the grader never writes `init` into
 * a channel already closed (which would discard the report unread).
 */
function awaitInit(): void {
  const byte = Buffer.alloc(1);
  try {
    // fd 3 is still blocking here (startNode makes it a socket): this waits for one whole line.
    while (readSync(CHANNEL_FD, byte, 0, 1, null) === 1 && byte[0] !== 0x0a);
  } catch {
    // the grader is gone: report anyway
  }
}

export interface NodeSetup {
  /** Runs once with the node's config when the grader's `init` arrives. */
  init?: InitHook;
  /** For client hosts: the operations the grader may ask for. */
  clientApi?: ClientApi;
}

/** Starts serving the channel. Call once, at the top of a role's entry module. */
export function startNode(setup: NodeSetup): void {
  if (setup.init) runtime.onInit(setup.init);
  if (setup.clientApi) runtime.serveClientApi(setup.clientApi);
  // A socket, not a file stream: a blocking read in the thread pool would keep process.exit() waiting.
  started = true;
  const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: false });
  channel.setEncoding('utf8');
  let buffered = '';
  channel.on('data', (chunk) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) runtime.receive(JSON.parse(line) as TimedEnvelope);
    }
  });
  // The grader closed the channel (it finished, or it was killed): a node never outlives it.
  channel.on('end', () => process.exit(0));
  channel.on('error', () => process.exit(0));
}
