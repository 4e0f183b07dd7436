/**
 * Onboarding side effects (§2.3, §4): status records with their audit entries, the emails to the
 * customer, the audit team's reminder, and approval (classification, service tier, relationship
 * coverage, welcome email). Idempotent: writes set values rather than add to them, emails go
 * through sendEmailOnce with a key per step, assignments are made only when none exists.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { serviceTierFor } from '../src/domain/service-tiers';
import { applyClassification, classifyRow, ensureCoverage } from '../src/customers/classify-customer';
import { writeAudit, type FieldChanges } from '../src/audit/audit-log';
import { onboardingAction } from '../src/audit/actions';
import type { DbTx } from '../src/db/client';
import type { Policy, Segment } from '../src/policy/policy';
import { reminderEscalationDelayMs } from '../src/policy/policy';
import type { KeyRing } from '../src/security/keyring';
import type { StaffReminderInput } from '../workflows/staff-reminder';
import { formatBankDate, renderEmail, type EmailContent } from '../src/mail/render';
import { sendEmailOnce, type NotificationDeps } from './notifications';

export interface OnboardingDeps extends NotificationDeps {
  /** Where staff emails' links into the staff console point (PUBLIC_BASE_URL; issue 12). */
  publicBaseUrl?: string;
  policy: Policy;
  ring: KeyRing;
  /** Starts top-level workflows from activities (the lifecycle hand-off); the worker passes its own. */
  temporal?: Client;
}

export interface StatusRecord {
  customerId: string;
  status: 'PENDING_REVIEW' | 'INFO_REQUESTED' | 'APPROVED' | 'REJECTED' | 'INCOMPLETE';
  at: string;
  reviewerId?: string;
  reason?: string;
}

export interface ApprovalOutcome {
  segment: Segment;
  serviceTier: Segment;
  relationshipManagerId: string | null;
  team: { staffId: string; expertise: string }[];
  unfilledTeamRoles: string[];
}

const DECISION_OF = { APPROVED: 'APPROVED', REJECTED: 'REJECTED', INCOMPLETE: 'INCOMPLETE' } as const;

export function createOnboardingActivities(deps: OnboardingDeps) {
  const { db, policy, ring } = deps;

  async function customerOf(customerId: string) {
    const c = await db.customer.findUnique({ where: { id: customerId }, include: { individualProfile: true, enterpriseProfile: true } });
    if (!c) throw ApplicationFailure.create({ type: 'CustomerNotFound', message: `customer ${customerId} does not exist`, nonRetryable: true });
    return c;
  }

  async function setStatus(tx: DbTx, r: StatusRecord): Promise<boolean> {
    const before = await tx.customer.findUniqueOrThrow({ where: { id: r.customerId } });
    if (before.status === r.status) return false; // a retry: already recorded
    await tx.customer.update({ where: { id: r.customerId }, data: { status: r.status, version: { increment: 1 } } });
    const decision = r.status in DECISION_OF ? DECISION_OF[r.status as keyof typeof DECISION_OF] : null;
    await tx.onboardingReview.update({
      where: { customerId: r.customerId },
      data: {
        ...(decision ? { decision, decidedAt: new Date(r.at), decidedByStaffId: r.reviewerId ?? null, reason: r.reason ?? null } : {}),
        ...(r.status === 'INFO_REQUESTED' ? { infoRequestedAt: new Date(r.at), infoRequestCount: { increment: 1 } } : {}),
      },
    });
    await writeAudit(tx, {
      actorStaffId: r.reviewerId ?? null,
      action: onboardingAction(r.status),
      entity: 'Customer',
      entityId: r.customerId,
      customerId: r.customerId,
      changes: { status: { before: before.status, after: r.status }, ...(r.reason ? { reason: { before: null, after: r.reason } } : {}) },
    });
    return true;
  }

  /** Text and HTML parts from `compose(the customer's name)`; no email address, no email. */
  async function emailCustomer(customerId: string, key: string, kind: string, compose: (name: string) => EmailContent) {
    const c = await customerOf(customerId);
    if (!c.email) return { emailed: false };
    const email = renderEmail(compose(c.displayName));
    await sendEmailOnce(deps, { idempotencyKey: key, kind, toAddress: c.email, subject: email.subject, body: email.text, html: email.html });
    return { emailed: true };
  }

  /** A deadline (ISO instant) as the customer's calendar day at the bank: "Mon 1 Mar 2027". */
  const bankDate = (deadline: string) => formatBankDate(new Date(deadline), policy.onboarding.timeZone);
  const howToAnswer = { label: 'How to answer', instruction: 'Reply to this email or contact your branch.' };

  const self = {
    async recordOnboardingStatus(r: StatusRecord): Promise<void> {
      await db.$transaction((tx) => setStatus(tx, r));
    },

    /** §2.3 "doubtful or missing information: the team contacts the customer to verify". */
    async requestInfoFromCustomer(r: { customerId: string; reviewerId: string; reason: string; at: string; round: number; deadline: string }) {
      await db.$transaction((tx) => setStatus(tx, { customerId: r.customerId, status: 'INFO_REQUESTED', at: r.at, reviewerId: r.reviewerId, reason: r.reason }));
      return emailCustomer(r.customerId, `onboarding:${r.customerId}:info-request:${r.round}`, 'ONBOARDING_INFO_REQUEST', (name) => ({
        subject: 'We need a little more information',
        greeting: `Dear ${name},`,
        paragraphs: ['To complete the opening of your relationship with us we need the following:'],
        items: [r.reason],
        facts: [['Please answer by', bankDate(r.deadline)]],
        action: howToAnswer,
      }));
    },

    async remindCustomerForInfo(r: { customerId: string; round: number; deadline: string }) {
      return emailCustomer(r.customerId, `onboarding:${r.customerId}:info-reminder:${r.round}`, 'ONBOARDING_INFO_REMINDER', (name) => ({
        subject: 'Reminder: information still needed',
        greeting: `Dear ${name},`,
        paragraphs: [`We are still waiting for the information we asked for. Without it we must close your application on ${bankDate(r.deadline)}.`],
        action: howToAnswer,
      }));
    },

    /** The staff reminder for a review waiting too long: an AUDITOR (not the maker) and a SUPERVISOR to escalate to. */
    async prepareReviewReminder(r: { customerId: string; enteredByStaffId: string; at: string }): Promise<StaffReminderInput | null> {
      const [auditor, supervisor] = await Promise.all([
        db.staffMember.findFirst({ where: { active: true, roles: { has: 'AUDITOR' }, id: { not: r.enteredByStaffId } }, orderBy: { id: 'asc' } }),
        db.staffMember.findFirst({ where: { active: true, roles: { has: 'SUPERVISOR' } }, orderBy: { id: 'asc' } }),
      ]);
      if (!auditor || !supervisor || auditor.id === supervisor.id) return null;
      const key = `onboarding-review-${r.customerId}`;
      const escalateAfterMs = reminderEscalationDelayMs(policy);
      const dueAt = new Date(r.at);
      await db.reminder.upsert({
        where: { key },
        create: {
          key,
          staffId: auditor.id,
          escalationStaffId: supervisor.id,
          subject: `Review of customer ${r.customerId} is overdue (§2.3)`,
          dueAt,
          escalatesAt: new Date(dueAt.getTime() + escalateAfterMs),
          policyVersion: policy.version,
          workflowId: `reminder-${key}`,
        },
        update: {},
      });
      return { reminderKey: key, staffId: auditor.id, escalationStaffId: supervisor.id, dueAt: dueAt.toISOString(), escalateAfterMs, policyVersion: policy.version };
    },

    /**
     * Approval (§2.3 → §2.1/§2.2 classification, §4 tier and coverage) in one transaction: status,
     * classification, coverage and their audit records. Idempotent: a retry after the commit finds the
     * customer APPROVED, changes nothing and writes no second record; it answers the stored outcome.
     * The lifecycle hand-off point. The welcome email is its own step (sendWelcomeEmail), after the
     * decision has been answered (issue 7: callers never wait on side effects).
     */
    async approveCustomer(r: { customerId: string; reviewerId: string; at: string }): Promise<ApprovalOutcome> {
      const c = await customerOf(r.customerId);
      const at = new Date(r.at);
      return db.$transaction(async (tx) => {
        const changed = await setStatus(tx, { customerId: c.id, status: 'APPROVED', at: r.at, reviewerId: r.reviewerId });
        const before = await tx.customer.findUniqueOrThrow({ where: { id: c.id } });
        if (!changed && before.segment) {
          // A retry of a committed approval: report what is stored.
          const segment = before.segment as Segment;
          const coverage = await ensureCoverage(tx, { customerId: c.id, segment, at, policy });
          return { segment, serviceTier: segment, relationshipManagerId: coverage.relationshipManagerId, team: coverage.team, unfilledTeamRoles: coverage.unfilledTeamRoles };
        }
        const next = classifyRow(c, at, policy, ring);
        const { changes } = await applyClassification(tx, { customerId: c.id, next, at, actorStaffId: r.reviewerId, policy });
        const coverage = await ensureCoverage(tx, { customerId: c.id, segment: next.segment, at, policy });
        const managerChange: FieldChanges =
          before.relationshipManagerId === coverage.relationshipManagerId ? {} : { relationshipManagerId: { before: before.relationshipManagerId, after: coverage.relationshipManagerId } };
        await writeAudit(tx, { actorStaffId: r.reviewerId, action: 'customer.classify', entity: 'Customer', entityId: c.id, customerId: c.id, changes: { ...changes, ...managerChange } });
        return { segment: next.segment, serviceTier: next.segment, relationshipManagerId: coverage.relationshipManagerId, team: coverage.team, unfilledTeamRoles: coverage.unfilledTeamRoles };
      });
    },

    /** §4: the welcome email with the customer's service tier and entitlements (once: keyed per customer). */
    async sendWelcomeEmail(r: { customerId: string; segment: Segment }): Promise<{ emailed: boolean }> {
      const tier = serviceTierFor(r.segment, policy);
      return emailCustomer(r.customerId, `onboarding:${r.customerId}:welcome`, 'WELCOME', (name) => ({
        subject: 'Welcome to the bank',
        greeting: `Dear ${name},`,
        paragraphs: [`Welcome! Your relationship with us is open. Your service tier: ${tier.summary}.`, 'Your entitlements:'],
        items: tier.entitlements.map((e) => e.description),
      }));
    },

    /**
     * Approval and welcome email in one step: what onboarding workflows started before the change
     * that split them still call (their histories replay it; test/workflow/replay.test.ts).
     */
    async completeOnboarding(r: { customerId: string; reviewerId: string; at: string }): Promise<ApprovalOutcome> {
      const outcome = await self.approveCustomer(r);
      await self.sendWelcomeEmail({ customerId: r.customerId, segment: outcome.segment });
      return outcome;
    },
  };
  return self;
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
