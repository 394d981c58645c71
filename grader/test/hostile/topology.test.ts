// A service that is not primary/backup: its servers keep no lock state, and the only lock table
// lives in a client host (table-on-a-client/). Whatever way the servers reach that client, the
// lab's rule on who may call whom refuses it, or the client-failure tests take the points away
// (the table dies with its host), and the second holds without the rule too.
import test, { type ExecutionContext } from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadLab } from '../../src/lab/load.ts';
import type { TraceEvent } from '../../src/net/trace.ts';
import { grade, type GradeOutcome } from '../../src/score/grade.ts';
import type { RunResult } from '../../src/score/run-test.ts';
import { failedTests, runsOf } from '../support/grading.ts';
import { assertContained, watchOutside } from './fixtures.ts';

const FIXTURE = path.join(import.meta.dirname, 'table-on-a-client');
const CLIENT_FAILURE = ['ClientFail', 'ClientFailMidOp', 'RandomClientFail'];

type Transport = 'call' | 'one-way' | 'forged-reply' | 'client-to-client' | 'long-poll';

/** The hostile submission with `transport`, its table on `host`, in a temporary folder. */
function tableOnAClient(t: ExecutionContext, transport: Transport, host = 'c1'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-fixture-table-on-${host}-${transport}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIXTURE, dir, { recursive: true });
  const common = path.join(dir, 'lockservice/common.ts');
  const source = readFileSync(common, 'utf8');
  const edited = source
    .replace("export const TRANSPORT: Transport = 'call';", `export const TRANSPORT: Transport = '${transport}';`)
    .replace("export const TABLE_HOST: NodeId = 'c1';", `export const TABLE_HOST: NodeId = '${host}';`);
  if (!edited.includes(`'${transport}';`) || !edited.includes(`TABLE_HOST: NodeId = '${host}'`)) throw new Error('the fixture no longer has its TRANSPORT and TABLE_HOST lines');
  writeFileSync(common, edited);
  return dir;
}

/** Grades lab 1 on seed 1; `openRule`: as if the lab let any role call any role. */
async function gradeLab(impl: string, options: { tests?: string[]; openRule?: boolean } = {}): Promise<GradeOutcome> {
  const lab = await loadLab('lab1');
  const roles = Object.keys(lab.manifest.roles);
  const manifest = options.openRule ? { ...lab.manifest, calls: Object.fromEntries(roles.map((r) => [r, roles])) } : lab.manifest;
  const tests = options.tests ? manifest.tests.filter((x) => options.tests!.includes(x.name)) : manifest.tests;
  return grade({ lab: { ...lab, manifest }, impl, tests, seeds: [1], jobs: 2, typecheck: false });
}

type Refusal = Extract<TraceEvent, { kind: 'refuse' }>;
const ruleRefusals = (run: RunResult) => run.trace.events.filter((e): e is Refusal => e.kind === 'refuse' && e.byRule === true);
const runOf = (outcome: GradeOutcome, name: string) => runsOf(outcome).find((r) => r.test === name)!;
const typeOf = (run: RunResult, id: number) => run.trace.events.find((e) => e.kind === 'send' && e.id === id)?.kind === 'send' ? (run.trace.events.find((e) => e.kind === 'send' && e.id === id) as Extract<TraceEvent, { kind: 'send' }>).body.type : undefined;

test.serial('servers that call the client host keeping the table: refused, 0 points, and the failure names the rule', async (t) => {
  const outside = watchOutside();
  // One test of each part, and one of client failure (every other test fails the same way).
  const outcome = await gradeLab(tableOnAClient(t, 'call'), { tests: ['Basic', 'PrimaryFail2', 'LossyNetwork', 'ClientFail'] });
  t.is(outcome.summary.points, 0, `it scored ${outcome.summary.points}/${outcome.summary.maxPoints}`);
  const basic = runOf(outcome, 'Basic');
  const refused = ruleRefusals(basic);
  t.true(refused.some((e) => e.from === 'primary' && e.to === 'c1' && typeOf(basic, e.id) === 'Table'));
  t.false(basic.trace.events.some((e) => e.kind === 'deliver' && e.from === 'primary' && e.to.startsWith('c') && typeOf(basic, e.id) === 'Table'), 'no Table request reached a client host');
  t.regex(basic.message!, /refused by the lab's rule on who may call whom; the first, at \d+ ms: primary -> c1 "Table": server may not send requests to client \(who may call whom: client -> server; server -> server\)\)$/);
  const told = basic.trace.events.filter((e) => e.kind === 'log' && e.node === 'primary' && /^locklab: refused "Table" to c1: server may not send requests to client/.test(e.text));
  t.is(told.length, 1, "the primary's log says it once");
  assertContained(t, outside);
});

test.serial('without the rule, the client-failure tests still take its points: the table dies with c1, later answers are wrong', async (t) => {
  const outcome = await gradeLab(tableOnAClient(t, 'call'), { openRule: true });
  const failed = failedTests(outcome);
  // Client failure catches it on its own. (Tests that lose the primary's answer by holding the
  // primary's link to c1 also hold the relay to the table, so they fail it too, by accident.)
  t.true(failed.includes('ClientFail'), failed.join(', '));
  t.regex(runOf(outcome, 'ClientFail').message!, /^c2's lock\("a"\) returned true, expected false$/);
  t.deepEqual(runsOf(outcome).flatMap(ruleRefusals), []);
});

test.serial('without the rule, a table kept in c3 instead loses ClientFailMidOp, where c3 dies first', async (t) => {
  const outcome = await gradeLab(tableOnAClient(t, 'call', 'c3'), { tests: CLIENT_FAILURE, openRule: true });
  t.true(failedTests(outcome).includes('ClientFailMidOp'), failedTests(outcome).join(', '));
});

for (const [transport, link, type] of [
  ['one-way', ['primary', 'c1'], 'TableJob'],
  ['forged-reply', ['primary', 'c1'], 'TableJob'],
  ['client-to-client', ['c2', 'c1'], 'Table'],
] as const) {
  test.serial(`variant "${transport}": its ${type} messages to a client host are refused, and it loses the tests`, async (t) => {
    const outcome = await gradeLab(tableOnAClient(t, transport), { tests: ['Basic', 'ClientFail'] });
    t.deepEqual(failedTests(outcome), ['Basic', 'ClientFail']);
    const basic = runOf(outcome, 'Basic');
    const refused = ruleRefusals(basic).filter((e) => e.from === link[0] && e.to === link[1]);
    t.true(refused.length > 0 && refused.every((e) => typeOf(basic, e.id) === type));
    if (transport === 'forged-reply') t.regex(refused[0]!.reason!, /^an answer to no pending request \(c1 sent primary no request #\d+\)/);
    t.false(basic.trace.events.some((e) => e.kind === 'deliver' && e.from === link[0] && e.to === link[1] && typeOf(basic, e.id) === type), 'none reached it');
  });
}

test.serial('variant "long-poll": answers to requests c1 keeps pending are allowed, so the rule lets it be; ClientFail and ClientFailMidOp take the points', async (t) => {
  const outcome = await gradeLab(tableOnAClient(t, 'long-poll'), { tests: ['Basic', 'ClientFail', 'ClientFailMidOp'] });
  t.deepEqual(failedTests(outcome), ['ClientFail', 'ClientFailMidOp']);
  t.deepEqual(runsOf(outcome).flatMap(ruleRefusals), [], 'nothing was refused: each answer answers one delivered Poll');
  t.regex(runOf(outcome, 'ClientFail').message!, /c2's lock\("a"\) did not return|c2's lock\("a"\) returned true, expected false/);
});
