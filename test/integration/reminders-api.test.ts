/**
 * The whole path on real parts: HTTP API (real port) → PostgreSQL → Temporal dev server → worker →
 * activities → a real SMTP server. Uses a policy whose escalation grace period is seconds long, so
 * the real-time timers run within the test (the time-skipping tier covers the 30-day case).
 * Every call carries a staff API key (§3.1); the staff members are made in the database directly.
 */
import type { Client } from '@temporalio/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import type { Db } from '../../src/db/client';
import { apiCaller, staffWithKey } from '../support/api';
import { unique } from '../support/fixtures';
import { type TestSmtpServer } from '../support/smtp';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.11-99', reminders: { escalateAfter: 'PT3S' } });

let stack: ApiStack;
let db: Db;
let smtp: TestSmtpServer;
let baseUrl: string;
let temporal: Client;
/** The API key of a CUSTOMER_SERVICE staff member: reminders are open to any authenticated staff. */
let apiKey: string;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM });
  ({ db, smtp, temporal, baseUrl } = stack);
  apiKey = (await staffWithKey(db, 'cs', ['CUSTOMER_SERVICE'])).key;
});

afterAll(async () => {
  await stack?.stop();
});

const request = apiCaller(() => baseUrl);
/** `key`: the caller's API key (default the CUSTOMER_SERVICE member's; null: none). */
const call = (method: string, path: string, body?: unknown, key: string | null = apiKey) => request(method, path, { body, as: key });

async function staffPair() {
  const [a, b] = [await staffWithKey(db, 'rm', ['RELATIONSHIP_MANAGER']), await staffWithKey(db, 'sup', ['SUPERVISOR'])];
  const keys = { [a.id]: a.key, [b.id]: b.key };
  return { assignee: a.id, supervisor: b.id, keyOf: (id: string) => keys[id]! };
}

async function waitForStatus(key: string, status: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/reminders/${key}`);
    if (res.body?.status === status) return res.body;
    if (Date.now() > deadline) throw new Error(`reminder ${key} stayed ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('POST /reminders: the email lands at the due time and, unacknowledged, the escalation follows (§5.2)', async () => {
  const { assignee, supervisor, keyOf } = await staffPair();
  const key = unique('call-back');
  const dueAt = new Date(Date.now() + 1500).toISOString();

  const created = await call('POST', '/reminders', { key, staffId: assignee, escalationStaffId: supervisor, dueAt, subject: 'Call back about card dispute' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ key, status: 'SCHEDULED', workflowId: `reminder-${key}`, policyVersion: '2026.11-99' });
  expect((await call('GET', `/reminders/${key}`)).body).toMatchObject({ status: 'SCHEDULED', source: 'workflow' });

  const [reminderMail] = await smtp.waitFor(() => smtp.to(`${assignee}@bank.test`).length === 1).then(() => smtp.to(`${assignee}@bank.test`));
  expect(reminderMail?.subject).toBe('Reminder: Call back about card dispute');
  expect(reminderMail?.from).toBe(MAIL_FROM);
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(dueAt));

  const [escalation] = await smtp.waitFor(() => smtp.to(`${supervisor}@bank.test`).length === 1).then(() => smtp.to(`${supervisor}@bank.test`));
  expect(escalation?.subject).toBe('Escalation: reminder not acknowledged: Call back about card dispute');
  expect(escalation?.text).toContain('within 3 seconds of it falling due');

  const final = await waitForStatus(key, 'ESCALATED');
  expect(final.escalatedAt).not.toBeNull();
  const late = await call('POST', `/reminders/${key}/acknowledge`, { staffId: assignee }, keyOf(assignee));
  expect(late.status).toBe(409);
  expect(late.body.message).toMatch(/ESCALATED/);
});

test('acknowledging a due reminder stops the escalation', async () => {
  const { assignee, supervisor, keyOf } = await staffPair();
  const key = unique('kyc-doc');
  await call('POST', '/reminders', { key, staffId: assignee, escalationStaffId: supervisor, dueAt: new Date(Date.now() + 500).toISOString(), subject: 'Collect KYC document' });
  await smtp.waitFor(() => smtp.to(`${assignee}@bank.test`).length === 1);

  const ack = await call('POST', `/reminders/${key}/acknowledge`, { staffId: assignee }, keyOf(assignee));
  expect(ack.status).toBe(200);
  expect(ack.body).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: assignee });

  await temporal.workflow.getHandle(`reminder-${key}`).result();
  await new Promise((r) => setTimeout(r, 3500)); // past the escalation time
  expect(smtp.to(`${supervisor}@bank.test`)).toHaveLength(0);
  expect((await call('GET', `/reminders/${key}`)).body.status).toBe('ACKNOWLEDGED');
  const row = await db.reminder.findUniqueOrThrow({ where: { key } });
  expect(row.status).toBe('ACKNOWLEDGED');
});

test('operators find a reminder in Temporal by its search attributes', async () => {
  const { assignee, supervisor, keyOf } = await staffPair();
  const key = unique('find-me');
  await call('POST', '/reminders', { key, staffId: assignee, escalationStaffId: supervisor, dueAt: new Date(Date.now() + 3_600_000).toISOString(), subject: 'Quarterly review prep' });
  const query = `ProcessKind = "REMINDER" AND StaffId = "${assignee}" AND BusinessStatus = "SCHEDULED"`;
  const deadline = Date.now() + 15_000;
  let ids: string[] = [];
  while (Date.now() < deadline) {
    ids = [];
    for await (const wf of temporal.workflow.list({ query })) ids.push(wf.workflowId);
    if (ids.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(ids).toEqual([`reminder-${key}`]);
  const ack = await call('POST', `/reminders/${key}/acknowledge`, { staffId: supervisor }, keyOf(supervisor));
  expect(ack.body.status).toBe('CANCELLED');
});

describe('bad input gets a specific error and changes nothing', () => {
  test.each([
    ['a bad key', { key: 'no spaces allowed' }, 'key'],
    ['a date without offset', { dueAt: '2026-12-01 09:00' }, 'dueAt'],
    ['an empty subject', { subject: '   ' }, 'subject'],
    ['an unknown staff member', { staffId: 'nobody-here' }, 'staffId'],
    ['an unknown field', { priority: 'high' }, 'priority'],
  ])('%s → 400 naming the field', async (_label, override, field) => {
    const { assignee, supervisor } = await staffPair();
    const key = unique('bad');
    const before = await db.reminder.count();
    const res = await call('POST', '/reminders', {
      key,
      staffId: assignee,
      escalationStaffId: supervisor,
      dueAt: new Date(Date.now() + 60_000).toISOString(),
      subject: 'x',
      ...override,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(await db.reminder.count()).toBe(before);
  });

  test('the same person as assignee and escalation contact → 400', async () => {
    const { assignee } = await staffPair();
    const res = await call('POST', '/reminders', { key: unique('self'), staffId: assignee, escalationStaffId: assignee, dueAt: new Date().toISOString(), subject: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field: 'escalationStaffId', value: assignee, reason: 'must be someone other than staffId' }]);
  });

  test('a duplicate key → 409 with the existing reminder; no second workflow', async () => {
    const { assignee, supervisor, keyOf } = await staffPair();
    const key = unique('dup');
    const body = { key, staffId: assignee, escalationStaffId: supervisor, dueAt: new Date(Date.now() + 3_600_000).toISOString(), subject: 'first' };
    expect((await call('POST', '/reminders', body)).status).toBe(201);
    const again = await call('POST', '/reminders', { ...body, subject: 'second' });
    expect(again.status).toBe(409);
    expect(again.body.existing).toMatchObject({ key, subject: 'first' });
    await call('POST', `/reminders/${key}/acknowledge`, { staffId: assignee }, keyOf(assignee));
  });

  test('malformed JSON → 400, oversized body → 413, unknown reminder → 404', async () => {
    expect((await call('POST', '/reminders', '{"key":')).status).toBe(400);
    expect((await call('POST', '/reminders', { subject: 'x'.repeat(70 * 1024) })).status).toBe(413);
    expect((await call('GET', '/reminders/does-not-exist')).status).toBe(404);
    expect((await call('POST', '/reminders/does-not-exist/acknowledge', {})).status).toBe(404);
  });
});

test('§3.1: reminders need an API key (401 with a Bearer challenge, nothing written)', async () => {
  const { assignee, supervisor } = await staffPair();
  const key = unique('anon');
  const body = { key, staffId: assignee, escalationStaffId: supervisor, dueAt: new Date(Date.now() + 60_000).toISOString(), subject: 'x' };
  for (const [method, path, b] of [['POST', '/reminders', body], ['GET', `/reminders/${key}`, undefined], ['POST', `/reminders/${key}/acknowledge`, { staffId: assignee }]] as const) {
    const res = await call(method, path, b, null);
    expect([method, path, res.status, res.body?.error]).toEqual([method, path, 401, 'unauthenticated']);
  }
  expect(await db.reminder.count({ where: { key } })).toBe(0);
});

test('GET /health reports Temporal and the database; /docs serves the OpenAPI document (both without a key)', async () => {
  const health = await call('GET', '/health', undefined, null);
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ status: 'ok', checks: { temporal: { ok: true }, database: { ok: true } } });
  const doc = await call('GET', '/docs/json', undefined, null);
  expect(doc.status).toBe(200);
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining(['/health', '/staff', '/reminders', '/reminders/{key}', '/reminders/{key}/acknowledge']),
  );
  expect(doc.body.paths['/reminders'].post.requestBody.content['application/json'].schema.required).toEqual(
    expect.arrayContaining(['key', 'staffId', 'escalationStaffId', 'dueAt', 'subject']),
  );
});

test('§3.1: a staff member acknowledges only as themselves; a supervisor may acknowledge for the assignee', async () => {
  const { assignee, supervisor, keyOf } = await staffPair();
  const key = unique('ack-as');
  await call('POST', '/reminders', { key, staffId: assignee, escalationStaffId: supervisor, dueAt: new Date(Date.now() + 3_600_000).toISOString(), subject: 'Prepare KYC pack' });
  const forOther = await call('POST', `/reminders/${key}/acknowledge`, { staffId: assignee }); // the caller is customer service
  expect(forOther.status).toBe(403);
  expect(forOther.body.message).toMatch(/may acknowledge only as themselves/);
  expect((await call('GET', `/reminders/${key}`)).body.status).toBe('SCHEDULED');
  const bySupervisor = await call('POST', `/reminders/${key}/acknowledge`, { staffId: assignee }, keyOf(supervisor));
  expect(bySupervisor.status).toBe(200);
  expect(bySupervisor.body).toMatchObject({ status: 'CANCELLED', acknowledgedBy: assignee });
});
