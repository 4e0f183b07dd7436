/**
 * §5.2 the feedback case's side effects (workflow feedbackCase): assignment and its task, the SLA as
 * the pure rules compute it from the database's pauses (src/domain/sla.ts), the ladder's emails, the
 * changes people make (pause, resume, reassign, reclassify, respond, resolve) and the survey's outcome.
 *
 * Idempotent like every activity: each FeedbackEvent it writes has an idempotency key made of the
 * case, the kind and the workflow's instant for it (`<caseNo>:<kind>:<at>`), so a retry writes
 * nothing more; each email has a notification key (`feedback:<caseNo>:…`), so a retry, a worker
 * killed mid-send or a server restart never sends it twice and never loses it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Prisma } from '../src/db/generated/client';
import type { DbTx } from '../src/db/client';
import { writeAudit } from '../src/audit/audit-log';
import { computeSla, slaClass } from '../src/domain/sla';
import { leastLoadedHandler } from '../src/departments/repository';
import { executiveOnDutyAt } from '../src/departments/rota';
import { feedbackAad } from '../src/feedback/encrypted-fields';
import { caseAssignedEmail, caseEscalationEmail, caseReminderEmail, caseReopenedEmail, caseResolutionEmail, caseResponseEmail, type CaseFacts } from '../src/feedback/emails';
import { bankTimeZone, type Policy } from '../src/policy/policy';
import { decryptField } from '../src/security/crypto';
import type { KeyRing } from '../src/security/keyring';
import { createSurveyToken, surveyUrl } from '../src/security/signed-links';
import { consoleLinks } from '../src/console/links';
import { departmentTeam, openTask, closeTask, taskId } from '../src/tasks/tasks';
import type { CaseSla, CaseState, CaseStatus, LadderStepKind } from '../workflows/feedback/definitions';
import { sendEmailOnce, type NotificationDeps } from './notifications';

export interface FeedbackDeps extends NotificationDeps {
  policy: Policy;
  ring: KeyRing;
  /** Where links in emails point (PUBLIC_BASE_URL): the case for staff, the survey for the customer. */
  publicBaseUrl?: string;
}

const DAY_MS = 86_400_000;
/**
 * A burst of new cases in one department queues on its lock (least-loaded assignment) and on the
 * worker's connections: wait for a connection up to 10 s instead of Prisma's 2 s (P2028 and a retry
 * with backoff, bench:feedback), and give the transaction 30 s.
 */
const TX = { maxWait: 10_000, timeout: 30_000 };
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

type CaseRow = Prisma.FeedbackCaseGetPayload<{ include: { handler: true; department: { include: { head: true } }; customer: true } }>;

export function createFeedbackActivities(deps: FeedbackDeps) {
  const { db, policy, ring } = deps;
  const tz = bankTimeZone(policy);
  const baseUrl = (deps.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');

  async function load(tx: DbTx | typeof db, caseNo: string): Promise<CaseRow> {
    const c = await tx.feedbackCase.findUnique({ where: { caseNo }, include: { handler: true, department: { include: { head: true } }, customer: true } });
    if (!c) throw ApplicationFailure.create({ type: 'CaseNotFound', message: `feedback case ${caseNo} does not exist`, nonRetryable: true });
    return c;
  }

  /** The SLA round: 0 from registration, +1 per reopening; its clock starts at the latest of them. */
  async function slaOf(tx: DbTx | typeof db, c: CaseRow): Promise<{ sla: CaseSla; slaRound: number; round: number }> {
    const events = await tx.feedbackEvent.findMany({ where: { caseNo: c.caseNo, kind: { in: ['PAUSED', 'RESUMED', 'REOPENED', 'RESOLVED'] } }, orderBy: [{ at: 'asc' }, { id: 'asc' }], select: { kind: true, at: true } });
    const reopenings = events.filter((e) => e.kind === 'REOPENED');
    const clockStart = reopenings.at(-1)?.at ?? c.registeredAt;
    const pauses: { from: Date; to?: Date }[] = [];
    for (const e of events) {
      if (e.at < clockStart) continue;
      if (e.kind === 'PAUSED' && (pauses.length === 0 || pauses.at(-1)!.to)) pauses.push({ from: e.at });
      if (e.kind === 'RESUMED' && pauses.length && !pauses.at(-1)!.to) pauses.at(-1)!.to = e.at;
    }
    const kind = slaClass(c.customerType, c.complexity);
    const s = computeSla({ registeredAt: clockStart, pauses, kind, policy });
    return {
      slaRound: reopenings.length,
      round: events.filter((e) => e.kind === 'RESOLVED').length,
      sla: {
        kind,
        policyVersion: policy.version,
        clockStartAt: clockStart.toISOString(),
        targetAt: iso(s.targetAt),
        hardLimitAt: iso(s.hardLimitAt),
        executiveAt: iso(s.executiveAt),
        reminderAts: s.reminderAts.map((d) => iso(d)),
        paused: s.paused,
      },
    };
  }

  /** The workflow's view of the case; `computed`: its SLA as slaOf gave it, when no event was written since. */
  async function stateOf(tx: DbTx | typeof db, caseNo: string, computed?: Awaited<ReturnType<typeof slaOf>>): Promise<Omit<CaseState, 'done' | 'attention'>> {
    const c = await load(tx, caseNo);
    const { sla, slaRound, round } = computed ?? (await slaOf(tx, c));
    await tx.feedbackCase.updateMany({
      where: { caseNo },
      data: { targetAt: sla.targetAt ? new Date(sla.targetAt) : null, hardLimitAt: sla.hardLimitAt ? new Date(sla.hardLimitAt) : null, policyVersion: policy.version },
    });
    return {
      caseNo,
      status: c.status,
      departmentCode: c.departmentCode,
      handlerStaffId: c.handlerStaffId,
      customerId: c.customerId,
      round,
      slaRound,
      sla,
      firstResponseAt: iso(c.firstResponseAt),
      escalationLevel: c.escalationLevel,
      resolvedAt: iso(c.resolvedAt),
      surveyUntil: c.resolvedAt ? new Date(c.resolvedAt.getTime() + policy.feedback.surveyLinkValidDays * DAY_MS).toISOString() : null,
    };
  }

  function factsOf(c: CaseRow, sla?: CaseSla): CaseFacts {
    return {
      caseNo: c.caseNo,
      category: c.category,
      severity: c.severity,
      departmentCode: c.departmentCode,
      registeredAt: c.registeredAt,
      targetAt: sla ? (sla.targetAt ? new Date(sla.targetAt) : null) : c.targetAt,
      hardLimitAt: sla ? (sla.hardLimitAt ? new Date(sla.hardLimitAt) : null) : c.hardLimitAt,
      handlerName: c.handler?.name ?? null,
      url: consoleLinks(baseUrl).feedbackCase(c.caseNo), // issue 12: the case's page in the staff console
    };
  }

  /** The customer's name and address: a known customer's record, or the contact a non-customer left. */
  function customerContact(c: CaseRow): { name: string | null; email: string | null } {
    if (c.customer) return { name: c.customer.displayName, email: c.customer.email };
    return {
      name: c.contactNameCiphertext ? decryptField(ring, c.contactNameCiphertext, feedbackAad.caseField('contactName', c.caseNo)) : null,
      email: c.contactEmailCiphertext ? decryptField(ring, c.contactEmailCiphertext, feedbackAad.caseField('contactEmail', c.caseNo)) : null,
    };
  }

  async function eventBody(caseNo: string, eventId: string, kind: 'RESPONSE' | 'RESOLVED'): Promise<{ body: string; at: Date; actorStaffId: string | null }> {
    const e = await db.feedbackEvent.findUnique({ where: { id: BigInt(eventId) } });
    if (!e || e.caseNo !== caseNo || e.kind !== kind) throw ApplicationFailure.create({ type: 'EventNotFound', message: `no ${kind} event ${eventId} on case ${caseNo}`, nonRetryable: true });
    const body = e.bodyCiphertext && e.idempotencyKey ? decryptField(ring, e.bodyCiphertext, feedbackAad.eventBody(caseNo, e.idempotencyKey)) : '';
    return { body, at: e.at, actorStaffId: e.actorStaffId };
  }

  /** Writes one timeline event once (its key), with its audit row; false when it was written before. */
  async function event(tx: DbTx, caseNo: string, kind: Prisma.FeedbackEventCreateManyInput['kind'], at: Date, key: string, extra: { actorStaffId?: string | null; reason?: string | null; internal?: boolean; data?: Prisma.InputJsonValue } = {}): Promise<boolean> {
    const { count } = await tx.feedbackEvent.createMany({
      data: [{ caseNo, kind, at, idempotencyKey: key, actorStaffId: extra.actorStaffId ?? null, reason: extra.reason ?? null, internal: extra.internal ?? false, ...(extra.data !== undefined ? { data: extra.data } : {}) }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  async function openCaseTask(tx: DbTx, c: CaseRow, handlerStaffId: string | null, slaRound: number, sla: CaseSla, workflowId: string): Promise<void> {
    await openTask(tx, {
      id: taskId.feedback(c.caseNo, slaRound),
      kind: 'FEEDBACK_CASE',
      subject: `Feedback case ${c.caseNo}: ${c.category} / ${c.severity}${slaRound ? ` (reopened ${slaRound})` : ''} (§5.2)`,
      ...(c.customerId ? { customerId: c.customerId } : {}),
      assigneeStaffId: handlerStaffId,
      team: handlerStaffId ? null : departmentTeam(c.departmentCode),
      dueAt: sla.targetAt ? new Date(sla.targetAt) : c.registeredAt,
      overdueAt: sla.hardLimitAt ? new Date(sla.hardLimitAt) : null,
      workflowId,
      policyVersion: policy.version,
    });
  }

  async function notifyAssigned(caseNo: string, slaRound: number): Promise<void> {
    const c = await load(db, caseNo);
    if (!c.handler) return;
    const email = caseAssignedEmail(c.handler, factsOf(c), tz);
    await sendEmailOnce(deps, { idempotencyKey: `feedback:${caseNo}:${slaRound}:assigned:${c.handler.id}`, kind: 'FEEDBACK_ASSIGNED', recipientStaffId: c.handler.id, toAddress: c.handler.email, subject: email.subject, body: email.text, html: email.html });
  }

  return {
    /**
     * The case begins: a handler (the one named at registration, else the department's least-loaded
     * member who handles feedback), its task, the SLA. Returns the workflow's first state.
     */
    async beginCase({ caseNo, workflowId }: { caseNo: string; workflowId: string }): Promise<CaseState> {
      const state = await db.$transaction(async (tx) => {
        const c = await load(tx, caseNo);
        const computed = await slaOf(tx, c);
        const { sla, slaRound } = computed;
        let handler = c.handlerStaffId;
        if (c.status === 'REGISTERED') {
          handler ??= await leastLoadedHandler(tx, c.departmentCode);
          await tx.feedbackCase.update({ where: { caseNo }, data: { handlerStaffId: handler, status: handler ? 'IN_PROGRESS' : 'REGISTERED', version: { increment: 1 } } });
          if (handler && (await event(tx, caseNo, 'ASSIGNED', c.registeredAt, `${caseNo}:ASSIGNED:begin`, { data: { handlerStaffId: handler, how: c.handlerStaffId ? 'EXPLICIT' : 'LEAST_LOADED' } }))) {
            await writeAudit(tx, { actorStaffId: null, action: 'feedback.assign', entity: 'FeedbackCase', entityId: caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes: { handlerStaffId: { before: null, after: handler } } });
          }
        }
        await openCaseTask(tx, c, handler, slaRound, sla, workflowId);
        // Assignment writes no pause, resume or reopening: the SLA computed above stands.
        return stateOf(tx, caseNo, computed);
      }, TX);
      await notifyAssigned(caseNo, state.slaRound);
      return { ...state, done: [] };
    },

    /**
     * One rung of the ladder at its instant: a reminder to the handler, the department head at the
     * deadline (level 1), the executive on duty at that instant (level 2; the rota's fallback when
     * nobody is on it). Skipped when a response was recorded meanwhile. Once per key.
     */
    async escalateCase(r: { caseNo: string; slaRound: number; step: LadderStepKind; index: number; dueAt: string; targetAt: string | null; hardLimitAt: string | null }): Promise<{ level: number; sent: number }> {
      const c = await load(db, r.caseNo);
      const level = r.step === 'HEAD' ? 1 : r.step === 'EXECUTIVE' ? 2 : 0;
      const responded = c.firstResponseAt || (await db.feedbackEvent.count({ where: { caseNo: r.caseNo, kind: 'RESPONSE' } })) > 0;
      if (responded || c.status === 'RESOLVED' || c.status === 'CLOSED') return { level: c.escalationLevel, sent: 0 };
      const facts = { ...factsOf(c), targetAt: r.targetAt ? new Date(r.targetAt) : null, hardLimitAt: r.hardLimitAt ? new Date(r.hardLimitAt) : null };
      const dueAt = new Date(r.dueAt);
      const key = `feedback:${r.caseNo}:${r.slaRound}:${r.step}:${r.index}`;
      let recipients: { id: string; name: string; email: string }[];
      let note: string | null = null;
      if (r.step === 'REMINDER') recipients = c.handler ? [c.handler] : [c.department.head];
      else if (r.step === 'HEAD') recipients = [c.department.head];
      else {
        const onDuty = await executiveOnDutyAt(db, dueAt);
        recipients = onDuty.escalateTo;
        note = onDuty.reason;
      }
      // An escalation is a change of the case (level, timeline, audit); a reminder is only its email.
      if (level > 0) {
        await db.$transaction(async (tx) => {
          await tx.feedbackCase.updateMany({ where: { caseNo: r.caseNo, escalationLevel: { lt: level } }, data: { escalationLevel: level, version: { increment: 1 } } });
          if (await event(tx, r.caseNo, 'ESCALATED', dueAt, key, { internal: true, data: { step: r.step, level, notified: recipients.map((s) => s.id), ...(note ? { fallback: note } : {}) } })) {
            await writeAudit(tx, { actorStaffId: null, action: 'feedback.escalate', entity: 'FeedbackCase', entityId: r.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes: { escalationLevel: { before: c.escalationLevel, after: level } } });
          }
        }, TX);
      }
      for (const to of recipients) {
        const email = r.step === 'REMINDER' ? caseReminderEmail(to, facts, r.index + 1, tz) : caseEscalationEmail(to, facts, r.step, tz, note);
        await sendEmailOnce(deps, { idempotencyKey: `${key}:${to.id}`, kind: r.step === 'REMINDER' ? 'FEEDBACK_REMINDER' : 'FEEDBACK_ESCALATION', recipientStaffId: to.id, toAddress: to.email, subject: email.subject, body: email.text, html: email.html });
      }
      return { level: Math.max(level, c.escalationLevel), sent: recipients.length };
    },

    /** A change a person made, recorded once at the workflow's instant `at`; the SLA recomputed. */
    async recordCaseChange(r: {
      caseNo: string;
      at: string;
      kind: 'respond' | 'pause' | 'resume' | 'reassign' | 'reclassify' | 'resolve';
      staffId: string;
      reason?: string;
      eventId?: string;
      toStaffId?: string;
      departmentCode?: string;
    }): Promise<Omit<CaseState, 'done' | 'attention'>> {
      const at = new Date(r.at);
      const key = `${r.caseNo}:${r.kind}:${r.at}`;
      const audit = (tx: DbTx, c: CaseRow, action: 'feedback.pause' | 'feedback.resume' | 'feedback.reassign' | 'feedback.respond' | 'feedback.resolve', changes: Record<string, { before: unknown; after: unknown }>) =>
        writeAudit(tx, { actorStaffId: r.staffId, action, entity: 'FeedbackCase', entityId: r.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes: changes });
      const workingStatus = (c: CaseRow): CaseStatus => (c.firstResponseAt ? 'RESPONDED' : c.reopenCount > 0 ? 'REOPENED' : c.handlerStaffId ? 'IN_PROGRESS' : 'REGISTERED');

      let email: { to: string; subject: string; text: string; html: string; key: string } | undefined;
      let assigned: number | undefined;
      const state = await db.$transaction(async (tx) => {
        const c = await load(tx, r.caseNo);
        switch (r.kind) {
          case 'pause':
            if (await event(tx, r.caseNo, 'PAUSED', at, key, { actorStaffId: r.staffId, reason: r.reason ?? null })) {
              await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { status: 'WAITING_ON_CUSTOMER', pausedAt: at, version: { increment: 1 } } });
              await audit(tx, c, 'feedback.pause', { status: { before: c.status, after: 'WAITING_ON_CUSTOMER' } });
            }
            break;
          case 'resume':
            if (await event(tx, r.caseNo, 'RESUMED', at, key, { actorStaffId: r.staffId, reason: r.reason ?? null })) {
              const status = workingStatus(c);
              await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { status, pausedAt: null, version: { increment: 1 } } });
              await audit(tx, c, 'feedback.resume', { status: { before: c.status, after: status } });
            }
            break;
          case 'reclassify':
            // The use case changed the classification (and wrote RECLASSIFIED); the SLA follows below.
            break;
          case 'reassign': {
            const departmentCode = r.departmentCode ?? c.departmentCode;
            const handler = r.toStaffId ?? (await leastLoadedHandler(tx, departmentCode));
            if (await event(tx, r.caseNo, 'REASSIGNED', at, key, { actorStaffId: r.staffId, reason: r.reason ?? null, data: { from: { departmentCode: c.departmentCode, handlerStaffId: c.handlerStaffId }, to: { departmentCode, handlerStaffId: handler } } })) {
              await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { departmentCode, handlerStaffId: handler, version: { increment: 1 }, ...(c.status === 'REGISTERED' && handler ? { status: 'IN_PROGRESS' } : {}) } });
              await audit(tx, c, 'feedback.reassign', { departmentCode: { before: c.departmentCode, after: departmentCode }, handlerStaffId: { before: c.handlerStaffId, after: handler } });
              const { slaRound } = await slaOf(tx, c);
              const task = taskId.feedback(r.caseNo, slaRound);
              await tx.task.updateMany({ where: { id: task, status: 'OPEN' }, data: { assigneeStaffId: handler, team: handler ? null : departmentTeam(departmentCode) } });
              assigned = slaRound;
            }
            break;
          }
          case 'respond': {
            const e = await eventBody(r.caseNo, r.eventId!, 'RESPONSE');
            const first = !c.firstResponseAt;
            if (first) {
              await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { firstResponseAt: e.at, version: { increment: 1 }, ...(c.status === 'WAITING_ON_CUSTOMER' ? {} : { status: 'RESPONDED' }) } });
              await audit(tx, c, 'feedback.respond', { firstResponseAt: { before: null, after: e.at.toISOString() } });
            }
            const to = customerContact(c);
            if (to.email) {
              const m = caseResponseEmail(to, r.caseNo, e.body);
              email = { to: to.email, subject: m.subject, text: m.text, html: m.html, key: `feedback:${r.caseNo}:response:${r.eventId}` };
            }
            break;
          }
          case 'resolve': {
            const e = await eventBody(r.caseNo, r.eventId!, 'RESOLVED');
            const { slaRound } = await slaOf(tx, c);
            if (c.status !== 'RESOLVED') {
              await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { status: 'RESOLVED', resolvedAt: e.at, pausedAt: null, version: { increment: 1 } } });
              await closeTask(tx, { id: taskId.feedback(r.caseNo, slaRound), status: 'DONE', at: e.at, byStaffId: r.staffId, reason: 'resolved' });
              await audit(tx, c, 'feedback.resolve', { status: { before: c.status, after: 'RESOLVED' } });
            }
            const to = customerContact(c);
            if (to.email) {
              const round = await tx.feedbackEvent.count({ where: { caseNo: r.caseNo, kind: 'RESOLVED', at: { lte: e.at } } });
              const until = new Date(e.at.getTime() + policy.feedback.surveyLinkValidDays * DAY_MS);
              const url = surveyUrl(baseUrl, createSurveyToken({ caseNo: r.caseNo, round, expiresAt: until }, ring));
              const m = caseResolutionEmail(to, r.caseNo, e.body, { url, until }, tz);
              email = { to: to.email, subject: m.subject, text: m.text, html: m.html, key: `feedback:${r.caseNo}:resolution:${r.eventId}` };
            }
            break;
          }
        }
        return stateOf(tx, r.caseNo);
      }, TX);
      if (email) await sendEmailOnce(deps, { idempotencyKey: email.key, kind: r.kind === 'respond' ? 'FEEDBACK_RESPONSE' : 'FEEDBACK_RESOLUTION', toAddress: email.to, subject: email.subject, body: email.text, html: email.html });
      if (assigned !== undefined) await notifyAssigned(r.caseNo, assigned);
      return state;
    },

    /**
     * The survey's outcome for `round`: a score at or below the policy's lowSatisfactionScore reopens
     * the case (a new SLA round and task, the department head — the handler's supervisor — told);
     * a better score, or none within the survey window, closes it.
     */
    async followUpSurvey(r: { caseNo: string; round: number; at: string; score?: number }): Promise<Omit<CaseState, 'done' | 'attention'>> {
      const at = new Date(r.at);
      // No signal in time: an answer the survey endpoint recorded but could not signal still counts.
      const score = r.score ?? (await db.surveyResponse.findUnique({ where: { caseNo_round: { caseNo: r.caseNo, round: r.round } }, select: { score: true } }))?.score;
      const low = score !== undefined && score <= policy.feedback.lowSatisfactionScore;
      let reopened: { slaRound: number; sla: CaseSla } | undefined;
      const state = await db.$transaction(async (tx) => {
        const c = await load(tx, r.caseNo);
        if (low) {
          if (await event(tx, r.caseNo, 'REOPENED', at, `${r.caseNo}:REOPENED:${r.round}`, { reason: `satisfaction score ${score} of 5`, data: { round: r.round, score: score } })) {
            await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { status: 'REOPENED', reopenCount: { increment: 1 }, firstResponseAt: null, resolvedAt: null, escalationLevel: 0, version: { increment: 1 } } });
            await writeAudit(tx, { actorStaffId: null, action: 'feedback.reopen', entity: 'FeedbackCase', entityId: r.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes: { status: { before: c.status, after: 'REOPENED' } } });
          }
          const fresh = await load(tx, r.caseNo);
          const { sla, slaRound } = await slaOf(tx, fresh);
          await openCaseTask(tx, fresh, fresh.handlerStaffId, slaRound, sla, fresh.workflowId);
          reopened = { slaRound, sla };
        } else if (await event(tx, r.caseNo, 'CLOSED', at, `${r.caseNo}:CLOSED:${r.round}`, { data: { round: r.round, score: score ?? null } })) {
          await tx.feedbackCase.update({ where: { caseNo: r.caseNo }, data: { status: 'CLOSED', closedAt: at, version: { increment: 1 } } });
          await writeAudit(tx, { actorStaffId: null, action: 'feedback.close', entity: 'FeedbackCase', entityId: r.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes: { status: { before: c.status, after: 'CLOSED' } } });
        }
        return stateOf(tx, r.caseNo);
      }, TX);
      if (reopened) {
        const c = await load(db, r.caseNo);
        const m = caseReopenedEmail(c.department.head, factsOf(c, reopened.sla), score!, tz);
        await sendEmailOnce(deps, { idempotencyKey: `feedback:${r.caseNo}:${reopened.slaRound}:reopened`, kind: 'FEEDBACK_REOPENED', recipientStaffId: c.department.head.id, toAddress: c.department.head.email, subject: m.subject, body: m.text, html: m.html });
        await notifyAssigned(r.caseNo, reopened.slaRound);
      }
      return state;
    },
  };
}

export type FeedbackActivities = ReturnType<typeof createFeedbackActivities>;
