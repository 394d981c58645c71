/**
 * The trace viewer: one self-contained HTML page per trace (inline CSS and script, the trace
 * embedded as JSON; no network, enforced by a Content-Security-Policy). The page draws a
 * Lamport (space-time) diagram: a lane per node, virtual time flowing downward, an arrow per
 * message from its send to its delivery, faults on the lanes, notes on the side, and the
 * clients' operations beside it, with the linearizability checker's counterexample in red.
 *
 * The work is split in two:
 *  - here, in TypeScript, `buildTraceView` turns a trace into a view model: messages paired
 *    with their fate, operations paired with their answers, node lifecycles, a time axis
 *    whose long idle gaps are compressed, and the checker's verdict (computed at render time);
 *  - `viewer/viewer.js` and `viewer/viewer.css` (plain browser code, inlined into the page)
 *    lay the model out on screen, draw only what is in view (so 10,000 messages stay fast),
 *    and handle clicks, filters and zoom.
 *
 * See docs/trace-viewer.md for what each mark means.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { historyFromTrace } from '../check/from-run.ts';
import { checkHistory, parseHistory, type CheckResult, type Operation } from '../check/index.ts';
import type { TraceFile } from '../net/trace.ts';

/** A trace file that cannot be shown: missing, not JSON, or not a locklab trace. One line. */
export class TraceFileError extends Error {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'TraceFileError';
  }
}

export interface TraceHtmlOptions {
  /**
   * The checker's verdict to highlight. By default the page runs `checkHistory` on the
   * trace's lock/unlock operations at render time; pass a verdict (or just the
   * counterexample's operations) that was computed already, or `null` to not check.
   */
  counterexample?: CheckResult | readonly Operation[] | null;
  /** A hint to show under the outcome of a failed run (the grader's `RunResult.hint`). */
  hint?: string;
}

// ---------------------------------------------------------------------------------------
// The view model (what the page's script receives next to the trace itself)

/** One message arrow. Times are virtual ms; lanes are indexes into `lanes`. */
export interface ViewMessage {
  /** The message's id in the trace (duplicate deliveries share it). */
  id: number;
  from: number;
  to: number;
  /** Index into `types`. */
  type: number;
  /** Index of the `send` event in `trace.events` (its body is there). */
  ev: number;
  t0: number;
  t1: number;
  /** delivered, lost (dropped), refused (the destination was down), or still in flight at the end. */
  fate: 'delivered' | 'dropped' | 'refused' | 'in-flight';
  /** Why a dropped message was dropped. */
  reason?: string;
  /** 0 for the first delivery; 1, 2... for duplicate deliveries of the same message. */
  dup: number;
  /** Index (into `messages`) of the request this message answers, if found. */
  replyTo?: number;
  /** Events of kinds this viewer does not know that name this message, as JSON text. */
  extra?: string[];
}

export interface ViewOperation {
  op: number;
  client: number;
  name: string;
  /** `lock("a") -> true`, or `lock("a") -> ?` while pending. */
  label: string;
  t0: number;
  /** null: no answer before the run ended. */
  t1: number | null;
  /** The result as JSON text, or null while pending. */
  result: string | null;
  /** 'true' / 'false' / 'pending' / 'other' (a non-boolean answer): how the bar is coloured. */
  status: 'true' | 'false' | 'pending' | 'other';
  /** Part of the checker's counterexample. */
  cx: boolean;
}

export interface ViewLane {
  id: string;
  role: string;
  client: boolean;
  /** Named by some event but not in the trace's node list (e.g. a message to a misspelt id). */
  ghost: boolean;
  /** Consecutive periods of the node's life; `t1` null means until the end. */
  life: { t0: number; t1: number | null; state: 'up' | 'killed' | 'crashed' | 'unstarted' }[];
}

export interface ViewMark {
  kind: 'kill' | 'crash' | 'restart' | 'timer' | 'other';
  lane: number;
  t: number;
  text: string;
}

export interface ViewNote {
  t: number;
  text: string;
  /** note: from the test or the grader; kill/crash/restart: a fault, repeated from its lane; other: an unknown event. */
  kind: 'note' | 'kill' | 'crash' | 'restart' | 'other';
}

export interface ViewType {
  type: string;
  color: string;
  /** Replies (`..._ok`, or messages with `in_reply_to`) are drawn dashed, in their request's colour. */
  reply: boolean;
  count: number;
}

export type ViewCheck =
  | { status: 'linearizable'; text: string }
  | { status: 'violation'; lock: string; explanation: string; ops: number[] }
  | { status: 'unknown'; lock: string; explanation: string }
  | { status: 'none' | 'error'; text: string };

export interface TraceView {
  meta: {
    lab: string;
    test: string;
    seed: number;
    passed: boolean;
    message?: string;
    hint?: string;
    startT: number;
    endT: number;
    events: number;
    /** Events that could not be placed (no time, or naming nothing known). */
    skipped: number;
  };
  check: ViewCheck;
  lanes: ViewLane[];
  types: ViewType[];
  messages: ViewMessage[];
  operations: ViewOperation[];
  marks: ViewMark[];
  logs: { lane: number; t: number; stderr: boolean; text: string }[];
  notes: ViewNote[];
  /**
   * Where each virtual time goes on screen at zoom 1: piecewise linear through the knots
   * `(times[i], ys[i])`. Idle gaps longer than a few message latencies are squeezed into a
   * short band, listed in `breaks` so the page can mark them.
   */
  axis: { times: number[]; ys: number[]; breaks: { t0: number; t1: number; y0: number; y1: number }[]; height: number; pxPerMs: number };
}

// ---------------------------------------------------------------------------------------
// Colours: a stable palette by message type. A request and its reply share a colour (the
// reply is dashed); the colour comes from a hash of the name, so `Lock` looks the same in
// every trace of a lab. Red is kept for faults and the counterexample.

const PALETTE = ['#2f6db5', '#e07b00', '#1b9e8f', '#7b4fc0', '#c2418c', '#5b8c2a', '#9a6b33', '#1f9bd1', '#a89400', '#4b5d73'];

const REPLY_SUFFIX = /_(ok|reply|resp|response|error|err)$/i;

function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Colours for base names (types without reply suffix): by hash, probing past collisions in name order. */
function assignColours(bases: Iterable<string>): Map<string, string> {
  const colours = new Map<string, string>();
  const taken = new Set<number>();
  for (const base of [...new Set(bases)].sort()) {
    let slot = hashName(base) % PALETTE.length;
    for (let probe = 0; probe < PALETTE.length && taken.has(slot); probe++) slot = (slot + 1) % PALETTE.length;
    taken.add(slot);
    colours.set(base, PALETTE[slot]!);
  }
  return colours;
}

// ---------------------------------------------------------------------------------------

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Layout of the time axis at zoom 1 (see `TraceView.axis`). */
function buildAxis(times: number[], latencies: number[]): TraceView['axis'] {
  const unique = [...new Set(times)].sort((a, b) => a - b);
  if (unique.length === 0) unique.push(0);
  const typical = median(latencies.filter((l) => l > 0)) ?? 5;
  // A typical message slopes down by about 40 px.
  const pxPerMs = Math.min(40, Math.max(0.02, 40 / typical));
  const MIN_STEP = 8; // distinct times never closer than this
  const MAX_STEP = 170; // a longer idle gap is squeezed into a break
  const BREAK = 56;
  const ys = [0];
  const breaks: TraceView['axis']['breaks'] = [];
  let y = 0;
  for (let i = 1; i < unique.length; i++) {
    const dt = unique[i]! - unique[i - 1]!;
    const px = dt * pxPerMs;
    if (px <= MAX_STEP) {
      y += Math.max(MIN_STEP, px);
    } else {
      breaks.push({ t0: unique[i - 1]!, t1: unique[i]!, y0: y, y1: y + BREAK });
      y += BREAK;
    }
    ys.push(Math.round(y * 100) / 100);
  }
  return { times: unique, ys, breaks, height: y + 40, pxPerMs };
}

interface OpRecord {
  op: number;
  client: string;
  name: string;
  args: unknown[];
  t0: number;
  t1: number | null;
  result: unknown;
}

function opLabel(o: OpRecord): string {
  const call = `${o.name}(${o.args.map(showValue).join(', ')})`;
  return o.t1 === null ? `${call} -> ?` : `${call} -> ${showValue(o.result)}`;
}

function collectOperations(events: readonly unknown[]): OpRecord[] {
  const ops = new Map<string, OpRecord>();
  for (const raw of events) {
    const e = raw as Record<string, unknown>;
    if (!e || !num(e.t) || !num(e.op) || !str(e.client)) continue;
    const key = `${e.client}\u0000${e.op}`;
    if (e.kind === 'invoke' && !ops.has(key)) {
      ops.set(key, { op: e.op, client: e.client, name: str(e.name) ? e.name : '?', args: Array.isArray(e.args) ? e.args : [], t0: e.t, t1: null, result: undefined });
    } else if (e.kind === 'complete') {
      const o = ops.get(key);
      if (o && o.t1 === null) {
        o.t1 = e.t;
        o.result = e.result;
      }
    }
  }
  return [...ops.values()];
}

/** How many search configurations the render-time check may explore per lock. */
const RENDER_CHECK_BUDGET = 500_000;

function runCheck(trace: TraceFile, given: TraceHtmlOptions['counterexample'], ops: OpRecord[]): ViewCheck {
  if (given === null) return { status: 'none', text: 'not checked' };
  let verdict: CheckResult;
  if (given === undefined) {
    // The same history as `locklab check` and the lab's tests see: lock/unlock operations only.
    let parsed: ReturnType<typeof parseHistory>;
    try {
      parsed = parseHistory(historyFromTrace(trace));
    } catch (err) {
      return { status: 'error', text: `could not read the history: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!parsed.ok) return { status: 'error', text: `the trace's history is malformed: ${parsed.error}` };
    if (parsed.history.operations.length === 0) return { status: 'none', text: 'no lock/unlock operations to check' };
    try {
      verdict = checkHistory(parsed.history, { maxStatesPerLock: RENDER_CHECK_BUDGET });
    } catch (err) {
      return { status: 'error', text: `the checker failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  } else if (Array.isArray(given)) {
    verdict = { ok: false, lock: (given as Operation[])[0]?.lock ?? '?', counterexample: [...given], explanation: 'counterexample given by the grader' };
  } else {
    verdict = given as CheckResult;
  }
  if (verdict.ok === true) return { status: 'linearizable', text: `linearizable: ${verdict.operations} operations on ${verdict.locks} lock${verdict.locks === 1 ? '' : 's'}` };
  if (verdict.ok === 'unknown') return { status: 'unknown', lock: verdict.lock, explanation: verdict.explanation };
  // Find the trace's operations that the counterexample names: by their fields (or an id, if it has one).
  const found: number[] = [];
  for (const c of verdict.counterexample) {
    const match =
      ops.find(
        (o) =>
          o.client === c.client && o.name === c.op && o.args[0] === c.lock && o.t0 === c.invoke &&
          // the checker sees a missing or non-boolean answer as no answer
          (c.complete === null ? o.t1 === null || typeof o.result !== 'boolean' : o.t1 === c.complete),
      ) ??
      (c.id !== undefined ? ops.find((o) => o.op === Number(c.id) && o.client === c.client) : undefined);
    if (match) found.push(match.op);
  }
  return { status: 'violation', lock: verdict.lock, explanation: verdict.explanation, ops: found };
}

/** The view model of a trace: see `TraceView`. Tolerates unknown event kinds and stray fields. */
export function buildTraceView(trace: TraceFile, options: TraceHtmlOptions = {}): TraceView {
  const events = trace.events as unknown as Record<string, unknown>[];
  const laneIndex = new Map<string, number>();
  const lanes: ViewLane[] = [];
  const addLane = (id: string, role: string, ghost: boolean): number => {
    let i = laneIndex.get(id);
    if (i === undefined) {
      i = lanes.length;
      laneIndex.set(id, i);
      lanes.push({ id, role, client: role === 'client', ghost, life: [] });
    }
    return i;
  };
  for (const n of trace.nodes) addLane(n.id, n.role, false);
  const lane = (id: unknown): number | undefined => (str(id) ? (laneIndex.get(id) ?? addLane(id, 'unknown', true)) : undefined);

  const times: number[] = [];
  let skipped = 0;
  let startT = Infinity;
  let endT = -Infinity;
  for (const e of events) {
    if (e && num(e.t)) {
      times.push(e.t);
      if (e.t < startT) startT = e.t;
      if (e.t > endT) endT = e.t;
    }
  }
  if (!Number.isFinite(startT)) startT = endT = 0;

  // Message types and their colours.
  const typeIndex = new Map<string, number>();
  const types: ViewType[] = [];
  const replyVotes: number[] = [];
  const typeOf = (body: Record<string, unknown>): number => {
    const name = str(body.type) ? body.type : '(no type)';
    let i = typeIndex.get(name);
    if (i === undefined) {
      i = types.length;
      typeIndex.set(name, i);
      types.push({ type: name, color: '', reply: false, count: 0 });
      replyVotes.push(0);
    }
    types[i]!.count++;
    replyVotes[i]! += body.in_reply_to !== undefined || REPLY_SUFFIX.test(name) ? 1 : -1;
    return i;
  };

  const messages: ViewMessage[] = [];
  const byId = new Map<number, number>(); // message id -> index of its first arrow
  const requests = new Map<string, number>(); // "from|to|msg_id" -> latest request
  const marks: ViewMark[] = [];
  const logs: TraceView['logs'] = [];
  const notes: ViewNote[] = [];
  const latencies: number[] = [];
  const alive = new Map<number, boolean>();
  const lifeEvents: { lane: number; t: number; state: ViewLane['life'][number]['state'] }[] = [];

  events.forEach((e, index) => {
    if (!e || typeof e !== 'object' || !num(e.t)) {
      skipped++;
      return;
    }
    const t = e.t;
    switch (e.kind) {
      case 'start': {
        const l = lane(e.node);
        if (l === undefined) break;
        if (alive.get(l) === false) {
          const text = `${lanes[l]!.id} restarted${str(e.role) ? ` as ${e.role}` : ''}`;
          marks.push({ kind: 'restart', lane: l, t, text });
          notes.push({ t, text, kind: 'restart' });
        }
        alive.set(l, true);
        lifeEvents.push({ lane: l, t, state: 'up' });
        return;
      }
      case 'send': {
        const from = lane(e.from);
        const to = lane(e.to);
        if (from === undefined || to === undefined || !num(e.id)) break;
        const body = e.body && typeof e.body === 'object' ? (e.body as Record<string, unknown>) : {};
        const type = typeOf(body);
        const m: ViewMessage = { id: e.id, from, to, type, ev: index, t0: t, t1: endT, fate: 'in-flight', dup: 0 };
        if (num(body.in_reply_to)) {
          const req = requests.get(`${to}|${from}|${body.in_reply_to}`);
          if (req !== undefined) m.replyTo = req;
        }
        if (num(body.msg_id)) requests.set(`${from}|${to}|${body.msg_id}`, messages.length);
        byId.set(e.id, messages.length);
        messages.push(m);
        return;
      }
      case 'deliver':
      case 'drop':
      case 'refuse': {
        const i = num(e.id) ? byId.get(e.id) : undefined;
        if (i === undefined) break;
        const first = messages[i]!;
        if (first.fate === 'in-flight') {
          first.t1 = t;
          first.fate = e.kind === 'deliver' ? 'delivered' : e.kind === 'drop' ? 'dropped' : 'refused';
          if (e.kind === 'drop') first.reason = str(e.reason) ? e.reason : 'lost';
          if (e.kind === 'deliver') latencies.push(t - first.t0);
        } else if (e.kind === 'deliver') {
          // The network delivered the same message again: a duplicate.
          const dups = messages.filter((m) => m.id === first.id).length;
          messages.push({ ...first, t0: first.t0, t1: t, fate: 'delivered', dup: dups, extra: undefined });
        } else {
          (first.extra ??= []).push(showValue(e));
        }
        return;
      }
      case 'timer': {
        const l = lane(e.node);
        if (l === undefined) break;
        marks.push({ kind: 'timer', lane: l, t, text: `timer ${showValue(e.timer)} fired` });
        return;
      }
      case 'kill':
      case 'crash': {
        const l = lane(e.node);
        if (l === undefined) break;
        const why = str(e.why) ? e.why : str(e.text) ? e.text : '';
        const kind = e.kind;
        marks.push({ kind, lane: l, t, text: why });
        notes.push({ t, text: `${lanes[l]!.id} ${kind === 'kill' ? 'killed' : 'crashed'}${why ? `: ${why}` : ''}`, kind });
        alive.set(l, false);
        lifeEvents.push({ lane: l, t, state: kind === 'kill' ? 'killed' : 'crashed' });
        return;
      }
      case 'log': {
        const l = lane(e.node);
        if (l === undefined) break;
        logs.push({ lane: l, t, stderr: e.stream === 'stderr', text: str(e.text) ? e.text : showValue(e.text) });
        return;
      }
      case 'note':
        notes.push({ t, text: str(e.text) ? e.text : showValue(e.text), kind: 'note' });
        return;
      case 'duplicate':
        return; // the copy's own `deliver` event draws its arrow
      case 'fault': {
        // Partitions, pauses, restarts, slow nodes, link faults: marked on each lane concerned, and listed.
        const text = str(e.text) ? e.text : showValue(e);
        for (const node of Array.isArray(e.nodes) ? e.nodes : []) {
          const l = lane(node);
          if (l !== undefined) marks.push({ kind: e.fault === 'restart' ? 'restart' : 'other', lane: l, t, text });
        }
        notes.push({ t, text, kind: e.fault === 'restart' ? 'restart' : 'other' });
        return;
      }
      case 'invoke':
      case 'complete':
        return; // operations are collected below
      default: {
        // A kind this viewer does not know (the trace format may grow): place it as best we can.
        const { t: _t, kind, ...rest } = e;
        const text = `${str(kind) ? kind : '?'} ${showValue(rest)}`;
        const i = num(e.id) ? byId.get(e.id) : undefined;
        if (i !== undefined) {
          const m = messages[i]!;
          (m.extra ??= []).push(text);
          if (str(kind) && /dup/i.test(kind) && !messages.some((x) => x.id === m.id && x.dup > 0)) {
            // e.g. a future { kind: 'duplicate', id } event: show the copy as a second arrow.
            messages.push({ ...m, dup: 1, t0: t, t1: m.fate === 'in-flight' ? endT : Math.max(t, m.t1), extra: undefined });
          }
          return;
        }
        const l = str(e.node) ? lane(e.node) : undefined;
        if (l !== undefined) marks.push({ kind: 'other', lane: l, t, text });
        else notes.push({ t, text, kind: 'other' });
        return;
      }
    }
    skipped++;
  });

  // Lifecycles: periods between start / kill / crash events.
  for (let l = 0; l < lanes.length; l++) {
    const changes = lifeEvents.filter((c) => c.lane === l);
    const life: ViewLane['life'] = [];
    if (changes.length === 0) {
      life.push({ t0: startT, t1: null, state: lanes[l]!.ghost ? 'unstarted' : 'up' });
    } else {
      if (changes[0]!.t > startT) life.push({ t0: startT, t1: changes[0]!.t, state: 'unstarted' });
      changes.forEach((c, i) => {
        const next = changes[i + 1];
        const prev = life[life.length - 1];
        if (prev && prev.state === c.state && prev.t1 === c.t) prev.t1 = next ? next.t : null;
        else life.push({ t0: c.t, t1: next ? next.t : null, state: c.state });
      });
    }
    lanes[l]!.life = life;
  }

  const colours = assignColours(types.map((ty) => ty.type.replace(REPLY_SUFFIX, '')));
  types.forEach((ty, i) => {
    ty.reply = replyVotes[i]! > 0;
    ty.color = colours.get(ty.type.replace(REPLY_SUFFIX, ''))!;
  });

  const ops = collectOperations(events);
  const check = runCheck(trace, options.counterexample, ops);
  const cx = new Set(check.status === 'violation' ? check.ops : []);
  const operations: ViewOperation[] = [];
  for (const o of ops) {
    const client = lane(o.client);
    if (client === undefined) continue;
    lanes[client]!.client = true;
    operations.push({
      op: o.op,
      client,
      name: o.name,
      label: opLabel(o),
      t0: o.t0,
      t1: o.t1,
      result: o.t1 === null ? null : showValue(o.result),
      status: o.t1 === null ? 'pending' : o.result === true ? 'true' : o.result === false ? 'false' : 'other',
      cx: cx.has(o.op),
    });
  }
  notes.sort((a, b) => a.t - b.t);

  const outcome = trace.outcome ?? { passed: true };
  return {
    meta: {
      lab: trace.lab,
      test: trace.test,
      seed: trace.seed,
      passed: outcome.passed !== false,
      ...(str(outcome.message) ? { message: outcome.message } : {}),
      ...(options.hint ? { hint: options.hint } : {}),
      startT,
      endT,
      events: events.length,
      skipped,
    },
    check,
    lanes,
    types,
    messages,
    operations,
    marks,
    logs,
    notes,
    axis: buildAxis(times, latencies),
  };
}

// ---------------------------------------------------------------------------------------
// The page

let assets: { js: string; css: string } | undefined;

function loadAssets(): { js: string; css: string } {
  if (!assets) {
    const read = (name: string) => readFileSync(new URL(`./viewer/${name}`, import.meta.url), 'utf8');
    const js = read('viewer.js');
    const css = read('viewer.css');
    // Inlined as they are: they must not be able to close their own element.
    if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error('the viewer assets must not contain </script or </style');
    assets = { js, css };
  }
  return assets;
}

/**
 * JSON that is safe inside `<script type="application/json">`: every `<` is escaped, so no
 * `</script>` or `<!--` in a log line or a message body can end the element early; U+2028/9
 * are escaped for old JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The whole page, as one self-contained HTML document. */
export function renderTraceHtml(trace: TraceFile, options: TraceHtmlOptions = {}): string {
  const { js, css } = loadAssets();
  const view = buildTraceView(trace, options);
  const verdict = view.meta.passed ? 'passed' : 'FAILED';
  const title = `${view.meta.passed ? '' : '✗ '}${trace.test} seed ${trace.seed} (${trace.lab}, ${verdict}) · locklab trace`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data: blob:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="locklab trace viewer">
<title>${escapeHtml(title)}</title>
<style>
${css}
</style>
</head>
<body>
<noscript><p class="noscript">This trace viewer needs JavaScript. The trace itself is embedded in this file as JSON (element #locklab-data).</p></noscript>
<div id="app"></div>
<script type="application/json" id="locklab-data">${jsonForScript({ trace, view })}</script>
<script>
${js}
</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------
// Files

const TraceFileSchema = z.object({
  format: z.literal('locklab-trace', { error: 'not a locklab trace (its "format" is not "locklab-trace")' }),
  version: z.literal(1, { error: 'unsupported trace version (this locklab reads version 1)' }),
  lab: z.string({ error: '"lab" must be a string' }),
  test: z.string({ error: '"test" must be a string' }),
  seed: z.number({ error: '"seed" must be a number' }),
  nodes: z.array(z.object({ id: z.string(), role: z.string() }), { error: '"nodes" must be a list of {id, role}' }),
  events: z.array(z.looseObject({ t: z.number(), kind: z.string() }), { error: '"events" must be a list of {t, kind, ...}' }),
  outcome: z.looseObject({ passed: z.boolean(), message: z.string().optional() }, { error: '"outcome" must be {passed, message?}' }),
});

/** Checks that a decoded JSON value looks like a `TraceFile`; throws `TraceFileError` (one line) if not. */
export function parseTraceFile(json: unknown, source = 'trace'): TraceFile {
  if (!json || typeof json !== 'object' || (json as { format?: unknown }).format !== 'locklab-trace') {
    throw new TraceFileError(`${source} is not a locklab trace (expected a JSON object with "format": "locklab-trace", as --trace-dir writes)`);
  }
  const parsed = TraceFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '';
    throw new TraceFileError(`${source} is not a valid locklab trace${where}: ${issue.message}`);
  }
  return json as TraceFile;
}

/** Reads and validates a saved trace; throws `TraceFileError` with a one-line reason. */
export function readTraceFile(jsonPath: string): TraceFile {
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TraceFileError(code === 'ENOENT' ? `no such trace file: ${jsonPath}` : code === 'EISDIR' ? `${jsonPath} is a folder, not a trace file` : `cannot read ${jsonPath}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TraceFileError(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  return parseTraceFile(json, jsonPath);
}

/** The page's path for a trace's path: `X.json` -> `X.html`. */
export function htmlPathFor(jsonPath: string): string {
  const { dir, name, ext } = path.parse(jsonPath);
  return path.join(dir, `${ext.toLowerCase() === '.json' ? name : name + ext}.html`);
}

/**
 * Reads a saved trace (`--trace-dir` output), validates it, writes the page next to it
 * (`X.json` -> `X.html`) and returns the page's path. Throws `TraceFileError` for a missing
 * or malformed file.
 */
export function writeTraceHtml(jsonPath: string, options: TraceHtmlOptions = {}): string {
  return writeTraceHtmlFor(readTraceFile(jsonPath), jsonPath, options);
}

/**
 * Writes the page of a trace that is already in memory next to where its JSON was written
 * (`X.json` -> `X.html`), and returns the page's path: what the grader calls after
 * `writeTraceFile`, without reading the file back.
 */
export function writeTraceHtmlFor(trace: TraceFile, jsonPath: string, options: TraceHtmlOptions = {}): string {
  const out = htmlPathFor(jsonPath);
  writeFileSync(out, renderTraceHtml(trace, options));
  return out;
}
