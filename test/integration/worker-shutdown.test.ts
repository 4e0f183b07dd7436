/**
 * Graceful shutdown: SIGTERM reaches the worker process (`npm run worker`, as docker-compose runs it)
 * while an activity is half-way through sending an email to a slow mail server. The worker stops
 * polling, lets the activity finish, and exits 0: the email is delivered once, recorded as SENT, and
 * Temporal sees the activity completed, not timed out or retried.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { createReminder } from '../../src/reminders/create-reminder';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import type { Db } from '../../src/db/client';
import { createStaff, testDb, unique } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(120_000);

let db: Db;
let smtp: TestSmtpServer;
let temporal: Client;

beforeAll(async () => {
  db = testDb();
  smtp = await startTestSmtpServer({ acceptDelayMs: 3000 });
  temporal = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
});

afterAll(async () => {
  await temporal?.connection.close();
  await smtp?.close();
  await db?.$disconnect();
});

test('SIGTERM during an email send: the activity finishes, the email arrives once, the worker exits 0', async () => {
  const taskQueue = `shutdown-${randomUUID().slice(0, 8)}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: devServerAddress(),
      TASK_QUEUE: taskQueue,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'care@bank.test',
      SHUTDOWN_GRACE_SECONDS: '30',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));

  const [assignee, supervisor] = await Promise.all([createStaff(db, 'Walt Worker'), createStaff(db, 'Sia Super', ['SUPERVISOR'])]);
  const key = unique('drain');
  await createReminder(
    { db, temporal, taskQueue, policy: DEFAULT_POLICY },
    { key, staffId: assignee.id, escalationStaffId: supervisor.id, dueAt: new Date().toISOString(), subject: 'Drain test' },
  );

  await smtp.dataStarted; // the activity is now inside mailer.send, waiting for the server's 250
  expect(smtp.messages).toHaveLength(0);
  worker.kill('SIGTERM');

  const code = await exited;
  if (code !== 0 || !smtp.messages.length) console.log(output);
  expect(code).toBe(0);
  expect(output).toContain('SIGTERM: draining');
  expect(smtp.to(assignee.email)).toHaveLength(1);
  const n = await db.notification.findUniqueOrThrow({ where: { idempotencyKey: `reminder:${key}:due` } });
  expect(n).toMatchObject({ status: 'SENT', attempts: 1 });
  const history = await temporal.workflow.getHandle(`reminder-${key}`).fetchHistory();
  const kinds = (history.events ?? []).map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes')));
  expect(kinds).toContain('activityTaskCompletedEventAttributes');
  expect(kinds).not.toContain('activityTaskFailedEventAttributes');
  expect(kinds).not.toContain('activityTaskTimedOutEventAttributes');
  // The reminder itself goes on (its escalation is days away); tidy up.
  await temporal.workflow.getHandle(`reminder-${key}`).terminate('test finished');
});
