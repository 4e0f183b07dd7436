/**
 * Use case (§3.2 periodic review): the person doing a customer's review records what was reviewed —
 * basic data, financial situation, changed needs — and, in the same request, the updates the review
 * found (contact details as PATCH /customers/:id, the deeper profile as POST /customers/:id/profile).
 *
 * - Who (§3.1): the open review task's assignee, a member of its team, a staff member assigned to the
 *   customer, or a SUPERVISOR (src/lifecycle/customer-work.ts); others 403. A RELATIONSHIP_MANAGER-only
 *   actor gets 404 for customers they do not look after. Updates also need the roles of the update
 *   use cases (checked before anything is written).
 * - Every field is checked before anything is written (400 naming it). No open PERIODIC_REVIEW task →
 *   409 "no periodic review is due …; the next is due …".
 * - Order: the updates through `updateCustomer` and `updateProfile` (each its own transaction, audited
 *   and re-classified as always, and signalled to the lifecycle), then the findings on the task's
 *   `outcome` in PostgreSQL, then the lifecycle's `completeReview` update with ids only — free text
 *   never goes to Temporal. The workflow closes the task, writes `review.complete` and plans the next
 *   review from this completion; a refusal is 409 with its reason (and the findings are taken back
 *   off the still-open task). An update applied before a later step failed stays applied: it is a
 *   §3.2 dynamic update in its own right; send the request again with the new version.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { Prisma, type Db } from '../db/client';
import type { Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { KeyRing } from '../security/keyring';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput, ValidationError } from '../shared/errors';
import { customerScope, findCustomerIn } from '../customers/access';
import { customerInclude, toCustomerView, type CustomerView } from '../customers/customer-view';
import { updateCustomer, updateCustomerInput, UPDATE_ROLES } from '../customers/update-customer';
import { enterpriseProfileInput, individualProfileInput, SENSITIVE_PROFILE_FIELDS, updateProfile } from '../customers/update-profile';
import { completeReviewUpdate, customerWorkflowId, type ReviewCompleted } from '../../workflows/lifecycle/definitions';
import { requireCustomerWork, toLifecycle } from './customer-work';
import type { NotifyDeps } from './notify-lifecycle';

const finding = z
  .string({ error: 'text: what was reviewed' })
  .trim()
  .min(1, 'must not be blank: say what was reviewed')
  .max(2000, 'at most 2000 characters');

export const reviewFindings = z.strictObject({
  /** §3.2 basic data: identity, contact details, addresses checked. */
  basicData: finding,
  /** §3.2 financial situation: income, assets, debts, business results. */
  financialSituation: finding,
  /** §3.2 changed needs: products, services, plans. */
  changedNeeds: finding,
});

const contactUpdate = updateCustomerInput.omit({ version: true });
const individualProfileUpdate = individualProfileInput.omit({ version: true });
const enterpriseProfileUpdate = enterpriseProfileInput.omit({ version: true });
const version = z.number({ error: 'the customer version you read' }).int('a whole number').positive('a version number ≥ 1');

/** The request for a customer of `type` (the profile's fields depend on it). */
export function completeReviewInputFor(type: 'INDIVIDUAL' | 'ENTERPRISE') {
  return z.strictObject({
    findings: reviewFindings,
    /** As the body of PATCH /customers/:id, without `version`. */
    contact: contactUpdate.optional(),
    /** As the body of POST /customers/:id/profile, without `version`. */
    profile: (type === 'INDIVIDUAL' ? individualProfileUpdate : enterpriseProfileUpdate).optional(),
    /** The customer version read: required with `contact` or `profile`; when sent, the record must still be at it. */
    version: version.optional(),
  });
}

/** For the OpenAPI document: either profile shape. */
export const completeReviewInput = z.strictObject({
  findings: reviewFindings,
  contact: contactUpdate.optional(),
  profile: z.union([individualProfileUpdate, enterpriseProfileUpdate]).optional(),
  version: version.optional(),
});

/** Values never echoed in errors (§3.1). */
export const SENSITIVE_REVIEW_FIELDS = SENSITIVE_PROFILE_FIELDS.map((f) => `profile.${f}`);

export interface ReviewCompletion {
  customerId: string;
  taskId: string;
  /** Reviews completed since approval, this one included. */
  cycle: number;
  completedAt: string;
  nextReviewAt: string;
  customer: CustomerView;
}

export interface CompleteReviewDeps extends NotifyDeps {
  db: Db;
  temporal: Client;
  ring: KeyRing;
  policy: Policy;
  clock: Clock;
}

/** What the person recorded, on the task (PostgreSQL only). */
export interface ReviewOutcome {
  findings: z.output<typeof reviewFindings>;
  reviewedByStaffId: string;
  /** Which updates the review applied: the fields sent and the customer version after each. */
  updatesApplied: { update: 'contact' | 'profile'; fields: string[]; version: number }[];
}

export async function completeReview(deps: CompleteReviewDeps, actor: Actor, customerId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<ReviewCompletion> {
  const { db } = deps;
  const customer = await findCustomerIn(db, customerId, customerScope(actor));
  const task = await db.task.findFirst({ where: { customerId, kind: 'PERIODIC_REVIEW', status: 'OPEN' }, orderBy: { dueAt: 'desc' } });
  await requireCustomerWork(db, actor, customer, task, 'complete the periodic review');

  const input = parseInput(completeReviewInputFor(customer.type), body, SENSITIVE_REVIEW_FIELDS);
  const updates = { contact: input.contact, profile: input.profile };
  for (const [name, update] of Object.entries(updates)) {
    if (update !== undefined && Object.keys(update).length === 0) {
      throw new ValidationError([{ field: name, reason: `nothing to update: leave ${name} out, or send the fields that changed` }]);
    }
  }
  const updating = updates.contact !== undefined || updates.profile !== undefined;
  if (updating && input.version === undefined) {
    throw new ValidationError([{ field: 'version', reason: 'required with contact or profile: the customer version you read (optimistic concurrency)' }]);
  }
  if (updating) requireRole(actor, ...UPDATE_ROLES);

  if (!task) throw new ConflictError(await noReviewDue(db, customerId));
  if (input.version !== undefined && input.version !== customer.version) {
    throw new ConflictError(
      `customer ${customerId} is at version ${customer.version}, not ${input.version}: it was changed since you read it; read it again and retry`,
      toCustomerView(customer),
    );
  }

  // 1. The updates the review found, through the same use cases as PATCH and the deeper profile.
  const applied: ReviewOutcome['updatesApplied'] = [];
  let current = input.version ?? customer.version;
  if (updates.contact) {
    const view = await within('contact', () => updateCustomer(deps, actor, customerId, { ...updates.contact, version: current }, ctx));
    if (view.version !== current) applied.push({ update: 'contact', fields: Object.keys(updates.contact).sort(), version: view.version });
    current = view.version;
  }
  if (updates.profile) {
    const view = await within('profile', () => updateProfile(deps, actor, customerId, { ...updates.profile, version: current }, ctx));
    if (view.version !== current) applied.push({ update: 'profile', fields: Object.keys(updates.profile).sort(), version: view.version });
    current = view.version;
  }

  // 2. The findings, on the task (free text stays in PostgreSQL).
  const outcome: ReviewOutcome = { findings: input.findings, reviewedByStaffId: actor.staffId, updatesApplied: applied };
  const { count } = await db.task.updateMany({ where: { id: task.id, status: 'OPEN' }, data: { outcome: outcome as unknown as Prisma.InputJsonValue } });
  if (count === 0) throw new ConflictError(`the review task ${task.id} was closed meanwhile`);

  // 3. The lifecycle closes the task and plans the next review (ids only).
  let done: ReviewCompleted;
  try {
    done = await toLifecycle(customerId, () =>
      deps.temporal.workflow.getHandle(customerWorkflowId(customerId)).executeUpdate(completeReviewUpdate, { args: [{ staffId: actor.staffId, taskId: task.id }] }),
    );
  } catch (err) {
    // Not completed: the task stays as it was (the findings are sent again with the next attempt).
    const previous = task.outcome === null ? Prisma.DbNull : (task.outcome as Prisma.InputJsonValue);
    await db.task.updateMany({ where: { id: task.id, status: 'OPEN' }, data: { outcome: previous } }).catch(() => undefined);
    throw err;
  }
  const view = toCustomerView(await db.customer.findUniqueOrThrow({ where: { id: customerId }, include: customerInclude }));
  return { customerId, taskId: task.id, cycle: done.cycle, completedAt: done.completedAt, nextReviewAt: done.nextReviewAt, customer: view };
}

/** The 409 reason when no review is open: when the next one falls due, from the lifecycle's mirror. */
async function noReviewDue(db: Db, customerId: string): Promise<string> {
  const lc = await db.customerLifecycle.findUnique({ where: { customerId }, select: { nextReviewAt: true, status: true } });
  if (!lc) return `no periodic review is due for customer ${customerId}; its lifecycle has not started (\`ccm lifecycle ensure --customer ${customerId}\`)`;
  if (lc.status === 'CLOSED') return `no periodic review is due for customer ${customerId}; its lifecycle is CLOSED`;
  return `no periodic review is due for customer ${customerId}; the next is due ${lc.nextReviewAt?.toISOString() ?? 'when its lifecycle plans it'}`;
}

/** Field issues of an update use case, named as fields of this request (`contact.email`). */
async function within<T>(prefix: 'contact' | 'profile', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ValidationError) {
      throw new ValidationError(err.issues.map((i) => ({ ...i, field: i.field === 'version' ? 'version' : i.field === '(body)' ? prefix : `${prefix}.${i.field}` })));
    }
    throw err;
  }
}
