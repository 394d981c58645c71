/**
 * Points from outcomes, as pure functions: a test earns its points only if it passed on
 * every seed it ran on, or, with partial credit (the lab's `partialCredit`, or the test's own),
 * the fraction of its seeds that passed; parts and the total add up their tests.
 */
import type { GradedTest, LabManifest, Visibility } from '../lab/manifest.ts';

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
  /** Passed on every seed. */
  passed: boolean;
  seeds: number[];
  failingSeeds: number[];
  /** Points were given in proportion to the seeds passed. */
  partialCredit?: boolean;
  /** A hidden test (not shipped to students). */
  hidden?: boolean;
  /** Who sees the result on Gradescope. */
  visibility?: Visibility;
}

/** What the lab decides for every test that does not decide for itself. */
export type ScorePolicy = Partial<Pick<LabManifest, 'partialCredit' | 'visibility' | 'hidden'>>;

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

/** The test's own setting, else the lab's, else all or nothing. */
export function partialCreditOf(test: Pick<GradedTest, 'partialCredit'>, lab: ScorePolicy = {}): boolean {
  return test.partialCredit ?? lab.partialCredit ?? false;
}

/** The test's own visibility, else the lab's for its kind (hidden tests: after publication by default). */
export function visibilityOf(test: Pick<GradedTest, 'visibility' | 'hidden'>, lab: ScorePolicy = {}): Visibility {
  return test.visibility ?? (test.hidden ? (lab.hidden?.visibility ?? 'after_published') : (lab.visibility ?? 'visible'));
}

export function scoreTest(test: GradedTest, outcomes: readonly SeedOutcome[], lab: ScorePolicy = {}): TestScore {
  const failingSeeds = outcomes.filter((o) => !o.passed).map((o) => o.seed);
  const passed = outcomes.length > 0 && failingSeeds.length === 0;
  const partialCredit = partialCreditOf(test, lab);
  const earned = passed ? test.points : partialCredit && outcomes.length > 0 ? round((test.points * (outcomes.length - failingSeeds.length)) / outcomes.length) : 0;
  return {
    name: test.name,
    part: test.part,
    description: test.description,
    points: earned,
    maxPoints: test.points,
    passed,
    seeds: outcomes.map((o) => o.seed),
    failingSeeds,
    partialCredit,
    hidden: test.hidden ?? false,
    visibility: visibilityOf(test, lab),
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

/** Points are kept to two decimals (partial credit), and so are their sums. */
export const round = (x: number) => Math.round(x * 100) / 100;
const sum = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0));
