// Tests are TypeScript, run through tsx; processes are real, so give them time.
export default {
  files: ['grader/test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '120s',
  workerThreads: false,
};
