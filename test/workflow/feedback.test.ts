/**
 * §5.2 the feedback case (workflow feedback-<caseNo>) on the time-skipping test server, with the real
 * activities on PostgreSQL and a real SMTP server: SLA clocks of hours and business days, pauses,
 * the reminder and escalation ladder, resolution and the satisfaction survey — in seconds.
 * Cases are written as the registration use case writes them (FeedbackCase with encrypted contact
 * details, a case number from the yearly counter); the workflow is started as it starts it.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { feedbackAad } from '../../src/feedback/encrypted-fields';
import { caseYear, feedbackWorkflowId, formatCaseNo } from '../../src/domain/case-number';
import { zonedDateTimeToInstant } from '../../src/domain/business-calendar';
import { nextCaseSequence } from '../../src/feedback/case-numbers';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import type { Db } from '../../src/db/client';
import { caseStateQuery, pauseUpdate, resolveUpdate, respondUpdate, resumeUpdate, surveyAnsweredSignal, type CaseState } from '../../workflows/feedback/definitions';
import { FINAL_TIMER_LEAD_MS, feedbackCase } from '../../workflows/feedback/feedback-case';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { advanceTo } from '../support/time-skipping';
import { timeSkippingStack } from '../support/workflow-stack';

const TASK_QUEUE = 'feedback-test';
const ring = developmentKeyRing();
const policy: Policy = DEFAULT_POLICY;
const TZ = policy.onboarding.timeZone;
const HOUR = 3_600_000;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy, activities: { publicBaseUrl: 'https://care.bank.test' } }, (s) => ({ env, db, smtp } = s));

const local = (date: string, time: string) => zonedDateTimeToInstant(date, time, TZ);

/** A department with a head and one handler, and an executive on the rota around `at`. */
async function department() {
  const code = `D${randomUUID().slice(0, 6).toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`;
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  const handler = await createStaff(db, 'Hal Handler', ['CUSTOMER_SERVICE']);
  await db.department.create({ data: { code, name: `Dept ${code}`, headStaffId: head.id } });
  await db.departmentMember.createMany({ data: [{ departmentCode: code, staffId: handler.id, handlesFeedback: true }, { departmentCode: code, staffId: head.id, handlesFeedback: false }] });
  return { code, head, handler };
}

async function onDuty(from: Date, to: Date) {
  const exec = await createStaff(db, 'Eve Executive', ['SUPERVISOR']);
  await db.executiveOnDutyShift.create({ data: { staffId: exec.id, startsAt: from, endsAt: to, createdByStaffId: exec.id } });
  return exec;
}

/** Registers a non-customer's case at the test server's `registeredAt` and starts its process. */
async function register(opts: { departmentCode: string; customerType: 'INDIVIDUAL' | 'ENTERPRISE'; complexity: 'SIMPLE' | 'COMPLEX'; registeredAt?: Date }) {
  const registeredAt = opts.registeredAt ?? new Date(await env.currentTimeMs());
  await advanceTo(env, registeredAt);
  const year = caseYear(registeredAt, policy);
  const caseNo = formatCaseNo({ year, sequence: await nextCaseSequence(db, year) }, policy);
  const email = `${unique('cust')}@mail.test`;
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'HOTLINE',
      contactNameCiphertext: encryptField(ring, 'Casey Customer', feedbackAad.caseField('contactName', caseNo)),
      contactEmailCiphertext: encryptField(ring, email, feedbackAad.caseField('contactEmail', caseNo)),
      category: 'CARD',
      severity: 'MEDIUM',
      complexity: opts.complexity,
      customerType: opts.customerType,
      summaryCiphertext: encryptField(ring, 'My card was charged twice', feedbackAad.caseField('summary', caseNo)),
      departmentCode: opts.departmentCode,
      routingRuleId: 'test',
      registeredAt,
      workflowId: feedbackWorkflowId(caseNo),
      policyVersion: policy.version,
    },
  });
  const handle = await env.client.workflow.start(feedbackCase, { workflowId: feedbackWorkflowId(caseNo), taskQueue: TASK_QUEUE, args: [{ caseNo }] });
  await eventually(() => handle.query(caseStateQuery), (s) => Boolean(s?.sla));
  return { caseNo, email, registeredAt, handle };
}

/** A response or resolution written as the use case writes it: the event with its encrypted body. */
async function writeEvent(caseNo: string, kind: 'RESPONSE' | 'RESOLVED', staffId: string, body: string): Promise<string> {
  const key = `${caseNo}:${kind}:${randomUUID()}`;
  const e = await db.feedbackEvent.create({
    data: { caseNo, kind, actorStaffId: staffId, at: new Date(await env.currentTimeMs()), idempotencyKey: key, bodyCiphertext: encryptField(ring, body, feedbackAad.eventBody(caseNo, key)) },
  });
  return String(e.id);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const subjects = (address: string) => smtp.to(address).map((m) => m.subject);
const state = (h: WorkflowHandle<typeof feedbackCase>): Promise<CaseState> => h.query(caseStateQuery);

test('§5.2 an individual case unanswered for 24 hours: reminders at 50 % and 80 %, exactly one escalation to the department head, then one to the executive on duty', async () => {
  const d = await department();
  const now = new Date(await env.currentTimeMs());
  const exec = await onDuty(new Date(now.getTime() - HOUR), new Date(now.getTime() + 3 * 24 * HOUR));
  const c = await register({ departmentCode: d.code, customerType: 'INDIVIDUAL', complexity: 'SIMPLE' });
  const s0 = await state(c.handle);
  expect(s0.handlerStaffId).toBe(d.handler.id); // the department's least-loaded handler
  const target = new Date(c.registeredAt.getTime() + 24 * HOUR);
  expect(s0.sla.targetAt).toBe(target.toISOString());
  expect(s0.sla.reminderAts).toEqual([new Date(c.registeredAt.getTime() + 12 * HOUR).toISOString(), new Date(c.registeredAt.getTime() + 0.8 * 24 * HOUR).toISOString()]);
  await smtp.waitFor(() => subjects(d.handler.email).some((s) => s.startsWith(`Feedback case ${c.caseNo} assigned to you`)));

  // Just before the deadline: two reminders to the handler, no escalation yet.
  await advanceTo(env, new Date(target.getTime() - MINUTE));
  await smtp.waitFor(() => subjects(d.handler.email).filter((s) => s.startsWith('Reminder')).length === 2);
  expect(smtp.to(d.head.email)).toHaveLength(0);

  // At the deadline: the head, once; the executive on duty after the policy's further period (8 h).
  const executiveAt = new Date(target.getTime() + policy.feedback.executiveEscalationAfter.individualHours * HOUR);
  await advanceTo(env, new Date(executiveAt.getTime() + MINUTE));
  await smtp.waitFor(() => subjects(exec.email).length === 1);
  const toHead = subjects(d.head.email);
  expect(toHead).toEqual([`Escalation: feedback case ${c.caseNo} missed its response deadline`]);
  expect(subjects(exec.email)).toEqual([`Escalation (executive on duty): feedback case ${c.caseNo} missed its response deadline`]);
  const headMail = smtp.to(d.head.email)[0]!;
  expect(headMail.text).toContain(c.caseNo);
  expect(headMail.text).toMatch(/Response due: +\w{3} \d+ \w{3} \d{4}, \d\d:\d\d E[SD]T/); // the bank's time, not UTC ISO
  expect(headMail.text).toContain(`https://care.bank.test/console/feedback/${c.caseNo}`); // the case's console page (issue 12)
  // The escalations' instants are the computed ones, to the second (the timeline's events).
  const escalations = await db.feedbackEvent.findMany({ where: { caseNo: c.caseNo, kind: 'ESCALATED' }, orderBy: { at: 'asc' } });
  expect(escalations.map((e) => e.at.toISOString())).toEqual([target.toISOString(), executiveAt.toISOString()]);
  const s1 = await state(c.handle);
  expect(s1.escalationLevel).toBe(2);
  expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: c.caseNo } })).escalationLevel).toBe(2);
  // Issue 9 (patch feedback-escalation-activity-again, after feedback-local-escalation): each rung's email
  // is an escalateCase activity again (two reminders, head, executive), not a local activity.
  const events = (await c.handle.fetchHistory()).events!;
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'escalateCase')).toHaveLength(4);
  expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(0);

  // Nothing more, however long it stays unanswered.
  await advanceTo(env, new Date(executiveAt.getTime() + 7 * 24 * HOUR));
  expect(subjects(d.head.email)).toHaveLength(1);
  expect(subjects(exec.email)).toHaveLength(1);
  expect(subjects(d.handler.email).filter((s) => s.startsWith('Reminder'))).toHaveLength(2);
});

test('issue 9: each rung waits on two timers — the first wakes FINAL_TIMER_LEAD_MS before the instant and arms the exact one; a pause between them stops the rung; resumed inside the lead, the moved deadline gets its exact timer at once and is met to the second', async () => {
  const d = await department();
  const c = await register({ departmentCode: d.code, customerType: 'INDIVIDUAL', complexity: 'SIMPLE' });
  const s0 = await state(c.handle);
  const target = Date.parse(s0.sla.targetAt!);
  const rungs = [...s0.sla.reminderAts.map((at) => Date.parse(at!)), target];

  // Inside the head's lead: both reminders sent, the exact timer armed, nothing to the head yet.
  await advanceTo(env, new Date(target - FINAL_TIMER_LEAD_MS / 2));
  await smtp.waitFor(() => subjects(d.handler.email).filter((x) => x.startsWith('Reminder') && x.includes(c.caseNo)).length === 2);
  const timers = async () =>
    (await c.handle.fetchHistory()).events!.filter((e) => e.timerStartedEventAttributes).map((e) => ({
      firesAt: tsToMs(e.eventTime) + tsToMs(e.timerStartedEventAttributes!.startToFireTimeout),
      summary: e.userMetadata?.summary?.data ? JSON.parse(Buffer.from(e.userMetadata.summary.data).toString('utf8')) : undefined,
    }));
  const armed = await timers();
  // Per rung: one timer to the lead before its instant, then one to the instant (each late by the few
  // ms its workflow task took from start to completion, as the test server's clock runs meanwhile).
  const expectFiring = (ts: { firesAt: number }[], expected: number[]) => {
    expect(ts).toHaveLength(expected.length);
    for (const [i, t] of ts.entries()) expect(t.firesAt - expected[i]!).toBeGreaterThanOrEqual(0);
    for (const [i, t] of ts.entries()) expect(t.firesAt - expected[i]!).toBeLessThan(1000);
  };
  expectFiring(armed, rungs.flatMap((at) => [at - FINAL_TIMER_LEAD_MS, at]));
  expect(armed.map((t) => t.summary)).toEqual(
    rungs.flatMap((at, i) => {
      const what = i < rungs.length - 1 ? 'reminder to the handler before the deadline (§5.2)' : 'escalation to the department head at the deadline (§5.2)';
      const iso = new Date(at).toISOString();
      return [`${what} at ${iso} (first timer: wakes ${FINAL_TIMER_LEAD_MS / 1000} s before to arm the exact one)`, `${what} at ${iso}`];
    }),
  );

  // Paused between the two timers: the exact one is cancelled, the head hears nothing at the old target.
  await c.handle.executeUpdate(pauseUpdate, { args: [{ staffId: d.handler.id, reason: 'waiting for the statement' }] });
  await advanceTo(env, new Date(target + HOUR));
  expect(subjects(d.head.email).filter((x) => x.includes(c.caseNo))).toHaveLength(0);

  // Resumed: the clock had FINAL_TIMER_LEAD_MS / 2 left, so the moved deadline is armed at once with
  // its exact timer (no first stage inside the lead), and escalates once, at its instant.
  const resumed = await c.handle.executeUpdate(resumeUpdate, { args: [{ staffId: d.handler.id, reason: 'statement received' }] });
  const moved = Date.parse(resumed.sla.targetAt!);
  expect(Math.abs(moved - (target + HOUR + FINAL_TIMER_LEAD_MS / 2))).toBeLessThan(1000);
  await advanceTo(env, new Date(moved + MINUTE));
  await smtp.waitFor(() => subjects(d.head.email).filter((x) => x.includes(c.caseNo)).length === 1);
  // … and the executive's rung is next, its first timer armed.
  expectFiring((await timers()).slice(armed.length), [moved, Date.parse(resumed.sla.executiveAt!) - FINAL_TIMER_LEAD_MS]);
  const escalations = await db.feedbackEvent.findMany({ where: { caseNo: c.caseNo, kind: 'ESCALATED' } });
  expect(escalations.map((e) => e.at.getTime())).toEqual([moved]);
});

test('§5.2 a complex enterprise case registered on a Friday at 16:00 before a Monday federal holiday: target Thursday 16:00, hard limit the Monday after', async () => {
  const d = await department();
  // Fri 15 Jan 2027 16:00 EST; Mon 18 Jan 2027 is Martin Luther King Jr. Day.
  const registeredAt = local('2027-01-15', '16:00');
  const c = await register({ departmentCode: d.code, customerType: 'ENTERPRISE', complexity: 'COMPLEX', registeredAt });
  const s = await state(c.handle);
  expect(s.sla.kind).toBe('ENTERPRISE_COMPLEX');
  expect(s.sla.targetAt).toBe(local('2027-01-21', '16:00').toISOString()); // Tue, Wed, Thu
  expect(s.sla.hardLimitAt).toBe(local('2027-01-25', '16:00').toISOString()); // … Fri, Mon
  const row = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: c.caseNo } });
  expect(row.targetAt?.toISOString()).toBe(s.sla.targetAt);
  expect(row.hardLimitAt?.toISOString()).toBe(s.sla.hardLimitAt);
  const assigned = smtp.to(d.handler.email).find((m) => m.subject.includes(c.caseNo))!;
  expect(assigned.text).toContain('Thu 21 Jan 2027, 16:00 EST');
  expect(assigned.text).toContain('Mon 25 Jan 2027, 16:00 EST');
  // The head hears of it at the target, not a minute before.
  const mine = () => subjects(d.head.email).filter((x) => x.includes(c.caseNo));
  await advanceTo(env, local('2027-01-21', '15:59'));
  expect(mine()).toHaveLength(0);
  await advanceTo(env, local('2027-01-21', '16:01'));
  await smtp.waitFor(() => mine().length === 1);
});

test('§5.2 a pause over a weekend credits only the business time inside it, and resuming moves the deadline by exactly that', async () => {
  const d = await department();
  // Thu 4 Feb 2027 10:00: 3 business days → Tue 9 Feb 10:00 unpaused.
  const c = await register({ departmentCode: d.code, customerType: 'ENTERPRISE', complexity: 'COMPLEX', registeredAt: local('2027-02-04', '10:00') });
  expect((await state(c.handle)).sla.targetAt).toBe(local('2027-02-09', '10:00').toISOString());
  await advanceTo(env, local('2027-02-05', '17:00'));
  const paused = await c.handle.executeUpdate(pauseUpdate, { args: [{ staffId: d.handler.id, reason: 'waiting for the statement' }] });
  expect(paused.status).toBe('WAITING_ON_CUSTOMER');
  expect(paused.sla.paused).toBe(true);
  expect(paused.sla.targetAt).toBeNull();
  await advanceTo(env, local('2027-02-08', '09:00'));
  const resumed = await c.handle.executeUpdate(resumeUpdate, { args: [{ staffId: d.handler.id, reason: 'statement received' }] });
  // 7 h of Friday + 9 h of Monday = 16 h of business time (not the 64 h of wall time).
  expect(resumed.sla.paused).toBe(false);
  // (To the millisecond of the pause's and the resume's instants, a few ms after the minutes above.)
  expect(Math.abs(Date.parse(resumed.sla.targetAt!) - local('2027-02-10', '02:00').getTime())).toBeLessThan(1000);
  expect(resumed.status).toBe('IN_PROGRESS');
  const timeline = await db.feedbackEvent.findMany({ where: { caseNo: c.caseNo, kind: { in: ['PAUSED', 'RESUMED'] } }, orderBy: { at: 'asc' } });
  expect(timeline.map((e) => [e.kind, e.actorStaffId, e.reason])).toEqual([
    ['PAUSED', d.handler.id, 'waiting for the statement'],
    ['RESUMED', d.handler.id, 'statement received'],
  ]);
  // Resuming a case that is not paused is refused with the reason (the API answers 409).
  await expect(c.handle.executeUpdate(resumeUpdate, { args: [{ staffId: d.handler.id, reason: 'again' }] })).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/only a case waiting on the customer can resume/) },
  });
});

test('§5.2 a case answered before the first reminder sends no reminder and never escalates; the customer gets the response', async () => {
  const d = await department();
  const c = await register({ departmentCode: d.code, customerType: 'INDIVIDUAL', complexity: 'SIMPLE' });
  await advanceTo(env, new Date(c.registeredAt.getTime() + 2 * HOUR));
  const eventId = await writeEvent(c.caseNo, 'RESPONSE', d.handler.id, 'We have refunded the second charge.');
  const s = await c.handle.executeUpdate(respondUpdate, { args: [{ staffId: d.handler.id, eventId }] });
  expect(s.status).toBe('RESPONDED');
  const written = await db.feedbackEvent.findUniqueOrThrow({ where: { id: BigInt(eventId) } });
  expect(s.firstResponseAt).toBe(written.at.toISOString());
  const reply = await smtp.waitFor(() => smtp.to(c.email).length === 1);
  expect(reply.find((m) => m.to.includes(c.email))!.text).toContain('We have refunded the second charge.');
  await advanceTo(env, new Date(c.registeredAt.getTime() + 5 * 24 * HOUR));
  // (Other tests' cases escalate to every SUPERVISOR when nobody is on the rota: only this case counts.)
  expect(subjects(d.handler.email).filter((x) => x.startsWith('Reminder'))).toHaveLength(0);
  expect(subjects(d.head.email).filter((x) => x.includes(c.caseNo))).toHaveLength(0);
});

test('§5.2 resolution goes to the customer with a survey link; a low score reopens the case with a new SLA and its supervisor informed; a good score then closes it', async () => {
  const d = await department();
  const c = await register({ departmentCode: d.code, customerType: 'INDIVIDUAL', complexity: 'SIMPLE' });
  const resolution = await writeEvent(c.caseNo, 'RESOLVED', d.handler.id, 'The duplicate charge was reversed on 3 March.');
  const resolved = await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: d.handler.id, eventId: resolution }] });
  expect(resolved.status).toBe('RESOLVED');
  expect(resolved.round).toBe(1);
  const mail = (await smtp.waitFor(() => smtp.to(c.email).some((m) => m.subject.endsWith('has been resolved')))).find((m) => m.to.includes(c.email) && m.subject.endsWith('has been resolved'))!;
  expect(mail.text).toContain('The duplicate charge was reversed on 3 March.');
  expect(mail.text).toMatch(/https:\/\/care\.bank\.test\/survey\/\S+/);
  expect(await db.task.findFirst({ where: { workflowId: feedbackWorkflowId(c.caseNo), status: 'DONE' } })).not.toBeNull();

  // The survey endpoint records the answer, then signals the process.
  const reopenAt = new Date((await env.currentTimeMs()) + HOUR);
  await advanceTo(env, reopenAt);
  await db.surveyResponse.create({ data: { caseNo: c.caseNo, round: 1, score: 1, answeredAt: reopenAt } });
  await c.handle.signal(surveyAnsweredSignal, { round: 1, score: 1 });
  const reopened = await eventually(() => state(c.handle), (s) => s.status === 'REOPENED');
  expect(reopened.slaRound).toBe(1);
  expect(reopened.firstResponseAt).toBeNull();
  expect(Date.parse(reopened.sla.targetAt!)).toBe(Date.parse(reopened.sla.clockStartAt) + 24 * HOUR);
  await smtp.waitFor(() => subjects(d.head.email).includes(`Feedback case ${c.caseNo} reopened: satisfaction score 1 of 5`));
  expect(await db.task.count({ where: { workflowId: feedbackWorkflowId(c.caseNo), status: 'OPEN' } })).toBe(1);

  // Resolved again, rated 5: closed.
  const second = await writeEvent(c.caseNo, 'RESOLVED', d.handler.id, 'We also refunded the fee.');
  expect((await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: d.handler.id, eventId: second }] })).round).toBe(2);
  await c.handle.signal(surveyAnsweredSignal, { round: 2, score: 5 });
  const done = await c.handle.result();
  expect(done.status).toBe('CLOSED');
  expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: c.caseNo } })).status).toBe('CLOSED');
});

test('§5.2 a resolved case whose survey goes unanswered closes when the link expires', async () => {
  const d = await department();
  const c = await register({ departmentCode: d.code, customerType: 'ENTERPRISE', complexity: 'SIMPLE' });
  const resolution = await writeEvent(c.caseNo, 'RESOLVED', d.handler.id, 'Done.');
  await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: d.handler.id, eventId: resolution }] });
  const done = await c.handle.result();
  expect(done.status).toBe('CLOSED');
  const closed = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: c.caseNo } });
  expect(closed.closedAt!.getTime() - closed.resolvedAt!.getTime()).toBe(policy.feedback.surveyLinkValidDays * 24 * HOUR);
});

test('§5.2 an answer the survey endpoint recorded but could not signal still counts when the link expires: a low score reopens', async () => {
  const d = await department();
  const c = await register({ departmentCode: d.code, customerType: 'INDIVIDUAL', complexity: 'SIMPLE' });
  const resolution = await writeEvent(c.caseNo, 'RESOLVED', d.handler.id, 'Done.');
  await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: d.handler.id, eventId: resolution }] });
  await db.surveyResponse.create({ data: { caseNo: c.caseNo, round: 1, score: 2, answeredAt: new Date(await env.currentTimeMs()) } });
  await advanceTo(env, new Date((await env.currentTimeMs()) + (policy.feedback.surveyLinkValidDays * 24 + 1) * HOUR));
  const s = await eventually(() => state(c.handle), (x) => x.status === 'REOPENED');
  expect(s.slaRound).toBe(1);
  await smtp.waitFor(() => subjects(d.head.email).includes(`Feedback case ${c.caseNo} reopened: satisfaction score 2 of 5`));
});
