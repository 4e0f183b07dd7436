/**
 * Report (§6 "every customer's risk is assessed", §6.1 ratings): the portfolio's risk distribution —
 * how many active (APPROVED) customers hold each rating, by customer type and by segment, with the
 * customers not yet rated counted as NOT_RATED. Counts only: no customer is named, nothing to audit
 * per customer (§3.1 records reads of a customer's data).
 *
 * - Who: RISK_DISTRIBUTION_ROLES (SUPERVISOR, ADMIN as the other reports, and RISK_OFFICER whose work
 *   it is); others 403 before anything is read.
 * - One GROUP BY over Customer (index (status, id)); the shaping is pure (`shapeDistribution`).
 */
import type { Db } from '../db/client';
import { ENTERPRISE_RISK_RATINGS, INDIVIDUAL_RISK_RATINGS } from '../domain/risk-scorecard';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { csvDocument } from '../shared/csv';

export const RISK_DISTRIBUTION_ROLES = ['SUPERVISOR', 'ADMIN', 'RISK_OFFICER'] as const;
export const NOT_RATED = 'NOT_RATED';

export interface DistributionCount {
  customerType: string;
  segment: string | null;
  rating: string | null;
  customers: number;
}

export interface TypeDistribution {
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  /** The type's ratings, lowest risk first, then NOT_RATED. */
  ratings: string[];
  total: number;
  /** customers per rating (every rating listed, 0 included). */
  byRating: Record<string, number>;
  /** rating share of the type's customers, 4 decimals; null without customers. */
  shares: Record<string, number | null>;
  bySegment: { segment: string; total: number; byRating: Record<string, number> }[];
}

export interface RiskDistribution {
  generatedAt: string;
  total: number;
  types: TypeDistribution[];
}

const SCALES = { INDIVIDUAL: INDIVIDUAL_RISK_RATINGS, ENTERPRISE: ENTERPRISE_RISK_RATINGS } as const;

/** Pure: the counts of the GROUP BY as one table per customer type. */
export function shapeDistribution(rows: readonly DistributionCount[], generatedAt: string): RiskDistribution {
  const types = (Object.keys(SCALES) as (keyof typeof SCALES)[]).map((customerType): TypeDistribution => {
    const ratings = [...SCALES[customerType], NOT_RATED];
    const zero = () => Object.fromEntries(ratings.map((r) => [r, 0])) as Record<string, number>;
    const byRating = zero();
    const segments = new Map<string, Record<string, number>>();
    for (const row of rows) {
      if (row.customerType !== customerType) continue;
      // A rating of the other scale cannot be stored (the scorecard rates by type); counted as not rated if it were.
      const rating = row.rating && ratings.includes(row.rating) ? row.rating : NOT_RATED;
      const segment = row.segment ?? 'UNCLASSIFIED';
      byRating[rating] = (byRating[rating] ?? 0) + row.customers;
      const s = segments.get(segment) ?? zero();
      s[rating] = (s[rating] ?? 0) + row.customers;
      segments.set(segment, s);
    }
    const total = Object.values(byRating).reduce((a, b) => a + b, 0);
    return {
      customerType,
      ratings,
      total,
      byRating,
      shares: Object.fromEntries(ratings.map((r) => [r, total === 0 ? null : Math.round(((byRating[r] ?? 0) * 10_000) / total) / 10_000])),
      bySegment: [...segments.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([segment, counts]) => ({ segment, total: Object.values(counts).reduce((a, b) => a + b, 0), byRating: counts })),
    };
  });
  return { generatedAt, total: types.reduce((a, t) => a + t.total, 0), types };
}

export async function riskDistribution(deps: { db: Db; clock: Clock }, actor: Actor): Promise<RiskDistribution> {
  requireRole(actor, ...RISK_DISTRIBUTION_ROLES);
  const rows = await deps.db.$queryRaw<DistributionCount[]>`
    SELECT type::text AS "customerType", segment, "riskRating" AS rating, count(*)::int AS customers
      FROM "Customer" WHERE status = 'APPROVED'
     GROUP BY 1, 2, 3`;
  return shapeDistribution(rows, deps.clock.now().toISOString());
}

export const RISK_DISTRIBUTION_CSV_COLUMNS = ['customerType', 'segment', 'rating', 'customers', 'shareOfSegment'] as const;

/** Pure: one row per (type, segment, rating) and a segment "ALL" per type; shares 4 decimals. */
export function riskDistributionCsv(report: RiskDistribution): string {
  const share = (n: number, total: number) => (total === 0 ? null : Math.round((n * 10_000) / total) / 10_000);
  const rows = report.types.flatMap((t) => [
    ...t.ratings.map((r) => [t.customerType, 'ALL', r, t.byRating[r] ?? 0, share(t.byRating[r] ?? 0, t.total)]),
    ...t.bySegment.flatMap((s) => t.ratings.map((r) => [t.customerType, s.segment, r, s.byRating[r] ?? 0, share(s.byRating[r] ?? 0, s.total)])),
  ]);
  return csvDocument(RISK_DISTRIBUTION_CSV_COLUMNS, rows);
}
