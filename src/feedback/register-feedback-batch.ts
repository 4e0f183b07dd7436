/**
 * Use case (§5.2 the suggestion box): batch entry of the slips taken from the box — POST
 * /feedback/batch and `ccm feedback import <csv>`. All or nothing: every item is checked first, and
 * one bad item refuses the whole batch.
 *
 * - Who: any authenticated staff member (§5.2 batch entry).
 * - Input: `{ items: [ … ] }`, 1–MAX_BATCH items, each as the body of POST /feedback without
 *   `channel` (the channel is SUGGESTION_BOX). 400 lists every bad item's index and field
 *   (`items.3.category`), and nothing is written; 409 when an item has no department to go to.
 * - The cases are registered in ONE transaction (consecutive case numbers, each with its events,
 *   audit record and outbox record, exactly as a single registration), the named customers' rows
 *   locked first (no deadlock with a §6 re-assessment), then their workflows are started.
 * - Answer (201): how many, and each case's number, department, routing rule and status, in input order.
 */
import { z } from 'zod';
import type { Actor } from '../security/auth';
import { ConflictError, parseInput, ValidationError, type FieldIssue } from '../shared/errors';
import type { Policy } from '../policy/policy';
import type { FeedbackDeps } from './cases';
import { feedbackItemInputFor, insertCase, prepareCase, SENSITIVE_FEEDBACK_FIELDS, startCase, type PreparedCase } from './register-feedback';

/** Slips per batch: a box emptied daily holds far fewer; more is a file for several batches. */
export const MAX_BATCH = 500;

const batchCache = new WeakMap<Policy, ReturnType<typeof buildBatchSchema>>();
const buildBatchSchema = (policy: Policy) =>
  z.strictObject({ items: z.array(feedbackItemInputFor(policy), { error: 'a list of feedback items' }).min(1, 'at least one item').max(MAX_BATCH, `at most ${MAX_BATCH} items per batch`) });

export function registerFeedbackBatchInputFor(policy: Policy): ReturnType<typeof buildBatchSchema> {
  let s = batchCache.get(policy);
  if (!s) batchCache.set(policy, (s = buildBatchSchema(policy)));
  return s;
}

export interface BatchRegistration {
  registered: number;
  cases: { caseNo: string; departmentCode: string; routingRuleId: string; status: 'REGISTERED' }[];
}

/** Starts in flight at once after the commit (the rest wait their turn; the reconciler covers any left). */
const START_CONCURRENCY = 8;

export async function registerFeedbackBatch(deps: FeedbackDeps, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<BatchRegistration> {
  const sensitive = Array.isArray((body as { items?: unknown } | null)?.items)
    ? (body as { items: unknown[] }).items.flatMap((_, i) => SENSITIVE_FEEDBACK_FIELDS.map((f) => `items.${i}.${f}`))
    : [];
  const { items } = parseInput(registerFeedbackBatchInputFor(deps.policy), body, sensitive);

  const issues: FieldIssue[] = [];
  const conflicts: string[] = [];
  const prepared: PreparedCase[] = [];
  for (const [i, item] of items.entries()) {
    const prep = await prepareCase(deps, actor, 'SUGGESTION_BOX', item, `items.${i}.`);
    if (prep.ok) prepared.push(prep.prepared);
    else if (prep.conflict) conflicts.push(`item ${i}: ${prep.conflict}`);
    else issues.push(...prep.issues);
  }
  if (issues.length) throw new ValidationError(issues);
  if (conflicts.length) throw new ConflictError(conflicts.join('; '));

  const now = deps.clock.now();
  const written = await deps.db.$transaction(
    async (tx) => {
      // Lock order (README "Tamper evidence of the audit log"): every named customer's row before the
      // first audit record. Each case's foreign key takes a KEY SHARE lock on its customer, and the
      // first case's audit record takes the chain's lock to the commit; a §6 re-assessment holds its
      // customers' rows FOR UPDATE and then writes its records (src/risk/assess-customers.ts). A batch
      // that reached such a customer after its first audit record waited for the re-assessment while
      // the re-assessment waited for the batch. Id order, as the re-assessments lock theirs.
      const customerIds = [...new Set(prepared.flatMap((p) => (p.customerId ? [p.customerId] : [])))].sort();
      if (customerIds.length) await tx.$queryRaw`SELECT "id" FROM "Customer" WHERE "id" = ANY(${customerIds}::text[]) ORDER BY "id" FOR KEY SHARE`;
      const out: Awaited<ReturnType<typeof insertCase>>[] = [];
      for (const p of prepared) out.push(await insertCase(tx, deps, actor, p, now, ctx));
      return out;
    },
    { maxWait: 10_000, timeout: 120_000 },
  );

  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(START_CONCURRENCY, written.length) }, async () => {
      while (next < written.length) {
        const w = written[next++]!;
        await startCase(deps, w.start, w.caseNo);
      }
    }),
  );
  return {
    registered: written.length,
    cases: written.map((w, i) => ({ caseNo: w.caseNo, departmentCode: prepared[i]!.route.departmentCode, routingRuleId: prepared[i]!.route.ruleId, status: 'REGISTERED' as const })),
  };
}
