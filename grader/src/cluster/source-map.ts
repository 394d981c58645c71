/**
 * Maps stack traces from a node's bundle back to the student's TypeScript, so that a crash
 * reads `lockservice/server.ts:42:7`, not `server.mjs:1234:15`. Done in the grader, after
 * the fact, so that nodes start without loading source maps.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

export class StackMapper {
  private readonly maps = new Map<string, SourceMap | null>();

  /** @param display turns an original source path (as the map names it) into the path shown. */
  constructor(private readonly display: (source: string) => string) {}

  map(stack: string): string {
    return stack.replace(/(?:file:\/\/)?(\/[^\s():]+\.mjs):(\d+):(\d+)/g, (whole, file: string, line: string, column: string) => {
      const map = this.load(file);
      const entry = map?.findEntry(Number(line) - 1, Number(column) - 1) as
        | { originalSource?: string; originalLine?: number; originalColumn?: number }
        | undefined;
      if (!entry?.originalSource || entry.originalLine === undefined) return whole;
      const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(file), entry.originalSource);
      return `${this.display(source)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    });
  }

  private load(file: string): SourceMap | null {
    if (!this.maps.has(file)) {
      try {
        this.maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
      } catch {
        this.maps.set(file, null);
      }
    }
    return this.maps.get(file)!;
  }
}
