/**
 * Who may send requests to whom: a lab's rule, by role, enforced on every message a node sends
 * to another node. Nodes write raw envelopes, so the rule is about messages, not about `call()`:
 * a message is allowed only if its sender's role may call the receiver's role, or if it answers
 * (`in_reply_to`) a request that the receiver sent to the sender, that was delivered, and that
 * has not been answered yet (one answer per delivery: a request the network duplicated may be
 * answered twice). Anything else (a request, a one-way message, a forged or repeated answer, an
 * error body) is refused, as a call to a dead node is.
 */
import type { Body, NodeId } from '../runtime/protocol.ts';

/** Role -> the roles its nodes may send requests to. A role that is not a key may call nobody. */
export type CallRule = Readonly<Record<string, readonly string[]>>;

export type Admission = { allowed: true } | { allowed: false; reason: string };

/** One request on one link that the receiver may answer only because it was asked. */
interface Asked {
  delivered: number;
  answered: number;
}

const key = (requester: NodeId, replier: NodeId, msgId: number) => `${requester}\u0000${replier}\u0000${msgId}`;

/** A request is a message with a msg_id that is not itself an answer. */
const isRequest = (body: Body): body is Body & { msg_id: number } => typeof body.msg_id === 'number' && typeof body.in_reply_to !== 'number';

export class CallGuard {
  /** Requests from a node to one that may not call it back, by requester, replier and msg_id. */
  private readonly asked = new Map<string, Asked>();

  constructor(
    private readonly rule: CallRule | undefined,
    private readonly roleOf: (id: NodeId) => string,
  ) {}

  mayCall(from: NodeId, to: NodeId): boolean {
    return this.rule === undefined || (this.rule[this.roleOf(from)] ?? []).includes(this.roleOf(to));
  }

  /** Whether `from` may send `body` to `to` now; an allowed answer uses up the delivery it answers. */
  admit(from: NodeId, to: NodeId, body: Body): Admission {
    if (this.mayCall(from, to)) {
      if (isRequest(body) && !this.mayCall(to, from)) this.track(from, to, body.msg_id);
      return { allowed: true };
    }
    const forbidden = `${this.roleOf(from)} may not send requests to ${this.roleOf(to)} (${this.describe()})`;
    if (typeof body.in_reply_to !== 'number') return { allowed: false, reason: forbidden };
    const asked = this.asked.get(key(to, from, body.in_reply_to));
    if (asked && asked.delivered > asked.answered) {
      asked.answered++;
      return { allowed: true };
    }
    const why = !asked
      ? `${to} sent ${from} no request #${body.in_reply_to}`
      : asked.delivered === 0
        ? `${to}'s request #${body.in_reply_to} has not reached ${from}`
        : `${to}'s request #${body.in_reply_to} was already answered`;
    return { allowed: false, reason: `an answer to no pending request (${why}), and ${forbidden}` };
  }

  /** A message reached its destination: a request there may now be answered once more. */
  delivered(from: NodeId, to: NodeId, body: Body): void {
    if (!isRequest(body)) return;
    const asked = this.asked.get(key(from, to, body.msg_id));
    if (asked) asked.delivered++;
  }

  /**
   * A node died: nothing it was asked, and nothing it asked, may be answered any more. (Restarted,
   * it numbers its requests from 1 again: an answer meant for its former life must not pass as
   * one to its new requests.)
   */
  forget(node: NodeId): void {
    for (const k of this.asked.keys()) {
      const [requester, replier] = k.split('\u0000');
      if (requester === node || replier === node) this.asked.delete(k);
    }
  }

  /** The rule in words, e.g. "client -> server; server -> server". */
  describe(): string {
    if (this.rule === undefined) return 'any node may call any node';
    const lines = Object.entries(this.rule).map(([role, callees]) => `${role} -> ${callees.length > 0 ? callees.join(', ') : 'nobody'}`);
    return `who may call whom: ${lines.join('; ')}`;
  }

  private track(requester: NodeId, replier: NodeId, msgId: number): void {
    const k = key(requester, replier, msgId);
    if (!this.asked.has(k)) this.asked.set(k, { delivered: 0, answered: 0 });
  }
}
