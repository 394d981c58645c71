import test from 'ava';
import { EventQueue } from '../../src/sim/event-queue.ts';

const drain = <T>(q: EventQueue<T>): T[] => {
  const out: T[] = [];
  for (let e = q.pop(); e; e = q.pop()) out.push(e.item);
  return out;
};

test('an empty queue has nothing to peek or pop', (t) => {
  const q = new EventQueue<string>();
  t.is(q.size, 0);
  t.is(q.peek(), undefined);
  t.is(q.pop(), undefined);
  t.is(q.size, 0);
});

test('events come out by time', (t) => {
  const q = new EventQueue<string>();
  q.push(30, 0.5, 'c');
  q.push(10, 0.5, 'a');
  q.push(20, 0.5, 'b');
  q.push(0, 0.9, 'zero');
  t.deepEqual(drain(q), ['zero', 'a', 'b', 'c']);
});

test('at the same time, the tie-break key decides, not insertion order', (t) => {
  const q = new EventQueue<string>();
  q.push(5, 0.9, 'late-key');
  q.push(5, 0.1, 'early-key');
  q.push(5, 0.5, 'middle-key');
  q.push(4, 0.99, 'earlier-time');
  t.deepEqual(drain(q), ['earlier-time', 'early-key', 'middle-key', 'late-key']);
});

test('equal time and tie-break: insertion order', (t) => {
  const q = new EventQueue<number>();
  for (let i = 0; i < 20; i++) q.push(1, 0.5, i);
  t.deepEqual(drain(q), Array.from({ length: 20 }, (_, i) => i));
});

test('a large random workload comes out sorted by (time, tieBreak, seq)', (t) => {
  const q = new EventQueue<{ time: number; tie: number; n: number }>();
  let x = 12345;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const items: { time: number; tie: number; n: number }[] = [];
  for (let n = 0; n < 500; n++) {
    const item = { time: Math.floor(rand() * 20), tie: Math.floor(rand() * 4) / 4, n };
    items.push(item);
    q.push(item.time, item.tie, item);
  }
  const expected = [...items].sort((a, b) => a.time - b.time || a.tie - b.tie || a.n - b.n);
  t.deepEqual(drain(q), expected);
});

test('entries carry time, tie-break and a growing sequence number', (t) => {
  const q = new EventQueue<string>();
  const a = q.push(3, 0.25, 'a');
  const b = q.push(1, 0.75, 'b');
  t.like(a, { time: 3, tieBreak: 0.25, item: 'a', cancelled: false });
  t.true(b.seq > a.seq);
});

test('peek shows the next event without removing it; pop removes it', (t) => {
  const q = new EventQueue<string>();
  q.push(2, 0, 'b');
  q.push(1, 0, 'a');
  t.is(q.peek()?.item, 'a');
  t.is(q.peek()?.item, 'a');
  t.is(q.size, 2);
  t.is(q.pop()?.item, 'a');
  t.is(q.size, 1);
  t.is(q.peek()?.item, 'b');
  t.is(q.pop()?.item, 'b');
  t.is(q.size, 0);
  t.is(q.peek(), undefined);
});

test('cancelled events never come out, wherever they are in the heap', (t) => {
  const q = new EventQueue<string>();
  const a = q.push(1, 0, 'a');
  q.push(2, 0, 'b');
  const c = q.push(3, 0, 'c');
  q.push(4, 0, 'd');
  q.cancel(a); // the top
  q.cancel(c); // inside
  t.is(q.size, 2);
  t.is(q.peek()?.item, 'b');
  t.deepEqual(drain(q), ['b', 'd']);
  t.true(a.cancelled);
});

test('cancelling twice counts once', (t) => {
  const q = new EventQueue<string>();
  const a = q.push(1, 0, 'a');
  q.push(2, 0, 'b');
  q.cancel(a);
  q.cancel(a);
  t.is(q.size, 1);
  t.deepEqual(drain(q), ['b']);
});

test('cancelling everything leaves an empty queue', (t) => {
  const q = new EventQueue<number>();
  const entries = [5, 3, 8, 1].map((time) => q.push(time, 0, time));
  for (const e of entries) q.cancel(e);
  t.is(q.size, 0);
  t.is(q.peek(), undefined);
  t.is(q.pop(), undefined);
});

test('entries() lists the live events only', (t) => {
  const q = new EventQueue<string>();
  q.push(1, 0, 'a');
  const b = q.push(2, 0, 'b');
  q.push(3, 0, 'c');
  q.cancel(b);
  t.deepEqual([...q.entries()].map((e) => e.item).sort(), ['a', 'c']);
});

test('pushing after pops keeps the order', (t) => {
  const q = new EventQueue<string>();
  q.push(10, 0, 'x');
  q.push(5, 0, 'y');
  t.is(q.pop()?.item, 'y');
  q.push(7, 0, 'z');
  q.push(12, 0, 'w');
  t.deepEqual(drain(q), ['z', 'x', 'w']);
});

test('cancelling an event that was already popped does not change the size', (t) => {
  // Bug: cancel() only checks `cancelled`, so cancelling an entry that pop() already
  // returned decrements the live count a second time (size becomes -1 here). The scheduler
  // keeps timer entries in a map to cancel them later, so this is one missed delete away.
  const q = new EventQueue<string>();
  const a = q.push(1, 0, 'a');
  t.is(q.pop(), a);
  q.cancel(a);
  t.is(q.size, 0);
});
