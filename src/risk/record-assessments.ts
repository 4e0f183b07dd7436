/**
 * §6.1 / §6.2 scoring customers and recording what it decided, for one customer (its lifecycle) or a
 * page of the portfolio (a quarterly or rescore run) alike, in the caller's transaction:
 *
 *   1. each customer is scored on the policy in force (src/domain/risk-scorecard.ts);
 *   2. one RiskAssessment row per customer and run key — `ON CONFLICT DO NOTHING`: a retried batch
 *      or activity, or a worker killed mid-run, never scores a customer twice for the same run;
 *   3. the customer's rating in force, its LOW/A preferential flags, and the rating's §6.2 measures
 *      (applied and lifted in the measures history) follow an assessment that changed the rating (or
 *      gave it under another policy version); one that confirms it leaves them as they are;
 *   4. every rating change writes the audit record `risk.rating.change` (actor: the system);
 *   5. a pending "re-assessment due" mark of the lifecycle (§6 "at once when its inputs change") is cleared.
 *
 * A dry run (`ccm risk rescore --dry-run`) scores and reports, and writes nothing.
 * What happens next for a changed rating — the lifecycle's RiskRating search attribute, monthly
 * monitoring, a HIGH/D investigation and its emails — is the customer's lifecycle workflow's (the
 * callers signal it after commit).
 */
import type { DbTx, Prisma } from '../db/client';
import {
  riskRatingRank,
  scoreEnterprise,
  scoreIndividual,
  type EnterpriseRiskAssessment,
  type IndividualRiskAssessment,
  type RiskRating,
} from '../domain/risk-scorecard';
import type { Policy } from '../policy/policy';
import type { CustomerRiskInputs } from './inputs';
import { measureRowsFor, reconcileMeasures, type MeasureRow } from './measures';

export type RiskTrigger = 'INITIAL' | 'INPUT_CHANGE' | 'MONITORING' | 'QUARTERLY' | 'RESCORE';

export interface AssessOptions {
  policy: Policy;
  /** Unique per customer: a portfolio run's id, or a lifecycle event's key. */
  runKey: string;
  trigger: RiskTrigger;
  at: Date;
  dryRun?: boolean;
}

export interface AssessedCustomer {
  customerId: string;
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  segment: string | null;
  managerId: string | null;
  /** Null in a dry run. */
  assessmentId: string | null;
  rating: RiskRating;
  previousRating: RiskRating | null;
  /** The rating differs from the one in force before (a first rating counts as a change). */
  changed: boolean;
  /** UP: riskier than before; DOWN: less risky; SAME; NEW: the first rating. */
  direction: 'UP' | 'DOWN' | 'SAME' | 'NEW';
  total: number;
  reasons: string[];
}

export interface AssessResult {
  assessed: AssessedCustomer[];
  /** Customers this run key had scored already (a retry): left as they were. */
  alreadyAssessed: string[];
  /** Customers whose recorded facts the scorecard cannot read (e.g. an unknown NAICS code), with the reason. */
  failed: { customerId: string; reason: string }[];
}

type Scored = { item: CustomerRiskInputs; assessment: IndividualRiskAssessment | EnterpriseRiskAssessment };

/** JSON cannot hold Infinity (a ratio with nothing to cover): it is stored as the string "Infinity". */
const jsonSafeFactors = (a: IndividualRiskAssessment | EnterpriseRiskAssessment) =>
  a.factors.map((f) => (typeof f.input === 'number' && !Number.isFinite(f.input) ? { ...f, input: String(f.input) } : f));

function directionOf(previous: RiskRating | null, rating: RiskRating): AssessedCustomer['direction'] {
  if (previous === null) return 'NEW';
  let before: number;
  try {
    before = riskRatingRank(previous);
  } catch {
    return 'NEW';
  }
  const after = riskRatingRank(rating);
  return after > before ? 'UP' : after < before ? 'DOWN' : 'SAME';
}

function score(items: readonly CustomerRiskInputs[], policy: Policy): { scored: Scored[]; failed: AssessResult['failed'] } {
  const scored: Scored[] = [];
  const failed: AssessResult['failed'] = [];
  for (const item of items) {
    try {
      const assessment = item.customerType === 'INDIVIDUAL' ? scoreIndividual(item.inputs, policy) : scoreEnterprise(item.inputs, policy);
      scored.push({ item, assessment });
    } catch (err) {
      failed.push({ customerId: item.customerId, reason: (err as Error).message });
    }
  }
  return { scored, failed };
}

function toAssessed(s: Scored, assessmentId: string | null): AssessedCustomer {
  const previous = (s.item.rating as RiskRating | null) ?? null;
  const direction = directionOf(previous, s.assessment.rating);
  return {
    customerId: s.item.customerId,
    customerType: s.item.customerType,
    segment: s.item.segment,
    managerId: s.item.managerId,
    assessmentId,
    rating: s.assessment.rating,
    previousRating: previous,
    changed: direction !== 'SAME',
    direction,
    total: s.assessment.total,
    reasons: s.assessment.reasons,
  };
}

export async function recordAssessments(tx: DbTx, items: readonly CustomerRiskInputs[], o: AssessOptions): Promise<AssessResult> {
  const { scored, failed } = score(items, o.policy);
  if (o.dryRun || scored.length === 0) return { assessed: scored.map((s) => toAssessed(s, null)), alreadyAssessed: [], failed };

  // 2. The assessments, once per (customer, run key).
  // The rows travel as one JSON document (one JSON.stringify here, one parse in PostgreSQL) rather than
  // nine arrays of strings the driver escapes element by element (pg's escapeElement and byteLength
  // were the worker's hottest frames for a portfolio page of 1000: bench:risk, README).
  const rows = scored.map((s) => ({
    cid: s.item.customerId,
    ctype: s.item.customerType,
    rating: s.assessment.rating,
    prev: s.item.rating,
    total: s.assessment.total,
    factors: jsonSafeFactors(s.assessment),
    groups: s.assessment.groups,
    reasons: s.assessment.reasons,
    cap: s.assessment.capApplied ?? null,
  }));
  const inserted = await tx.$queryRawUnsafe<{ id: string; customerId: string }[]>(
    `INSERT INTO "RiskAssessment" (id, "customerId", "runKey", trigger, "customerType", rating, "previousRating", total, factors, groups, reasons, "capApplied", "policyVersion", "assessedAt")
     SELECT gen_random_uuid(), a.cid, $1, $2::"RiskTrigger", a.ctype::"CustomerType", a.rating, a.prev, a.total, a.factors, a.groups, a.reasons, a.cap, $3, $4::timestamptz
       FROM jsonb_to_recordset($5::jsonb) AS a(cid text, ctype text, rating text, prev text, total int, factors jsonb, groups jsonb, reasons jsonb, cap jsonb)
     ON CONFLICT ("customerId", "runKey") DO NOTHING
     RETURNING id::text AS id, "customerId"`,
    o.runKey,
    o.trigger,
    o.policy.version,
    o.at.toISOString(),
    JSON.stringify(rows),
  );
  const idOf = new Map(inserted.map((r) => [r.customerId, r.id]));
  const fresh = scored.filter((s) => idOf.has(s.item.customerId));
  const alreadyAssessed = scored.filter((s) => !idOf.has(s.item.customerId)).map((s) => s.item.customerId);
  const assessed = fresh.map((s) => toAssessed(s, idOf.get(s.item.customerId)!));
  if (fresh.length === 0) return { assessed, alreadyAssessed, failed };

  // 3. The rating in force, its preferential flags and its measures follow a changed rating, or the
  // same rating under another policy version. An assessment that confirms the rating in force leaves
  // the customer's row alone (Customer.riskAssessmentId names the assessment that gave the rating):
  // a quarterly run rewrites only the rows whose rating changed, not every customer's (bench:risk).
  const rerated = fresh.filter((s) => s.item.rating !== s.assessment.rating || s.item.ratingPolicyVersion !== o.policy.version);
  if (rerated.length > 0) {
    const measures = new Map(rerated.map((s) => [s.item.customerId, measureRowsFor(s.assessment.rating, o.policy)]));
    const preferential = (id: string) => measures.get(id)!.find((m) => m.kind === 'PREFERENTIAL_TERMS')?.detail as { simplifiedProcedure: boolean; rateDiscountEligible: boolean } | undefined;
    await tx.$executeRawUnsafe(
      `UPDATE "Customer" c SET "riskRating" = u.rating, "riskAssessmentId" = u.aid, "riskAssessedAt" = $1::timestamptz, "riskPolicyVersion" = $2,
              "simplifiedProcedure" = u.simp, "rateDiscountEligible" = u.disc
         FROM jsonb_to_recordset($3::jsonb) AS u(cid text, rating text, aid text, simp bool, disc bool)
        WHERE c.id = u.cid`,
      o.at.toISOString(),
      o.policy.version,
      JSON.stringify(
        rerated.map((s) => ({
          cid: s.item.customerId,
          rating: s.assessment.rating,
          aid: idOf.get(s.item.customerId)!,
          simp: preferential(s.item.customerId)?.simplifiedProcedure ?? false,
          disc: preferential(s.item.customerId)?.rateDiscountEligible ?? false,
        })),
      ),
    );
    await reconcileMeasureRows(tx, rerated.map((s) => s.item.customerId), measures, idOf, new Map(rerated.map((s) => [s.item.customerId, s.assessment.rating])), o);
  }

  // 4. Audit of the rating changes.
  const changes = assessed.filter((a) => a.changed);
  if (changes.length > 0) {
    await tx.auditLog.createMany({
      data: changes.map((a) => ({
        actorStaffId: null,
        action: 'risk.rating.change',
        entity: 'Customer',
        entityId: a.customerId,
        customerId: a.customerId,
        changes: { riskRating: { before: a.previousRating, after: a.rating }, trigger: { before: null, after: o.trigger }, assessmentId: { before: null, after: a.assessmentId } },
        idempotencyKey: `risk.rating.change:${a.assessmentId}`,
      })),
      skipDuplicates: true,
    });
  }

  // 5. A pending re-assessment is done.
  await tx.$executeRawUnsafe(
    `UPDATE "CustomerLifecycle" SET "riskReassessmentDueAt" = NULL WHERE "customerId" = ANY($1::text[]) AND "riskReassessmentDueAt" <= $2::timestamptz`,
    fresh.map((s) => s.item.customerId),
    o.at.toISOString(),
  );
  return { assessed, alreadyAssessed, failed };
}

async function reconcileMeasureRows(tx: DbTx, customerIds: string[], wanted: Map<string, MeasureRow[]>, idOf: Map<string, string>, ratingOf: Map<string, string>, o: AssessOptions): Promise<void> {
  const inForce = await tx.riskMeasure.findMany({
    where: { customerId: { in: customerIds }, liftedAt: null },
    select: { id: true, customerId: true, kind: true, detail: true },
  });
  const lifts: { id: string; by: string }[] = [];
  const applies: { customerId: string; row: MeasureRow }[] = [];
  for (const customerId of customerIds) {
    const mine = inForce.filter((m) => m.customerId === customerId).map((m) => ({ id: m.id, kind: m.kind, detail: m.detail as Record<string, unknown> }));
    const { lift, apply } = reconcileMeasures(mine, wanted.get(customerId)!);
    lifts.push(...lift.map((id) => ({ id, by: idOf.get(customerId)! })));
    applies.push(...apply.map((row) => ({ customerId, row })));
  }
  if (lifts.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "RiskMeasure" m SET "liftedAt" = $1::timestamptz, "liftedByAssessmentId" = u.by::uuid
         FROM unnest($2::text[], $3::text[]) AS u(id, by) WHERE m.id = u.id::uuid AND m."liftedAt" IS NULL`,
      o.at.toISOString(),
      lifts.map((l) => l.id),
      lifts.map((l) => l.by),
    );
  }
  if (applies.length > 0) {
    await tx.riskMeasure.createMany({
      data: applies.map(({ customerId, row }) => ({
        customerId,
        kind: row.kind,
        rating: ratingOf.get(customerId)!,
        detail: row.detail as Prisma.InputJsonObject,
        appliedAt: o.at,
        appliedByAssessmentId: idOf.get(customerId)!,
        policyVersion: o.policy.version,
      })),
    });
  }
}
