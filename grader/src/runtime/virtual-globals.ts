/**
 * Routes a node's clock, timers and randomness to the simulation.
 *
 * Student code may use the ordinary globals (`setTimeout`, `setInterval`, `Date.now()`,
 * `Math.random()`, `crypto.randomUUID()`); inside a node they follow the virtual clock and the
 * node's seed, so that a run replays exactly from its seed and a 10-second timeout costs no
 * wall time. `console.*` goes to the grader with the virtual time, so logs appear in the trace.
 */
import { format } from 'node:util';
import type { NodeRuntime } from './node.ts';

/** Virtual time 0 is this date, so that `new Date()` inside a node looks like a real one. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

/** A timer handle with the methods Node's `Timeout` has, so `.unref()` and friends keep working. */
class VirtualTimeout {
  constructor(readonly id: number) {}
  ref(): this { return this; }
  unref(): this { return this; }
  hasRef(): boolean { return true; }
  [Symbol.toPrimitive](): number { return this.id; }
}

function timerId(handle: unknown): number | undefined {
  if (handle instanceof VirtualTimeout) return handle.id;
  if (typeof handle === 'number') return handle;
  return undefined;
}

export interface InstalledGlobals {
  /** How many `setImmediate` callbacks are still queued: the node is not idle until they ran. */
  pendingImmediates(): number;
  /** The real setImmediate, for the runtime's own idle check. */
  realSetImmediate: typeof setImmediate;
}

export function installVirtualGlobals(runtime: NodeRuntime): InstalledGlobals {
  const g = globalThis as any;
  const realSetImmediate = g.setImmediate as typeof setImmediate;
  const realClearImmediate = g.clearImmediate as typeof clearImmediate;
  const RealDate = Date;

  g.setTimeout = (callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    new VirtualTimeout(runtime.setTimer(() => callback(...args), ms ?? 0));
  g.clearTimeout = (handle: unknown) => {
    const id = timerId(handle);
    if (id !== undefined) runtime.clearTimer(id);
  };
  // An interval is a timer that re-arms itself; its handle keeps the first id, so we map it.
  const intervals = new Map<number, number>();
  g.setInterval = (callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = new VirtualTimeout(0);
    const arm = (): number =>
      runtime.setTimer(() => {
        intervals.set(handle.id, arm());
        callback(...args);
      }, Math.max(1, ms ?? 0));
    (handle as { id: number }).id = arm();
    intervals.set(handle.id, handle.id);
    return handle;
  };
  g.clearInterval = (handle: unknown) => {
    const id = timerId(handle);
    if (id === undefined) return;
    runtime.clearTimer(intervals.get(id) ?? id);
    intervals.delete(id);
  };

  // setImmediate stays real (it runs within the step), but the node is not idle while one is queued.
  const queuedImmediates = new Set<NodeJS.Immediate>();
  g.setImmediate = (callback: (...a: unknown[]) => void, ...args: unknown[]) => {
    const handle: NodeJS.Immediate = realSetImmediate(() => {
      queuedImmediates.delete(handle);
      runtime.guard(() => callback(...args));
    });
    queuedImmediates.add(handle);
    return handle;
  };
  g.clearImmediate = (handle: NodeJS.Immediate) => {
    queuedImmediates.delete(handle);
    realClearImmediate(handle);
  };

  const virtualNow = () => VIRTUAL_EPOCH_MS + runtime.now;
  class VirtualDate extends RealDate {
    constructor(...args: any[]) {
      if (args.length === 0) super(virtualNow());
      else super(...(args as [any]));
    }
    static override now(): number {
      return virtualNow();
    }
  }
  g.Date = VirtualDate;
  g.performance.now = () => runtime.now;
  Math.random = () => runtime.random();
  if (g.crypto) {
    g.crypto.randomUUID = () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(runtime.random() * 16).toString(16));
      hex[12] = '4';
      hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    };
  }

  const toGrader = (stream: 'stdout' | 'stderr') => (...args: unknown[]) => runtime.log(stream, format(...args));
  console.log = console.info = console.debug = toGrader('stdout');
  console.warn = console.error = console.trace = toGrader('stderr');

  return { pendingImmediates: () => queuedImmediates.size, realSetImmediate };
}
