import test from 'ava';
import { createRng, deriveSeed } from '../../src/sim/prng.ts';

const draw = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

test('the same seed gives the same sequence', (t) => {
  t.deepEqual(draw(7, 100), draw(7, 100));
});

test('different seeds give different sequences', (t) => {
  t.notDeepEqual(draw(1, 10), draw(2, 10));
  t.notDeepEqual(draw(0, 10), draw(1, 10));
});

test('the sequence of a seed is pinned (replays must not change between versions)', (t) => {
  // If this fails, every recorded seed replays differently: change it only on purpose.
  t.deepEqual(draw(1, 3), [0.11025513336062431, 0.9230146396439523, 0.5345051249023527]);
  const rng = createRng(42);
  t.deepEqual([rng.int(1, 10), rng.int(1, 10), rng.int(1, 10), rng.int(1, 10)], [7, 10, 3, 3]);
});

test('seeds are taken as unsigned 32-bit integers', (t) => {
  t.deepEqual(draw(-1, 5), draw(0xffffffff, 5));
  t.deepEqual(draw(2 ** 32 + 5, 5), draw(5, 5));
});

test('next() lies in [0, 1) and is roughly uniform', (t) => {
  const xs = draw(3, 20_000);
  t.true(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  const buckets = new Array<number>(10).fill(0);
  for (const x of xs) buckets[Math.floor(x * 10)]!++;
  t.true(buckets.every((b) => b > 1700 && b < 2300), `buckets ${buckets.join(',')}`);
});

test('int(min, max) includes both ends and nothing outside', (t) => {
  const rng = createRng(11);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const x = rng.int(3, 7);
    t.true(Number.isInteger(x) && x >= 3 && x <= 7, `got ${x}`);
    seen.add(x);
  }
  t.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
  t.is(rng.int(5, 5), 5);
});

test('pick() picks every element of a list and refuses an empty one', (t) => {
  const rng = createRng(12);
  const items = ['a', 'b', 'c'] as const;
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) seen.add(rng.pick(items));
  t.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  t.throws(() => rng.pick([]), { message: /empty/ });
});

test('chance() respects its probability', (t) => {
  const rng = createRng(13);
  for (let i = 0; i < 100; i++) {
    t.false(rng.chance(0));
    t.true(rng.chance(1));
  }
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (rng.chance(0.25)) hits++;
  t.true(hits > 2200 && hits < 2800, `hits ${hits}`);
});

test('deriveSeed is deterministic, unsigned 32-bit, and depends on seed and label', (t) => {
  t.is(deriveSeed(1, 'network'), deriveSeed(1, 'network'));
  t.not(deriveSeed(1, 'network'), deriveSeed(1, 'ties'));
  t.not(deriveSeed(1, 'network'), deriveSeed(2, 'network'));
  t.not(deriveSeed(1, 'node:a'), deriveSeed(1, 'node:b'));
  for (const [seed, label] of [[0, ''], [1, 'network'], [-5, 'x'], [2 ** 31, 'test']] as const) {
    const s = deriveSeed(seed, label);
    t.true(Number.isInteger(s) && s >= 0 && s < 2 ** 32, `${seed}/${label} -> ${s}`);
  }
  // Pinned, as the sequences above: the sub-streams of a seed must not move.
  t.is(deriveSeed(1, 'network'), 1650473082);
  t.is(deriveSeed(1, 'ties'), 632401350);
});

test('derived sub-streams are independent of each other', (t) => {
  const a = draw(deriveSeed(9, 'network'), 10);
  const b = draw(deriveSeed(9, 'ties'), 10);
  t.notDeepEqual(a, b);
});
