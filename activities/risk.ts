/**
 * §6 the customer lifecycle's risk steps. The workflow decides *when* (an input changed, a monthly
 * monitoring timer, the first cycle, a portfolio run's `riskRated` signal); the scorecards decide
 * *what* (src/domain/risk-scorecard.ts); these activities *do*:
 *
 *   assessRisk        score the customer now and record it (src/risk/record-assessments.ts): the
 *                     assessment once per run key, the rating, its flags and measures, the audit;
 *   followRiskRating  what the rating in force asks of people (§6.2): for HIGH/D a risk investigation
 *                     (a cause-analysis task and a mitigation-plan task with a deadline for a
 *                     RISK_OFFICER, a reminder ladder through the staff reminder — reminded at the
 *                     deadline, escalated to a supervisor `reminders.escalateAfter` later — and
 *                     emails to the officer and the relationship manager); for a rating that no
 *                     longer asks for one, the open investigation's tasks are cancelled (the measures
 *                     were lifted by the assessment); and when monitoring next falls due (MEDIUM/C).
 *
 * Idempotent: assessments by (customer, run key), tasks and reminders by business keys derived from
 * the assessment id, emails by notification keys — a retry finds its work done.
 */
import { ApplicationFailure } from '@temporalio/common';
import { addBusinessDays } from '../src/domain/business-calendar';
import { nextRiskMonitoring } from '../src/domain/lifecycle-schedule';
import { measuresFor, type RiskRating } from '../src/domain/risk-scorecard';
import { bankTimeZone, reminderEscalationDelayMs } from '../src/policy/policy';
import { assessCustomers } from '../src/risk/assess-customers';
import { investigationOpenedEmail } from '../src/risk/emails';
import { consoleLinks, DEFAULT_PUBLIC_BASE_URL } from '../src/console/links';
import { riskPolicyInForce } from '../src/risk/policy-in-force';
import type { RiskTrigger } from '../src/risk/record-assessments';
import { closeTask, leastLoadedWithRole, openTask, supervisorOtherThan, taskId } from '../src/tasks/tasks';
import type { Ladder } from '../workflows/lifecycle/definitions';
import { sendEmailOnce } from './notifications';
import type { OnboardingDeps } from './onboarding';

export type RiskDeps = OnboardingDeps;

export interface RiskOutcome {
  assessmentId: string;
  rating: string;
  previousRating: string | null;
  changed: boolean;
  policyVersion: string;
  /** §6.2 closer monitoring: when the lifecycle re-assesses next (null: the quarterly run does). */
  nextMonitoringAt: string | null;
}

export interface OpenInvestigation {
  assessmentId: string;
  investigationTaskId: string;
  planTaskId: string;
  planDueAt: string;
  /** The plan's reminder steps still to come (null: nobody to remind — no risk officer or no supervisor). */
  ladder: Ladder | null;
}

export interface RiskFollowUp {
  rating: string | null;
  /** §6.2 closer monitoring: when the lifecycle re-assesses next (null: the quarterly run does). */
  nextMonitoringAt: string | null;
  /** §6.2 HIGH/D: the investigation in progress (opened now or before). */
  investigation: OpenInvestigation | null;
  /** Tasks cancelled because the rating no longer asks for an investigation. */
  cancelledTaskIds: string[];
}

const iso = (d: Date) => d.toISOString();
export const RISK_OFFICER_TEAM = 'RISK_OFFICER';
const planReminderKey = (customerId: string, assessmentId: string) => `risk-plan:${customerId}:${assessmentId}`;

export function createRiskActivities(deps: RiskDeps) {
  const { db, ring } = deps;
  const timeZone = bankTimeZone(deps.policy);

  /** The ladder still to come of an investigation's plan reminder, from its record. */
  async function ladderOf(reminderKey: string): Promise<Ladder | null> {
    const r = await db.reminder.findUnique({ where: { key: reminderKey } });
    if (!r) return null;
    if (r.status === 'SCHEDULED') return { reminderKey, steps: [{ step: 'REMIND', at: iso(r.dueAt) }, { step: 'ESCALATE', at: iso(r.escalatesAt) }] };
    if (r.status === 'DUE') return { reminderKey, steps: [{ step: 'ESCALATE', at: iso(r.escalatesAt) }] };
    return { reminderKey, steps: [] };
  }

  return {
    /** §6.1 scores the customer now under the policy in force and records it (once per run key). Null: the customer is not APPROVED. */
    async assessRisk(r: { customerId: string; runKey: string; trigger: RiskTrigger; at: string }): Promise<RiskOutcome | null> {
      const c = await db.customer.findUnique({ where: { id: r.customerId }, select: { status: true } });
      if (!c) throw ApplicationFailure.create({ type: 'CustomerNotFound', message: `customer ${r.customerId} does not exist`, nonRetryable: true });
      if (c.status !== 'APPROVED') return null;
      const result = await assessCustomers({ db, ring, policy: deps.policy }, { customerIds: [r.customerId], runKey: r.runKey, trigger: r.trigger, at: new Date(r.at) });
      const failed = result.failed[0];
      if (failed) throw ApplicationFailure.create({ type: 'RiskInputsUnreadable', message: `customer ${r.customerId}: ${failed.reason}`, nonRetryable: true });
      const policy = await riskPolicyInForce(db, deps.policy);
      const next = (rating: string) => nextRiskMonitoring(new Date(r.at), rating as RiskRating, policy);
      const done = result.assessed[0];
      if (done) {
        const at = next(done.rating);
        return { assessmentId: done.assessmentId!, rating: done.rating, previousRating: done.previousRating, changed: done.changed, policyVersion: result.policyVersion, nextMonitoringAt: at ? iso(at) : null };
      }
      // A retry after the commit: the assessment this run key recorded.
      const a = await db.riskAssessment.findUniqueOrThrow({ where: { customerId_runKey: { customerId: r.customerId, runKey: r.runKey } } });
      const at = next(a.rating);
      return { assessmentId: a.id, rating: a.rating, previousRating: a.previousRating, changed: a.rating !== a.previousRating, policyVersion: a.policyVersion, nextMonitoringAt: at ? iso(at) : null };
    },

    /** §6.2 what the customer's rating in force asks of people now (see the module header). */
    async followRiskRating(r: { customerId: string; workflowId: string; assessmentId: string; at: string }): Promise<RiskFollowUp> {
      const at = new Date(r.at);
      const policy = await riskPolicyInForce(db, deps.policy);
      const c = await db.customer.findUnique({ where: { id: r.customerId }, select: { id: true, status: true, riskRating: true, relationshipManagerId: true } });
      if (!c) throw ApplicationFailure.create({ type: 'CustomerNotFound', message: `customer ${r.customerId} does not exist`, nonRetryable: true });
      const rating = c.riskRating as RiskRating | null;
      const open = await db.task.findMany({ where: { customerId: c.id, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] }, status: 'OPEN' }, orderBy: { createdAt: 'asc' } });
      const measures = rating ? measuresFor(rating, policy) : null;
      const nextMonitoringAt = rating && c.status === 'APPROVED' ? nextRiskMonitoring(at, rating, policy) : null;

      if (!measures?.investigation || c.status !== 'APPROVED') {
        // The rating no longer asks for an investigation (its measure was lifted): the open tasks end.
        const cancelled: string[] = [];
        if (open.length > 0) {
          await db.$transaction(async (tx) => {
            for (const t of open) {
              if (await closeTask(tx, { id: t.id, status: 'CANCELLED', at, reason: `§6.2 rating ${rating ?? 'none'} no longer asks for a risk investigation` })) cancelled.push(t.id);
              await tx.reminder.updateMany({ where: { taskId: t.id, status: { in: ['SCHEDULED', 'DUE'] } }, data: { status: 'CANCELLED', cancelledAt: at } });
            }
          });
        }
        return { rating, nextMonitoringAt: nextMonitoringAt ? iso(nextMonitoringAt) : null, investigation: null, cancelledTaskIds: cancelled };
      }

      // Already investigating (opened by an earlier assessment): the same investigation goes on.
      const plan = open.find((t) => t.kind === 'MITIGATION_PLAN');
      const existing = plan ?? open[0];
      if (existing) {
        const assessmentId = existing.id.split(':').at(-1)!;
        const reminderKey = planReminderKey(c.id, assessmentId);
        return {
          rating,
          nextMonitoringAt: nextMonitoringAt ? iso(nextMonitoringAt) : null,
          investigation: {
            assessmentId,
            investigationTaskId: taskId.riskInvestigation(c.id, assessmentId),
            planTaskId: taskId.mitigationPlan(c.id, assessmentId),
            planDueAt: iso(existing.dueAt),
            ladder: plan ? await ladderOf(reminderKey) : null,
          },
          cancelledTaskIds: [],
        };
      }

      // §6.2 HIGH/D: a new investigation; the plan is due counted from the assessment that gave the rating.
      const assessment = await db.riskAssessment.findUnique({ where: { id: r.assessmentId }, select: { previousRating: true, reasons: true, assessedAt: true } });
      const planDueAt = addBusinessDays(assessment?.assessedAt ?? at, measures.investigation.mitigationPlanDueBusinessDays, timeZone);
      const escalatesAt = new Date(planDueAt.getTime() + reminderEscalationDelayMs(policy));
      const investigationTaskId = taskId.riskInvestigation(c.id, r.assessmentId);
      const planTaskId = taskId.mitigationPlan(c.id, r.assessmentId);
      const reminderKey = planReminderKey(c.id, r.assessmentId);
      const opened = await db.$transaction(async (tx) => {
        const officer = await leastLoadedWithRole(tx, 'RISK_OFFICER');
        const common = { customerId: c.id, assigneeStaffId: officer, team: RISK_OFFICER_TEAM, dueAt: planDueAt, overdueAt: escalatesAt, workflowId: r.workflowId, policyVersion: policy.version };
        await openTask(tx, { ...common, id: investigationTaskId, kind: 'RISK_INVESTIGATION', subject: `Investigate the cause of customer ${c.id}'s rating ${rating} (§6.2)` });
        await openTask(tx, { ...common, id: planTaskId, kind: 'MITIGATION_PLAN', subject: `Mitigation plan for customer ${c.id} rated ${rating} (§6.2)` });
        const supervisor = await supervisorOtherThan(tx, officer);
        if (!officer || !supervisor) return { officer, reminder: false };
        await tx.reminder.upsert({
          where: { key: reminderKey },
          create: {
            key: reminderKey,
            staffId: officer,
            escalationStaffId: supervisor,
            subject: `Mitigation plan for customer ${c.id} rated ${rating} due (§6.2)`,
            dueAt: planDueAt,
            escalatesAt,
            policyVersion: policy.version,
            workflowId: `${r.workflowId}/${reminderKey}`,
            delivery: 'EMAIL',
            taskId: planTaskId,
          },
          update: {},
        });
        return { officer, reminder: true };
      });

      const facts = {
        customerId: c.id,
        rating: rating!,
        previousRating: assessment?.previousRating ?? null,
        reasons: Array.isArray(assessment?.reasons) ? (assessment.reasons as string[]) : [],
        investigationTaskId,
        planTaskId,
        planDueAt,
        restrictedRiskClasses: measures.restrictedRiskClasses,
      };
      const recipients: { staffId: string; role: 'RISK_OFFICER' | 'RELATIONSHIP_MANAGER' }[] = [
        ...(opened.officer ? [{ staffId: opened.officer, role: 'RISK_OFFICER' as const }] : []),
        ...(c.relationshipManagerId && c.relationshipManagerId !== opened.officer ? [{ staffId: c.relationshipManagerId, role: 'RELATIONSHIP_MANAGER' as const }] : []),
      ];
      for (const { staffId, role } of recipients) {
        const staff = await db.staffMember.findUnique({ where: { id: staffId } });
        if (!staff?.active) continue;
        const email = investigationOpenedEmail(staff, facts, role, timeZone, consoleLinks(deps.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL));
        await sendEmailOnce(deps, {
          idempotencyKey: `risk-investigation:${r.assessmentId}:${staffId}`,
          kind: 'RISK_INVESTIGATION_OPENED',
          recipientStaffId: staffId,
          toAddress: staff.email,
          subject: email.subject,
          body: email.text,
          html: email.html,
        });
      }
      return {
        rating,
        nextMonitoringAt: nextMonitoringAt ? iso(nextMonitoringAt) : null,
        investigation: {
          assessmentId: r.assessmentId,
          investigationTaskId,
          planTaskId,
          planDueAt: iso(planDueAt),
          ladder: opened.reminder ? { reminderKey, steps: [{ step: 'REMIND', at: iso(planDueAt) }, { step: 'ESCALATE', at: iso(escalatesAt) }] } : null,
        },
        cancelledTaskIds: [],
      };
    },
  };
}

export type RiskActivities = ReturnType<typeof createRiskActivities>;
