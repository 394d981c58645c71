/**
 * What a lab is: its manifest (validated with zod) and its graded tests.
 * `labs/<id>/lab.ts` default-exports `defineLab({...})`; each test is a `defineTest({...})`.
 */
import { z } from 'zod';
import { COMPILE_LIMIT_DEFAULTS, NODE_LIMIT_DEFAULTS } from '../cluster/limits.ts';
import { HistoryChecksSchema } from '../check/run-checks.ts';
import { FailureModelSchema, type FailureModelInput } from '../faults/failure-model.ts';
import type { NetworkConfig } from '../net/network.ts';
import type { NodeSpec } from '../sim/simulation.ts';
import type { Scenario } from './scenario.ts';

/** A graded scenario, with its points and part next to it. */
export interface GradedTest {
  /** Unique within the lab; what `--test` takes, e.g. "PrimaryFail2". */
  name: string;
  /** The part it belongs to, e.g. "A". */
  part: string;
  points: number;
  /** One line a student reads: what the test checks. */
  description: string;
  /** How many client hosts the test needs (c1, c2, ...). */
  clients: number;
  /** The failure model the test runs under (a name such as "flaky", or a model); the lab's when absent. */
  faults?: string | FailureModelInput;
  /**
   * Not shipped to students: the test lives in the lab's hidden folder (`labs/<id>/hidden/`), and the
   * loader sets this on every test found there. A test listed in `lab.ts` must not set it.
   */
  hidden?: boolean;
  /** Gradescope visibility of its result; the lab's `visibility` (or `hidden.visibility` for a hidden test) when absent. */
  visibility?: Visibility;
  /** Points in proportion to the seeds passed, instead of all or nothing; the lab's `partialCredit` when absent. */
  partialCredit?: boolean;
  /** The scenario. Throws a TestFailure (via `t.fail`/`t.expect...`) when the implementation is wrong. */
  run(t: Scenario): Promise<void>;
}

/** Who sees a test's result on Gradescope, and when. */
export const VisibilitySchema = z.enum(['visible', 'hidden', 'after_due_date', 'after_published']);
export type Visibility = z.infer<typeof VisibilitySchema>;

const nonEmpty = z.string().min(1);

export const LimitsSchema = z.object({
  /** Wall-clock ms a node may take to handle one event (the infinite-loop guard). */
  stepWallMs: z.number().int().positive().default(5000),
  /** Wall-clock ms a node may take to start and handle `init` (spawning is slow on a loaded machine). */
  startWallMs: z.number().int().positive().default(20_000),
  /** Wall-clock ms one run of one test may take in all. */
  runWallMs: z.number().int().positive().default(60_000),
  /** Events one run may take before it is stopped as a livelock. */
  maxEvents: z.number().int().positive().default(50_000),
  /** Virtual ms a client operation may take before the test fails. */
  opTimeoutMs: z.number().int().positive().default(10_000),
  /** V8 heap of one node, MiB. */
  heapMiB: z.number().int().positive().default(256),
  /** stdout/stderr bytes kept per node. */
  outputBytes: z.number().int().positive().default(64 * 1024),
  /** Address space of one node, MiB (an OS limit where `prlimit` exists); default: heapMiB + 2048. */
  addressSpaceMiB: z.number().int().positive().optional(),
  /** console.* output kept per node and run, bytes; the rest is dropped with one note. */
  logBytes: z.number().int().positive().default(NODE_LIMIT_DEFAULTS.logBytes),
  /** Messages and timers one step of a node may produce; beyond, the node "flooded the network". */
  stepMessages: z.number().int().positive().default(NODE_LIMIT_DEFAULTS.stepMessages),
  /** Bytes of messages and timers one node may write in one run. */
  messageBytes: z.number().int().positive().default(NODE_LIMIT_DEFAULTS.messageBytes),
  /** Largest file a node may write in its state folder, MiB (an OS limit where `prlimit` exists). */
  fileMiB: z.number().int().positive().default(NODE_LIMIT_DEFAULTS.fileMiB),
  /** Bytes a node may keep in its state folder in all, MiB, measured while it runs; beyond, the node fails. */
  stateMiB: z.number().int().positive().default(NODE_LIMIT_DEFAULTS.stateMiB),
  /** Largest student file, bytes; a larger one is not staged and the submission does not compile. */
  sourceFileBytes: z.number().int().positive().default(COMPILE_LIMIT_DEFAULTS.sourceFileBytes),
  /** All student files together, bytes. */
  sourceBytes: z.number().int().positive().default(COMPILE_LIMIT_DEFAULTS.sourceBytes),
  /** Wall-clock ms that type-checking, and bundling, may each take; beyond, the submission does not compile. */
  compileWallMs: z.number().int().positive().default(COMPILE_LIMIT_DEFAULTS.compileWallMs),
  /** Address space of each compiler process, MiB (an OS limit where `prlimit` exists). */
  compileMemoryMiB: z.number().int().positive().default(COMPILE_LIMIT_DEFAULTS.compileMemoryMiB),
});
export type Limits = z.infer<typeof LimitsSchema>;

const graded = z.custom<GradedTest>(
  (v) => typeof v === 'object' && v !== null && typeof (v as GradedTest).run === 'function',
  'a test made with defineTest()',
);

export const LabManifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    title: nonEmpty,
    parts: z.array(z.object({ id: nonEmpty, title: nonEmpty })).min(1),
    /** Files students edit, relative to the implementation folder (e.g. "lockservice/server.ts"). */
    studentFiles: z.array(nonEmpty).min(1),
    /** Trusted files of the lab, copied into each staging folder: the role entries live here. */
    scaffold: nonEmpty,
    /** Role name -> entry file inside the scaffold; each role is bundled once per grading. */
    roles: z.record(z.string(), nonEmpty),
    /**
     * Who may send requests to whom: every role -> the roles its nodes may call (`[]`: none).
     * A node may always answer a request it was sent; any other message to a node it may not
     * call is refused as a call to a dead node is (`unreachable`), and the trace says why.
     */
    calls: z.record(z.string(), z.array(nonEmpty)),
    /** Roles of the client hosts: the nodes that run the tests' client operations, and that faults aimed at clients hit. */
    clientRoles: z.array(nonEmpty).min(1),
    /** The nodes of a run with `clients` client hosts. */
    topology: z.custom<(clients: number) => NodeSpec[]>((v) => typeof v === 'function', 'a function (clients) => NodeSpec[]'),
    /** The failure model the lab is graded under, in words (shown by `locklab list`). */
    failureModel: nonEmpty,
    /** The failure model its tests run under unless they name one (a name, or a model); none by default. */
    faults: z.union([z.string(), FailureModelSchema]).optional(),
    /** Seeds each test runs on by default. */
    seeds: z.number().int().positive().default(1),
    /** A test earns (seeds passed / seeds run) of its points; false: all of them only if every seed passed. Tests may override. */
    partialCredit: z.boolean().default(false),
    /** Gradescope visibility of the tests' results; tests may override. */
    visibility: VisibilitySchema.default('visible'),
    /** Hidden tests: the lab folder they live in (never shipped to students), and their default Gradescope visibility. */
    hidden: z
      .object({ folder: nonEmpty.default('hidden'), visibility: VisibilitySchema.default('after_published') })
      .default({ folder: 'hidden', visibility: 'after_published' }),
    network: z
      .object({ latencyMs: z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() }) })
      .default({ latencyMs: { min: 1, max: 10 } }) as z.ZodType<NetworkConfig>,
    limits: LimitsSchema.default(LimitsSchema.parse({})),
    /** Checks applied to every run's history once the test's own expectations held. */
    checks: HistoryChecksSchema.default(HistoryChecksSchema.parse({})),
    tests: z.array(graded).min(1),
  })
  .superRefine((lab, ctx) => {
    const roles = Object.keys(lab.roles);
    const unknownRole = (role: string, where: string) => {
      if (!roles.includes(role)) ctx.addIssue({ code: 'custom', path: [where], message: `role "${role}" is not one of the lab's roles (${roles.join(', ')})` });
    };
    for (const [caller, callees] of Object.entries(lab.calls)) [caller, ...callees].forEach((role) => unknownRole(role, 'calls'));
    for (const role of roles) {
      if (!(role in lab.calls)) ctx.addIssue({ code: 'custom', path: ['calls'], message: `role "${role}" is missing: say whom its nodes may call ([] for nobody)` });
    }
    lab.clientRoles.forEach((role) => unknownRole(role, 'clientRoles'));
    const parts = new Set(lab.parts.map((p) => p.id));
    const names = new Set<string>();
    for (const test of lab.tests) {
      if (names.has(test.name)) ctx.addIssue({ code: 'custom', message: `two tests are named ${test.name}` });
      names.add(test.name);
      if (!parts.has(test.part)) ctx.addIssue({ code: 'custom', message: `test ${test.name} is in part ${test.part}, which the lab does not have` });
    }
  });

export type LabManifest = z.infer<typeof LabManifestSchema>;
export type LabInput = z.input<typeof LabManifestSchema>;

/** Declares a lab; validated when the grader loads it. */
export function defineLab(lab: LabInput): LabInput {
  return lab;
}

/** Declares a graded test. */
export function defineTest(test: GradedTest): GradedTest {
  if (!(test.points >= 0)) throw new Error(`test ${test.name}: points must be >= 0`);
  return test;
}
