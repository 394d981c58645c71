/** `locklab export-student --out DIR [--lab LAB ...]`: the repository students get. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { listLabIds } from '../lab/load.ts';
import { ExportError, exportStudentRepository } from '../package/student.ts';
import { EXIT, UsageError } from './common.ts';

const ExportOptionsSchema = z.object({
  out: z.string({ error: 'where to? `locklab export-student --out DIR`' }),
  lab: z.array(z.string()).optional(),
});

export async function exportStudentCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, lab: { type: 'string', multiple: true } } });
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(' ')}; usage: locklab export-student --out DIR [--lab LAB ...]`);
  const parsed = ExportOptionsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const labs = parsed.data.lab ?? listLabIds();
  try {
    const exported = await exportStudentRepository(parsed.data.out, labs);
    console.log(`${parsed.data.out}: the students' repository for ${exported.labs.join(', ')} (${exported.files.length} files); first commands: npm ci && npx locklab grade ${exported.labs[0]}`);
  } catch (err) {
    if (err instanceof ExportError) throw new UsageError(err.message);
    throw err;
  }
  return EXIT.passed;
}
