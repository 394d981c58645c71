/** Counts and seed lists in the words people read: "1 test", "2 tests", "seeds 2-5, 9". */

/** `1 test`, `2 tests`; `plural` for words that do not just take an s. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** Seeds as a short list with runs of consecutive seeds as ranges: `seed 3`, `seeds 2-20`, `seeds 2, 4-6, 9`. */
export function seedList(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    // Two in a row read better as a list than as a range: "2, 3", "2-4".
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else parts.push(...sorted.slice(i, j + 1).map(String));
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'seed' : 'seeds'} ${parts.join(', ')}`;
}

/** The other failing seeds of a test, after the one shown in full: `also failing: seeds 2-5, 9` (empty if none). */
export function alsoFailing(seeds: readonly number[]): string {
  return seeds.length > 0 ? `also failing: ${seedList(seeds)}` : '';
}
