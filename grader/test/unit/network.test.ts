import test from 'ava';
import { DEFAULT_NETWORK, Network } from '../../src/net/network.ts';
import { createRng } from '../../src/sim/prng.ts';

const delays = (net: Network, from: string, to: string, n: number): number[] =>
  Array.from({ length: n }, () => {
    const r = net.route(from, to);
    if (r.kind !== 'deliver') throw new Error(`expected deliver, got ${r.kind}`);
    return r.delays[0]!;
  });

test('the default network delivers within 1..10 ms', (t) => {
  t.deepEqual(DEFAULT_NETWORK, { latencyMs: { min: 1, max: 10 } });
  const net = new Network(DEFAULT_NETWORK, createRng(1));
  const ds = delays(net, 'a', 'b', 1000);
  t.true(ds.every((d) => Number.isInteger(d) && d >= 1 && d <= 10));
  t.deepEqual([...new Set(ds)].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('latency lies within [min, max], both ends reached', (t) => {
  const net = new Network({ latencyMs: { min: 20, max: 23 } }, createRng(5));
  const ds = delays(net, 'x', 'y', 500);
  t.true(ds.every((d) => d >= 20 && d <= 23));
  t.true(ds.includes(20) && ds.includes(23));
  t.deepEqual(new Network({ latencyMs: { min: 4, max: 4 } }, createRng(5)).route('x', 'y'), { kind: 'deliver', delays: [4] });
});

test('latency() draws from the same range as route()', (t) => {
  const net = new Network({ latencyMs: { min: 2, max: 3 } }, createRng(6));
  for (let i = 0; i < 100; i++) {
    const d = net.latency('a', 'b');
    t.true(d === 2 || d === 3);
  }
});

test('a per-link latency applies to that link, in that direction only', (t) => {
  const net = new Network({ latencyMs: { min: 1, max: 10 } }, createRng(2));
  net.setLatency('primary', 'backup', { min: 100, max: 100 });
  t.deepEqual(delays(net, 'primary', 'backup', 20), new Array(20).fill(100));
  t.true(delays(net, 'backup', 'primary', 200).every((d) => d >= 1 && d <= 10));
  t.true(delays(net, 'primary', 'c1', 200).every((d) => d >= 1 && d <= 10));
  net.setLatency('primary', 'backup', { min: 40, max: 45 });
  t.true(delays(net, 'primary', 'backup', 200).every((d) => d >= 40 && d <= 45));
});

test('link names do not run into each other', (t) => {
  const net = new Network({ latencyMs: { min: 1, max: 1 } }, createRng(2));
  net.setLatency('ab', 'c', { min: 50, max: 50 });
  t.deepEqual(net.route('a', 'bc'), { kind: 'deliver', delays: [1] });
  net.hold('a', 'bc');
  t.deepEqual(net.route('ab', 'c'), { kind: 'deliver', delays: [50] });
});

test('a held link holds its messages until released, one direction only', (t) => {
  const net = new Network({ latencyMs: { min: 1, max: 10 } }, createRng(3));
  net.hold('a', 'b');
  t.deepEqual(net.route('a', 'b'), { kind: 'hold' });
  t.deepEqual(net.route('a', 'b'), { kind: 'hold' });
  t.is(net.route('b', 'a').kind, 'deliver');
  t.is(net.route('a', 'c').kind, 'deliver');
  net.release('a', 'b');
  t.is(net.route('a', 'b').kind, 'deliver');
  net.release('a', 'b'); // releasing a free link is harmless
  t.is(net.route('a', 'b').kind, 'deliver');
});

test('a held message draws no latency (it does not shift the stream)', (t) => {
  const plain = new Network({ latencyMs: { min: 1, max: 100 } }, createRng(4));
  const held = new Network({ latencyMs: { min: 1, max: 100 } }, createRng(4));
  held.hold('a', 'b');
  held.route('a', 'b');
  held.route('a', 'b');
  t.deepEqual(delays(held, 'b', 'a', 10), delays(plain, 'b', 'a', 10));
});

test('the same seed gives the same latencies; another seed, others', (t) => {
  const run = (seed: number) => {
    const net = new Network({ latencyMs: { min: 1, max: 100 } }, createRng(seed));
    return [...delays(net, 'a', 'b', 10), ...delays(net, 'b', 'a', 10)];
  };
  t.deepEqual(run(7), run(7));
  t.notDeepEqual(run(7), run(8));
});
