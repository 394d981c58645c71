/**
 * The GitHub Classroom workflow that `locklab export-student` puts in the students' repository
 * (`.github/workflows/classroom.yml`, where Classroom looks for it): on every push it grades each
 * lab with `--classroom`, and Classroom's autograding reporter
 * (`classroom-resources/autograding-grading-reporter@v1`) reads each lab's result from the
 * environment variable `<RUNNER>_RESULTS` (the runner id upper-cased), which holds the step
 * output `result` (base64 JSON) that `--classroom` sets, sums the tests' `score` against
 * `max_score`, and sends the points to Classroom. The shape follows the workflow Classroom itself
 * generates: push and repository_dispatch, no run for Classroom's own first commit.
 */

/** The reporter's runner id of a lab: letters and digits only (the reporter's `runners` list allows no more). */
export function runnerId(labId: string): string {
  const id = labId.replace(/[^A-Za-z0-9]/g, '');
  return /^[A-Za-z]/.test(id) ? id : `lab${id}`;
}

export function classroomWorkflow(labIds: readonly string[]): string {
  const steps = labIds.flatMap((lab) => [
    `      - name: Grade ${lab}`,
    `        id: ${runnerId(lab)}`,
    '        # A failing grade exits 1; the reporter below must still run.',
    '        continue-on-error: true',
    `        run: npx locklab grade ${lab} --classroom classroom-${runnerId(lab)}.json`,
  ]);
  const env = labIds.map((lab) => `          ${runnerId(lab).toUpperCase()}_RESULTS: "\${{ steps.${runnerId(lab)}.outputs.result }}"`);
  return [
    '# GitHub Classroom autograding: every push grades your code with locklab and reports the points',
    '# to Classroom. The same grading as `npx locklab grade` on your machine; the run\'s summary lists',
    '# every test, and failures are annotated on your code. Made by `locklab export-student`.',
    'name: Autograding Tests',
    'on:',
    '  push:',
    '  repository_dispatch:',
    '  workflow_dispatch:',
    'permissions:',
    '  checks: write',
    '  actions: read',
    '  contents: read',
    'jobs:',
    '  run-autograding-tests:',
    '    runs-on: ubuntu-latest',
    "    if: github.actor != 'github-classroom[bot]'",
    '    timeout-minutes: 30',
    '    steps:',
    '      - name: Checkout code',
    '        uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    '          cache: npm',
    '      # .npmrc leaves out the grader\'s own test tools.',
    '      - run: npm ci --no-audit --no-fund',
    ...steps,
    '      - name: Autograding Reporter',
    '        uses: classroom-resources/autograding-grading-reporter@v1',
    '        env:',
    ...env,
    '        with:',
    `          runners: ${labIds.map(runnerId).join(',')}`,
    '',
  ].join('\n');
}
