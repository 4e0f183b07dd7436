/**
 * Use case (§6, §6.2): a customer's risk — the rating in force with its preferential flags, the
 * §6.2 measures in force, the history of rating changes and of measures applied and lifted, the
 * latest assessments with every factor's input, band and points and the reasons in plain words, and
 * the open risk investigation. GET /customers/:id/risk and `ccm risk show`.
 *
 * Same read scope as GET /customers/:id (a RELATIONSHIP_MANAGER: own customers, others 404); each read
 * is recorded (`customer.read`, entity RiskAssessment) in the read's transaction: no record, no data.
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { customerScope, findCustomerIn } from '../customers/access';
import type { Actor } from '../security/auth';

/** How many of the latest assessments are shown in full (rating changes are all listed). */
export const LATEST_ASSESSMENTS = 5;

export interface RiskView {
  customerId: string;
  customerType: string;
  rating: string | null;
  /** The latest assessment (a quarterly run that confirms the rating counts). */
  assessedAt: string | null;
  /** When the rating in force was given, and the policy version it was given under. */
  ratedSince: string | null;
  policyVersion: string | null;
  simplifiedProcedure: boolean;
  rateDiscountEligible: boolean;
  measuresInForce: MeasureView[];
  ratingChanges: { assessmentId: string; from: string | null; to: string; trigger: string; policyVersion: string; at: string; reasons: string[] }[];
  measureHistory: MeasureView[];
  latestAssessments: {
    id: string;
    trigger: string;
    runKey: string;
    rating: string;
    previousRating: string | null;
    total: number;
    factors: unknown;
    groups: unknown;
    reasons: string[];
    capApplied: unknown;
    policyVersion: string;
    assessedAt: string;
  }[];
  investigation: { tasks: { id: string; kind: string; status: string; assigneeStaffId: string | null; dueAt: string; outcome: unknown }[] } | null;
}

export interface MeasureView {
  kind: string;
  rating: string;
  detail: unknown;
  appliedAt: string;
  appliedByAssessmentId: string;
  liftedAt: string | null;
  liftedByAssessmentId: string | null;
  policyVersion: string;
}

const reasonsOf = (r: unknown): string[] => (Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : []);

export async function getRisk(db: Db, actor: Actor, customerId: string, ctx: { requestId?: string } = {}): Promise<RiskView> {
  return db.$transaction(async (tx) => {
    const c = await findCustomerIn(tx, customerId, customerScope(actor));
    const [changes, latest, measures, tasks] = await Promise.all([
      tx.$queryRawUnsafe<{ id: string; previousRating: string | null; rating: string; trigger: string; policyVersion: string; assessedAt: Date; reasons: unknown }[]>(
        `SELECT id::text AS id, "previousRating", rating, trigger::text AS trigger, "policyVersion", "assessedAt", reasons
           FROM "RiskAssessment" WHERE "customerId" = $1 AND rating IS DISTINCT FROM "previousRating" ORDER BY "assessedAt" DESC`,
        customerId,
      ),
      tx.riskAssessment.findMany({ where: { customerId }, orderBy: { assessedAt: 'desc' }, take: LATEST_ASSESSMENTS }),
      tx.riskMeasure.findMany({ where: { customerId }, orderBy: [{ appliedAt: 'desc' }, { kind: 'asc' }] }),
      tx.task.findMany({ where: { customerId, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] } }, orderBy: { createdAt: 'desc' }, take: 10 }),
    ]);
    await writeAudit(tx, { actorStaffId: actor.staffId, action: 'customer.read', entity: 'RiskAssessment', entityId: customerId, customerId, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
    const measureView = (m: (typeof measures)[number]): MeasureView => ({
      kind: m.kind,
      rating: m.rating,
      detail: m.detail,
      appliedAt: m.appliedAt.toISOString(),
      appliedByAssessmentId: m.appliedByAssessmentId,
      liftedAt: m.liftedAt?.toISOString() ?? null,
      liftedByAssessmentId: m.liftedByAssessmentId,
      policyVersion: m.policyVersion,
    });
    const open = tasks.filter((t) => t.status === 'OPEN');
    return {
      customerId,
      customerType: c.type,
      rating: c.riskRating,
      assessedAt: latest[0]?.assessedAt.toISOString() ?? c.riskAssessedAt?.toISOString() ?? null,
      ratedSince: c.riskAssessedAt?.toISOString() ?? null,
      policyVersion: c.riskPolicyVersion,
      simplifiedProcedure: c.simplifiedProcedure,
      rateDiscountEligible: c.rateDiscountEligible,
      measuresInForce: measures.filter((m) => m.liftedAt === null).map(measureView),
      ratingChanges: changes.map((a) => ({ assessmentId: a.id, from: a.previousRating, to: a.rating, trigger: a.trigger, policyVersion: a.policyVersion, at: a.assessedAt.toISOString(), reasons: reasonsOf(a.reasons) })),
      measureHistory: measures.map(measureView),
      latestAssessments: latest.map((a) => ({
        id: a.id,
        trigger: a.trigger,
        runKey: a.runKey,
        rating: a.rating,
        previousRating: a.previousRating,
        total: a.total,
        factors: a.factors,
        groups: a.groups,
        reasons: reasonsOf(a.reasons),
        capApplied: a.capApplied,
        policyVersion: a.policyVersion,
        assessedAt: a.assessedAt.toISOString(),
      })),
      investigation:
        open.length > 0
          ? { tasks: open.map((t) => ({ id: t.id, kind: t.kind, status: t.status, assigneeStaffId: t.assigneeStaffId, dueAt: t.dueAt.toISOString(), outcome: t.outcome })) }
          : null,
    };
  });
}
