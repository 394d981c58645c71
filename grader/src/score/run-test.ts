/**
 * One run: one graded test on one seed. Starts the cluster, plays the scenario, tears
 * everything down (every process of the run is gone when this resolves), and returns the
 * verdict with the evidence: the trace, and on failure the nodes' last log lines.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { checkRun } from '../check/run-checks.ts';
import { applyFailureModel } from '../faults/apply.ts';
import { resolveFailureModel, type FailureModel } from '../faults/failure-model.ts';
import type { GradedTest, LabManifest } from '../lab/manifest.ts';
import { Scenario, TestFailure } from '../lab/scenario.ts';
import { NodeSet } from '../cluster/node-set.ts';
import { ProcessNode, nodeLimits } from '../cluster/process-node.ts';
import type { Sandbox } from '../cluster/sandbox.ts';
import type { PreparedImplementation } from '../cluster/prepare.ts';
import { StackMapper } from '../cluster/source-map.ts';
import { PortableText } from './portable-text.ts';
import type { TraceEvent, TraceFile } from '../net/trace.ts';
import { NodeFailure, Simulation } from '../sim/simulation.ts';
import type { NodeFactory } from '../sim/sim-node.ts';
import type { NodeId } from '../runtime/protocol.ts';

export interface RunResult {
  test: string;
  part: string;
  seed: number;
  passed: boolean;
  /** What went wrong, for a student. */
  message?: string;
  hint?: string;
  /** The node that misbehaved, when one did. */
  node?: NodeId;
  /** Last log lines per node, on failure. */
  logs: Record<NodeId, string[]>;
  wallMs: number;
  virtualMs: number;
  events: number;
  trace: TraceFile;
}

export interface RunContext {
  lab: LabManifest;
  prepared: PreparedImplementation;
  /** Lines of each node's log shown with a failure. */
  logLines?: number;
  /** Creates nodes; defaults to real child processes of the prepared bundles. */
  factory?: NodeFactory;
  /** A failure model that replaces the test's and the lab's (`--faults`). */
  faults?: FailureModel;
  /** The sandbox nodes run in (`detectSandbox()`); none: plain `node <bundle>` processes. */
  sandbox?: Sandbox | undefined;
  /** The grading's nodes: closing it stops every run at once. */
  nodes?: NodeSet;
}

/** The failure model a run is under: the override, else the test's, else the lab's, else none. */
export function failureModelOf(ctx: RunContext, test: GradedTest): FailureModel | undefined {
  const ref = test.faults ?? ctx.lab.faults;
  return ctx.faults ?? (ref === undefined ? undefined : resolveFailureModel(ref));
}

export async function runTest(ctx: RunContext, test: GradedTest, seed: number): Promise<RunResult> {
  const started = performance.now();
  const { lab } = ctx;
  const nodes = lab.topology(test.clients);
  const model = failureModelOf(ctx, test);
  // The run's own folder: each node's state folder (kept across its restarts) lives here.
  const runDir = mkdtempSync(path.join(ctx.prepared.workDir, 'run-'));
  const stateDirOf = (id: string) => {
    const dir = path.join(runDir, 'state', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const create: NodeFactory =
    ctx.factory ??
    ((id, role) =>
      new ProcessNode(id, {
        stateDir: stateDirOf(id),
        bundle: ctx.prepared.bundles[role]!,
        ...nodeLimits(lab.limits),
        sandbox: ctx.sandbox,
        cwd: ctx.prepared.workDir,
      }));
  // Every node of the run, however it was started, is gone before the run's folder is removed.
  const runNodes = new NodeSet(ctx.nodes);
  const factory: NodeFactory = (id, role) => runNodes.start(() => create(id, role));
  const sim = new Simulation({ seed, nodes, factory, network: lab.network, limits: { maxEvents: lab.limits.maxEvents }, calls: lab.calls });
  const clients = nodes.filter((n) => lab.clientRoles.includes(n.role)).map((n) => n.id);
  const scenario = new Scenario(sim, seed, clients, lab.limits.opTimeoutMs);

  let failure: { message: string; hint: string; node?: NodeId } | undefined;
  let wallGuard: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    wallGuard = setTimeout(() => resolve('timeout'), lab.limits.runWallMs);
  });
  const played = (async () => {
    await sim.start();
    if (model) scenario.healedAt = applyFailureModel(sim, model, { nodes: nodes.map((n) => n.id), clients }, seed);
    await test.run(scenario);
    const faults = sim.trace.events.filter((e) => e.kind === 'kill' || e.kind === 'crash' || e.kind === 'fault').map((e) => e.t);
    const broken = checkRun(lab.checks, { ops: sim.ops, faults, end: sim.now });
    if (broken) throw new TestFailure(broken.message, broken.hint);
  })();
  try {
    const outcome = await Promise.race([played, timedOut]);
    if (outcome === 'timeout') {
      failure = {
        message: `the test did not finish within ${lab.limits.runWallMs / 1000} s of wall-clock time`,
        hint: 'the nodes are too slow to handle events; look for heavy work in handlers',
      };
      played.catch(() => undefined); // it ends when shutdown kills the nodes
    }
  } catch (err) {
    if (err instanceof TestFailure) failure = { message: err.message, hint: err.hint };
    else if (err instanceof NodeFailure) failure = { message: err.message, hint: err.hint, node: err.node };
    else failure = { message: `locklab internal error: ${err instanceof Error ? err.stack : String(err)}`, hint: 'please report this' };
  } finally {
    clearTimeout(wallGuard);
    await Promise.all([sim.shutdown(), runNodes.close()]);
    rmSync(runDir, { recursive: true, force: true });
  }

  // Stacks mapped to the student's files and no temporary path: the same seed, the same bytes.
  const portable = new PortableText(new StackMapper(ctx.prepared.displayPath), ctx.prepared.workDir);
  portable.events(sim.trace.events);
  const logs: Record<NodeId, string[]> = {};
  if (failure) {
    const lines = ctx.logLines ?? 12;
    for (const id of sim.nodeIds()) {
      const tail = [...sim.trace.tailOfLog(id, lines), ...sim.rawOutputTail(id, 5).map((l) => portable.text(l))];
      if (tail.length > 0) logs[id] = tail;
    }
    failure.message = portable.text(failure.message + forbiddenNote(sim));
  }
  const trace: TraceFile = {
    format: 'locklab-trace',
    version: 1,
    lab: lab.id,
    test: test.name,
    seed,
    nodes: nodes.map((n) => ({ id: n.id, role: n.role, ...(clients.includes(n.id) ? { client: true as const } : {}) })),
    events: sim.trace.events,
    outcome: failure ? { passed: false, message: failure.message } : { passed: true },
  };
  return {
    test: test.name,
    part: test.part,
    seed,
    passed: !failure,
    ...(failure ? { message: failure.message, hint: failure.hint } : {}),
    ...(failure?.node ? { node: failure.node } : {}),
    logs,
    wallMs: performance.now() - started,
    virtualMs: sim.now,
    events: sim.events,
    trace,
  };
}

/**
 * When a run fails, the messages the lab's rule on who may call whom refused, if any: the
 * failure may come from them, and the rule is one of the handout, not an outcome.
 */
function forbiddenNote(sim: Simulation): string {
  const refused = sim.trace.events.filter((e): e is Extract<TraceEvent, { kind: 'refuse' }> => e.kind === 'refuse' && e.byRule === true);
  const first = refused[0];
  if (!first) return '';
  const sent = sim.trace.events.find((e) => e.kind === 'send' && e.id === first.id);
  const type = sent?.kind === 'send' ? ` "${sent.body.type}"` : '';
  const count = refused.length === 1 ? 'one message was' : `${refused.length} messages were`;
  return ` (meanwhile ${count} refused by the lab's rule on who may call whom; the first, at ${first.t} ms: ${first.from} -> ${first.to}${type}: ${first.reason})`;
}
