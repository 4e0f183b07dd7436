/**
 * The customer lifecycle's side effects (§3.2 periodic review and dynamic updates, §5.1 regular
 * contact). The workflow (workflows/lifecycle/) decides *when*; the rules in
 * src/domain/lifecycle-schedule.ts decide *what date*; these activities *do*: load the current
 * policy and customer, open and close tasks (src/tasks/) with their reminder records, send messages,
 * and record every step with its audit entry in one transaction.
 *
 * Calendar arithmetic (months, business days, time zones, holidays) runs here, not in the
 * workflow: its result is recorded in history, so a change of holiday tables or time-zone data never
 * changes what a replay computes, and each cycle runs on the policy loaded when it began (its
 * version is recorded on the CustomerLifecycle row and the workflow's PolicyVersion).
 *
 * Idempotent: rows are keyed by business keys (task ids, reminder keys, contact event ids, audit
 * idempotency keys), emails by notification keys; a retry after a commit finds its work done.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../src/audit/audit-log';
import type { DbTx } from '../src/db/client';
import type { Customer, Prisma } from '../src/db/generated/client';
import { contactPreferencesSchema } from '../src/domain/contact';
import {
  contactChannel,
  meetingLadder,
  nextBirthdayGreeting,
  nextNewsDigest,
  nextQuarter,
  nextReviewDue,
  quarterOf,
  reviewLadder,
  type ContactChannel,
  type ContactPurpose,
} from '../src/domain/lifecycle-schedule';
import { riskInputsAmong } from '../src/domain/risk-inputs';
import { birthdayGreetingEmail, newsDigestEmail, segmentChangeEmail } from '../src/lifecycle/emails';
import { bankTimeZone, reminderEscalationDelayMs } from '../src/policy/policy';
import { decryptField } from '../src/security/crypto';
import { aad } from '../src/customers/encrypted-fields';
import { answerTaskReminders, closeTask, leastLoadedWithRole, markTaskEscalated, openTask, supervisorOtherThan, taskId } from '../src/tasks/tasks';
import { startLifecycle } from '../src/lifecycle/start-lifecycle';
import type { AgendaItem, ContactKind, CustomerType, Ladder } from '../workflows/lifecycle/definitions';
import { createReminderLadderActivities } from './reminder-ladder';
import { sendEmailOnce } from './notifications';
import type { OnboardingDeps } from './onboarding';

export type LifecycleDeps = OnboardingDeps;

/** The team that takes a customer's work when its segment has no dedicated manager (§4.1 REGULAR, §4.2 SMALL). */
export const SERVICE_TEAM = 'CUSTOMER_SERVICE';

export interface CyclePlan {
  /** The customer left (CLOSED): the process ends. */
  closed: boolean;
  policyVersion: string;
  customerType: CustomerType;
  segment: string | null;
  managerId: string | null;
  lastReviewAt: string;
  nextReviewAt: string;
  /** Only when asked for (the first run): later runs carry theirs. */
  agenda?: AgendaItem[];
}

export interface OpenedWork {
  closed: boolean;
  taskId: string;
  /** Review: overdue; meeting: the quarter's end. */
  overdueAt: string;
  /** The reminder steps still to come (none when nobody could be reminded: no staff or no supervisor). */
  ladder: Ladder | null;
}

const iso = (d: Date) => d.toISOString();

export function createLifecycleActivities(deps: LifecycleDeps) {
  const { db, policy, ring } = deps;
  const timeZone = bankTimeZone(policy);
  const reminding = createReminderLadderActivities(deps);

  async function customerOf(customerId: string) {
    const c = await db.customer.findUnique({ where: { id: customerId }, include: { individualProfile: true, enterpriseProfile: true, review: true } });
    if (!c) throw ApplicationFailure.create({ type: 'CustomerNotFound', message: `customer ${customerId} does not exist`, nonRetryable: true });
    return c;
  }

  /** The next time of one kind of §5.1 contact after `after`, or null when it does not apply to the customer. */
  function nextContact(c: Awaited<ReturnType<typeof customerOf>>, kind: ContactKind, after: Date): string | null {
    if (kind === 'BIRTHDAY_GREETING') {
      const p = c.individualProfile;
      if (c.type !== 'INDIVIDUAL' || !p) return null;
      return iso(nextBirthdayGreeting(decryptField(ring, p.dateOfBirthCiphertext, aad.dateOfBirth(c.id)), after, policy));
    }
    if (kind === 'NEWS_DIGEST') {
      if (c.type !== 'INDIVIDUAL' || !(c.segment === 'REGULAR' || c.segment === 'VIP' || c.segment === 'HIGH_NET_WORTH')) return null;
      return iso(nextNewsDigest(c.segment, after, policy));
    }
    if (c.type !== 'ENTERPRISE') return null;
    // §5.1 a meeting each quarter: the current one too while its first reminder is still ahead.
    const current = quarterOf(after, policy);
    const ladder = meetingLadder(current, policy);
    if (ladder.firstReminderAt.getTime() > after.getTime()) return iso(new Date(Math.max(ladder.opensAt.getTime(), after.getTime())));
    return iso(meetingLadder(nextQuarter(current, policy), policy).opensAt);
  }

  function agendaOf(c: Awaited<ReturnType<typeof customerOf>>, after: Date): AgendaItem[] {
    const kinds: ContactKind[] = ['BIRTHDAY_GREETING', 'NEWS_DIGEST', 'QUARTERLY_MEETING'];
    return kinds.flatMap((kind) => {
      const at = nextContact(c, kind, after);
      return at ? [{ kind, at }] : [];
    });
  }

  /** Who does the customer's work: its relationship manager, else the service team (reminded through its least-loaded member). */
  async function workerFor(tx: DbTx, c: Customer): Promise<{ assigneeStaffId: string | null; team: string | null; remindStaffId: string | null }> {
    if (c.relationshipManagerId) return { assigneeStaffId: c.relationshipManagerId, team: null, remindStaffId: c.relationshipManagerId };
    return { assigneeStaffId: null, team: SERVICE_TEAM, remindStaffId: await leastLoadedWithRole(tx, SERVICE_TEAM) };
  }

  /** The Reminder record of a task's ladder (created once; the staff reminder's activities send its emails). Null: nobody to remind. */
  async function reminderRecord(
    tx: DbTx,
    r: { key: string; staffId: string | null; escalationStaffId: string | null; subject: string; dueAt: Date; escalatesAt: Date; secondReminderAt: Date; delivery: 'EMAIL' | 'DIGEST'; taskId: string; workflowId: string },
  ): Promise<string | null> {
    if (!r.staffId || !r.escalationStaffId) return null;
    await tx.reminder.upsert({
      where: { key: r.key },
      create: {
        key: r.key,
        staffId: r.staffId,
        escalationStaffId: r.escalationStaffId,
        subject: r.subject,
        dueAt: r.dueAt,
        escalatesAt: r.escalatesAt,
        policyVersion: policy.version,
        // The process that drives it: the lifecycle (Reminder.workflowId is unique per reminder, hence the key).
        workflowId: `${r.workflowId}/${r.key}`,
        delivery: r.delivery,
        secondReminderAt: r.secondReminderAt,
        taskId: r.taskId,
      },
      update: {},
    });
    return r.key;
  }

  return {
    /** The onboarding hand-off (§2.3 → §3.2): the approved customer's lifecycle starts; one already running stays. */
    async startCustomerLifecycle(r: { customerId: string }): Promise<{ outcome: 'STARTED' | 'ALREADY_RUNNING' }> {
      if (!deps.temporal) throw ApplicationFailure.create({ type: 'NotConfigured', message: 'the worker has no Temporal client for starting lifecycles', nonRetryable: true });
      const c = await customerOf(r.customerId);
      const outcome = await startLifecycle(deps.temporal, { customerId: c.id, customerType: c.type, taskQueue: Context.current().info.taskQueue });
      return { outcome };
    },

    /**
     * The start of a cycle: the current policy, the customer's facts, and when its next review falls
     * due — from `lastReviewAt` (a migrated customer's last review, or the review just completed),
     * else the stored one, else the approval (§3.2). The CustomerLifecycle row mirrors it.
     */
    async beginCycle(r: { customerId: string; workflowId: string; cycle: number; at: string; lastReviewAt?: string; planAgenda: boolean }): Promise<CyclePlan> {
      const c = await customerOf(r.customerId);
      const at = new Date(r.at);
      const stored = await db.customerLifecycle.findUnique({ where: { customerId: c.id } });
      const base = { policyVersion: policy.version, customerType: c.type, segment: c.segment, managerId: c.relationshipManagerId };
      if (c.status === 'CLOSED') return { closed: true, ...base, lastReviewAt: iso(stored?.lastReviewAt ?? at), nextReviewAt: iso(stored?.nextReviewAt ?? at) };
      if (c.status !== 'APPROVED') {
        throw ApplicationFailure.create({ type: 'CustomerNotApproved', message: `customer ${c.id} is ${c.status}: a lifecycle starts at approval (§2.3)`, nonRetryable: true });
      }
      const anchor = r.lastReviewAt ? new Date(r.lastReviewAt) : (stored?.lastReviewAt ?? c.review?.decidedAt ?? c.createdAt);
      const nextReviewAt = nextReviewDue(anchor, c.type, policy);
      await db.$transaction(async (tx) => {
        const data = { lastReviewAt: anchor, nextReviewAt, reviewCycle: r.cycle, policyVersion: policy.version };
        const { count } = await tx.customerLifecycle.createMany({ data: [{ customerId: c.id, workflowId: r.workflowId, startedAt: at, ...data }], skipDuplicates: true });
        if (count === 0) await tx.customerLifecycle.update({ where: { customerId: c.id }, data });
        else {
          await writeAudit(tx, {
            actorStaffId: null,
            action: 'lifecycle.start',
            entity: 'CustomerLifecycle',
            entityId: c.id,
            customerId: c.id,
            changes: { nextReviewAt: { before: null, after: iso(nextReviewAt) }, lastReviewAt: { before: null, after: iso(anchor) } },
            idempotencyKey: `lifecycle.start:${r.workflowId}`,
          });
        }
      });
      return { closed: false, ...base, lastReviewAt: iso(anchor), nextReviewAt: iso(nextReviewAt), ...(r.planAgenda ? { agenda: agendaOf(c, at) } : {}) };
    },

    /** §5.1 when the next contact of `kind` falls after `after` (null: none for this customer). */
    async planContact(r: { customerId: string; kind: ContactKind; after: string }): Promise<{ at: string | null }> {
      return { at: nextContact(await customerOf(r.customerId), r.kind, new Date(r.after)) };
    },

    /**
     * §3.2 the review falls due: a task for the relationship manager (or the service team), its
     * reminder record (digest or own email by policy, a second reminder, escalation to a supervisor
     * when overdue), and the lifecycle row REVIEW_DUE; the workflow then starts the reminder.
     */
    async openReview(r: { customerId: string; workflowId: string; cycle: number; dueAt: string }): Promise<OpenedWork> {
      const c = await customerOf(r.customerId);
      const ladder = reviewLadder(new Date(r.dueAt), policy);
      const id = taskId.review(c.id, r.cycle);
      if (c.status === 'CLOSED') return { closed: true, taskId: id, overdueAt: iso(ladder.overdueAt), ladder: null };
      const reminderKey = await db.$transaction(async (tx) => {
        const who = await workerFor(tx, c);
        const subject = `Periodic review of customer ${c.id}, cycle ${r.cycle + 1} (§3.2)`;
        const { created } = await openTask(tx, {
          id,
          kind: 'PERIODIC_REVIEW',
          subject,
          customerId: c.id,
          assigneeStaffId: who.assigneeStaffId,
          team: who.team,
          dueAt: ladder.dueAt,
          overdueAt: ladder.overdueAt,
          workflowId: r.workflowId,
          policyVersion: policy.version,
        });
        const key = await reminderRecord(tx, {
          key: `review-${c.id}-${r.cycle}`,
          workflowId: r.workflowId,
          staffId: who.remindStaffId,
          escalationStaffId: await supervisorOtherThan(tx, who.remindStaffId),
          subject,
          dueAt: ladder.dueAt,
          escalatesAt: ladder.overdueAt,
          secondReminderAt: ladder.secondReminderAt,
          delivery: policy.lifecycle.reviewDigest ? 'DIGEST' : 'EMAIL',
          taskId: id,
        });
        await tx.customerLifecycle.updateMany({ where: { customerId: c.id, status: { not: 'CLOSED' } }, data: { status: 'REVIEW_DUE', nextReviewAt: ladder.dueAt } });
        if (created) {
          await writeAudit(tx, {
            actorStaffId: null,
            action: 'review.open',
            entity: 'Task',
            entityId: id,
            customerId: c.id,
            changes: { status: { before: null, after: 'OPEN' }, assignee: { before: null, after: who.assigneeStaffId ?? who.team } },
          });
        }
        return key;
      });
      // The reminder goes out at once (after the commit): its own email, or a line in the manager's digest.
      if (reminderKey) await reminding.remindNow({ reminderKey, at: r.dueAt });
      const steps = [
        { step: 'REMIND_AGAIN' as const, at: iso(ladder.secondReminderAt) },
        { step: 'ESCALATE' as const, at: iso(ladder.overdueAt) },
      ];
      return { closed: false, taskId: id, overdueAt: iso(ladder.overdueAt), ladder: reminderKey ? { reminderKey, steps } : null };
    },

    /** §3.2 the review is overdue (its reminder escalates to the supervisor at the same time). */
    async markReviewOverdue(r: { customerId: string; taskId: string; at: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        if (!(await markTaskEscalated(tx, r.taskId, new Date(r.at)))) return;
        await tx.customerLifecycle.updateMany({ where: { customerId: r.customerId, status: 'REVIEW_DUE' }, data: { status: 'REVIEW_OVERDUE' } });
        await writeAudit(tx, { actorStaffId: null, action: 'review.overdue', entity: 'Task', entityId: r.taskId, customerId: r.customerId, changes: { escalatedAt: { before: null, after: r.at } } });
      });
    },

    /**
     * §3.2 the review is done (its findings are on the task, written by src/lifecycle/complete-review.ts):
     * the task closes, and the next review is counted from this completion — a review completed late
     * keeps the cadence from its completion date.
     */
    async recordReviewCompleted(r: { customerId: string; taskId: string; staffId: string; at: string }): Promise<{ cycle: number; completedAt: string; nextReviewAt: string }> {
      const c = await customerOf(r.customerId);
      return db.$transaction(async (tx) => {
        const task = await tx.task.findUnique({ where: { id: r.taskId } });
        if (!task) throw ApplicationFailure.create({ type: 'TaskNotFound', message: `task ${r.taskId} does not exist`, nonRetryable: true });
        const completedAt = task.status === 'DONE' && task.closedAt ? task.closedAt : new Date(r.at);
        const nextReviewAt = nextReviewDue(completedAt, c.type, policy);
        if (await closeTask(tx, { id: r.taskId, status: 'DONE', at: completedAt, byStaffId: r.staffId })) {
          await answerTaskReminders(tx, r.taskId, r.staffId, completedAt);
          const lc = await tx.customerLifecycle.update({
            where: { customerId: c.id },
            data: { status: 'ACTIVE', lastReviewAt: completedAt, nextReviewAt, reviewCycle: { increment: 1 } },
          });
          await writeAudit(tx, {
            actorStaffId: r.staffId,
            action: 'review.complete',
            entity: 'Task',
            entityId: r.taskId,
            customerId: c.id,
            changes: { status: { before: task.status, after: 'DONE' }, nextReviewAt: { before: task.dueAt.toISOString(), after: iso(nextReviewAt) } },
          });
          return { cycle: lc.reviewCycle, completedAt: iso(completedAt), nextReviewAt: iso(nextReviewAt) };
        }
        const lc = await tx.customerLifecycle.findUniqueOrThrow({ where: { customerId: c.id } });
        return { cycle: lc.reviewCycle, completedAt: iso(completedAt), nextReviewAt: iso(nextReviewAt) };
      });
    },

    /**
     * §5.1 a birthday greeting or a news digest, by the customer's preferred channel: email is sent
     * now; SMS and phone become a contact task for a person (src/tasks/), whose outcome they record;
     * a marketing message to a customer who opted out, or one with no usable channel, is recorded as
     * SKIPPED. Every contact lands in the contact history (ContactEvent) once.
     */
    async makeContact(r: { customerId: string; workflowId: string; kind: Exclude<ContactKind, 'QUARTERLY_MEETING'>; at: string }): Promise<{ status: string; channel: string | null; closed?: boolean }> {
      const id = `${r.kind === 'BIRTHDAY_GREETING' ? 'birthday' : 'news'}:${r.customerId}:${r.at}`;
      const done = await db.contactEvent.findUnique({ where: { id } });
      if (done && done.status !== 'FAILED') return { status: done.status, channel: done.channel };
      const c = await customerOf(r.customerId);
      // The customer left and the process was not told (Temporal was down at the close): it ends now.
      if (c.status === 'CLOSED') return { status: 'SKIPPED', channel: null, closed: true };
      const purpose: ContactPurpose = r.kind === 'NEWS_DIGEST' ? 'MARKETING' : 'SERVICE';
      const prefs = contactPreferencesSchema.parse(c.contactPreferences ?? {});
      const channel = contactChannel(prefs, { email: Boolean(c.email), phone: Boolean(c.phone) }, purpose);
      const at = new Date(r.at);
      const event = (status: 'SENT' | 'TASK_OPENED' | 'SKIPPED' | 'FAILED', extra: Partial<Prisma.ContactEventUncheckedCreateInput> = {}) =>
        db.contactEvent.upsert({
          where: { id },
          create: { id, customerId: c.id, kind: r.kind, channel: channel ?? null, status, at, policyVersion: policy.version, ...extra },
          update: { status, channel: channel ?? null, ...extra },
        });
      if (!channel) {
        await event('SKIPPED', { detail: { reason: purpose === 'MARKETING' && prefs.marketingOptOut ? 'MARKETING_OPT_OUT' : 'NO_CHANNEL' } });
        return { status: 'SKIPPED', channel: null };
      }
      const firstName = c.individualProfile?.firstName ?? c.displayName;
      if (channel === 'EMAIL') {
        const email = r.kind === 'BIRTHDAY_GREETING' ? birthdayGreetingEmail(firstName) : newsDigestEmail(firstName, policy.contact.newsDigest[c.segment as 'REGULAR']);
        try {
          await sendEmailOnce(deps, { idempotencyKey: `contact:${id}`, kind: r.kind, toAddress: c.email!, subject: email.subject, body: email.text, html: email.html });
        } catch (err) {
          if (err instanceof ApplicationFailure && err.nonRetryable) {
            await event('FAILED', { detail: { reason: err.type ?? 'REFUSED' } });
            return { status: 'FAILED', channel };
          }
          throw err;
        }
        await event('SENT', { notificationKey: `contact:${id}` });
        return { status: 'SENT', channel };
      }
      return personChannel(channel, { id, customerId: c.id, customer: c, kind: r.kind, at, workflowId: r.workflowId, event });
    },

    /**
     * §5.1 an enterprise's quarterly meeting: the quarter's task for the relationship manager and its
     * reminder record (two reminders, escalation to a supervisor at the quarter's end). The previous
     * quarter's meeting, if still open, is recorded MISSED.
     */
    async openMeeting(r: { customerId: string; workflowId: string; at: string }): Promise<OpenedWork & { quarter: string; nextAt: string; missedTaskIds: string[] }> {
      const c = await customerOf(r.customerId);
      const at = new Date(r.at);
      const q = quarterOf(at, policy);
      const ladder = meetingLadder(q, policy);
      const id = taskId.meeting(c.id, q.id);
      const nextAt = iso(meetingLadder(nextQuarter(q, policy), policy).opensAt);
      if (c.status === 'CLOSED') return { closed: true, taskId: id, overdueAt: iso(q.end), ladder: null, quarter: q.id, nextAt, missedTaskIds: [] };
      return db.$transaction(async (tx) => {
        const stale = await tx.task.findMany({ where: { customerId: c.id, kind: 'RELATIONSHIP_MEETING', status: 'OPEN', id: { not: id } }, select: { id: true } });
        for (const s of stale) {
          if (!(await closeTask(tx, { id: s.id, status: 'MISSED', at, reason: 'the quarter ended without a meeting (§5.1)' }))) continue;
          await writeAudit(tx, { actorStaffId: null, action: 'meeting.missed', entity: 'Task', entityId: s.id, customerId: c.id, changes: { status: { before: 'OPEN', after: 'MISSED' } } });
        }
        const who = await workerFor(tx, c);
        const subject = `Quarterly meeting with customer ${c.id}, ${q.id} (§5.1)`;
        const { created } = await openTask(tx, {
          id,
          kind: 'RELATIONSHIP_MEETING',
          subject,
          customerId: c.id,
          assigneeStaffId: who.assigneeStaffId,
          team: who.team,
          dueAt: q.end,
          overdueAt: q.end,
          workflowId: r.workflowId,
          policyVersion: policy.version,
        });
        const reminderKey = await reminderRecord(tx, {
          key: `meeting-${c.id}-${q.id}`,
          workflowId: r.workflowId,
          staffId: who.remindStaffId,
          escalationStaffId: await supervisorOtherThan(tx, who.remindStaffId),
          subject,
          dueAt: ladder.firstReminderAt,
          escalatesAt: ladder.escalatesAt,
          secondReminderAt: ladder.secondReminderAt,
          delivery: 'EMAIL',
          taskId: id,
        });
        if (created) {
          await writeAudit(tx, { actorStaffId: null, action: 'meeting.open', entity: 'Task', entityId: id, customerId: c.id, changes: { status: { before: null, after: 'OPEN' }, quarter: { before: null, after: q.id } } });
        }
        const steps = [
          { step: 'REMIND' as const, at: iso(ladder.firstReminderAt) },
          { step: 'REMIND_AGAIN' as const, at: iso(ladder.secondReminderAt) },
          { step: 'ESCALATE' as const, at: iso(ladder.escalatesAt) },
        ];
        return { closed: false, taskId: id, overdueAt: iso(q.end), ladder: reminderKey ? { reminderKey, steps } : null, quarter: q.id, nextAt, missedTaskIds: stale.map((s) => s.id) };
      });
    },

    /** §5.1 the meeting was held (date, attendees and notes are on the task): the task closes, the contact history has it. */
    async recordMeetingHeld(r: { customerId: string; taskId: string; staffId: string; at: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const task = await tx.task.findUniqueOrThrow({ where: { id: r.taskId } });
        if (!(await closeTask(tx, { id: r.taskId, status: 'DONE', at: new Date(r.at), byStaffId: r.staffId }))) return;
        await answerTaskReminders(tx, r.taskId, r.staffId, new Date(r.at));
        const outcome = (task.outcome ?? {}) as { heldOn?: string; attendees?: unknown[] };
        await tx.contactEvent.createMany({
          data: [
            {
              id: `meeting:${r.taskId}`,
              customerId: r.customerId,
              kind: 'QUARTERLY_MEETING',
              channel: 'MEETING',
              status: 'SENT',
              at: outcome.heldOn ? new Date(`${outcome.heldOn}T12:00:00Z`) : new Date(r.at),
              staffId: r.staffId,
              taskId: r.taskId,
              detail: { heldOn: outcome.heldOn ?? null, attendees: Array.isArray(outcome.attendees) ? outcome.attendees.length : 0 },
              policyVersion: task.policyVersion,
            },
          ],
          skipDuplicates: true,
        });
        await writeAudit(tx, { actorStaffId: r.staffId, action: 'meeting.held', entity: 'Task', entityId: r.taskId, customerId: r.customerId, changes: { status: { before: 'OPEN', after: 'DONE' } } });
      });
    },

    /** The lifecycle ended (the use case closed the record first): the mirror says CLOSED, open reminders are cancelled. Idempotent. */
    async recordLifecycleClosed(r: { customerId: string; staffId?: string; at: string }): Promise<void> {
      const at = new Date(r.at);
      await db.$transaction(async (tx) => {
        await tx.customerLifecycle.updateMany({ where: { customerId: r.customerId, status: { not: 'CLOSED' } }, data: { status: 'CLOSED', closedAt: at } });
        const tasks = await tx.task.findMany({ where: { customerId: r.customerId }, select: { id: true } });
        await tx.reminder.updateMany({
          where: { taskId: { in: tasks.map((t) => t.id) }, status: { in: ['SCHEDULED', 'DUE'] } },
          data: { status: 'CANCELLED', cancelledAt: at, acknowledgedByStaffId: r.staffId ?? null },
        });
      });
    },

    /**
     * §3.2 dynamic update, after the change was applied (PATCH, deeper profile): the current segment
     * and manager for the search attributes; on a segment change the old and the new manager are told
     * (once per change and manager); a change of §6.1 risk inputs records that a re-assessment is due.
     */
    async noteCustomerChanged(r: { customerId: string; fields: string[]; byStaffId?: string; at: string; known: { segment: string | null; managerId: string | null } }): Promise<{ segment: string | null; managerId: string | null; riskReassessmentDueAt: string | null; notified: string[] }> {
      const c = await customerOf(r.customerId);
      const notified: string[] = [];
      if (c.segment !== r.known.segment) {
        const change = await db.segmentChange.findFirst({ where: { customerId: c.id, toSegment: c.segment ?? undefined }, orderBy: { changedAt: 'desc' } });
        if (change) {
          const managers = [...new Set([r.known.managerId, c.relationshipManagerId].filter((m): m is string => Boolean(m)))];
          for (const staffId of managers) {
            const staff = await db.staffMember.findUnique({ where: { id: staffId } });
            if (!staff) continue;
            const role = managers.length === 1 && r.known.managerId === c.relationshipManagerId ? 'MANAGER' : staffId === c.relationshipManagerId ? 'NEW_MANAGER' : 'OLD_MANAGER';
            const email = segmentChangeEmail(staff, { ...change, customerId: c.id }, role, timeZone);
            await sendEmailOnce(deps, { idempotencyKey: `segment-change:${change.id}:${staffId}`, kind: 'SEGMENT_CHANGE_NOTICE', recipientStaffId: staffId, toAddress: staff.email, subject: email.subject, body: email.text, html: email.html });
            notified.push(staffId);
          }
        }
      }
      let riskReassessmentDueAt: string | null = null;
      const riskInputs = riskInputsAmong(c.type, r.fields);
      if (riskInputs.length > 0) {
        riskReassessmentDueAt = r.at;
        await db.$transaction(async (tx) => {
          await tx.customerLifecycle.updateMany({ where: { customerId: c.id }, data: { riskReassessmentDueAt: new Date(r.at) } });
          await writeAudit(tx, {
            actorStaffId: r.byStaffId ?? null,
            action: 'risk.reassessment_due',
            entity: 'Customer',
            entityId: c.id,
            customerId: c.id,
            changes: { riskInputs: { before: null, after: riskInputs } },
            idempotencyKey: `risk.reassessment_due:${c.id}:${r.at}`,
          });
        });
      }
      return { segment: c.segment, managerId: c.relationshipManagerId, riskReassessmentDueAt, notified };
    },
  };

  /** §5.1 SMS and phone: a person makes the contact — a task for the manager or the service team; its completion records the outcome (src/tasks/complete-task.ts). */
  async function personChannel(
    channel: Exclude<ContactChannel, 'EMAIL'>,
    m: { id: string; customerId: string; customer: Customer; kind: string; at: Date; workflowId: string; event: (status: 'TASK_OPENED', extra: Partial<Prisma.ContactEventUncheckedCreateInput>) => Promise<unknown> },
  ): Promise<{ status: string; channel: string }> {
    const id = taskId.contact(m.customerId, `${m.kind}:${m.at.toISOString()}`);
    await db.$transaction(async (tx) => {
      const who = await workerFor(tx, m.customer);
      await openTask(tx, {
        id,
        kind: 'CUSTOMER_CONTACT',
        subject: `${m.kind} to customer ${m.customerId} by ${channel} (§5.1)`,
        customerId: m.customerId,
        assigneeStaffId: who.assigneeStaffId,
        team: who.team,
        dueAt: m.at,
        overdueAt: new Date(m.at.getTime() + reminderEscalationDelayMs(policy)),
        workflowId: m.workflowId,
        policyVersion: policy.version,
      });
    });
    await m.event('TASK_OPENED', { taskId: id });
    return { status: 'TASK_OPENED', channel };
  }
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
