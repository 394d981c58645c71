/**
 * The history file format: what clients asked the lock service, when, and
 * what it answered. See docs/history-format.md for the prose version.
 */
import { z } from 'zod';

/** The two operations of the lock service. */
export type OperationKind = 'lock' | 'unlock';

interface OperationFields {
  /** Which client issued the operation. */
  client: string;
  op: OperationKind;
  /** Name of the lock the operation acts on. */
  lock: string;
  /** Virtual milliseconds at which the client sent the request. */
  invoke: number;
  /** Optional identifier copied from the recorder, for cross-referencing. */
  id?: string | number;
}

/** An operation whose answer the client received. */
export interface CompletedOperation extends OperationFields {
  /** Virtual milliseconds at which the answer arrived; never before `invoke`. */
  complete: number;
  result: boolean;
}

/**
 * An operation whose answer never arrived (the client died or gave up). It
 * may or may not have taken effect, at any time after `invoke`.
 */
export interface IndeterminateOperation extends OperationFields {
  complete: null;
  result: null;
}

export type Operation = CompletedOperation | IndeterminateOperation;

/** Builds a zod error message that says what was expected and what was found. */
function expected(what: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined ? `missing (expected ${what})` : `expected ${what}, got ${preview(issue.input)}`;
}

function preview(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const nonEmptyString = z
  .string({ error: expected('a non-empty string') })
  .min(1, { error: expected('a non-empty string') });

function time(what: string) {
  return z.number({ error: expected(what) }).nonnegative({ error: expected('a time >= 0') });
}

const OperationInputSchema = z.object(
  {
    client: nonEmptyString,
    op: z.enum(['lock', 'unlock'], { error: expected('"lock" or "unlock"') }),
    lock: nonEmptyString,
    invoke: time('a number of milliseconds'),
    // `null` must be spelled out in the file so that a forgotten field is an
    // error rather than a silently indeterminate operation.
    complete: time('a number of milliseconds, or null if the answer never came').nullable(),
    result: z.boolean({ error: expected('true, false, or null if the answer never came') }).nullable(),
    id: z.union([z.string(), z.number()], { error: expected('a string or a number') }).optional(),
  },
  { error: expected('an operation object') },
);

/** One operation as written in the file, checked and narrowed to {@link Operation}. */
export const OperationSchema = OperationInputSchema.transform((input, ctx): Operation => {
  const { client, op, lock, invoke, complete, result, id } = input;
  const withId = id === undefined ? {} : { id };
  if (complete === null && result === null) return { client, op, lock, invoke, complete, result, ...withId };
  if (complete !== null && result !== null) {
    if (complete >= invoke) return { client, op, lock, invoke, complete, result, ...withId };
    ctx.addIssue({
      code: 'custom',
      path: ['complete'],
      input: complete,
      message: `must not be before invoke (${invoke}), got ${complete}`,
    });
    return z.NEVER;
  }
  // Exactly one of the two is null: the operation is half finished.
  ctx.addIssue({
    code: 'custom',
    input,
    message:
      complete === null
        ? `complete is null but result is ${result}; use null for both when the answer never came`
        : `result is null but complete is ${complete}; use null for both when the answer never came`,
  });
  return z.NEVER;
});

/** A whole history file. Unknown fields are ignored, so recorders may add their own. */
export const HistorySchema = z.object(
  { operations: z.array(OperationSchema, { error: expected('an array of operations') }) },
  { error: expected('an object with an "operations" array') },
);

export type History = z.output<typeof HistorySchema>;

export type ParseResult = { ok: true; history: History } | { ok: false; error: string };

/** How many problems to list before summarising the rest. */
const MAX_LISTED_PROBLEMS = 10;

/**
 * Validates an already-decoded JSON value as a history. On failure, `error`
 * lists every problem as `path: problem`, e.g.
 * `operations[3].op: expected "lock" or "unlock", got "lok"`.
 */
export function parseHistory(json: unknown): ParseResult {
  const parsed = HistorySchema.safeParse(json);
  if (parsed.success) return { ok: true, history: parsed.data };
  return { ok: false, error: formatIssues(parsed.error.issues) };
}

/** Like {@link parseHistory}, but starts from the file's text. */
export function parseHistoryText(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return parseHistory(json);
}

/** True if the operation's answer never arrived. */
export function isIndeterminate(op: Operation): op is IndeterminateOperation {
  return op.complete === null;
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const problems = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const hidden = problems.length - listed.length;
  if (hidden > 0) listed.push(`and ${hidden} more problem${hidden === 1 ? '' : 's'}`);
  return `${listed.join('; ')}.`;
}

/** `["operations", 3, "op"]` becomes `operations[3].op`; the empty path is the file itself. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'history';
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
