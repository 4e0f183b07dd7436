/**
 * Use case (§5.2 "every item is classified and registered, then routed to the responsible
 * department"): register a feedback item from the service hotline, the online service platform or the
 * suggestion box, and start its process (workflow `feedback-<caseNo>`).
 *
 * - Who: the HOTLINE is entered by CUSTOMER_SERVICE (SUPERVISOR, ADMIN stand in; others 403, checked
 *   before anything is read); ONLINE and SUGGESTION_BOX by any authenticated staff member (the
 *   online platform calls with its own key; a case it enters has no `registeredByStaffId`).
 * - Input: `channel`; `customerId` (a known customer) or `contact` { name, email?, phone? } (someone
 *   who is not a customer yet; an email or a phone number: the result goes back to them); `category`
 *   and `severity` (the policy's codes), `complexity` (SIMPLE, COMPLEX), `customerType` (required with
 *   `contact`; for a known customer it defaults to, and must agree with, the customer's type), `summary`
 *   (≤ 200 characters), `description` (≤ 10000), `handlerStaffId` (an explicit assignment: an active
 *   member of the routed department who handles feedback). Every bad field → 400 naming it, nothing
 *   written (no case, no case number taken, no process).
 * - Routing: the policy's rules (src/domain/feedback-routing.ts). A rule's department that does not
 *   exist or is inactive sends the case to the policy's default department (the decision records rule
 *   `default` and, in the ROUTED event, the rule that matched and why it was not followed); when the
 *   default department cannot take it either → 409 with the reason, nothing written.
 * - In ONE transaction: the case number (the year's counter, src/feedback/case-numbers.ts), the case
 *   (status REGISTERED; contact details, summary and description encrypted, AAD
 *   `FeedbackCase.<field>:<caseNo>`; a non-customer's email blind-indexed), its REGISTERED and ROUTED
 *   events, the audit record `feedback.register` (sensitive values recorded only as 'changed') and the
 *   workflow start's outbox record (src/outbox/workflow-starts.ts).
 * - After the commit the workflow is started (typed start, ids only, a static summary for the
 *   Temporal UI); if Temporal does not answer, the API's reconciler starts it from the outbox record
 *   within seconds of Temporal being back. The workflow assigns the handler (the explicit one, else the
 *   department's least-loaded member), opens the FEEDBACK_CASE task and computes the SLA.
 * - Answer: the case view (201).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import { customerScope } from '../customers/access';
import type { Db, DbTx } from '../db/client';
import { caseYear, formatCaseNo } from '../domain/case-number';
import { emailSchema, personNameSchema, phoneSchema } from '../domain/contact';
import { routeCase, type RoutingDecision } from '../domain/feedback-routing';
import { START_WAIT_MS, startRecord, type StartRequest } from '../outbox/workflow-starts';
import { FEEDBACK_CHANNELS, type FeedbackChannel, type Policy } from '../policy/policy';
import { ForbiddenError, requireRole, type Actor } from '../security/auth';
import { untrainedReason } from '../training/gate';
import { blindIndex } from '../security/crypto';
import { ConflictError, parseInput, ValidationError, type FieldIssue } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { feedbackCase } from '../../workflows/feedback/feedback-case';
import { feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { nextCaseSequence } from './case-numbers';
import {
  auditCtx,
  caseView,
  categoryField,
  complexityField,
  customerTypeField,
  encryptCaseField,
  HOTLINE_ROLES,
  severityField,
  staffIdField,
  type FeedbackCaseView,
  type FeedbackDeps,
} from './cases';
import { CONTACT_EMAIL_INDEX, normalizeEmailForIndex } from './encrypted-fields';

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

const contactSchema = z
  .strictObject({
    name: personNameSchema,
    email: emailSchema.optional(),
    phone: phoneSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.email && !c.phone) ctx.addIssue({ code: 'custom', path: ['email'], message: 'an email address or a phone number is required: the result goes back to them (§5.2)' });
  });

/** The fields of one item (the channel aside: the batch entry is the suggestion box's). */
function itemFields(policy: Policy) {
  return {
    customerId: z.string({ error: 'text: a customer id' }).trim().min(1, 'a customer id').max(64, 'at most 64 characters').optional(),
    contact: contactSchema.optional(),
    category: categoryField(policy),
    severity: severityField(policy),
    complexity: complexityField,
    customerType: customerTypeField.optional(),
    summary: z.string({ error: 'text: what the feedback is about' }).trim().min(1, 'must not be blank: what the feedback is about').max(200, 'at most 200 characters'),
    description: z.string({ error: 'text' }).trim().min(1, 'must not be blank (leave it out instead)').max(10_000, 'at most 10000 characters').optional(),
    handlerStaffId: staffIdField.optional(),
  };
}

/** Who it is from: a known customer or a contact, not both; a contact's customer type is required. Runs even when other fields failed, so every issue is reported at once. */
function whoFrom(v: { customerId?: unknown; contact?: unknown; customerType?: unknown }, ctx: z.RefinementCtx): void {
  if (typeof v !== 'object' || v === null) return;
  const hasCustomer = v.customerId !== undefined;
  const hasContact = v.contact !== undefined;
  if (hasCustomer && hasContact) ctx.addIssue({ code: 'custom', path: ['contact'], message: 'give customerId (a known customer) or contact (someone who is not one yet), not both' });
  if (!hasCustomer && !hasContact) ctx.addIssue({ code: 'custom', path: ['customerId'], message: 'who is it from? give customerId (a known customer) or contact { name, email or phone }' });
  if (hasContact && !hasCustomer && v.customerType === undefined) {
    ctx.addIssue({ code: 'custom', path: ['customerType'], message: 'required for someone who is not a customer: INDIVIDUAL or ENTERPRISE (it decides the §5.2 SLA)' });
  }
}

const ALWAYS = { when: () => true };

const itemCache = new WeakMap<Policy, ReturnType<typeof buildItemSchema>>();
const registerCache = new WeakMap<Policy, ReturnType<typeof buildRegisterSchema>>();
const buildItemSchema = (policy: Policy) => z.strictObject(itemFields(policy)).superRefine(whoFrom, ALWAYS);
const buildRegisterSchema = (policy: Policy) =>
  z
    .strictObject({ channel: z.enum(FEEDBACK_CHANNELS, { error: `one of ${FEEDBACK_CHANNELS.join(', ')}` }), ...itemFields(policy) })
    .superRefine(whoFrom, ALWAYS);

/** One suggestion-box item of POST /feedback/batch (the policy's categories and severities). */
export function feedbackItemInputFor(policy: Policy): ReturnType<typeof buildItemSchema> {
  let s = itemCache.get(policy);
  if (!s) itemCache.set(policy, (s = buildItemSchema(policy)));
  return s;
}

/** The body of POST /feedback (the policy's categories and severities). */
export function registerFeedbackInputFor(policy: Policy): ReturnType<typeof buildRegisterSchema> {
  let s = registerCache.get(policy);
  if (!s) registerCache.set(policy, (s = buildRegisterSchema(policy)));
  return s;
}

export type FeedbackItem = z.output<ReturnType<typeof buildItemSchema>>;

/** Values never echoed in errors (§3.1: a mistyped contact detail is still personal data). */
export const SENSITIVE_FEEDBACK_FIELDS = ['contact', 'summary', 'description'] as const;

// ---------------------------------------------------------------------------------------------
// Checks against the database, routing
// ---------------------------------------------------------------------------------------------

export interface PreparedCase {
  channel: FeedbackChannel;
  item: FeedbackItem;
  customerId: string | null;
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  route: RoutingDecision & { fallbackFrom?: { departmentCode: string; routingRuleId: string; reason: string } };
}

export type Preparation = { ok: true; prepared: PreparedCase } | { ok: false; issues: FieldIssue[]; conflict?: string };

/** Why a department cannot take a case, or undefined when it can. */
async function unavailable(db: Db | DbTx, code: string): Promise<string | undefined> {
  const d = await db.department.findUnique({ where: { code }, select: { active: true } });
  if (!d) return 'does not exist';
  return d.active ? undefined : 'is inactive';
}

/**
 * The item checked against the database (the customer, the explicit handler) and routed. Issues are
 * named `<prefix><field>` (`items.3.customerId` in a batch). Reads only.
 */
export async function prepareCase(deps: Pick<FeedbackDeps, 'db' | 'policy'>, actor: Actor, channel: FeedbackChannel, item: FeedbackItem, prefix = ''): Promise<Preparation> {
  const { db, policy } = deps;
  const issues: FieldIssue[] = [];
  let customerType = item.customerType;
  if (item.customerId !== undefined) {
    const customer = await db.customer.findFirst({ where: { AND: [{ id: item.customerId }, customerScope(actor)] }, select: { id: true, type: true } });
    if (!customer) issues.push({ field: `${prefix}customerId`, value: item.customerId, reason: 'no such customer' });
    else if (customerType !== undefined && customerType !== customer.type) {
      issues.push({ field: `${prefix}customerType`, value: customerType, reason: `customer ${customer.id} is ${customer.type}: leave customerType out, or give ${customer.type}` });
    } else customerType = customer.type;
  }
  if (issues.length || customerType === undefined) return { ok: false, issues };

  const decision = routeCase({ category: item.category, severity: item.severity, customerType, channel, complexity: item.complexity }, policy);
  let route: PreparedCase['route'] = decision;
  const why = await unavailable(db, decision.departmentCode);
  if (why) {
    const fallback = policy.feedback.defaultDepartmentCode;
    const defaultWhy = fallback === decision.departmentCode ? why : await unavailable(db, fallback);
    if (defaultWhy) {
      const ruled = decision.ruleId === 'default' ? 'the policy' : `the policy's rule ${decision.ruleId}`;
      return {
        ok: false,
        issues: [],
        conflict:
          `no department can take this case: ${ruled} routes it to department ${decision.departmentCode}, which ${why}` +
          (fallback === decision.departmentCode ? '' : `, and the default department ${fallback} ${defaultWhy}`) +
          ` (policy ${policy.version}); an ADMIN creates or reactivates the department`,
      };
    }
    route = { departmentCode: fallback, ruleId: 'default', policyVersion: policy.version, fallbackFrom: { departmentCode: decision.departmentCode, routingRuleId: decision.ruleId, reason: `department ${decision.departmentCode} ${why}` } };
  }

  if (item.handlerStaffId !== undefined) {
    const field = `${prefix}handlerStaffId`;
    const staff = await db.staffMember.findUnique({ where: { id: item.handlerStaffId }, select: { active: true, foundationCompletedAt: true } });
    const membership = staff ? await db.departmentMember.findUnique({ where: { departmentCode_staffId: { departmentCode: route.departmentCode, staffId: item.handlerStaffId } }, select: { handlesFeedback: true } }) : null;
    const reason = !staff
      ? 'no such staff member'
      : !staff.active
        ? 'staff member is inactive'
        : !staff.foundationCompletedAt
          ? untrainedReason(item.handlerStaffId, 'be assigned customers') // §3.1, §7.1
          : !membership
          ? `not a member of department ${route.departmentCode}, which the case is routed to (rule ${route.ruleId})`
          : !membership.handlesFeedback
            ? `does not handle feedback in department ${route.departmentCode} (a member who takes no cases)`
            : undefined;
    if (reason) issues.push({ field, value: item.handlerStaffId, reason });
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, prepared: { channel, item, customerId: item.customerId ?? null, customerType, route } };
}

// ---------------------------------------------------------------------------------------------
// Writing, starting
// ---------------------------------------------------------------------------------------------

const WORKFLOW_TYPE = 'feedbackCase';

function startRequest(deps: Pick<FeedbackDeps, 'taskQueue' | 'policy'>, caseNo: string, p: PreparedCase): StartRequest {
  const searchAttributes: SearchAttributePair[] = [
    { key: SA.ProcessKind, value: 'FEEDBACK' },
    { key: SA.CaseNo, value: caseNo },
    { key: SA.BusinessStatus, value: 'REGISTERED' },
    { key: SA.Department, value: p.route.departmentCode },
    { key: SA.PolicyVersion, value: deps.policy.version },
    ...(p.customerId ? [{ key: SA.CustomerId, value: p.customerId }] : []),
  ];
  return { workflowType: WORKFLOW_TYPE, workflowId: feedbackWorkflowId(caseNo), taskQueue: deps.taskQueue, args: [{ caseNo }], searchAttributes };
}

/** Takes the case number and writes the case, its REGISTERED and ROUTED events, the audit record and the outbox record, in `tx`. */
export async function insertCase(tx: DbTx, deps: Pick<FeedbackDeps, 'ring' | 'policy' | 'taskQueue'>, actor: Actor, p: PreparedCase, now: Date, ctx: { requestId?: string }): Promise<{ caseNo: string; start: StartRequest }> {
  const { ring, policy } = deps;
  const year = caseYear(now, policy);
  const caseNo = formatCaseNo({ year, sequence: await nextCaseSequence(tx, year) }, policy);
  const { item, route } = p;
  const contact = p.customerId === null ? item.contact : undefined;
  const enc = (field: Parameters<typeof encryptCaseField>[1], value: string | undefined) => (value === undefined ? null : encryptCaseField(ring, field, caseNo, value));
  await tx.feedbackCase.create({
    data: {
      caseNo,
      channel: p.channel,
      customerId: p.customerId,
      contactNameCiphertext: enc('contactName', contact?.name),
      contactEmailCiphertext: enc('contactEmail', contact?.email),
      contactPhoneCiphertext: enc('contactPhone', contact?.phone),
      contactEmailBlindIndex: contact?.email ? blindIndex(ring, CONTACT_EMAIL_INDEX, normalizeEmailForIndex(contact.email)) : null,
      category: item.category,
      severity: item.severity as never,
      complexity: item.complexity,
      customerType: p.customerType,
      summaryCiphertext: enc('summary', item.summary)!,
      descriptionCiphertext: enc('description', item.description),
      departmentCode: route.departmentCode,
      routingRuleId: route.ruleId,
      handlerStaffId: item.handlerStaffId ?? null,
      status: 'REGISTERED',
      registeredAt: now,
      workflowId: feedbackWorkflowId(caseNo),
      policyVersion: policy.version,
      registeredByStaffId: p.channel === 'ONLINE' ? null : actor.staffId,
    },
  });
  const routed = { departmentCode: route.departmentCode, routingRuleId: route.ruleId, policyVersion: route.policyVersion, ...(route.fallbackFrom ? { fallbackFrom: route.fallbackFrom } : {}) };
  await tx.feedbackEvent.createMany({
    data: [
      {
        caseNo,
        kind: 'REGISTERED',
        actorStaffId: actor.staffId,
        at: now,
        idempotencyKey: `${caseNo}:REGISTERED`,
        data: { channel: p.channel, category: item.category, severity: item.severity, complexity: item.complexity, customerType: p.customerType, ...(item.handlerStaffId ? { handlerStaffId: item.handlerStaffId } : {}) },
      },
      { caseNo, kind: 'ROUTED', at: now, idempotencyKey: `${caseNo}:ROUTED`, data: routed },
    ],
  });
  await writeAudit(tx, {
    actorStaffId: actor.staffId,
    action: 'feedback.register',
    entity: 'FeedbackCase',
    entityId: caseNo,
    ...(p.customerId ? { customerId: p.customerId } : {}),
    changes: diffFields(
      null,
      {
        channel: p.channel,
        customerId: p.customerId,
        contact: contact ? 'given' : null,
        category: item.category,
        severity: item.severity,
        complexity: item.complexity,
        customerType: p.customerType,
        summary: item.summary,
        description: item.description ?? null,
        departmentCode: route.departmentCode,
        routingRuleId: route.ruleId,
        handlerStaffId: item.handlerStaffId ?? null,
        status: 'REGISTERED',
      },
      ['contact', 'summary', 'description'],
    ),
    ...auditCtx(ctx),
  });
  const start = startRequest(deps, caseNo, { ...p });
  await tx.workflowStart.create({ data: startRecord(start, now) });
  return { caseNo, start };
}

/**
 * Starts the case's workflow (typed, with its static summary) and marks its outbox record started.
 * Never throws: a start that fails or takes longer than START_WAIT_MS is left to the outbox
 * reconciler (the API's, every second), which starts it from the record.
 */
export async function startCase(deps: Pick<FeedbackDeps, 'db' | 'temporal' | 'clock'>, start: StartRequest, caseNo: string): Promise<'STARTED' | 'DEFERRED'> {
  const mark = () =>
    deps.db.workflowStart.updateMany({ where: { workflowId: start.workflowId, startedAt: null }, data: { startedAt: deps.clock.now(), lastError: null } }).then(
      () => 'STARTED' as const,
      () => 'STARTED' as const, // not marked: the reconciler finds it already started and marks it
    );
  const attempt = deps.temporal.workflow
    .start(feedbackCase, {
      workflowId: start.workflowId,
      taskQueue: start.taskQueue,
      args: [{ caseNo }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: start.searchAttributes,
      staticSummary: `Feedback case ${caseNo} (§5.2)`,
      staticDetails: 'Assigns a handler, runs the SLA ladder (reminders, department head, executive on duty) until the first response, then the resolution and the satisfaction survey. Query `state` for the live view.',
    })
    .then(mark, (err: unknown) => (err instanceof WorkflowExecutionAlreadyStartedError ? mark() : ('DEFERRED' as const)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'DEFERRED'>((resolve) => (timer = setTimeout(() => resolve('DEFERRED'), START_WAIT_MS)));
  try {
    return await Promise.race([attempt, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The roles a channel needs: 403 before anything is read. */
export function requireChannelRole(actor: Actor, channel: unknown): void {
  if (channel === 'HOTLINE') {
    try {
      requireRole(actor, ...HOTLINE_ROLES);
    } catch (err) {
      if (err instanceof ForbiddenError) throw new ForbiddenError(`the service hotline is entered by ${HOTLINE_ROLES.join(', ')} (§5.2): ${err.message}`);
      throw err;
    }
  }
}

export async function registerFeedback(deps: FeedbackDeps, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<FeedbackCaseView> {
  requireChannelRole(actor, (body as { channel?: unknown } | null)?.channel);
  const input = parseInput(registerFeedbackInputFor(deps.policy), body, SENSITIVE_FEEDBACK_FIELDS);
  const { channel, ...item } = input;
  const prep = await prepareCase(deps, actor, channel, item);
  if (!prep.ok) {
    if (prep.conflict) throw new ConflictError(prep.conflict);
    throw new ValidationError(prep.issues);
  }
  const now = deps.clock.now();
  const { caseNo, start } = await deps.db.$transaction((tx) => insertCase(tx, deps, actor, prep.prepared, now, ctx));
  await startCase(deps, start, caseNo);
  return caseView(deps, await deps.db.feedbackCase.findUniqueOrThrow({ where: { caseNo } }), undefined);
}
