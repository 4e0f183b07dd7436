/**
 * §7.1 staff training's side effects. The workflows (workflows/training/) decide *when*; the rules in
 * src/domain/training.ts decide *what date* and *who is behind*; these activities *do*: open each
 * module's Task (src/tasks/, kind TRAINING_MODULE) with its reminder records, remind and escalate
 * through the staff reminder's activities (activities/reminder-ladder.ts, activities/reminders.ts),
 * issue the certificate and lift the §3.1 gate, and run the yearly advanced-course check.
 *
 * Idempotent like every activity: tasks and reminder records by business key, the certificate by
 * enrolment, audit records by idempotency key where nothing else makes them unique, emails by
 * notification key. A module whose task is closed is never reminded or escalated (the step re-reads it).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../src/audit/audit-log';
import type { DbTx } from '../src/db/client';
import {
  advancedExpectedBy,
  advancedRequired,
  isBehind,
  moduleSchedule,
  yearBounds,
  yearlyCheckAt,
  yearMissed,
} from '../src/domain/training';
import { formatBankTime } from '../src/mail/render';
import { bankTimeZone } from '../src/policy/policy';
import { markTaskEscalated, openTask, supervisorOtherThan } from '../src/tasks/tasks';
import { advancedBehindEmail, advancedMissedEmail, certificateEmail } from '../src/training/emails';
import { managerOf } from '../src/training/manager';
import { enrolledModules, moduleReminderKey, moduleTaskId, outcomeOf } from '../src/training/records';
import type { ModulePlan } from '../workflows/training/definitions';
import { sendEmailOnce } from './notifications';
import type { OnboardingDeps } from './onboarding';
import { createReminderActivities } from './reminders';
import { createReminderLadderActivities } from './reminder-ladder';

export type TrainingDeps = OnboardingDeps;

const iso = (d: Date) => d.toISOString();

export function createTrainingActivities(deps: TrainingDeps) {
  const { db, policy } = deps;
  const timeZone = bankTimeZone(policy);
  const ladder = createReminderLadderActivities(deps);
  const reminders = createReminderActivities(deps);

  async function enrolmentOf(enrolmentId: string) {
    const e = await db.trainingEnrolment.findUnique({ where: { id: enrolmentId }, include: { programme: true } });
    if (!e) throw ApplicationFailure.create({ type: 'EnrolmentNotFound', message: `training enrolment ${enrolmentId} does not exist`, nonRetryable: true });
    return e;
  }

  /** The module's task, if it is still OPEN; null when it was closed (done). */
  async function openModuleTask(e: { staffId: string; programmeCode: string }, moduleCode: string) {
    const task = await db.task.findUnique({ where: { id: moduleTaskId(e, moduleCode) } });
    if (!task) throw ApplicationFailure.create({ type: 'TaskNotFound', message: `the task of module ${moduleCode} does not exist`, nonRetryable: true });
    return task.status === 'OPEN' ? task : null;
  }

  return {
    /**
     * §7.1 the course begins: every module's schedule from the start date (src/domain/training.ts
     * moduleSchedule, under the policy in force), its Task for the trainee and its two reminder
     * records (the trainee's, escalated to the manager when overdue; the manager's), the enrolment
     * IN_PROGRESS and `training.enrolment.start`, in one transaction. Returns the plan the workflow follows.
     */
    async planTraining(r: { enrolmentId: string; workflowId: string }): Promise<{ kind: 'FOUNDATION' | 'ADVANCED'; policyVersion: string; modules: ModulePlan[] }> {
      const e = await enrolmentOf(r.enrolmentId);
      const modules = enrolledModules(e.modules);
      const startsOn = e.startsOn.toISOString().slice(0, 10);
      const schedule = moduleSchedule(startsOn, modules, policy);
      const plans = await db.$transaction(async (tx) => {
        const managerEscalation = (await supervisorOtherThan(tx, e.managerStaffId)) ?? e.managerStaffId;
        const out: ModulePlan[] = [];
        for (const [i, m] of modules.entries()) {
          const when = schedule[i]!;
          const id = moduleTaskId(e, m.code);
          const subject = `Training module ${m.code} (${m.delivery}) of ${e.programmeCode} for staff ${e.staffId}: begins ${formatBankTime(when.opensAt, timeZone)}, due ${formatBankTime(when.dueAt, timeZone)} (§7.1)`;
          const { task } = await openTask(tx, { id, kind: 'TRAINING_MODULE', subject, assigneeStaffId: e.staffId, dueAt: when.dueAt, overdueAt: when.overdueAt, workflowId: r.workflowId, policyVersion: policy.version });
          const reminder = (key: string, staffId: string, escalationStaffId: string) =>
            tx.reminder.upsert({
              where: { key },
              create: { key, staffId, escalationStaffId, subject, dueAt: when.remindAt, escalatesAt: when.overdueAt, policyVersion: policy.version, workflowId: `${r.workflowId}/${key}`, delivery: 'EMAIL', taskId: id },
              update: {},
            });
          await reminder(moduleReminderKey.trainee(e.id, m.code), e.staffId, e.managerStaffId);
          await reminder(moduleReminderKey.manager(e.id, m.code), e.managerStaffId, managerEscalation);
          const done = task.status !== 'OPEN';
          out.push({
            code: m.code,
            taskId: id,
            opensAt: iso(when.opensAt),
            dueAt: iso(when.dueAt),
            overdueAt: iso(when.overdueAt),
            steps: done ? [] : [{ step: 'REMIND', at: iso(when.remindAt) }, { step: 'ESCALATE', at: iso(when.overdueAt) }],
            done,
            escalated: task.escalatedAt !== null,
          });
        }
        const { count } = await tx.trainingEnrolment.updateMany({ where: { id: e.id, status: 'ENROLLED' }, data: { status: 'IN_PROGRESS' } });
        if (count === 1) {
          await writeAudit(tx, {
            actorStaffId: null,
            action: 'training.enrolment.start',
            entity: 'TrainingEnrolment',
            entityId: e.id,
            changes: { status: { before: 'ENROLLED', after: 'IN_PROGRESS' }, modules: { before: null, after: out.map((p) => `${p.code} due ${p.dueAt}`) } },
            idempotencyKey: `training.enrolment.start:${e.id}`,
          });
        }
        return out;
      });
      return { kind: e.programme.kind, policyVersion: policy.version, modules: plans };
    },

    /** §7.1 before a module begins: its reminder to the trainee and to their manager (the staff reminder's emails), unless it is done already. */
    async remindModule(r: { enrolmentId: string; moduleCode: string; at: string }): Promise<{ done: boolean }> {
      const e = await enrolmentOf(r.enrolmentId);
      if (!(await openModuleTask(e, r.moduleCode))) return { done: true };
      await ladder.remindNow({ reminderKey: moduleReminderKey.trainee(e.id, r.moduleCode), at: r.at });
      await ladder.remindNow({ reminderKey: moduleReminderKey.manager(e.id, r.moduleCode), at: r.at });
      return { done: false };
    },

    /**
     * §7.1 a module overdue: the trainee's reminder escalates to the manager (the staff reminder's
     * escalation email), the task is marked escalated, `training.module.overdue` recorded — unless it is done.
     */
    async escalateModule(r: { enrolmentId: string; moduleCode: string; at: string }): Promise<{ done: boolean }> {
      const e = await enrolmentOf(r.enrolmentId);
      const task = await openModuleTask(e, r.moduleCode);
      if (!task) return { done: true };
      await reminders.escalateReminder({ reminderKey: moduleReminderKey.trainee(e.id, r.moduleCode), at: r.at });
      await db.$transaction(async (tx) => {
        if (!(await markTaskEscalated(tx, task.id, new Date(r.at)))) return;
        await writeAudit(tx, { actorStaffId: null, action: 'training.module.overdue', entity: 'Task', entityId: task.id, changes: { escalatedAt: { before: null, after: r.at }, escalatedTo: { before: null, after: e.managerStaffId } } });
      });
      return { done: false };
    },

    /** Which modules of the enrolment are done (their tasks DONE). */
    async trainingProgress(r: { enrolmentId: string }): Promise<{ done: string[] }> {
      const e = await enrolmentOf(r.enrolmentId);
      const modules = enrolledModules(e.modules);
      const tasks = await db.task.findMany({ where: { id: { in: modules.map((m) => moduleTaskId(e, m.code)) }, status: 'DONE' }, select: { id: true } });
      const done = new Set(tasks.map((t) => t.id));
      return { done: modules.filter((m) => done.has(moduleTaskId(e, m.code))).map((m) => m.code) };
    },

    /**
     * §7.1 every module done: the certificate (one per enrolment: each module's code, delivery, score and
     * completion), the enrolment COMPLETED, and for the foundation course the staff member's
     * foundationCompletedAt — the §3.1 gate lifts — each audited, in one transaction; then the trainee
     * and their manager are told (once each).
     */
    async completeTraining(r: { enrolmentId: string }): Promise<{ certificateId: string; foundationCompleted: boolean }> {
      const e = await enrolmentOf(r.enrolmentId);
      const modules = enrolledModules(e.modules);
      const tasks = await db.task.findMany({ where: { id: { in: modules.map((m) => moduleTaskId(e, m.code)) } } });
      const byId = new Map(tasks.map((t) => [t.id, t]));
      const open = modules.filter((m) => byId.get(moduleTaskId(e, m.code))?.status !== 'DONE');
      if (open.length) throw ApplicationFailure.create({ type: 'ModulesOpen', message: `modules not done: ${open.map((m) => m.code).join(', ')}`, nonRetryable: true });
      const lastDone = tasks.reduce((a, t) => Math.max(a, (t.closedAt ?? t.updatedAt).getTime()), 0);
      const issuedAt = new Date(Math.max(lastDone, 0));
      const foundation = e.programme.kind === 'FOUNDATION';
      const result = await db.$transaction(async (tx: DbTx) => {
        await tx.trainingCertificate.createMany({
          data: [
            {
              enrolmentId: e.id,
              staffId: e.staffId,
              programmeCode: e.programmeCode,
              kind: e.programme.kind,
              topic: e.programme.topic,
              provider: e.programme.provider,
              modules: modules.map((m) => {
                const t = byId.get(moduleTaskId(e, m.code))!;
                const o = outcomeOf(t.outcome);
                return { code: m.code, delivery: m.delivery, score: o.score ?? null, completedAt: (t.closedAt ?? t.updatedAt).toISOString() };
              }),
              issuedAt,
              policyVersion: policy.version,
            },
          ],
          skipDuplicates: true,
        });
        const cert = await tx.trainingCertificate.findUniqueOrThrow({ where: { enrolmentId: e.id } });
        const { count } = await tx.trainingEnrolment.updateMany({ where: { id: e.id, status: { not: 'COMPLETED' } }, data: { status: 'COMPLETED', completedAt: cert.issuedAt } });
        if (count === 1) {
          await writeAudit(tx, { actorStaffId: null, action: 'training.certificate.issue', entity: 'TrainingCertificate', entityId: cert.id, changes: { enrolment: { before: null, after: e.id }, programme: { before: null, after: e.programmeCode } } });
        }
        if (foundation) {
          const staff = await tx.staffMember.updateMany({ where: { id: e.staffId, foundationCompletedAt: null }, data: { foundationCompletedAt: cert.issuedAt } });
          if (staff.count === 1) {
            await writeAudit(tx, { actorStaffId: null, action: 'training.foundation.complete', entity: 'StaffMember', entityId: e.staffId, changes: { foundationCompletedAt: { before: null, after: cert.issuedAt.toISOString() }, certificate: { before: null, after: cert.id } } });
          }
        }
        return { certificateId: cert.id, foundationCompleted: foundation, issuedAt: cert.issuedAt };
      });
      const [trainee, manager] = await Promise.all([db.staffMember.findUniqueOrThrow({ where: { id: e.staffId } }), db.staffMember.findUnique({ where: { id: e.managerStaffId } })]);
      const facts = { trainee, programmeCode: e.programmeCode, programmeName: e.programme.name, certificateId: result.certificateId, issuedAt: result.issuedAt, foundation };
      for (const [to, role] of [[trainee, 'TRAINEE'], [manager, 'MANAGER']] as const) {
        if (!to) continue;
        const email = certificateEmail(to, facts, role, timeZone);
        await sendEmailOnce(deps, { idempotencyKey: `training:${e.id}:certificate:${to.id}`, kind: 'TRAINING_CERTIFICATE', recipientStaffId: to.id, toAddress: to.email, subject: email.subject, body: email.text, html: email.html });
      }
      return { certificateId: result.certificateId, foundationCompleted: result.foundationCompleted };
    },

    /**
     * §7.1 the yearly check (workflows/training/yearly.ts): for every active serving staff member
     * (foundation complete, a role of training.advanced.roles) the year's requirement
     * (advancedRequired) against the advanced certificates issued in it (bank time zone). On
     * 1 January: the year just ended, missed → the supervisor (managerOf) is emailed,
     * `training.advanced.missed`. Another checkpoint month: behind the pace → the staff member is
     * emailed, `training.advanced.behind`. Keyed by staff member, year (and month): once each.
     */
    async advancedTrainingCheck(r: { at: string }): Promise<{ kind: 'YEAR_END' | 'PACE'; year: number; checked: number; notified: string[] }> {
      const check = yearlyCheckAt(new Date(r.at), policy);
      const { start, end } = yearBounds(check.year, policy);
      const staff = await db.staffMember.findMany({
        where: { active: true, foundationCompletedAt: { not: null, lt: end }, roles: { hasSome: policy.training.advanced.roles } },
        select: { id: true, name: true, email: true, foundationCompletedAt: true },
        orderBy: { id: 'asc' },
      });
      // The pace counts what was done by the check; the year-end the whole year.
      const until = check.kind === 'PACE' ? new Date(Math.min(end.getTime(), Date.parse(r.at))) : end;
      const counts = await db.trainingCertificate.groupBy({ by: ['staffId'], where: { kind: 'ADVANCED', issuedAt: { gte: start, lt: until }, staffId: { in: staff.map((s) => s.id) } }, _count: { _all: true } });
      const completedBy = new Map(counts.map((c) => [c.staffId, c._count._all]));
      const notified: string[] = [];
      for (const s of staff) {
        Context.current().heartbeat(s.id);
        const required = advancedRequired(check.year, s.foundationCompletedAt, policy);
        const completed = completedBy.get(s.id) ?? 0;
        if (check.kind === 'YEAR_END') {
          if (!yearMissed(required, completed)) continue;
          const supervisorId = await managerOf(db, s.id);
          const supervisor = supervisorId ? await db.staffMember.findUnique({ where: { id: supervisorId } }) : null;
          const key = `training-advanced:${s.id}:${check.year}:missed`;
          if (supervisor) {
            const email = advancedMissedEmail(supervisor, s, { year: check.year, required, completed });
            await sendEmailOnce(deps, { idempotencyKey: key, kind: 'TRAINING_YEAR_MISSED', recipientStaffId: supervisor.id, toAddress: supervisor.email, subject: email.subject, body: email.text, html: email.html });
          }
          await db.$transaction((tx) =>
            writeAudit(tx, { actorStaffId: null, action: 'training.advanced.missed', entity: 'StaffMember', entityId: s.id, changes: { year: { before: null, after: check.year }, required: { before: null, after: required }, completed: { before: null, after: completed }, supervisor: { before: null, after: supervisor?.id ?? null } }, idempotencyKey: key }),
          );
          notified.push(s.id);
        } else {
          if (!isBehind(check.month, required, completed)) continue;
          const key = `training-advanced:${s.id}:${check.year}-${String(check.month).padStart(2, '0')}:behind`;
          const email = advancedBehindEmail(s, { year: check.year, month: check.month, required, completed, expected: advancedExpectedBy(check.month, required) });
          await sendEmailOnce(deps, { idempotencyKey: key, kind: 'TRAINING_BEHIND', recipientStaffId: s.id, toAddress: s.email, subject: email.subject, body: email.text, html: email.html });
          await db.$transaction((tx) =>
            writeAudit(tx, { actorStaffId: null, action: 'training.advanced.behind', entity: 'StaffMember', entityId: s.id, changes: { year: { before: null, after: check.year }, required: { before: null, after: required }, completed: { before: null, after: completed } }, idempotencyKey: key }),
          );
          notified.push(s.id);
        }
      }
      return { kind: check.kind, year: check.year, checked: staff.length, notified };
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
