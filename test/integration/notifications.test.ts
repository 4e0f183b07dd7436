/**
 * The email claim of sendEmailOnce (issue 7; §3.1 every email recorded; §5.2 escalation by email),
 * on real PostgreSQL and a real SMTP server, inside real activity contexts (MockActivityEnvironment
 * gives each call its workflow id, activity id and attempt number, as the worker would):
 * a claim held by another live attempt is respected, a later attempt of the same activity takes it
 * over at once, an expired lease is taken over, refusals are recorded (attempts, lastError) and a
 * permanent refusal fails for good. `test/integration/reliability.test.ts` runs the same through
 * real workers and faults.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { sendEmailOnce, type EmailNotification, type EmailOutcome, type NotificationDeps } from '../../activities/notifications';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer';
import { systemClock } from '../../src/shared/clock';
import type { Db } from '../../src/db/client';
import { testDb, unique } from '../support/fixtures';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const MAIL_FROM = 'care@bank.test';
let db: Db;
let smtp: TestSmtpServer;
let mailer: Mailer;
let deps: NotificationDeps;

beforeAll(async () => {
  db = testDb();
  smtp = await startTestSmtpServer();
  mailer = createSmtpMailer({ url: smtp.url, from: MAIL_FROM });
  deps = { db, mailer, clock: systemClock, mailFrom: MAIL_FROM };
});

afterAll(async () => {
  mailer?.close();
  await smtp?.close();
  await db?.$disconnect();
});

const email = (): EmailNotification => {
  const key = unique('n');
  return { idempotencyKey: `test:${key}`, kind: 'TEST', toAddress: `${key}@bank.test`, subject: `Subject ${key}`, body: 'Hello' };
};
/** sendEmailOnce as attempt `attempt` of activity `activityId` of workflow `workflowId`. */
const asAttempt = (n: EmailNotification, attempt: number, workflowId = 'wf-1', activityId = '7'): Promise<EmailOutcome> =>
  new MockActivityEnvironment({ attempt, activityId, workflowExecution: { workflowId, runId: 'run' } }).run(() => sendEmailOnce(deps, n));
const row = (n: EmailNotification) => db.notification.findUniqueOrThrow({ where: { idempotencyKey: n.idempotencyKey } });
const claimAs = (n: EmailNotification, claimedBy: string, claimAttempt: number, leaseSeconds: number) =>
  db.$executeRaw`UPDATE "Notification" SET status = 'SENDING', "claimedBy" = ${claimedBy}, "claimAttempt" = ${claimAttempt},
    "leaseUntil" = now() + make_interval(secs => ${leaseSeconds}) WHERE "idempotencyKey" = ${n.idempotencyKey}`;

test('sent once: a second call (a retried activity) finds it SENT and sends nothing', async () => {
  const n = email();
  expect((await asAttempt(n, 1)).outcome).toBe('SENT');
  expect((await asAttempt(n, 2)).outcome).toBe('ALREADY_SENT');
  expect(smtp.to(n.toAddress)).toHaveLength(1);
  expect(await row(n)).toMatchObject({ status: 'SENT', attempts: 1, lastError: null, leaseUntil: null });
});

test('a claim held by another live sender is respected: retry later, nothing sent', async () => {
  const n = email();
  await db.notification.create({ data: { idempotencyKey: n.idempotencyKey, kind: n.kind, toAddress: n.toAddress, subject: n.subject, body: n.body, messageId: `<${n.idempotencyKey}@bank.test>` } });
  await claimAs(n, 'other-wf/3', 1, 300);
  const err = await asAttempt(n, 1).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'EmailBeingSent', nonRetryable: false });
  expect(smtp.to(n.toAddress)).toHaveLength(0);
  expect(await row(n)).toMatchObject({ status: 'SENDING', claimedBy: 'other-wf/3' });
});

test('a later attempt of the same activity takes the claim over at once (its earlier attempt died mid-send)', async () => {
  const n = email();
  await db.notification.create({ data: { idempotencyKey: n.idempotencyKey, kind: n.kind, toAddress: n.toAddress, subject: n.subject, body: n.body, messageId: `<${n.idempotencyKey}@bank.test>`, attempts: 1 } });
  await claimAs(n, 'wf-1/7', 1, 300); // attempt 1 claimed it with a 5-minute lease, then its worker was killed
  expect((await asAttempt(n, 2)).outcome).toBe('SENT');
  expect(smtp.to(n.toAddress)).toHaveLength(1);
  expect(await row(n)).toMatchObject({ status: 'SENT', attempts: 2, claimAttempt: 2 });
});

test('an expired lease is taken over by anyone', async () => {
  const n = email();
  await db.notification.create({ data: { idempotencyKey: n.idempotencyKey, kind: n.kind, toAddress: n.toAddress, subject: n.subject, body: n.body, messageId: `<${n.idempotencyKey}@bank.test>` } });
  await claimAs(n, 'other-wf/3', 1, -1);
  expect((await asAttempt(n, 1)).outcome).toBe('SENT');
  expect(smtp.to(n.toAddress)).toHaveLength(1);
});

test('a temporary refusal (451) is recorded as FAILED with attempts and lastError, and the retry sends it', async () => {
  const n = email();
  smtp.failNext(1);
  await expect(asAttempt(n, 1)).rejects.toThrow(/451/);
  expect(await row(n)).toMatchObject({ status: 'FAILED', attempts: 1, lastError: expect.stringContaining('451'), leaseUntil: null });
  expect((await asAttempt(n, 2)).outcome).toBe('SENT');
  expect(await row(n)).toMatchObject({ status: 'SENT', attempts: 2, lastError: null });
  expect(smtp.to(n.toAddress)).toHaveLength(1);
});

test('a permanent refusal (5xx) fails for good (EmailRejected) and is recorded', async () => {
  const n = { ...email(), toAddress: 'nobody@refused.test' };
  // A real SMTP server that refuses the recipient, as a relay does for an unknown mailbox.
  const refusing = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })),
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const refusingMailer = createSmtpMailer({ url: `smtp://127.0.0.1:${(refusing.server.address() as AddressInfo).port}`, from: MAIL_FROM });
  try {
    const err = await new MockActivityEnvironment({ attempt: 1, activityId: '1', workflowExecution: { workflowId: 'wf-2', runId: 'r' } })
      .run(() => sendEmailOnce({ ...deps, mailer: refusingMailer }, n))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'EmailRejected', nonRetryable: true });
    expect(await row(n)).toMatchObject({ status: 'FAILED', attempts: 1, lastError: expect.stringContaining('550 mailbox unavailable') });
  } finally {
    refusingMailer.close();
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  }
});
