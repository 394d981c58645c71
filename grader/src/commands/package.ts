/** `locklab package gradescope --lab LAB [--out FILE]`: the autograder zip to upload to Gradescope. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { writeGradescopeAutograder } from '../package/gradescope.ts';
import { EXIT, UsageError } from './common.ts';

const PackageOptionsSchema = z.object({
  target: z.literal('gradescope', { error: 'what to package? `locklab package gradescope --lab lab1`' }),
  lab: z.string({ error: 'which lab? `locklab package gradescope --lab lab1`' }),
  out: z.string().optional(),
});

export async function packageCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { lab: { type: 'string' }, out: { type: 'string' } } });
  if (positionals.length > 1) throw new UsageError(`one target at a time (got ${positionals.join(', ')})`);
  const parsed = PackageOptionsSchema.safeParse({ ...values, target: positionals[0] });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const { lab } = parsed.data;
  const out = parsed.data.out ?? `autograder-${lab}.zip`;
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a folder; name the zip file to write`);
  if (!existsSync(path.dirname(path.resolve(out)))) throw new UsageError(`--out ${out}: folder ${path.dirname(out)} does not exist`);
  const pkg = await writeGradescopeAutograder(lab, out);
  console.log(`${out}: Gradescope autograder for ${lab} (setup.sh, run_autograder and ${pkg.files.length} files of the grader)`);
  return EXIT.passed;
}
