/**
 * How much a node keeps in its state folder: what its disk budget (`stateMiB`) is measured
 * in. Every file counts its size or the blocks it takes, whichever is more (a sparse file
 * counts its size), and every file and folder at least one 4 KiB block (so a million empty
 * files cost what they cost the disk). The walk stops as soon as the budget is passed, so
 * measuring a folder costs at most budget / 4 KiB entries.
 */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

const BLOCK = 4096;

/** The bytes in `dir`, counted as above; once past `stopAbove`, some number above it. */
export function stateFolderBytes(dir: string, stopAbove: number): number {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= stopAbove) {
    const folder = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue; // removed meanwhile, or not a folder
    }
    for (const name of names) {
      const file = path.join(folder, name);
      try {
        const stat = lstatSync(file);
        total += Math.max(BLOCK, stat.size, stat.blocks * 512);
        if (stat.isDirectory()) pending.push(file);
      } catch {
        // gone meanwhile
      }
      if (total > stopAbove) break;
    }
  }
  return total;
}
