// docs/security.md states each limit's key and default: they must be the schema's.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE_LIMIT_DEFAULTS, formatBytes } from '../../src/cluster/limits.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { LimitsSchema } from '../../src/lab/manifest.ts';

/** A default as the table writes it, from the key's unit. */
function shown(key: string, value: number): string {
  if (key.endsWith('Ms')) return `${value / 1000} s`;
  if (key.endsWith('MiB')) return `${value} MiB`;
  if (key.endsWith('Bytes')) return formatBytes(value);
  return String(value);
}

test('the limits table of docs/security.md gives every limit with a default, at its default', (t) => {
  const doc = readFileSync(path.join(LOCKLAB_ROOT, 'docs/security.md'), 'utf8');
  const table = doc.slice(doc.indexOf('### Limits'), doc.indexOf('### What a node or a student says'));
  const rows = new Map<string, string>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const key = /^`(\w+)`$/.exec(cells[2] ?? '')?.[1];
    if (key) rows.set(key, cells[3]!);
  }
  const defaults = LimitsSchema.parse({}) as Record<string, number | undefined>;
  const security = ['stepWallMs', 'startWallMs', 'runWallMs', 'heapMiB', 'stepMessages', 'messageBytes', 'logBytes', 'outputBytes', 'fileMiB', 'stateMiB', 'sourceFileBytes', 'sourceBytes', 'compileWallMs', 'compileMemoryMiB'];
  for (const key of security) t.is(rows.get(key), shown(key, defaults[key]!), key);
  t.is(rows.get('addressSpaceMiB'), `heap + ${NODE_LIMIT_DEFAULTS.addressSpaceHeadroomMiB} MiB`);
  for (const key of rows.keys()) t.true(key in LimitsSchema.shape, `${key} is a limit of the schema`);
});
