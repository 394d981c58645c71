/**
 * The documents' examples that `npm test` runs: a fenced `console` block right after a marker
 *
 *     <!-- checked: this repository -->            (or: the students' repository)
 *     ```console
 *     $ npx locklab grade lab1 --test Basic
 *     ...what it prints...
 *     ```
 *
 * holds commands (`$ ...`) each followed by what it prints. A line `...` stands for any number
 * of lines. Wall-clock times (`0.88s`) are the only thing that may differ.
 */

export type Where = 'this repository' | "the students' repository";

export interface CheckedCommand {
  command: string;
  /** What the document says it prints. */
  expected: string[];
}

export interface CheckedBlock {
  where: Where;
  /** 1-based line of the marker, for messages. */
  line: number;
  commands: CheckedCommand[];
  /** The block's body in the document: [start, end) offsets of the text between the fences. */
  start: number;
  end: number;
}

const BLOCK = /<!-- checked: (this repository|the students' repository) -->\n```console\n([\s\S]*?)```/g;

export function checkedBlocks(markdown: string): CheckedBlock[] {
  const blocks: CheckedBlock[] = [];
  for (const m of markdown.matchAll(BLOCK)) {
    const body = m[2]!;
    const start = m.index! + m[0].length - body.length - 3;
    const commands: CheckedCommand[] = [];
    for (const line of body.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) commands.push({ command: line.slice(2), expected: [] });
      else if (commands.length === 0) throw new Error(`a checked block must start with a command ($ ...), at line ${lineOf(markdown, m.index!)}`);
      else commands[commands.length - 1]!.expected.push(line);
    }
    blocks.push({ where: m[1] as Where, line: lineOf(markdown, m.index!), commands, start, end: start + body.length });
  }
  return blocks;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** The only normalisation: wall-clock times such as `0.88s` or `(12.30s)`. */
export const normalise = (line: string) => line.replace(/\b\d+\.\d\ds\b/g, '0.00s');

/** Whether `actual` is what `expected` shows, a line `...` standing for any number of lines. */
export function matches(expected: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (e: number, a: number): boolean => {
    const key = `${e},${a}`;
    if (memo.has(key)) return memo.get(key)!;
    let result: boolean;
    if (e === expected.length) result = a === actual.length;
    else if (expected[e] === '...') result = go(e + 1, a) || (a < actual.length && go(e, a + 1));
    else result = a < actual.length && normalise(expected[e]!) === normalise(actual[a]!) && go(e + 1, a + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/**
 * What to write in the document for `actual`: all of it, or, where the document elides with one
 * `...`, as many lines before and after it as the document shows.
 */
export function updated(expected: readonly string[], actual: readonly string[]): string[] {
  const gap = expected.indexOf('...');
  if (gap < 0 || expected.indexOf('...', gap + 1) >= 0) return [...actual];
  const after = expected.length - gap - 1;
  if (gap + after >= actual.length) return [...actual];
  return [...actual.slice(0, gap), '...', ...actual.slice(actual.length - after)];
}

/** A command line as words: single and double quotes group, as in a shell (no escapes, no variables). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let word = '';
  let last = 0;
  for (const m of command.matchAll(re)) {
    if (m.index! > last && word !== '') {
      words.push(word);
      word = '';
    }
    word += m[1] ?? m[2] ?? m[3]!;
    last = m.index! + m[0].length;
    if (command[last] === undefined || /\s/.test(command[last]!)) {
      words.push(word);
      word = '';
    }
  }
  if (word !== '') words.push(word);
  return words;
}
