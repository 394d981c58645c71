/**
 * Validation of every line a node writes on its channel. Student code is untrusted: a
 * malformed line fails the test with the node's name, the line and what was expected,
 * and never crashes the grader.
 */
import { z } from 'zod';
import { CONTROL_TYPES, GRADER, type Envelope } from '../runtime/protocol.ts';

/** Longest line a node may write; a larger message fails the test instead of exhausting the grader. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a message may have. JSON.parse takes any depth, but the
 * grader's own JSON.stringify (delivering the message, writing the trace) recurses once per level
 * and overflows its stack somewhere past a few thousand: a line is refused before it is parsed.
 */
export const MAX_NESTING = 64;

/** True if `text` (JSON) nests arrays and objects more than `limit` deep; strings are skipped, nothing is parsed. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const id = z.number().int().nonnegative();
const nodeId = z.string().min(1).max(64);

const controlBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('idle') }),
  z.object({ type: z.literal('init_ok'), in_reply_to: id }),
  z.object({ type: z.literal('set_timer'), timer_id: id, delay_ms: z.number().finite().nonnegative() }),
  z.object({ type: z.literal('clear_timer'), timer_id: id }),
  z.object({ type: z.literal('log'), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.object({ type: z.literal('crash'), text: z.string() }),
  // `result` may be absent: JSON drops an undefined result, and the test then reports what was returned.
  z.object({ type: z.literal('client_op_ok'), in_reply_to: id, result: z.unknown().optional() }),
]);

const reserved = new Set<string>(CONTROL_TYPES.filter((t) => t !== 'error'));

/** A message to another node: an RPC request, a reply, or an error reply. */
const networkBody = z.looseObject({
  type: z
    .string()
    .min(1)
    .max(64)
    .refine((t) => !reserved.has(t), { message: 'this type is reserved for messages to the grader' }),
  msg_id: id.optional(),
  in_reply_to: id.optional(),
});

const envelope = z.object({ src: z.string().max(64), dest: nodeId, body: z.looseObject({ type: z.string() }) });

export type ParsedLine = { ok: true; envelope: Envelope } | { ok: false; problem: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(line)'}: ${i.message}`)
    .join('; ');
}

/** Parses and checks one line; `problem` says what was expected, in words a student can act on. */
export function parseNodeLine(line: string): ParsedLine {
  if (Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) {
    return { ok: false, problem: `a message of more than ${MAX_LINE_BYTES} bytes` };
  }
  if (line.length > MAX_NESTING && nestsDeeperThan(line, MAX_NESTING)) {
    return { ok: false, problem: `a message nested more than ${MAX_NESTING} levels deep (arrays and objects inside each other); send flatter data` };
  }
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not JSON; every line on the channel must be one JSON envelope {src, dest, body}' };
  }
  const outer = envelope.safeParse(json);
  if (!outer.success) return { ok: false, problem: `not an envelope {src, dest, body: {type}}: ${describeIssues(outer.error)}` };
  const body = outer.data.dest === GRADER ? controlBody.safeParse(outer.data.body) : networkBody.safeParse(outer.data.body);
  if (!body.success) return { ok: false, problem: `bad body for a message to ${outer.data.dest}: ${describeIssues(body.error)}` };
  return { ok: true, envelope: { ...outer.data, body: body.data } as Envelope };
}
