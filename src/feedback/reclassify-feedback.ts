/**
 * Use case (§5.2 "a case … reclassified recomputes its SLA by the policy"): correct a case's
 * classification — category, severity, complexity, customer type.
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: at least one of `category`, `severity` (the policy's codes), `complexity`, `customerType`
 *   (for a known customer it must be the customer's type), and `reason` (1–500 characters). 400 naming
 *   each bad field, nothing written. The department stays (a reassignment moves it).
 * - Nothing different from the case as it is: nothing written, no message (the answer says so).
 * - The case must be open (as its workflow sees it): 409 with the reason otherwise.
 * - In one transaction (the case's row locked): the columns, FeedbackEvent RECLASSIFIED (data: the
 *   codes before and after; who and why) and the audit record `feedback.reclassify`; then the
 *   workflow's `reclassify` update, whose activity recomputes the SLA (an enterprise's complex case
 *   gets the business-day clock, an individual's the 24 hours).
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import { parseInput, ValidationError } from '../shared/errors';
import { reclassifyUpdate } from '../../workflows/feedback/definitions';
import {
  auditCtx,
  categoryField,
  changeResult,
  complexityField,
  customerTypeField,
  findCase,
  reasonField,
  requireApplies,
  requireHandle,
  severityField,
  toCase,
  type CaseChange,
  type FeedbackDeps,
} from './cases';
import { newEventKey } from './encrypted-fields';

const CLASSIFICATION = ['category', 'severity', 'complexity', 'customerType'] as const;

const cache = new WeakMap<Policy, ReturnType<typeof build>>();
const build = (policy: Policy) =>
  z
    .strictObject({
      category: categoryField(policy).optional(),
      severity: severityField(policy).optional(),
      complexity: complexityField.optional(),
      customerType: customerTypeField.optional(),
      reason: reasonField,
    })
    .superRefine(
      (v, ctx) => {
        if (typeof v === 'object' && v !== null && CLASSIFICATION.every((f) => v[f] === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['category'], message: `give at least one of ${CLASSIFICATION.join(', ')}: what changes` });
        }
      },
      { when: () => true },
    );

/** The body of POST /feedback/:caseNo/reclassify (the policy's categories and severities). */
export function reclassifyFeedbackInputFor(policy: Policy): ReturnType<typeof build> {
  let s = cache.get(policy);
  if (!s) cache.set(policy, (s = build(policy)));
  return s;
}

export interface Reclassification extends CaseChange {
  /** False: the classification given is the case's already; nothing was written. */
  changed: boolean;
}

export async function reclassifyFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown, ctx: { requestId?: string } = {}): Promise<Reclassification> {
  const { db } = deps;
  const c = await findCase(db, caseNo);
  await requireHandle(db, actor, c, 'reclassify');
  const input = parseInput(reclassifyFeedbackInputFor(deps.policy), body);
  if (input.customerType !== undefined && c.customerId) {
    const customer = await db.customer.findUnique({ where: { id: c.customerId }, select: { type: true } });
    if (customer && customer.type !== input.customerType) {
      throw new ValidationError([{ field: 'customerType', value: input.customerType, reason: `customer ${c.customerId} is ${customer.type}: a known customer's cases have its type` }]);
    }
  }
  const wanted = (row: typeof c) => ({
    category: input.category ?? row.category,
    severity: input.severity ?? row.severity,
    complexity: input.complexity ?? row.complexity,
    customerType: input.customerType ?? row.customerType,
  });
  const classification = (row: typeof c) => ({ category: row.category, severity: row.severity, complexity: row.complexity, customerType: row.customerType });
  if (Object.keys(diffFields(classification(c), wanted(c))).length === 0) return { ...(await changeResult(deps, c.caseNo, null, undefined)), changed: false };

  await requireApplies(deps.temporal, c, 'reclassify');
  const eventId = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "caseNo" FROM "FeedbackCase" WHERE "caseNo" = ${c.caseNo} FOR UPDATE`;
    const row = await findCase(tx, c.caseNo);
    const before = classification(row);
    const after = wanted(row);
    const changes = diffFields(before, after);
    if (Object.keys(changes).length === 0) return null; // the same change made meanwhile
    await tx.feedbackCase.update({ where: { caseNo: c.caseNo }, data: { ...after, severity: after.severity as never, version: { increment: 1 } } });
    const e = await tx.feedbackEvent.create({
      data: { caseNo: c.caseNo, kind: 'RECLASSIFIED', actorStaffId: actor.staffId, at: deps.clock.now(), reason: input.reason, idempotencyKey: newEventKey(c.caseNo, 'RECLASSIFIED'), data: { before, after } },
    });
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'feedback.reclassify', entity: 'FeedbackCase', entityId: c.caseNo, ...(c.customerId ? { customerId: c.customerId } : {}), changes, ...auditCtx(ctx) });
    return String(e.id);
  });
  if (eventId === null) return { ...(await changeResult(deps, c.caseNo, null, undefined)), changed: false };
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(reclassifyUpdate, { args: [{ staffId: actor.staffId, reason: input.reason }] }));
  return { ...(await changeResult(deps, c.caseNo, eventId, state)), changed: true };
}
