/**
 * §7.2 a quarter's staff assessment "with guidance" on the time-skipping test server, with the real
 * activities on PostgreSQL and a real SMTP server: the Schedule's starter finds the quarter just
 * ended and starts its run once; the run records each assessed staff member and opens each
 * manager's guidance task; notes written by one manager bring that staff member's result at once;
 * the other manager is reminded at the due time and, still silent, escalated to a supervisor; at the
 * close the remaining result goes out without notes and the task is MISSED (audited), the run ends.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { systemClock } from '../../src/shared/clock';
import { recordGuidance } from '../../src/staff-assessment/record-guidance';
import { periodBefore } from '../../src/staff-assessment/period';
import type { Db } from '../../src/db/client';
import { staffAssessmentScheduled } from '../../workflows/staff-assessment/run';
import { runStateQuery, staffAssessmentWorkflowId, type StaffAssessmentState } from '../../workflows/staff-assessment/definitions';
import { createStaff } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { saveHistories, timeSkippingStack } from '../support/workflow-stack';
import { advanceTo, eventually } from '../support/time-skipping';

const TASK_QUEUE = 'staff-assessment-test';
const policy: Policy = DEFAULT_POLICY;
const TZ = policy.onboarding.timeZone;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));

test('§7.2 the quarter just ended: records, guidance tasks, a result with notes at once, a reminder and an escalation for the silent manager, the rest at the close', async () => {
  // Ids sort so that supA is the first supervisor (cs's manager) and supB the one it escalates to.
  const head = await createStaff(db, 'Hal Head', ['RISK_OFFICER']);
  const rm = await createStaff(db, 'Rita Manager', ['RELATIONSHIP_MANAGER']);
  const cs = await createStaff(db, 'Carl Service', ['CUSTOMER_SERVICE']);
  const supA = await db.staffMember.create({ data: { id: 'aaa-sup', name: 'Sue A', email: 'aaa-sup@bank.test', roles: ['SUPERVISOR'] } });
  const supB = await db.staffMember.create({ data: { id: 'bbb-sup', name: 'Sam B', email: 'bbb-sup@bank.test', roles: ['SUPERVISOR'] } });
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: head.id } });
  await db.departmentMember.create({ data: { departmentCode: 'CARDS', staffId: rm.id } });

  // The Schedule's action: the quarter just ended, started once. (Polled by describe, not awaited:
  // awaiting a result lets the test server skip time, which would fire the run's guidance timers.)
  const now = new Date(await env.currentTimeMs());
  const period = periodBefore(now, 'QUARTER', TZ).id;
  const fire = async (workflowId: string) => {
    const h = await env.client.workflow.start(staffAssessmentScheduled, { taskQueue: TASK_QUEUE, workflowId, args: [{ kind: 'QUARTER' }] });
    expect((await eventually(() => h.describe(), (d) => d.status.name !== 'RUNNING')).status.name).toBe('COMPLETED');
  };
  await fire('staff-assessment-scheduled-quarter-test-1');
  const run = env.client.workflow.getHandle(staffAssessmentWorkflowId(period));
  const first = await run.describe();
  await fire('staff-assessment-scheduled-quarter-test-2'); // the period's run exists: left as it is
  expect((await run.describe()).runId).toBe(first.runId);

  const inGuidance = await eventually(() => run.query(runStateQuery).catch(() => undefined), (s) => s?.phase === 'GUIDANCE');
  expect(inGuidance).toMatchObject({ kind: 'QUARTER', assessed: 2, policyVersion: policy.version, guidance: { reminded: false, escalated: false } });
  const g = inGuidance!.guidance!;
  expect((await db.staffAssessment.findMany({ where: { period }, orderBy: { staffId: 'asc' } })).map((a) => [a.staffId, a.grade, a.managerStaffId])).toEqual(
    [
      [rm.id, 'NO_DATA', head.id],
      [cs.id, 'NO_DATA', supA.id],
    ].sort((x, y) => x[0]!.localeCompare(y[0]!)),
  );
  const csTask = `staff-guidance:${period}:${supA.id}`;
  expect(await db.task.findUnique({ where: { id: csTask } })).toMatchObject({ kind: 'STAFF_GUIDANCE', status: 'OPEN', assigneeStaffId: supA.id, dueAt: new Date(g.dueAt), overdueAt: new Date(g.escalatesAt) });

  // The head writes the manager's notes: that result is emailed at once (no waiting for the due time).
  await recordGuidance({ db, policy, clock: systemClock, temporal: env.client }, { staffId: head.id, roles: ['RISK_OFFICER'] }, rm.id, period, { notes: 'A quiet quarter: build the book.' });
  await smtp.waitFor((m) => m.some((x) => x.to.includes(rm.email) && x.subject === `Your assessment for ${period}: NO_DATA (§7.2)` && x.text.includes('A quiet quarter: build the book.')));

  // Due: the silent manager is reminded (the staff reminder's email); the head, done, is not.
  await advanceTo(env, new Date(Date.parse(g.dueAt) + MINUTE));
  await smtp.waitFor((m) => m.some((x) => x.to.includes(supA.email) && x.subject === `Reminder: Guidance notes on your staff's ${period} assessments due (§7.2)`));
  expect(smtp.to(head.email).filter((x) => x.subject.startsWith('Reminder:'))).toHaveLength(0);

  // Still silent after the grace period: escalated to the other supervisor.
  await advanceTo(env, new Date(Date.parse(g.escalatesAt) + MINUTE));
  await smtp.waitFor((m) => m.some((x) => x.to.includes(supB.email) && x.subject.startsWith('Escalation: reminder not acknowledged: Guidance notes')));
  expect((await db.reminder.findUnique({ where: { key: csTask } }))?.status).toBe('ESCALATED');

  // The close: the colleague's result without notes, the task MISSED (audited once), the run done.
  // (Awaiting the result lets the test server skip to the close.)
  const done = (await run.result()) as StaffAssessmentState;
  expect(new Date(await env.currentTimeMs()).getTime()).toBeGreaterThanOrEqual(Date.parse(g.closesAt));
  expect(done).toMatchObject({ phase: 'COMPLETED', emailed: 2, guidance: { reminded: true, escalated: true } });
  const toCs = (x: { to: string[]; subject: string }) => x.to.includes(cs.email) && x.subject === `Your assessment for ${period}: NO_DATA (§7.2)`;
  const csMail = (await smtp.waitFor((m) => m.some(toCs))).find(toCs);
  expect(csMail!.text).toContain('No guidance notes were written for this quarter.');
  expect(await db.task.findUnique({ where: { id: csTask } })).toMatchObject({ status: 'MISSED' });
  expect(await db.auditLog.count({ where: { action: 'staff.assessment.guidance_missed', entityId: csTask } })).toBe(1);
  expect(smtp.to(rm.email).filter((x) => x.subject.startsWith('Your assessment'))).toHaveLength(1);

  // CCM_HISTORY_LABEL=v<n>: this run's histories for the replay test (test/workflow/replay.test.ts),
  // in the form test/workflow/record-histories.ts writes (saveHistories: protobufjs object form, ids and codes only).
  for (const [scenario, id] of [['staff-assessment-quarter', run.workflowId], ['staff-assessment-scheduled', 'staff-assessment-scheduled-quarter-test-1']] as const) {
    await saveHistories(env.client, process.env.CCM_HISTORY_LABEL, scenario, [id]);
  }
});
