/**
 * §7.2 staff assessment's side effects, for the period's run (workflows/staff-assessment/run.ts):
 *
 *   periodToAssess          the period a Schedule's firing assesses (the last whole quarter / year);
 *   beginStaffAssessment    validates the period, fixes the policy version, and for a quarter the
 *                           guidance times (due, escalation, close) on the bank's business days;
 *   assessStaffPage         one page of assessed staff: each one's record computed and recorded
 *                           (src/staff-assessment/assessments.ts), and for a quarter the guidance task
 *                           of each one's manager (src/tasks/, kind STAFF_GUIDANCE) with its reminder
 *                           (a Reminder record the workflow drives through the staff-reminder ladder);
 *   guidanceReminders       the guidance reminders still open (the ladder's next step for each);
 *   emailAssessmentResults  each staff member's result, once (notification key per staff and period);
 *   closeStaffAssessmentRun guidance tasks still open at the close: MISSED, reminders cancelled, audited.
 *
 * Idempotent: records by (staff, period), tasks and reminders by business keys, emails by keys — a
 * retried activity finds its work done.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../src/audit/audit-log';
import { addBusinessDays } from '../src/domain/business-calendar';
import { bankTimeZone, reminderEscalationDelayMs } from '../src/policy/policy';
import type { PeriodKind } from '../src/staff-assessment/codes';
import { assessedStaffPage, computeAndRecord } from '../src/staff-assessment/assessments';
import { assessmentResultEmail } from '../src/staff-assessment/emails';
import type { GroupResult, IndicatorResult } from '../src/staff-assessment/indicators';
import { parsePeriod, periodBefore, periodIdIssue } from '../src/staff-assessment/period';
import { guidanceReminderKey, guidanceTaskId, resultNotificationKey } from '../src/staff-assessment/keys';
import { closeTask, openTask, supervisorOtherThan } from '../src/tasks/tasks';
import type { GuidanceTimes } from '../workflows/staff-assessment/definitions';
import { sendEmailOnce } from './notifications';
import type { OnboardingDeps } from './onboarding';

export type StaffAssessmentDeps = OnboardingDeps;

const iso = (d: Date) => d.toISOString();

function heartbeat(detail?: unknown): void {
  try {
    Context.current().heartbeat(detail);
  } catch {
    // called outside an activity (a test): nothing to tell
  }
}

export function createStaffAssessmentActivities(deps: StaffAssessmentDeps) {
  const { db, policy } = deps;
  const timeZone = bankTimeZone(policy);

  const periodOf = (id: string) => {
    const issue = periodIdIssue(id);
    if (issue) throw ApplicationFailure.create({ type: 'InvalidPeriod', message: `period ${JSON.stringify(id)}: ${issue}`, nonRetryable: true });
    return parsePeriod(id, timeZone);
  };

  return {
    /** The period a Schedule firing at `at` assesses: the last whole quarter (year) before it, in the bank's time zone. */
    async periodToAssess({ kind, at }: { kind: PeriodKind; at: string }): Promise<{ period: string }> {
      return { period: periodBefore(new Date(at), kind, timeZone).id };
    },

    async beginStaffAssessment({ period, at }: { period: string; at: string }): Promise<{ kind: PeriodKind; policyVersion: string; guidance: GuidanceTimes | null }> {
      const p = periodOf(period);
      if (p.kind === 'YEAR') return { kind: p.kind, policyVersion: policy.version, guidance: null };
      const g = policy.staffAssessment.guidance;
      const dueAt = addBusinessDays(new Date(at), g.dueBusinessDays, timeZone);
      const closesAt = addBusinessDays(new Date(at), g.closeAfterBusinessDays, timeZone);
      const escalatesAt = new Date(Math.min(dueAt.getTime() + reminderEscalationDelayMs(policy), closesAt.getTime()));
      return { kind: p.kind, policyVersion: policy.version, guidance: { dueAt: iso(dueAt), escalatesAt: iso(escalatesAt), closesAt: iso(closesAt), reminded: false, escalated: false } };
    },

    /** One page of assessed staff after `after` (see the module header); `last` null and `done` when none was left. */
    async assessStaffPage(r: { period: string; after: string | null; at: string; workflowId: string; guidance: { dueAt: string; escalatesAt: string } | null }): Promise<{ count: number; changed: number; last: string | null; done: boolean }> {
      const p = periodOf(r.period);
      const limit = policy.staffAssessment.pageSize;
      const staff = await assessedStaffPage(db, policy, r.after, limit);
      let changed = 0;
      const managers = new Set<string>();
      for (const s of staff) {
        const out = await computeAndRecord({ db, policy }, { staffId: s.id, period: p, at: new Date(r.at), actorStaffId: null });
        if (out.outcome !== 'UNCHANGED') changed += 1;
        if (out.record.managerStaffId && out.record.guidanceAt === null) managers.add(out.record.managerStaffId);
        heartbeat(s.id);
      }
      if (r.guidance) {
        const dueAt = new Date(r.guidance.dueAt);
        const escalatesAt = new Date(r.guidance.escalatesAt);
        for (const managerId of [...managers].sort()) {
          const id = guidanceTaskId(p.id, managerId);
          const key = guidanceReminderKey(p.id, managerId);
          await db.$transaction(async (tx) => {
            await openTask(tx, {
              id,
              kind: 'STAFF_GUIDANCE',
              subject: `Write guidance notes on your staff's ${p.id} assessments (§7.2)`,
              assigneeStaffId: managerId,
              dueAt,
              overdueAt: escalatesAt,
              workflowId: r.workflowId,
              policyVersion: policy.version,
            });
            const supervisor = await supervisorOtherThan(tx, managerId);
            if (!supervisor) return; // nobody to escalate to: the task stands without a reminder
            await tx.reminder.upsert({
              where: { key },
              create: {
                key,
                staffId: managerId,
                escalationStaffId: supervisor,
                subject: `Guidance notes on your staff's ${p.id} assessments due (§7.2)`,
                dueAt,
                escalatesAt,
                policyVersion: policy.version,
                workflowId: `${r.workflowId}/${key}`,
                delivery: 'EMAIL',
                taskId: id,
              },
              update: {},
            });
          });
        }
      }
      const last = staff.at(-1)?.id ?? null;
      return { count: staff.length, changed, last, done: staff.length < limit };
    },

    /** The run's guidance reminders still open: SCHEDULED ones are reminded next, DUE ones escalated. */
    async guidanceReminders({ workflowId }: { workflowId: string }): Promise<{ reminderKey: string; status: 'SCHEDULED' | 'DUE' }[]> {
      const rows = await db.reminder.findMany({
        where: { workflowId: { startsWith: `${workflowId}/` }, status: { in: ['SCHEDULED', 'DUE'] } },
        select: { key: true, status: true },
        orderBy: { key: 'asc' },
      });
      return rows.map((r) => ({ reminderKey: r.key, status: r.status as 'SCHEDULED' | 'DUE' }));
    },

    /**
     * Emails results not emailed yet — only those with guidance notes (`withGuidanceOnly`, while the
     * managers write them), or all — at most `limit`; `remaining`: the period's results still unsent.
     */
    async emailAssessmentResults({ period, withGuidanceOnly, limit }: { period: string; withGuidanceOnly: boolean; limit: number }): Promise<{ sent: number; processed: number; remaining: number }> {
      const rows = await db.staffAssessment.findMany({
        where: { period, resultEmailedAt: null, ...(withGuidanceOnly ? { guidanceAt: { not: null } } : {}) },
        orderBy: { staffId: 'asc' },
        take: limit,
      });
      let sent = 0;
      for (const a of rows) {
        const staff = await db.staffMember.findUnique({ where: { id: a.staffId } });
        if (staff?.active) {
          const email = assessmentResultEmail(
            staff,
            {
              period: a.period,
              periodStart: a.periodStart,
              periodEnd: a.periodEnd,
              score: a.score,
              grade: a.grade,
              coverage: a.coverage,
              policyVersion: a.policyVersion,
              indicators: a.indicators as unknown as IndicatorResult[],
              groups: a.groups as unknown as GroupResult[],
              guidanceNotes: a.guidanceNotes,
              guidanceByStaffId: a.guidanceByStaffId,
              computedAt: a.computedAt,
            },
            timeZone,
          );
          await sendEmailOnce(deps, {
            idempotencyKey: resultNotificationKey(a.period, a.staffId),
            kind: 'STAFF_ASSESSMENT_RESULT',
            recipientStaffId: a.staffId,
            toAddress: staff.email,
            subject: email.subject,
            body: email.text,
            html: email.html,
          });
          sent += 1;
        }
        // An inactive staff member is not emailed; the record is marked so the run does not wait for it.
        await db.staffAssessment.updateMany({ where: { id: a.id, resultEmailedAt: null }, data: { resultEmailedAt: deps.clock.now() } });
        heartbeat(a.staffId);
      }
      const remaining = await db.staffAssessment.count({ where: { period, resultEmailedAt: null } });
      return { sent, processed: rows.length, remaining };
    },

    /** The run closes: guidance tasks still open are MISSED (audited once each), their reminders cancelled. */
    async closeStaffAssessmentRun({ period, workflowId, at }: { period: string; workflowId: string; at: string }): Promise<{ missed: string[] }> {
      const when = new Date(at);
      const open = await db.task.findMany({ where: { workflowId, kind: 'STAFF_GUIDANCE', status: 'OPEN' }, select: { id: true, assigneeStaffId: true } });
      const missed: string[] = [];
      for (const t of open) {
        await db.$transaction(async (tx) => {
          if (!(await closeTask(tx, { id: t.id, status: 'MISSED', at: when, reason: `§7.2 the ${period} assessment closed without every guidance note` }))) return;
          await tx.reminder.updateMany({ where: { taskId: t.id, status: { in: ['SCHEDULED', 'DUE'] } }, data: { status: 'CANCELLED', cancelledAt: when } });
          await writeAudit(tx, {
            actorStaffId: null,
            action: 'staff.assessment.guidance_missed',
            entity: 'Task',
            entityId: t.id,
            changes: { status: { before: 'OPEN', after: 'MISSED' }, managerStaffId: { before: null, after: t.assigneeStaffId } },
            idempotencyKey: `staff-guidance-missed:${t.id}`,
          });
          missed.push(t.id);
        });
      }
      return { missed };
    },
  };
}

export type StaffAssessmentActivities = ReturnType<typeof createStaffAssessmentActivities>;
