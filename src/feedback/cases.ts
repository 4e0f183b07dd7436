/**
 * §5.2 feedback cases as the use cases of src/feedback/ share them: who may do what (§3.1), the input
 * pieces their zod schemas are made of, the case view (decrypted for staff allowed to see it) with
 * its timeline and live state, and how a use case messages the case's workflow `feedback-<caseNo>`.
 *
 * Who (§3.1 "access is granted by role and need"):
 * - registers: CUSTOMER_SERVICE (and SUPERVISOR, ADMIN) on the HOTLINE; any authenticated staff
 *   member for ONLINE (the online platform's own key) and SUGGESTION_BOX (batch entry);
 * - sees a case in clear: the members and head of its department, its handler, CUSTOMER_SERVICE,
 *   SUPERVISOR, ADMIN, AUDITOR (others 403);
 * - handles it (respond, note, pause, resume, reclassify, resolve): the members and head of its
 *   department, its handler, SUPERVISOR, ADMIN;
 * - reassigns it: SUPERVISOR, ADMIN.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db, DbTx } from '../db/client';
import type { FeedbackCase, FeedbackEvent, StaffRole } from '../db/generated/client';
import { remaining, slaClass, slaClock, type SlaClock, type SlaKind, type SlaPause } from '../domain/sla';
import { FEEDBACK_COMPLEXITIES, FEEDBACK_CUSTOMER_TYPES, type Policy } from '../policy/policy';
import { ForbiddenError, type Actor } from '../security/auth';
import { decryptField, encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError } from '../shared/errors';
import { outageOf } from '../api/outage';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { caseStateQuery, feedbackWorkflowId, transitionRejection, type CaseState, type CaseStatus } from '../../workflows/feedback/definitions';
import { feedbackAad, newEventKey, type CaseField } from './encrypted-fields';

export interface FeedbackDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

/** §5.2 the service hotline is entered by CUSTOMER_SERVICE (supervisors and admins stand in). */
export const HOTLINE_ROLES = ['CUSTOMER_SERVICE', 'SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];
/** See every case in clear, whatever its department. */
export const FEEDBACK_VIEW_ROLES = ['CUSTOMER_SERVICE', 'SUPERVISOR', 'ADMIN', 'AUDITOR'] as const satisfies readonly StaffRole[];
/** Handle every case, whatever its department. */
export const FEEDBACK_HANDLE_ROLES = ['SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];
/** Move a case to another handler or department. */
export const FEEDBACK_REASSIGN_ROLES = ['SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];

const holds = (actor: Actor, roles: readonly StaffRole[]) => actor.roles.some((r) => roles.includes(r));

/** The departments the actor heads or is a member of. */
export async function departmentsOf(db: Db | DbTx, staffId: string): Promise<string[]> {
  const [member, head] = await Promise.all([
    db.departmentMember.findMany({ where: { staffId }, select: { departmentCode: true } }),
    db.department.findMany({ where: { headStaffId: staffId }, select: { code: true } }),
  ]);
  return [...new Set([...member.map((m) => m.departmentCode), ...head.map((d) => d.code)])];
}

type CaseRef = Pick<FeedbackCase, 'caseNo' | 'departmentCode' | 'handlerStaffId'>;

/** The actor's tie to the case: its handler, or a member or the head of its department. */
async function tiedTo(db: Db | DbTx, actor: Actor, c: CaseRef): Promise<boolean> {
  if (c.handlerStaffId === actor.staffId) return true;
  const [member, head] = await Promise.all([
    db.departmentMember.findUnique({ where: { departmentCode_staffId: { departmentCode: c.departmentCode, staffId: actor.staffId } }, select: { staffId: true } }),
    db.department.findFirst({ where: { code: c.departmentCode, headStaffId: actor.staffId }, select: { code: true } }),
  ]);
  return member !== null || head !== null;
}

export async function requireView(db: Db | DbTx, actor: Actor, c: CaseRef): Promise<void> {
  if (holds(actor, FEEDBACK_VIEW_ROLES) || (await tiedTo(db, actor, c))) return;
  throw new ForbiddenError(
    `staff member ${actor.staffId} may not see feedback case ${c.caseNo}: only the members and head of department ${c.departmentCode}, its handler, or ${FEEDBACK_VIEW_ROLES.join(', ')} may`,
  );
}

export async function requireHandle(db: Db | DbTx, actor: Actor, c: CaseRef, what: string): Promise<void> {
  if (holds(actor, FEEDBACK_HANDLE_ROLES) || (await tiedTo(db, actor, c))) return;
  throw new ForbiddenError(
    `staff member ${actor.staffId} may not ${what} feedback case ${c.caseNo}: only the members and head of department ${c.departmentCode}, its handler, or ${FEEDBACK_HANDLE_ROLES.join(', ')} may`,
  );
}

// ---------------------------------------------------------------------------------------------
// Input pieces (the zod schemas of the use cases are made of these)
// ---------------------------------------------------------------------------------------------

export const staffIdField = z.string({ error: 'text: a staff id' }).trim().min(1, 'a staff id').max(64, 'at most 64 characters');
export const reasonField = z.string({ error: 'text: why' }).trim().min(1, 'must not be blank: say why').max(500, 'at most 500 characters');
/** A response, note or resolution: free text, stored encrypted. */
export const bodyText = (what: string) => z.string({ error: `text: ${what}` }).trim().min(1, `must not be blank: ${what}`).max(10_000, 'at most 10000 characters');
export const complexityField = z.enum(FEEDBACK_COMPLEXITIES, { error: `one of ${FEEDBACK_COMPLEXITIES.join(', ')}` });
export const customerTypeField = z.enum(FEEDBACK_CUSTOMER_TYPES, { error: `one of ${FEEDBACK_CUSTOMER_TYPES.join(', ')}` });
/** A category of the policy (§5.2 "every item is classified"). */
export const categoryField = (policy: Policy) => z.enum(policy.feedback.categories as [string, ...string[]], { error: `one of the policy's categories: ${policy.feedback.categories.join(', ')}` });
export const severityField = (policy: Policy) => z.enum(policy.feedback.severities as [string, ...string[]], { error: `one of the policy's severities: ${policy.feedback.severities.join(', ')}` });

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

export const caseNotFound = (caseNo: string) => new NotFoundError(`feedback case ${caseNo} does not exist`);

export async function findCase(db: Db | DbTx, caseNo: string): Promise<FeedbackCase> {
  const row = typeof caseNo === 'string' && caseNo.length <= 40 ? await db.feedbackCase.findUnique({ where: { caseNo } }) : null;
  if (!row) throw caseNotFound(caseNo);
  return row;
}

/** A case still needing work (as the workflow counts it). */
export const OPEN_STATUSES: readonly CaseStatus[] = ['REGISTERED', 'IN_PROGRESS', 'RESPONDED', 'REOPENED', 'WAITING_ON_CUSTOMER'];

// ---------------------------------------------------------------------------------------------
// Timeline events with a body
// ---------------------------------------------------------------------------------------------

/** Writes a RESPONSE, NOTE or RESOLVED event, its body encrypted under `FeedbackEvent.body:<caseNo>:<key>`. */
export async function writeBodyEvent(
  tx: DbTx,
  ring: KeyRing,
  e: { caseNo: string; kind: 'RESPONSE' | 'NOTE' | 'RESOLVED'; actorStaffId: string; at: Date; body: string; internal?: boolean },
): Promise<FeedbackEvent> {
  const idempotencyKey = newEventKey(e.caseNo, e.kind);
  return tx.feedbackEvent.create({
    data: {
      caseNo: e.caseNo,
      kind: e.kind,
      actorStaffId: e.actorStaffId,
      at: e.at,
      internal: e.internal ?? false,
      idempotencyKey,
      bodyCiphertext: encryptField(ring, e.body, feedbackAad.eventBody(e.caseNo, idempotencyKey)),
    },
  });
}

export const encryptCaseField = (ring: KeyRing, field: CaseField, caseNo: string, value: string) => encryptField(ring, value, feedbackAad.caseField(field, caseNo));
const decryptCaseField = (ring: KeyRing, field: CaseField, caseNo: string, token: string | null) => (token === null ? null : decryptField(ring, token, feedbackAad.caseField(field, caseNo)));

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

export interface TimelineEntry {
  id: string;
  kind: string;
  at: string;
  actorStaffId: string | null;
  reason: string | null;
  /** An internal note: never shown or sent to the customer. */
  internal: boolean;
  /** The response, note or resolution text (decrypted); null for events without one. */
  body: string | null;
  /** Ids, codes and times: { departmentCode, routingRuleId, policyVersion }, { from, to }, … */
  data: unknown;
}

/** What the case's process says now (workflow query `state`), or the database's record of it once the process is closed. */
export interface LiveState {
  source: 'workflow' | 'database';
  status: string;
  departmentCode: string;
  handlerStaffId: string | null;
  slaKind: SlaKind;
  /** WALL: clock hours (an individual's case); BUSINESS: business time (an enterprise's). */
  clock: SlaClock;
  /** The response deadline (the department head is escalated to at it); null while paused if not reached before the pause. */
  deadline: string | null;
  hardLimitAt: string | null;
  paused: boolean;
  /**
   * Clock time left until the deadline, in the clock's units (ms of wall time, or of business time);
   * negative once it has passed; null when the first response met it or the case is resolved or closed.
   */
  remainingMs: number | null;
  /** 0 none, 1 department head, 2 executive on duty. */
  escalationLevel: number;
  firstResponseAt: string | null;
  /** The step that failed for good and waits for an operator, if any. */
  needsAttention: string | null;
}

export interface FeedbackCaseView {
  caseNo: string;
  channel: string;
  status: string;
  customerId: string | null;
  customerType: string;
  /** A non-customer's contact details (decrypted); null for a known customer. */
  contact: { name: string | null; email: string | null; phone: string | null } | null;
  category: string;
  severity: string;
  complexity: string;
  summary: string;
  description: string | null;
  departmentCode: string;
  routingRuleId: string;
  handlerStaffId: string | null;
  registeredByStaffId: string | null;
  registeredAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  targetAt: string | null;
  hardLimitAt: string | null;
  pausedAt: string | null;
  /** No first response by the deadline (§5.2 a missed deadline). */
  breached: boolean;
  escalationLevel: number;
  reopenCount: number;
  policyVersion: string;
  workflowId: string;
  version: number;
  live: LiveState;
  timeline: TimelineEntry[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** §5.2 a missed deadline: no first response by the target. */
export function isBreached(c: Pick<FeedbackCase, 'targetAt' | 'firstResponseAt'>, now: Date): boolean {
  if (!c.targetAt) return false;
  return c.firstResponseAt ? c.firstResponseAt > c.targetAt : c.targetAt < now;
}

function timelineOf(ring: KeyRing, events: FeedbackEvent[]): TimelineEntry[] {
  return events.map((e) => ({
    id: String(e.id),
    kind: e.kind,
    at: e.at.toISOString(),
    actorStaffId: e.actorStaffId,
    reason: e.reason,
    internal: e.internal,
    body: e.bodyCiphertext && e.idempotencyKey ? decryptField(ring, e.bodyCiphertext, feedbackAad.eventBody(e.caseNo, e.idempotencyKey)) : null,
    data: e.data ?? null,
  }));
}

/** The pauses of the SLA round that started at `clockStart` (PAUSED/RESUMED events, as the activity reads them). */
function pausesSince(events: readonly Pick<FeedbackEvent, 'kind' | 'at'>[], clockStart: Date): SlaPause[] {
  const pauses: { from: Date; to?: Date }[] = [];
  for (const e of [...events].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (e.at < clockStart) continue;
    const last = pauses.at(-1);
    if (e.kind === 'PAUSED' && (!last || last.to)) pauses.push({ from: e.at });
    if (e.kind === 'RESUMED' && last && !last.to) last.to = e.at;
  }
  return pauses;
}

/** The live state: the workflow's, else the database's; remaining clock time by src/domain/sla.ts. */
export function liveStateOf(c: FeedbackCase, events: readonly FeedbackEvent[], live: CaseState | undefined, policy: Policy, now: Date): LiveState {
  const kind = live?.sla.kind ?? slaClass(c.customerType, c.complexity);
  const lastReopening = events.filter((e) => e.kind === 'REOPENED').at(-1)?.at;
  const clockStart = live ? new Date(live.sla.clockStartAt) : (lastReopening ?? c.registeredAt);
  const status = live?.status ?? c.status;
  const firstResponseAt = live ? live.firstResponseAt : iso(c.firstResponseAt);
  let remainingMs: number | null = null;
  if (!firstResponseAt && (OPEN_STATUSES as readonly string[]).includes(status)) {
    try {
      remainingMs = remaining({ registeredAt: clockStart, pauses: pausesSince(events, clockStart), kind, policy, now });
    } catch {
      remainingMs = null; // a timeline the SLA rules cannot read (should not happen): no figure rather than a wrong one
    }
  }
  return {
    source: live ? 'workflow' : 'database',
    status,
    departmentCode: live?.departmentCode ?? c.departmentCode,
    handlerStaffId: live ? live.handlerStaffId : c.handlerStaffId,
    slaKind: kind,
    clock: slaClock(kind),
    deadline: live ? live.sla.targetAt : iso(c.targetAt),
    hardLimitAt: live ? live.sla.hardLimitAt : iso(c.hardLimitAt),
    paused: live ? live.sla.paused : c.status === 'WAITING_ON_CUSTOMER',
    remainingMs,
    escalationLevel: live?.escalationLevel ?? c.escalationLevel,
    firstResponseAt,
    needsAttention: live?.attention ? `${live.attention.step}: ${live.attention.errorType}` : null,
  };
}

/** The case in clear, with its timeline (oldest first) and live state. The caller has checked the actor may see it. */
export async function caseView(deps: Pick<FeedbackDeps, 'db' | 'ring' | 'policy' | 'clock'>, c: FeedbackCase, live: CaseState | undefined): Promise<FeedbackCaseView> {
  const { ring } = deps;
  const events = await deps.db.feedbackEvent.findMany({ where: { caseNo: c.caseNo }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  const now = deps.clock.now();
  const known = c.customerId !== null;
  return {
    caseNo: c.caseNo,
    channel: c.channel,
    status: c.status,
    customerId: c.customerId,
    customerType: c.customerType,
    contact: known
      ? null
      : {
          name: decryptCaseField(ring, 'contactName', c.caseNo, c.contactNameCiphertext),
          email: decryptCaseField(ring, 'contactEmail', c.caseNo, c.contactEmailCiphertext),
          phone: decryptCaseField(ring, 'contactPhone', c.caseNo, c.contactPhoneCiphertext),
        },
    category: c.category,
    severity: c.severity,
    complexity: c.complexity,
    summary: decryptCaseField(ring, 'summary', c.caseNo, c.summaryCiphertext) ?? '',
    description: decryptCaseField(ring, 'description', c.caseNo, c.descriptionCiphertext),
    departmentCode: c.departmentCode,
    routingRuleId: c.routingRuleId,
    handlerStaffId: c.handlerStaffId,
    registeredByStaffId: c.registeredByStaffId,
    registeredAt: c.registeredAt.toISOString(),
    firstResponseAt: iso(c.firstResponseAt),
    resolvedAt: iso(c.resolvedAt),
    closedAt: iso(c.closedAt),
    targetAt: iso(c.targetAt),
    hardLimitAt: iso(c.hardLimitAt),
    pausedAt: iso(c.pausedAt),
    breached: isBreached(c, now),
    escalationLevel: c.escalationLevel,
    reopenCount: c.reopenCount,
    policyVersion: c.policyVersion,
    workflowId: c.workflowId,
    version: c.version,
    live: liveStateOf(c, events, live, deps.policy, now),
    timeline: timelineOf(ring, events),
  };
}

// ---------------------------------------------------------------------------------------------
// The case's workflow
// ---------------------------------------------------------------------------------------------

/** How long a read waits for the workflow's answer before it shows the database's record instead. */
export const QUERY_WAIT_MS = 3_000;

/**
 * The workflow's state (query `state`): undefined while it is still beginning (its first activity
 * has not answered), 'gone' when the process is not running (closed, or not started yet), and
 * 'unavailable' when Temporal or the worker did not answer in time.
 */
export async function queryCase(temporal: Client, c: Pick<FeedbackCase, 'workflowId'>): Promise<CaseState | undefined | 'gone' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'unavailable'>((resolve) => (timer = setTimeout(() => resolve('unavailable'), QUERY_WAIT_MS)));
  const asked = temporal.workflow
    .getHandle(c.workflowId)
    .query(caseStateQuery)
    .then((s) => s ?? undefined)
    .catch((err: unknown): 'gone' | 'unavailable' => {
      if (isWorkflowGone(err)) return 'gone';
      if (outageOf(err)?.dependency === 'temporal') return 'unavailable';
      throw err;
    });
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Change = Parameters<typeof transitionRejection>[1];

/**
 * The case's workflow did not answer in time (Temporal down, or no worker polling): the change is
 * refused before anything is written. Shaped as the gRPC UNAVAILABLE status the Temporal client
 * throws, so the API answers it as a Temporal outage (503 with Retry-After, src/api/outage.ts).
 */
export class WorkflowUnavailableError extends Error {
  override name = 'WorkflowUnavailableError';
  readonly code = 14;
  readonly details: string;
  readonly metadata = {};
  constructor(caseNo: string) {
    super(`the process of case ${caseNo} did not answer within ${QUERY_WAIT_MS / 1000} s; nothing was changed: retry later`);
    this.details = this.message;
  }
}

/** How long a change waits for a process that is still beginning (assigning the handler, computing the SLA). */
export const BEGIN_WAIT_MS = 5_000;

/**
 * Before a change (and before writing what it needs: a response, a resolution, a reclassification):
 * 409 with the reason when it does not apply to the case as the workflow sees it (the same rule its
 * validators apply), or as the database records it once the process has ended. A process still
 * beginning (a change right after registration) is waited for, up to BEGIN_WAIT_MS; one that does not
 * answer at all refuses the change (WorkflowUnavailableError, 503).
 */
export async function requireApplies(temporal: Client, c: FeedbackCase, change: Change): Promise<void> {
  let live = await queryCase(temporal, c);
  for (const until = Date.now() + BEGIN_WAIT_MS; live === undefined && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 100));
    live = await queryCase(temporal, c);
  }
  if (live === 'unavailable') throw new WorkflowUnavailableError(c.caseNo);
  const state = live === 'gone' ? ({ caseNo: c.caseNo, status: c.status } as CaseState) : live;
  const rejection = transitionRejection(state, change);
  if (rejection) throw new ConflictError(rejection);
  if (live === 'gone' && (OPEN_STATUSES as readonly string[]).includes(c.status)) throw notRunning(c);
}

const notRunning = (c: Pick<FeedbackCase, 'caseNo' | 'status'>) =>
  new ConflictError(
    (OPEN_STATUSES as readonly string[]).includes(c.status)
      ? `the process of case ${c.caseNo} (${feedbackWorkflowId(c.caseNo)}) is not running yet: it starts within seconds of registration; retry in a moment`
      : `case ${c.caseNo} is ${c.status}: its process has ended`,
  );

/** Runs an update of the case's workflow; its refusal (validator or handler) becomes 409 with the workflow's reason. */
export async function toCase<T>(deps: Pick<FeedbackDeps, 'db'>, c: FeedbackCase, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(err.cause?.message ?? err.message);
    if (isWorkflowGone(err)) {
      const now = await deps.db.feedbackCase.findUnique({ where: { caseNo: c.caseNo }, select: { caseNo: true, status: true } });
      throw notRunning(now ?? c);
    }
    throw err;
  }
}

/** What a change answers: the case number, the event written (if any) and the workflow's state after it. */
export interface CaseChange {
  caseNo: string;
  eventId: string | null;
  live: LiveState;
}

/** The answer of a change: the state the workflow returned (else the database's), with the clock's remaining time. */
export async function changeResult(deps: Pick<FeedbackDeps, 'db' | 'policy' | 'clock'>, caseNo: string, eventId: string | null, state: CaseState | undefined): Promise<CaseChange> {
  const [c, events] = await Promise.all([
    deps.db.feedbackCase.findUniqueOrThrow({ where: { caseNo } }),
    deps.db.feedbackEvent.findMany({ where: { caseNo, kind: { in: ['PAUSED', 'RESUMED', 'REOPENED'] } }, orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
  ]);
  return { caseNo, eventId, live: liveStateOf(c, events, state, deps.policy, deps.clock.now()) };
}

export const auditCtx = (ctx: { requestId?: string }) => (ctx.requestId ? { requestId: ctx.requestId } : {});
