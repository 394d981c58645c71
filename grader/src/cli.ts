/**
 * The `locklab` command: one module per command under commands/.
 *
 * Exit codes: 0 every graded test passed (or the command succeeded); 1 some test failed;
 * 2 the command could not run (bad arguments, unknown lab, unreadable folder or file), with a
 * one-line reason.
 */
import { batchCommand } from './commands/batch.ts';
import { checkCommand } from './commands/check.ts';
import { docsCommand } from './commands/docs.ts';
import { exploreCommand } from './commands/explore.ts';
import { exportStudentCommand } from './commands/export-student.ts';
import { packageCommand } from './commands/package.ts';
import { EXIT, UsageError, type Command } from './commands/common.ts';
import { gradeCommand } from './commands/grade.ts';
import { listCommand } from './commands/list.ts';
import { mergeCommand } from './commands/merge.ts';
import { viewCommand } from './commands/view.ts';
import { ImplementationNotFound } from './cluster/prepare.ts';
import { emergencyTeardown, oneLineError } from './cluster/teardown.ts';
import { LabNotFound } from './lab/load.ts';
import { FaultSpecError } from './faults/failure-model.ts';
import { applyColorEnv } from './report/color.ts';
import { inertLine } from './text/untrusted.ts';
import { TraceFileError } from './report/trace-viewer.ts';

export { EXIT, UsageError } from './commands/common.ts';

const COMMANDS: Record<string, Command> = {
  grade: gradeCommand,
  explore: exploreCommand,
  list: listCommand,
  check: checkCommand,
  view: viewCommand,
  package: packageCommand,
  'export-student': exportStudentCommand,
  batch: batchCommand,
  merge: mergeCommand,
  docs: docsCommand,
};

const USAGE = `usage:
  locklab grade <lab> [--impl DIR] [--part P] [--test NAME[,NAME...]] [--seed N | --seeds K]
                      [--json FILE] [--trace-dir DIR] [--jobs N] [--no-typecheck] [--faults SPEC]
                      [--junit FILE] [--classroom FILE|-] [--no-sandbox]
  locklab explore <lab> --test NAME [--test NAME ...] [--seeds A-B | --seeds K] [--impl DIR ...]
                  [--jobs N] [--out DIR] [--max-failures N] [--json FILE] [--faults SPEC]
                  [--no-typecheck] [--no-sandbox]      a test on many seeds: failures, replay commands, rates
  locklab list [<lab>] [--all] [--markdown [--part P | --summary]]   --all: with the hidden tests
  locklab check HISTORY.json
  locklab view TRACE.json           writes TRACE.html next to it; open that in a browser
  locklab package gradescope --lab LAB [--out FILE]     the autograder zip for Gradescope
  locklab export-student --out DIR [--lab LAB ...]      the repository students get
  locklab batch <submissions-dir> --lab LAB --out DIR [--jobs N] [--seeds K] [--part P] [--test NAMES]
                [--shard I/N] [--force] [--no-typecheck]     grades a class: results + gradebook
  locklab merge <gradebook.json>... --out DIR                joins shards' gradebooks
  locklab docs [--check]            rewrites the documents' generated tables (--check: only compares)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  applyColorEnv(process.env);
  try {
    if (command === undefined || ['help', '--help', '-h'].includes(command)) {
      console.log(USAGE);
      return command === undefined ? EXIT.cannotRun : EXIT.passed;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof FaultSpecError || err instanceof LabNotFound || err instanceof ImplementationNotFound || err instanceof TraceFileError) {
      // The reason may quote a name from a file a student made (a gradebook's row, an archive's entry).
      console.error(`locklab: ${inertLine(err.message)}`);
      return EXIT.cannotRun;
    }
    if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`locklab: ${err.message}\n${USAGE}`);
      return EXIT.cannotRun;
    }
    // A bug of ours (exit 1 would read as "a test failed"): one line, nothing left running.
    await emergencyTeardown();
    console.error(`locklab: internal error: ${oneLineError(err)}`);
    return EXIT.cannotRun;
  }
}
