/**
 * Failure models: which faults a run meets, as a zod-validated value that a lab manifest or a
 * test names, and that the CLI can set with `--faults <spec>`. A model has link faults (loss,
 * duplication, delay, per link and direction) and optionally a nemesis: a seeded schedule of
 * partitions, isolations, crash-restarts, pauses and slow nodes over a time window, all healed
 * when the window ends, and crashes for good (fail-stop), which are not.
 */
import { z } from 'zod';

const probability = z.number().min(0).max(1);
const ms = z.number().nonnegative();
const range = z.object({ min: ms, max: ms }).refine((r) => r.min <= r.max, 'min must not exceed max');

export const DelaySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), ms }),
  z.object({ kind: z.literal('uniform'), min: ms, max: ms }).refine((d) => d.min <= d.max, 'min must not exceed max'),
  z.object({ kind: z.literal('exponential'), meanMs: z.number().positive(), maxMs: z.number().positive() }),
]);

export const LinkRuleSchema = z.object({
  /** A node id, or '*' for any. */
  from: z.string().min(1).default('*'),
  to: z.string().min(1).default('*'),
  faults: z.object({ loss: probability.optional(), duplicate: probability.optional(), delay: DelaySchema.optional() }),
});

export const NEMESIS_FAULTS = ['partition', 'crash-restart', 'pause', 'slow', 'crash', 'isolate'] as const;
export type NemesisFault = (typeof NEMESIS_FAULTS)[number];

/**
 * Groups of nodes a nemesis can aim at: `clients` are the client hosts (the lab's `clientRoles`),
 * `servers` every other node, `all` both.
 */
export const TARGET_GROUPS = ['servers', 'clients', 'all'] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

export const NemesisSchema = z
  .object({
    /** The kinds of fault it injects, one at a time. */
    faults: z.array(z.enum(NEMESIS_FAULTS)).min(1),
    /** The window, in virtual ms from the start of the run; everything is healed at its end. */
    fromMs: ms.default(0),
    toMs: z.number().positive(),
    /** Quiet time before each fault. */
    everyMs: range.default({ min: 200, max: 1000 }),
    /** How long each fault lasts (cut at the window's end). */
    lastingMs: range.default({ min: 200, max: 1000 }),
    /** Nodes it may crash, pause, isolate or slow down: a group, or node ids. */
    targets: z.union([z.enum(TARGET_GROUPS), z.array(z.string().min(1)).min(1)]).default('servers'),
  })
  .refine((n) => n.fromMs < n.toMs, 'the window must end after it starts');

export const FailureModelSchema = z.object({
  name: z.string().min(1).default('custom'),
  description: z.string().optional(),
  links: z.array(LinkRuleSchema).default([]),
  nemesis: NemesisSchema.optional(),
});

export type LinkRuleSpec = z.infer<typeof LinkRuleSchema>;
export type Nemesis = z.infer<typeof NemesisSchema>;
export type FailureModel = z.infer<typeof FailureModelSchema>;
export type FailureModelInput = z.input<typeof FailureModelSchema>;

const everyLink = (faults: LinkRuleSpec['faults']): LinkRuleSpec => ({ from: '*', to: '*', faults });

/** Models known by name. */
export const NAMED_MODELS: Record<string, FailureModel> = Object.fromEntries(
  (
    [
      { name: 'fail-stop', description: 'reliable network; servers halt only when a test kills them (lab 1)' },
      { name: 'lossy', description: 'every link loses 10% of messages', links: [everyLink({ loss: 0.1 })] },
      {
        name: 'flaky',
        description: 'every link loses 15%, duplicates 10%, and delays 1-40 ms (reordering)',
        links: [everyLink({ loss: 0.15, duplicate: 0.1, delay: { kind: 'uniform', min: 1, max: 40 } })],
      },
      { name: 'partitions', description: 'random partitions for 5 s, then healed', nemesis: { faults: ['partition'], toMs: 5000 } },
      { name: 'crash-restart', description: 'servers crash and restart for 5 s', nemesis: { faults: ['crash-restart'], toMs: 5000 } },
      { name: 'pauses', description: 'servers pause and resume for 5 s', nemesis: { faults: ['pause'], toMs: 5000 } },
      {
        name: 'client-failures',
        description: 'client hosts halt for good, pause, or are cut off from every node, for 5 s',
        nemesis: { faults: ['crash', 'pause', 'isolate'], targets: 'clients', toMs: 5000 },
      },
      {
        name: 'chaos',
        description: 'flaky links, and partitions, crash-restarts, pauses and slow servers for 5 s',
        links: [everyLink({ loss: 0.15, duplicate: 0.1, delay: { kind: 'uniform', min: 1, max: 40 } })],
        nemesis: { faults: ['partition', 'crash-restart', 'pause', 'slow'], toMs: 5000 },
      },
    ] satisfies FailureModelInput[]
  ).map((m) => [m.name, FailureModelSchema.parse(m)]),
);

export const FAULTS_GRAMMAR =
  `NAME (${Object.keys(NAMED_MODELS).join(', ')}), or items joined by commas: a NAME, loss=P, dup=P, ` +
  `delay=const:MS|uniform:MIN-MAX|exp:MEAN-MAX, nemesis=${NEMESIS_FAULTS.join('+')}, window=FROM-TO, ` +
  `every=MIN-MAX, lasting=MIN-MAX, targets=${TARGET_GROUPS.join('|')}|NODE+NODE (e.g. flaky,nemesis=partition,window=0-3000)`;

export class FaultSpecError extends Error {}

function numbers(value: string, what: string, count: number): number[] {
  const parts = value.split('-');
  if (parts.length !== count || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) {
    throw new FaultSpecError(`${what} takes ${count === 1 ? 'a number' : 'MIN-MAX'}, not "${value}"`);
  }
  return parts.map(Number);
}

/** Parses `--faults`: a named model, or named models and settings joined by commas. */
export function parseFaultsSpec(spec: string): FailureModel {
  const named = NAMED_MODELS[spec.trim()];
  if (named) return named;
  try {
    const linkFaults: LinkRuleSpec['faults'] = {};
    let model: FailureModelInput = { name: spec };
    let nemesis: Record<string, unknown> | undefined;
    for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [key, value] = item.includes('=') ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)] : [item, undefined];
      if (value === undefined) {
        const named = NAMED_MODELS[key];
        if (!named) throw new FaultSpecError(`unknown failure model "${key}"`);
        model = { ...model, links: [...(model.links ?? []), ...named.links], ...(named.nemesis ? { nemesis: named.nemesis } : {}) };
        if (named.nemesis) nemesis = { ...named.nemesis };
        continue;
      }
      switch (key) {
        case 'loss':
          linkFaults.loss = numbers(value, 'loss', 1)[0];
          break;
        case 'dup':
          linkFaults.duplicate = numbers(value, 'dup', 1)[0];
          break;
        case 'delay': {
          const [kind, args = ''] = value.split(':');
          if (kind === 'const') linkFaults.delay = { kind: 'constant', ms: numbers(args, 'delay=const', 1)[0]! };
          else if (kind === 'uniform') {
            const [min, max] = numbers(args, 'delay=uniform', 2);
            linkFaults.delay = { kind: 'uniform', min: min!, max: max! };
          } else if (kind === 'exp') {
            const [meanMs, maxMs] = numbers(args, 'delay=exp', 2);
            linkFaults.delay = { kind: 'exponential', meanMs: meanMs!, maxMs: maxMs! };
          } else throw new FaultSpecError(`delay is const:MS, uniform:MIN-MAX or exp:MEAN-MAX, not "${value}"`);
          break;
        }
        case 'nemesis':
          nemesis = { toMs: 5000, ...nemesis, faults: value.split('+') };
          break;
        case 'window': {
          const [fromMs, toMs] = numbers(value, 'window', 2);
          nemesis = { ...nemesis, fromMs, toMs };
          break;
        }
        case 'every':
        case 'lasting': {
          const [min, max] = numbers(value, key, 2);
          nemesis = { ...nemesis, [key === 'every' ? 'everyMs' : 'lastingMs']: { min, max } };
          break;
        }
        case 'targets':
          nemesis = { ...nemesis, targets: (TARGET_GROUPS as readonly string[]).includes(value) ? value : value.split('+') };
          break;
        default:
          throw new FaultSpecError(`unknown setting "${key}"`);
      }
    }
    if (Object.keys(linkFaults).length > 0) model = { ...model, links: [...(model.links ?? []), everyLink(linkFaults)] };
    if (nemesis) {
      if (!nemesis['faults']) throw new FaultSpecError('window, every, lasting and targets need nemesis=...');
      model = { ...model, nemesis: nemesis as z.input<typeof NemesisSchema> };
    }
    const parsed = FailureModelSchema.safeParse(model);
    if (!parsed.success) throw new FaultSpecError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return parsed.data;
  } catch (err) {
    if (err instanceof FaultSpecError) throw new FaultSpecError(`bad --faults "${spec}": ${err.message}. Grammar: ${FAULTS_GRAMMAR}`);
    throw err;
  }
}

/** A model named or given inline (as a manifest or a test writes it), validated. */
export function resolveFailureModel(ref: string | FailureModelInput): FailureModel {
  if (typeof ref !== 'string') return FailureModelSchema.parse(ref);
  const named = NAMED_MODELS[ref];
  if (!named) throw new FaultSpecError(`unknown failure model "${ref}"; models: ${Object.keys(NAMED_MODELS).join(', ')}`);
  return named;
}
