/**
 * §7.2 the loaders: one staff member's facts of one period (./indicators.ts AssessmentFacts), read
 * from the system's own records. Times are the records' own; the period is [start, end) in the
 * bank's time zone; `asOf` (the earlier of now and the period's end) settles what was still pending.
 *
 * - Their customers: those they look after now — relationship manager, an active §4 assignment, or,
 *   for a customer without a dedicated manager, the staff member who entered it — approved before
 *   the period's end, whose lifecycle did not close before its start.
 * - Satisfaction: survey answers given in the period on the feedback cases they handle (§5.2), and
 *   the phone follow-ups supervisors recorded about them in the period.
 * - Loyalty: of their customers holding a product opened before the period's end, those whose second
 *   or later product opened in the period; of all their customers, those named as the referrer of a
 *   customer first contacted (created) in the period.
 * - Growth: customers they entered, approved in the period; products they requested that opened in
 *   the period (count; amounts summed where the product has one).
 * - Risk control: a periodic review (§3.2) is settled on time when done by its overdue time, late when
 *   its overdue time passed without it (counted in the period in which it was settled: done, or its
 *   overdue time); a risk investigation or mitigation-plan task (§6.2) likewise by its due time; a
 *   case they handle (§5.2) counts in the period its response deadline (targetAt) falls in: met with
 *   a first response by then, breached with a later one or none once the deadline passed; a risk
 *   event is an assessment of one of their customers that rated it HIGH/D from a better rating (§6).
 */
import { Prisma, type Db } from '../db/client';
import { ENTERPRISE_RISK_RATINGS, INDIVIDUAL_RISK_RATINGS } from '../domain/risk-scorecard';
import type { AssessmentFacts } from './indicators';

/** §6 the worst ratings (HIGH, D): an assessment giving one of them from a better one is a risk event. */
const WORST_RATINGS = [INDIVIDUAL_RISK_RATINGS[INDIVIDUAL_RISK_RATINGS.length - 1], ENTERPRISE_RISK_RATINGS[ENTERPRISE_RISK_RATINGS.length - 1]];

export interface FactsWindow {
  start: Date;
  end: Date;
  /** min(now, end): what had not happened by then is pending, not late. */
  asOf: Date;
}

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function loadFacts(db: Db, staffId: string, w: FactsWindow): Promise<AssessmentFacts> {
  const { start, end, asOf } = w;
  const worst = Prisma.join(WORST_RATINGS.map((r) => Prisma.sql`${r}`));
  const [customers] = await db.$queryRaw<{ portfolio: number; holders: number; repeat_buyers: number; referrers: number; risk_events: number }[]>`
    WITH mine AS (
      SELECT c."id" FROM "Customer" c
      JOIN "OnboardingReview" r ON r."customerId" = c."id" AND r."decision" = 'APPROVED' AND r."decidedAt" < ${end}
      LEFT JOIN "CustomerLifecycle" l ON l."customerId" = c."id"
      WHERE (c."relationshipManagerId" = ${staffId}
             OR (c."relationshipManagerId" IS NULL AND c."createdByStaffId" = ${staffId})
             OR EXISTS (SELECT 1 FROM "RelationshipAssignment" a WHERE a."customerId" = c."id" AND a."staffId" = ${staffId} AND a."endedAt" IS NULL))
        AND (l."closedAt" IS NULL OR l."closedAt" >= ${start})
    ), opened AS (
      SELECT p."customerId", p."openedAt", row_number() OVER (PARTITION BY p."customerId" ORDER BY p."openedAt", p."id") AS nth
      FROM "CustomerProduct" p JOIN mine m ON m."id" = p."customerId"
      WHERE p."openedAt" IS NOT NULL AND p."openedAt" < ${end}
    )
    SELECT
      (SELECT count(*) FROM mine)::int AS portfolio,
      (SELECT count(DISTINCT o."customerId") FROM opened o)::int AS holders,
      (SELECT count(DISTINCT o."customerId") FROM opened o WHERE o.nth >= 2 AND o."openedAt" >= ${start})::int AS repeat_buyers,
      (SELECT count(*) FROM mine m WHERE EXISTS (
         SELECT 1 FROM "Customer" x WHERE x."referredByCustomerId" = m."id" AND x."createdAt" >= ${start} AND x."createdAt" < ${end}))::int AS referrers,
      (SELECT count(*) FROM "RiskAssessment" ra JOIN mine m ON m."id" = ra."customerId"
        WHERE ra."assessedAt" >= ${start} AND ra."assessedAt" < ${end}
          AND ra."rating" IN (${worst}) AND ra."previousRating" IS NOT NULL AND ra."previousRating" NOT IN (${worst}))::int AS risk_events`;

  const [growth] = await db.$queryRaw<{ new_customers: number; products: number; with_amount: number; volume: string | null }[]>`
    SELECT
      (SELECT count(*) FROM "Customer" c JOIN "OnboardingReview" r ON r."customerId" = c."id"
        WHERE c."createdByStaffId" = ${staffId} AND r."decision" = 'APPROVED' AND r."decidedAt" >= ${start} AND r."decidedAt" < ${end})::int AS new_customers,
      count(*)::int AS products,
      count(p."amountUsd")::int AS with_amount,
      sum(p."amountUsd")::text AS volume
    FROM "CustomerProduct" p
    WHERE p."requestedByStaffId" = ${staffId} AND p."openedAt" >= ${start} AND p."openedAt" < ${end}`;

  const surveys = await db.$queryRaw<{ score: number }[]>`
    SELECT s."score" FROM "SurveyResponse" s JOIN "FeedbackCase" c ON c."caseNo" = s."caseNo"
    WHERE c."handlerStaffId" = ${staffId} AND s."answeredAt" >= ${start} AND s."answeredAt" < ${end}
    ORDER BY s."answeredAt", s."caseNo", s."round"`;

  const followUps = await db.phoneFollowUp.findMany({
    where: { staffId, recordedAt: { gte: start, lt: end } },
    select: { outcome: true, score: true },
    orderBy: [{ recordedAt: 'asc' }, { id: 'asc' }],
  });

  // Settled on time: done (DONE) by the deadline, in the period. Late: the deadline passed in the
  // period (by asOf) without the task closed by then. Closed otherwise before the deadline (the
  // customer left, the rating improved): not counted.
  const settled = (kinds: Prisma.Sql, deadline: Prisma.Sql) => db.$queryRaw<{ on_time: number; late: number }[]>`
    SELECT
      count(*) FILTER (WHERE t."status" = 'DONE' AND t."closedAt" >= ${start} AND t."closedAt" < ${end} AND (${deadline} IS NULL OR t."closedAt" <= ${deadline}))::int AS on_time,
      count(*) FILTER (WHERE ${deadline} >= ${start} AND ${deadline} < ${asOf} AND NOT (t."closedAt" IS NOT NULL AND t."closedAt" <= ${deadline}))::int AS late
    FROM "Task" t
    WHERE t."assigneeStaffId" = ${staffId} AND t."kind"::text IN (${kinds})`;
  const [reviews] = await settled(Prisma.sql`'PERIODIC_REVIEW'`, Prisma.sql`t."overdueAt"`);
  const [investigations] = await settled(Prisma.join([Prisma.sql`'RISK_INVESTIGATION'`, Prisma.sql`'MITIGATION_PLAN'`]), Prisma.sql`t."dueAt"`);

  const [sla] = await db.$queryRaw<{ met: number; breached: number }[]>`
    SELECT
      count(*) FILTER (WHERE c."firstResponseAt" <= c."targetAt")::int AS met,
      count(*) FILTER (WHERE c."firstResponseAt" > c."targetAt" OR (c."firstResponseAt" IS NULL AND c."targetAt" < ${asOf}))::int AS breached
    FROM "FeedbackCase" c
    WHERE c."handlerStaffId" = ${staffId} AND c."targetAt" >= ${start} AND c."targetAt" < ${end}`;

  return {
    surveyScores: surveys.map((s) => n(s.score)),
    phoneFollowUps: followUps.map((p) => ({ outcome: p.outcome, score: p.score })),
    portfolio: n(customers?.portfolio),
    productHolders: n(customers?.holders),
    repeatBuyers: n(customers?.repeat_buyers),
    referrers: n(customers?.referrers),
    newCustomers: n(growth?.new_customers),
    productsOpened: n(growth?.products),
    productsWithAmount: n(growth?.with_amount),
    volumeUsd: n(growth?.volume),
    reviews: { onTime: n(reviews?.on_time), late: n(reviews?.late) },
    slaCases: { met: n(sla?.met), breached: n(sla?.breached) },
    investigations: { onTime: n(investigations?.on_time), late: n(investigations?.late) },
    riskEvents: n(customers?.risk_events),
  };
}
