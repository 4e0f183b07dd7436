/**
 * §5.2 "escalation emails on SLA breach", on the real stack: the production worker
 * (`src/worker/main.ts`) as child processes, the Temporal dev server, PostgreSQL and real SMTP
 * servers. An individual's case unanswered for 24 hours escalates to the department head at its
 * deadline; the worker is SIGKILLed while the SMTP server holds that escalation email, a new worker
 * is started, and the head receives exactly one escalation: none lost, none twice.
 *
 * Three workers in turn: the first runs the case until its deadline is near (the assignment and the
 * reminders already due go out through an ordinary SMTP server) and stops cleanly; the second, pointed at an SMTP
 * server that holds every message unanswered, is killed mid-escalation; the third sends it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { caseYear, feedbackWorkflowId, formatCaseNo } from '../../src/domain/case-number';
import { feedbackAad } from '../../src/feedback/encrypted-fields';
import { nextCaseSequence } from '../../src/feedback/case-numbers';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { dataConverter } from '../../src/temporal/codec';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { caseStateQuery } from '../../workflows/feedback/definitions';
import { feedbackCase } from '../../workflows/feedback/feedback-case';
import { createStaff, testDb, unique } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(180_000);

// Case numbers prefixed FBKILL: the test files share one Temporal namespace, and a case's process is
// `feedback-<caseNo>`, so each file that registers cases numbers them under its own prefix.
const policy = parsePolicy({ ...DEFAULT_POLICY, feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBKILL' } });
const ring = developmentKeyRing();
const MAIL_FROM = 'care@bank.test';
const HOUR = 3_600_000;
/** How far ahead of the test's start the deadline falls: time for the first worker to start and settle. */
const DEADLINE_AFTER_MS = 20_000;

let db: Db;
let temporal: Client;
const servers: TestSmtpServer[] = [];
const workers: { child: ChildProcess; output: () => string; exited: Promise<unknown> }[] = [];

beforeAll(async () => {
  db = testDb();
  temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }), dataConverter: dataConverter(ring) });
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  await Promise.all(servers.map((s) => s.close()));
  await temporal?.connection.close();
  await db?.$disconnect();
});

function spawnWorker(taskQueue: string, smtpUrl: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: devServerAddress(),
    DATABASE_URL: process.env.DATABASE_URL,
    SMTP_URL: smtpUrl,
    MAIL_FROM,
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_SECONDS: '5',
    PUBLIC_BASE_URL: 'https://care.bank.test',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const w = { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) };
  workers.push(w);
  return w;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('§5.2 the worker SIGKILLed in the middle of an escalation: after a new worker starts, the department head has exactly one escalation email', async () => {
  const queue = unique('fb-kill');
  const [ordinary, holding] = await Promise.all([startTestSmtpServer(), startTestSmtpServer({ holdUntilReleased: true })]);
  servers.push(ordinary, holding);

  // A department, its head and a handler; an individual's case registered 24 h minus a little ago.
  const code = `K${randomUUID().slice(0, 6).toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`;
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  const handler = await createStaff(db, 'Hal Handler', ['CUSTOMER_SERVICE']);
  await db.department.create({ data: { code, name: `Dept ${code}`, headStaffId: head.id } });
  await db.departmentMember.create({ data: { departmentCode: code, staffId: handler.id } });
  const targetAt = new Date(Date.now() + DEADLINE_AFTER_MS);
  const registeredAt = new Date(targetAt.getTime() - policy.feedback.individualResponseHours * HOUR);
  const year = caseYear(registeredAt, policy);
  const caseNo = formatCaseNo({ year, sequence: await nextCaseSequence(db, year) }, policy);
  const enc = (field: 'contactName' | 'contactEmail' | 'summary', value: string) => encryptField(ring, value, feedbackAad.caseField(field, caseNo));
  await db.feedbackCase.create({
    data: {
      caseNo, channel: 'HOTLINE', category: 'CARD', severity: 'HIGH', complexity: 'SIMPLE', customerType: 'INDIVIDUAL', departmentCode: code, routingRuleId: 'test', registeredAt,
      contactNameCiphertext: enc('contactName', 'Casey Customer'), contactEmailCiphertext: enc('contactEmail', `${unique('c')}@mail.test`), summaryCiphertext: enc('summary', 'Card blocked abroad'),
      workflowId: feedbackWorkflowId(caseNo), policyVersion: policy.version,
    },
  });

  // Worker 1 (ordinary SMTP): assignment and the reminders already due go out; then it is stopped.
  const first = spawnWorker(queue, ordinary.url);
  const handle = await temporal.workflow.start(feedbackCase, { workflowId: feedbackWorkflowId(caseNo), taskQueue: queue, args: [{ caseNo }] });
  await ordinary.waitFor((m) => m.filter((x) => x.subject.startsWith('Reminder')).length === 2, 60_000).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${first.output()}`)));
  expect((await handle.query(caseStateQuery)).sla.targetAt).toBe(targetAt.toISOString());
  first.child.kill('SIGTERM'); // a clean stop hands its sticky queue back at once
  await first.exited;

  // Worker 2 (holding SMTP): the escalation at the deadline is held unanswered; the worker is killed.
  const second = spawnWorker(queue, holding.url);
  await eventually('the escalation held by the SMTP server', () => {
    if (second.child.exitCode !== null) throw new Error(`worker 2 exited (${second.child.exitCode}):\n${second.output()}`);
    return holding.held === 1;
  }, 90_000);
  expect(Date.now()).toBeGreaterThanOrEqual(targetAt.getTime()); // never before the deadline
  const key = `feedback:${caseNo}:0:HEAD:0:${head.id}`;
  expect(await db.notification.findUnique({ where: { idempotencyKey: key }, select: { status: true } })).toEqual({ status: 'SENDING' });
  second.child.kill('SIGKILL');
  await second.exited;
  await eventually('the held message abandoned', () => holding.abandoned === 1, 10_000);
  holding.release();
  expect(holding.messages).toHaveLength(0);

  // Worker 3: the escalation goes out again, once.
  const third = spawnWorker(queue, holding.url);
  await holding.waitFor((m) => m.length > 0, 60_000).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${third.output()}`)));
  await eventually('the notification SENT', async () => (await db.notification.findUnique({ where: { idempotencyKey: key } }))?.status === 'SENT');
  await new Promise((r) => setTimeout(r, 2_000)); // nothing more comes
  const escalations = [...ordinary.messages, ...holding.messages].filter((m) => m.subject === `Escalation: feedback case ${caseNo} missed its response deadline`);
  expect(escalations).toHaveLength(1);
  expect(escalations[0]!.to).toEqual([head.email]);
  expect(escalations[0]!.text).toContain(`https://care.bank.test/console/feedback/${caseNo}`); // the case's console page (issue 12)
  const state = await handle.query(caseStateQuery);
  expect(state.escalationLevel).toBe(1);
  expect(await db.feedbackEvent.count({ where: { caseNo, kind: 'ESCALATED' } })).toBe(1);
  await handle.terminate('test done');
});
