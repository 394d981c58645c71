/**
 * Points from outcomes, as pure functions: a test earns its points only if it passed on
 * every seed it ran on; parts and the total add up their tests.
 */
import type { GradedTest, LabManifest } from '../lab/manifest.ts';

/** The outcome of one test on one seed, as the scorer needs it. */
export interface SeedOutcome {
  seed: number;
  passed: boolean;
}

export interface TestScore {
  name: string;
  part: string;
  description: string;
  points: number;
  maxPoints: number;
  passed: boolean;
  seeds: number[];
  failingSeeds: number[];
}

export interface PartScore {
  id: string;
  title: string;
  points: number;
  maxPoints: number;
}

export interface Summary {
  tests: TestScore[];
  parts: PartScore[];
  points: number;
  maxPoints: number;
  passed: boolean;
}

export function scoreTest(test: GradedTest, outcomes: readonly SeedOutcome[]): TestScore {
  const failingSeeds = outcomes.filter((o) => !o.passed).map((o) => o.seed);
  const passed = outcomes.length > 0 && failingSeeds.length === 0;
  return {
    name: test.name,
    part: test.part,
    description: test.description,
    points: passed ? test.points : 0,
    maxPoints: test.points,
    passed,
    seeds: outcomes.map((o) => o.seed),
    failingSeeds,
  };
}

export function summarize(lab: Pick<LabManifest, 'parts'>, tests: readonly TestScore[]): Summary {
  const parts = lab.parts
    .map((part) => {
      const mine = tests.filter((t) => t.part === part.id);
      return { id: part.id, title: part.title, points: sum(mine.map((t) => t.points)), maxPoints: sum(mine.map((t) => t.maxPoints)), count: mine.length };
    })
    .filter((p) => p.count > 0)
    .map(({ count: _count, ...p }) => p);
  return {
    tests: [...tests],
    parts,
    points: sum(tests.map((t) => t.points)),
    maxPoints: sum(tests.map((t) => t.maxPoints)),
    passed: tests.every((t) => t.passed),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
