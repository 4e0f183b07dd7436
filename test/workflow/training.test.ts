/**
 * §7.1 a new hire's foundation course (workflow training-<staffId>-FOUNDATION) on the time-skipping
 * test server, with the real activities on PostgreSQL and a real SMTP server: four weeks in seconds.
 *
 * The hire is registered by the create-staff use case (untrained) — the §3.1 gate holds: refused as an
 * auditor, skipped by the least-loaded pickers (service-team work, §5.2 cases). Enrolled; the trainee and the
 * manager are reminded before each module; the first module is recorded on time; the second fails
 * its assessment once, stays open, becomes overdue and is escalated to the manager (task escalated,
 * MODULE_OVERDUE, the escalation email); recorded late with a pass, then the third — the certificate
 * is issued, the trainee and the manager are told, and the gate lifts (foundationCompletedAt, the
 * picker chooses the hire, the auditor check passes), each step audited.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { ForbiddenError } from '../../src/security/auth';
import { systemClock } from '../../src/shared/clock';
import { createStaff as registerStaff } from '../../src/staff/create-staff';
import { leastLoadedHandler } from '../../src/departments/repository';
import { leastLoadedWithRole } from '../../src/tasks/tasks';
import { enrol } from '../../src/training/enrol';
import { requireFoundationTrained } from '../../src/training/gate';
import { getStaffTraining } from '../../src/training/get-training';
import { recordModuleCompletion } from '../../src/training/record-completion';
import { trainingStateQuery, trainingWorkflowId, type TrainingState } from '../../workflows/training/definitions';
import type { trainingEnrolment } from '../../workflows/training/enrolment';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { saveHistories, timeSkippingStack } from '../support/workflow-stack';
import { advanceTo, eventually } from '../support/time-skipping';

const TASK_QUEUE = 'training-test';
const policy: Policy = DEFAULT_POLICY;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));

/**
 * CCM_HISTORY_LABEL=v<n>: the histories of this file's runs for the replay test (test/workflow/replay.test.ts),
 * in the form test/workflow/record-histories.ts writes (saveHistories: protobufjs object form; ids, codes and times only).
 */
const saveHistory = (scenario: string, workflowId: string) => saveHistories(env.client, process.env.CCM_HISTORY_LABEL, scenario, [workflowId]);

test('§7.1 a new hire’s foundation course: reminders before each module, an overdue module escalated to the manager, the certificate, and the §3.1 gate lifted', async () => {
  const manager = await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
  const trainer = await createStaff(db, 'Tom Trainer', ['ADMIN']);
  const hireId = unique('hire');
  const hire = await registerStaff(db, { id: hireId, name: 'Nina Newhire', email: `${hireId}@bank.test`, roles: ['CUSTOMER_SERVICE', 'AUDITOR'] });
  const asTrainer = { staffId: trainer.id, roles: ['ADMIN' as const] };

  // §3.1 the gate before the course: refused with the reason, skipped by the picker (the hire is the only CUSTOMER_SERVICE).
  expect((await db.staffMember.findUniqueOrThrow({ where: { id: hire.id } })).foundationCompletedAt).toBeNull();
  await expect(requireFoundationTrained(db, hire.id, 'act as an auditor')).rejects.toThrow(
    new ForbiddenError(`staff member ${hire.id} has not completed the foundation course (§3.1, §7.1): they may not act as an auditor until it is complete (see GET /staff/${hire.id}/training)`),
  );
  expect(await leastLoadedWithRole(db, 'CUSTOMER_SERVICE')).toBeNull();
  const desk = `DESK${Math.floor(Math.random() * 1e6)}`;
  await db.department.create({ data: { code: desk, name: 'New hires desk', headStaffId: manager.id, members: { create: [{ staffId: hire.id }] } } });
  expect(await leastLoadedHandler(db, desk)).toBeNull();

  // Enrolled: the course starts the Monday after the test server's today.
  const clock = { now: () => new Date(Date.now()) };
  const enrolment = await enrol({ db, temporal: env.client, taskQueue: TASK_QUEUE, policy, clock }, asTrainer, hire.id, { programmeCode: 'FOUNDATION', managerStaffId: manager.id, trainerStaffId: trainer.id });
  expect(enrolment).toMatchObject({ programmeCode: 'FOUNDATION', workflowId: `training-${hire.id}-FOUNDATION`, managerStaffId: manager.id, status: 'ENROLLED' });
  expect(enrolment.modules.map((m) => [m.code, m.delivery, m.assessed])).toEqual([
    ['CLASSIFICATION_IDENTIFICATION', 'LECTURE', false],
    ['INFORMATION_MANAGEMENT', 'CASE_STUDY', true],
    ['SERVICE_STANDARDS', 'SIMULATION', true],
  ]);
  const handle = env.client.workflow.getHandle<typeof trainingEnrolment>(trainingWorkflowId(hire.id, 'FOUNDATION'));
  const planned = await eventually(() => handle.query(trainingStateQuery).catch(() => undefined), (s): s is TrainingState => s !== undefined, 15_000);
  const [m1, m2, m3] = planned!.modules;
  const tasks = await db.task.findMany({ where: { assigneeStaffId: hire.id, kind: 'TRAINING_MODULE' }, orderBy: { dueAt: 'asc' } });
  expect(tasks.map((t) => [t.id, t.status, t.dueAt.toISOString(), t.overdueAt?.toISOString()])).toEqual([
    [`training:${hire.id}:FOUNDATION:CLASSIFICATION_IDENTIFICATION`, 'OPEN', m1!.dueAt, m1!.overdueAt],
    [`training:${hire.id}:FOUNDATION:INFORMATION_MANAGEMENT`, 'OPEN', m2!.dueAt, m2!.overdueAt],
    [`training:${hire.id}:FOUNDATION:SERVICE_STANDARDS`, 'OPEN', m3!.dueAt, m3!.overdueAt],
  ]);
  // Reminded a day before module 1 opens: the trainee and the manager, the staff reminder's emails.
  await advanceTo(env, new Date(Date.parse(m1!.opensAt) - 24 * 60 * MINUTE + MINUTE));
  const reminderSubject = `Reminder: ${tasks[0]!.subject}`;
  await smtp.waitFor(() => smtp.to(hire.email).some((m) => m.subject === reminderSubject) && smtp.to(manager.email).some((m) => m.subject === reminderSubject));

  // Module 1 recorded on time; module 2 fails its assessment once (an attempt; still open).
  const record = (module: string, body: object) => recordModuleCompletion({ db, temporal: env.client, policy, clock: systemClock }, asTrainer, hire.id, 'FOUNDATION', module, body);
  await expect(recordModuleCompletion({ db, policy, clock: systemClock }, { staffId: hire.id, roles: ['CUSTOMER_SERVICE'] }, hire.id, 'FOUNDATION', 'CLASSIFICATION_IDENTIFICATION', {})).rejects.toThrow(ForbiddenError);
  expect(await record('CLASSIFICATION_IDENTIFICATION', {})).toMatchObject({ passed: true, moduleStatus: 'DONE' });
  expect(await record('INFORMATION_MANAGEMENT', { score: 55 })).toMatchObject({ passed: false, moduleStatus: 'OPEN' });

  // Module 2 overdue: escalated to the manager.
  await advanceTo(env, new Date(Date.parse(m2!.overdueAt) + MINUTE));
  await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject === `Escalation: reminder not acknowledged: ${tasks[1]!.subject}`));
  const overdue = await eventually(() => handle.query(trainingStateQuery).catch(() => undefined), (s) => s?.status === 'MODULE_OVERDUE');
  expect(overdue!.modules.map((m) => [m.code, m.done, m.escalated])).toEqual([
    ['CLASSIFICATION_IDENTIFICATION', true, false],
    ['INFORMATION_MANAGEMENT', false, true],
    ['SERVICE_STANDARDS', false, false],
  ]);
  expect((await db.task.findUniqueOrThrow({ where: { id: tasks[1]!.id } })).escalatedAt).not.toBeNull();
  expect(await db.auditLog.count({ where: { action: 'training.module.overdue', entityId: tasks[1]!.id } })).toBe(1);
  expect(smtp.to(manager.email).filter((m) => m.subject.startsWith('Escalation:') && m.subject.includes('CLASSIFICATION_IDENTIFICATION'))).toEqual([]);
  const view = await getStaffTraining({ db, policy, clock: { now: () => new Date(Date.parse(m2!.overdueAt) + MINUTE) } }, { staffId: hire.id, roles: ['CUSTOMER_SERVICE'] }, hire.id);
  expect(view.gate).toEqual({ mayBeAssignedCustomers: false, mayActAsAuditor: false, mayRevealIdentityNumbers: false, reason: expect.stringContaining('has not completed the foundation course') });
  expect(view.enrolments[0]!.modules.map((m) => [m.code, m.status, m.failedAttempts])).toEqual([
    ['CLASSIFICATION_IDENTIFICATION', 'DONE', 0],
    ['INFORMATION_MANAGEMENT', 'OVERDUE', 1],
    ['SERVICE_STANDARDS', 'OPEN', 0],
  ]);

  // Late, but passed; then the third module: the course is complete.
  expect(await record('INFORMATION_MANAGEMENT', { score: 85 })).toMatchObject({ passed: true, moduleStatus: 'DONE' });
  await expect(record('SERVICE_STANDARDS', {})).rejects.toThrow(/module SERVICE_STANDARDS is assessed/);
  expect(await record('SERVICE_STANDARDS', { score: 92, notes: 'excellent simulation' })).toMatchObject({ passed: true });
  const done = await handle.result();
  expect(done).toMatchObject({ status: 'COMPLETED', certificateId: expect.any(String) });

  const cert = await db.trainingCertificate.findUniqueOrThrow({ where: { id: done.certificateId! } });
  expect(cert).toMatchObject({ staffId: hire.id, programmeCode: 'FOUNDATION', kind: 'FOUNDATION', provider: 'INTERNAL' });
  expect((cert.modules as unknown as { code: string; score: number | null }[]).map((m) => [m.code, m.score])).toEqual([
    ['CLASSIFICATION_IDENTIFICATION', null],
    ['INFORMATION_MANAGEMENT', 85],
    ['SERVICE_STANDARDS', 92],
  ]);
  await smtp.waitFor(() => smtp.to(hire.email).some((m) => m.subject === 'Training complete: FOUNDATION (§7.1)') && smtp.to(manager.email).some((m) => m.subject === 'Training complete: FOUNDATION (§7.1)'));

  // §3.1 the gate lifted.
  expect((await db.staffMember.findUniqueOrThrow({ where: { id: hire.id } })).foundationCompletedAt).toEqual(cert.issuedAt);
  await expect(requireFoundationTrained(db, hire.id, 'act as an auditor')).resolves.toBeUndefined();
  expect(await leastLoadedWithRole(db, 'CUSTOMER_SERVICE')).toBe(hire.id);
  expect(await leastLoadedHandler(db, desk)).toBe(hire.id);
  expect((await db.trainingEnrolment.findUniqueOrThrow({ where: { id: enrolment.id } })).status).toBe('COMPLETED');
  const audit = await db.auditLog.findMany({ where: { OR: [{ entityId: { in: [enrolment.id, cert.id, hire.id, ...tasks.map((t) => t.id)] } }] }, orderBy: { id: 'asc' } });
  expect(audit.map((a) => a.action)).toEqual([
    'training.enrol',
    'training.enrolment.start',
    'training.module.complete',
    'training.module.attempt',
    'training.module.overdue',
    'training.module.complete',
    'training.module.complete',
    'training.certificate.issue',
    'training.foundation.complete',
  ]);
  await saveHistory('training-foundation-overdue', handle.workflowId);
});

test('§7.1 the yearly check: on 1 July staff behind the pace are reminded; on 1 January the supervisor hears of a year missed — once, whatever re-runs', async () => {
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  const [slow, keen] = await Promise.all([createStaff(db, 'Sam Slow', ['RELATIONSHIP_MANAGER']), createStaff(db, 'Kim Keen', ['RELATIONSHIP_MANAGER'])]);
  const dept = `TRN${Math.floor(Math.random() * 1e6)}`;
  await db.department.create({ data: { code: dept, name: 'Training test desk', headStaffId: head.id } });
  await db.departmentMember.createMany({ data: [slow, keen].map((s) => ({ departmentCode: dept, staffId: s.id })) });
  // Both serving since 2026 (their rows' default); Kim completes two advanced courses in 2027, Sam one — on 31 Dec 2027 23:30 EST, still 2027.
  const code = `ADV_SERVICE_${Math.floor(Math.random() * 1e6)}`;
  await db.trainingProgramme.create({ data: { code, name: 'Service skills', kind: 'ADVANCED', topic: 'SERVICE_SKILLS', provider: 'EXTERNAL', weeks: 1 } });
  const certify = async (staffId: string, programmeCode: string, issuedAt: string) => {
    if (programmeCode !== code) await db.trainingProgramme.create({ data: { code: programmeCode, name: 'Risk strategy', kind: 'ADVANCED', topic: 'RISK_STRATEGY', provider: 'INTERNAL', weeks: 1 } });
    const e = await db.trainingEnrolment.create({ data: { staffId, programmeCode, workflowId: `training-${staffId}-${programmeCode}`, status: 'COMPLETED', startsOn: new Date(issuedAt.slice(0, 10)), managerStaffId: head.id, modules: [], enrolledByStaffId: head.id, policyVersion: policy.version } });
    await db.trainingCertificate.create({ data: { enrolmentId: e.id, staffId, programmeCode, kind: 'ADVANCED', provider: 'INTERNAL', modules: [], issuedAt: new Date(issuedAt), policyVersion: policy.version } });
  };
  await certify(keen.id, code, '2027-03-10T15:00:00Z');
  await certify(keen.id, `${code}_B`, '2027-05-10T15:00:00Z');
  await certify(slow.id, code, '2028-01-01T04:30:00Z');

  const check = (at: string, id: string) => env.client.workflow.execute('trainingYearCheck', { args: [{ at }], taskQueue: TASK_QUEUE, workflowId: id });
  const july = (await check('2027-07-01T12:00:00Z', unique('check'))) as { kind: string; year: number; notified: string[] };
  expect(july).toMatchObject({ kind: 'PACE', year: 2027 });
  expect(july.notified).toContain(slow.id);
  expect(july.notified).not.toContain(keen.id);
  await smtp.waitFor(() => smtp.to(slow.email).some((m) => m.subject === 'Advanced training 2027: 0 of 2 courses completed (§7.1)'));

  const januaryId = unique('check');
  const january = (await check('2028-01-01T13:00:00Z', januaryId)) as { kind: string; year: number; notified: string[] };
  await saveHistory('training-year-end', januaryId);
  expect(january).toMatchObject({ kind: 'YEAR_END', year: 2027 });
  expect(january.notified).toContain(slow.id);
  expect(january.notified).not.toContain(keen.id);
  const missed = `Advanced training 2027 missed: staff ${slow.id} completed 1 of 2 (§7.1)`;
  await smtp.waitFor(() => smtp.to(head.email).some((m) => m.subject === missed));
  // A re-run (a trigger, a backfill) tells nobody again.
  await check('2028-01-01T13:05:00Z', unique('check'));
  expect(smtp.to(head.email).filter((m) => m.subject === missed)).toHaveLength(1);
  expect(await db.auditLog.count({ where: { action: 'training.advanced.missed', entityId: slow.id } })).toBe(1);
  expect(await db.auditLog.count({ where: { action: 'training.advanced.behind', entityId: slow.id } })).toBe(1);
});
