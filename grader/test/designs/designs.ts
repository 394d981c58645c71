/**
 * Independent correct designs of lab 1, written from the handout alone (not from the
 * reference), each a different structure, protocol and set of message names. Every graded
 * test must pass each of them on every seed: a test that fails one has judged a correct
 * service, and is wrong. `knownUnfair` lists the tests that do so on today's tests, with why;
 * drop an entry once the test is fixed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface KnownUnfair {
  test: string;
  /** Why the test fails this correct design (evidence in grader/test/designs/README.md). */
  reason: string;
}

export interface Design {
  name: string;
  /** The folder holding lockservice/, as `npx locklab grade lab1 --impl` takes it. */
  folder: string;
  /** What makes it different, in one line. */
  description: string;
  knownUnfair: KnownUnfair[];
}

const design = (name: string, description: string, knownUnfair: KnownUnfair[] = []): Design => ({
  name,
  folder: path.join(HERE, name),
  description,
  knownUnfair,
});

export const DESIGNS: Design[] = [
  design('seq-numbers', 'per-client sequence numbers, the last answer per client; the primary forwards the request as is'),
  design('random-ids', 'a random 64-bit id per operation and an unbounded table of answers by id'),
  design('backup-first', 'the backup applies an operation before the primary does; an explicit queue drained by one worker'),
  design('backup-decides', 'the primary relays each request to the backup, which runs it; the primary copies its answer and lock state'),
  design('heartbeat', 'the primary also pings the backup every 10 ms, independent of requests'),
  design('per-lock-queues', 'operations serialized per lock name; forwards for different locks in flight together'),
  design('state-transfer', 'the primary sends its whole state (held locks + answer table), versioned, instead of the operation'),
  design('batching', 'operations run at once and are forwarded in groups, one batch in flight at a time'),
  design('same-rpc', 'forwards reuse the client method (Lock/Unlock) and the same handler runs on both servers'),
  design('result-shipping', "the primary ships each operation's answer and the lock's new state; the backup never runs operations for it"),
];

export function designNamed(name: string): Design {
  const found = DESIGNS.find((d) => d.name === name);
  if (!found) throw new Error(`no design named "${name}"; the designs: ${DESIGNS.map((d) => d.name).join(', ')}`);
  return found;
}
