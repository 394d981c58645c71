/**
 * What a run shows of itself (its trace, its failure message, the nodes' log lines) must be the
 * same for the same seed, whatever temporary folder the grading ran in: stack frames in a node's
 * bundle are mapped to the student's `.ts` lines, and any other path inside the grading's
 * temporary folder is written `<work>/...`. So a replay gives a byte-identical trace, and a
 * crash points at `lockservice/server.ts:68:29`, not at a bundle that no longer exists.
 */
import { realpathSync } from 'node:fs';
import type { TraceEvent } from '../net/trace.ts';
import type { StackMapper } from '../cluster/source-map.ts';

/** How the grading's temporary folder is written in traces and messages. */
export const WORK_FOLDER = '<work>';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Events that hold no text: nothing to rewrite. */
const PLAIN_KINDS = new Set<TraceEvent['kind']>(['deliver', 'drop', 'refuse', 'duplicate', 'timer', 'start']);

export class PortableText {
  private readonly folders: string[];
  private readonly folder: RegExp;

  /** @param workDir the grading's temporary folder (nodes' bundles, stage, state folders). */
  constructor(
    private readonly mapper: StackMapper,
    workDir: string,
  ) {
    // A stack names the bundle by its real path (e.g. /private/var/... on macOS for /var/...).
    let real = workDir;
    try {
      real = realpathSync(workDir);
    } catch {
      // already removed: the path as given is all there is
    }
    this.folders = [...new Set([workDir, real])].sort((a, b) => b.length - a.length);
    this.folder = new RegExp(`(?:file://)?(?:${this.folders.map(escapeRegExp).join('|')})(?=[/\\\\]|$|[^\\w.-])`, 'g');
  }

  /** A text with its stack frames mapped and no temporary path left. Unchanged if it names none. */
  text(text: string): string {
    if (!this.folders.some((f) => text.includes(f))) return text;
    return this.mapper.map(text).replace(this.folder, WORK_FOLDER);
  }

  /** A JSON value (a message body, a result) with `text` applied to every string in it. */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const mapped = this.value(v);
        changed ||= mapped !== v;
        return mapped;
      });
      return (changed ? out : value) as T;
    }
    if (value !== null && typeof value === 'object') {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const mapped = this.value(v);
        changed ||= mapped !== v;
        out[key] = mapped;
      }
      return (changed ? out : value) as T;
    }
    return value;
  }

  /** Rewrites the trace's events in place (same objects where nothing changes). */
  events(events: TraceEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (!PLAIN_KINDS.has(e.kind)) events[i] = this.value(e);
    }
  }
}
