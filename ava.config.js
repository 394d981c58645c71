// Tests are TypeScript, run through tsx; processes are real, so give them time.
export default {
  files: ['grader/test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  // A hang guard: ava stops when no test has finished for this long. One mutant's or the
  // reference's grading may take minutes on a busy 2-core machine.
  timeout: '240s',
  workerThreads: false,
};
