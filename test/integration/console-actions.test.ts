/**
 * Acting in place from the console's inbox (issue 12), without a browser (test/support/console-browser.ts):
 * the forms post to the same use cases as the JSON routes, on real parts — the API on a real port,
 * this file's PostgreSQL, the Temporal dev server with a worker, a real SMTP server.
 *   §6.2 a mitigation plan: missing measures and a too-short plan are shown next to their fields and
 *        nothing is written; then it is recorded (task DONE, audited as the API does);
 *   §5.2 a reminder that fell due is in the inbox, acknowledged there, and its page says so;
 *   the inbox's filters (a bad one named next to its field), the team queue, the live counts.
 */
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { staffWithKey, until } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';
import { ConsoleBrowser } from '../support/console-browser';

const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-90', reminders: { escalateAfter: 'PT1H' } });
const ring = developmentKeyRing();
const DAY = 86_400_000;

let stack: ApiStack;
let db: Db;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring });
  db = stack.db;
});

afterAll(async () => {
  await stack?.stop();
});

test('§6.2 a mitigation plan in place: missing measures and a short plan shown next to their fields, nothing written; then recorded and audited', async () => {
  const officer = await staffWithKey(db, 'risk', ['RISK_OFFICER'], { label: 'console-actions test' });
  const customerId = unique('cus');
  await db.customer.create({ data: { id: customerId, type: 'ENTERPRISE', status: 'APPROVED', displayName: 'Acme', email: `${customerId}@example.com`, contactPreferences: {}, channel: 'BRANCH', createdByStaffId: officer.id, riskRating: 'D' } });
  const taskId = `mitigation-plan:${customerId}:a1`;
  await db.task.create({ data: { id: taskId, kind: 'MITIGATION_PLAN', subject: 'mitigation plan (§6.2)', customerId, team: 'RISK_OFFICER', dueAt: new Date(Date.now() + 10 * DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version } });

  const b = new ConsoleBrowser(stack.baseUrl);
  const inbox = await b.signIn(officer.key);
  const rowId = `id="item-MITIGATION_PLAN-${taskId.replace(/[^A-Za-z0-9_-]/g, '-')}"`;
  expect(inbox.html).toContain(rowId);
  expect(inbox.text).toContain('Team RISK_OFFICER'); // the team queue

  const refused = await b.submit(inbox, `/console/act/mitigation-plan/${customerId}`, { description: 'too short', next: '/console' });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Not done: check the fields marked below.');
  expect(refused.text).toContain('at least one action');
  expect(refused.text).toContain('at least 10 characters');
  expect(refused.html).toMatch(/<details class="act" open>/); // the form stays open, with what was typed
  expect(refused.html).toContain('>too short</textarea>');
  expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('OPEN');
  expect(await db.auditLog.count({ where: { customerId, action: 'risk.mitigation_plan.record' } })).toBe(0);

  const done = await b.submit(refused, `/console/act/mitigation-plan/${customerId}`, {
    actions: ['MORE_COLLATERAL', 'CLOSER_MONITORING'],
    description: 'Pledge of the warehouse by 31 January; monthly review of the accounts.',
    next: '/console',
  });
  expect(done.status).toBe(200);
  expect(done.text).toContain(`Mitigation plan for ${customerId} recorded.`);
  expect(done.html).not.toContain(rowId); // gone from the inbox
  expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('DONE');
  expect(await db.auditLog.count({ where: { customerId, action: 'risk.mitigation_plan.record', actorStaffId: officer.id } })).toBe(1);
});

test('§5.2 a reminder that fell due is in the inbox, acknowledged there; its page says so', async () => {
  const cs = await staffWithKey(db, 'cs', ['CUSTOMER_SERVICE'], { label: 'console-actions test' });
  const sup = await staffWithKey(db, 'sup', ['SUPERVISOR'], { label: 'console-actions test' });
  const key = unique('call-back');
  const created = await fetch(`${stack.baseUrl}/reminders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cs.key}` },
    body: JSON.stringify({ key, staffId: cs.id, escalationStaffId: sup.id, dueAt: new Date(Date.now() + 500).toISOString(), subject: 'Call back about the card' }),
  });
  expect(created.status).toBe(201);
  await until('the reminder due', async () => (await db.reminder.findUnique({ where: { key } }))?.status === 'DUE', 20_000);

  const b = new ConsoleBrowser(stack.baseUrl);
  await b.signIn(cs.key);
  const inbox = await b.get('/console?kind=REMINDER');
  expect(inbox.html).toContain(`id="item-REMINDER-${key}"`);
  expect(inbox.text).toContain('Call back about the card');
  expect(inbox.text).toMatch(/before it is escalated/);
  const page = await b.get(`/console/reminders/${key}`);
  expect(page.text).toContain('Reminder: Call back about the card');
  expect(page.text).toMatch(/Due \w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2} E[SD]T/);

  const acked = await b.submit(page, `/console/act/reminder-ack/${key}`, { next: `/console/reminders/${key}` });
  expect(acked.text).toContain('Reminder acknowledged.');
  await until('the reminder acknowledged', async () => (await db.reminder.findUnique({ where: { key } }))?.status === 'ACKNOWLEDGED', 20_000);
  const after = await b.get(`/console/reminders/${key}`);
  expect(after.text).toContain('ACKNOWLEDGED');
  expect(after.html).not.toContain('>Acknowledge</button>');
});

test('the inbox: a bad filter is named next to its field; mine and the team queue apart; live counts as JSON', async () => {
  const cs = await staffWithKey(db, 'cs', ['CUSTOMER_SERVICE'], { label: 'console-actions test' });
  const mineId = `contact:${unique('cus')}:MINE`;
  const teamId = `contact:${unique('cus')}:TEAM`;
  const lateId = `contact:${unique('cus')}:LATE`;
  await db.task.createMany({
    data: [
      { id: mineId, kind: 'CUSTOMER_CONTACT', subject: 'mine', assigneeStaffId: cs.id, dueAt: new Date(Date.now() + 2 * DAY), workflowId: 'test', policyVersion: policy.version },
      { id: teamId, kind: 'CUSTOMER_CONTACT', subject: 'team', team: 'CUSTOMER_SERVICE', dueAt: new Date(Date.now() + DAY), workflowId: 'test', policyVersion: policy.version },
      { id: lateId, kind: 'CUSTOMER_CONTACT', subject: 'late', assigneeStaffId: cs.id, dueAt: new Date(Date.now() - 3 * DAY), overdueAt: new Date(Date.now() - DAY), workflowId: 'test', policyVersion: policy.version },
    ],
  });
  const b = new ConsoleBrowser(stack.baseUrl);
  await b.signIn(cs.key);

  const all = await b.get('/console');
  // Overdue first, then by deadline.
  const order = [lateId, teamId, mineId].map((id) => all.html.indexOf(`id="item-CUSTOMER_CONTACT-${id.replace(/[^A-Za-z0-9_-]/g, '-')}"`));
  expect(order.every((i) => i > 0)).toBe(true);
  expect([...order].sort((x, y) => x - y)).toEqual(order);
  expect(all.text).toMatch(/overdue by 3 d/);

  const mine = await b.get('/console?view=mine');
  expect(mine.html).toContain(mineId.replace(/[^A-Za-z0-9_-]/g, '-'));
  expect(mine.html).not.toContain(teamId.replace(/[^A-Za-z0-9_-]/g, '-'));
  const team = await b.get('/console?view=team');
  expect(team.html).toContain(teamId.replace(/[^A-Za-z0-9_-]/g, '-'));
  expect(team.html).not.toContain(mineId.replace(/[^A-Za-z0-9_-]/g, '-'));
  const overdue = await b.get('/console?status=OVERDUE');
  expect(overdue.html).toContain(lateId.replace(/[^A-Za-z0-9_-]/g, '-'));
  expect(overdue.html).not.toContain(mineId.replace(/[^A-Za-z0-9_-]/g, '-'));

  const bad = await b.get('/console?kind=NOPE');
  expect(bad.status).toBe(400);
  expect(bad.html).toMatch(/id="filter-kind"[^>]*>[\s\S]*?<p class="field-error" id="error-kind">choose a kind of work from the list<\/p>/);

  const counts = await fetch(`${stack.baseUrl}/console/inbox/counts`, { headers: { cookie: b.cookieHeader() } });
  expect(counts.status).toBe(200);
  expect(await counts.json()).toEqual({ open: 3, overdue: 1, mine: 2, team: 1 });
  expect((await fetch(`${stack.baseUrl}/console/inbox/counts`, { redirect: 'manual' })).status).toBe(401); // no session, no counts
});
